import type { Logger } from '../log.js';
import { formatResetTime, isQuotaPaused, resumesAt, type QuotaReset } from '../migration/quota.js';
import type { Store } from '../store/store.js';

/** How often the resume job looks: a paused migration restarts within this of the quota reset. */
export const QUOTA_RESUME_CRON = '*/15 * * * *';

export const quotaResumeJobName = (shop: string): string => `quota-resume:${shop}`;

export interface QuotaResumeJobDeps {
  store: Store;
  shop: string;
  reset: QuotaReset;
  log: Logger;
  now(): number;
  /**
   * Resumes the shop's paused migration (in the background). resumeMigration refuses a job that is
   * running, and listings record submitting/created, so a second resume never creates a product twice.
   */
  resume(): Promise<unknown>;
}

export type QuotaResumeOutcome = 'resumed' | 'waiting for the reset' | 'nothing paused for the quota';

/** The quota resume job: restarts a migration paused for the daily quota once the quota day it paused in is over. */
export function quotaResumeJob(deps: QuotaResumeJobDeps): (occurrence: Date) => Promise<QuotaResumeOutcome> {
  const { store, shop, log } = deps;
  return async () => {
    const job = await store.jobs.current(shop);
    if (!job || !isQuotaPaused(job)) return 'nothing paused for the quota';
    const at = resumesAt(job, deps.reset);
    if (deps.now() < at) {
      log.debug({ job: quotaResumeJobName(shop), runId: job.id, resumesAt: formatResetTime(at, deps.reset.timezone) }, 'migration waits for the quota reset');
      return 'waiting for the reset';
    }
    await deps.resume();
    log.info({ job: quotaResumeJobName(shop), runId: job.id }, 'migration resumed after the quota reset');
    return 'resumed';
  };
}
