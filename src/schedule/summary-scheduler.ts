import type { ChannelPoster } from '../alerts/alerts.js';
import type { Logger } from '../log.js';
import type { SummarySchedule, Store } from '../store/store.js';
import { buildDailySummary } from './daily-summary.js';
import { createJobRunner, processOwner, type Job } from './job-runner.js';
import { createMemoryRunLedger, type RunLedger } from './run-ledger.js';

export interface SummarySchedulerDeps {
  store: Store;
  shop: string;
  posters: Partial<Record<SummarySchedule['platform'], ChannelPoster>>;
  log: Logger;
  now(): number;
  /** Where runs are recorded and claimed (openFileRunLedger(DATA_DIR)); without one, no catch-up and no lock between processes. */
  ledger?: RunLedger;
  /** This process in the ledger's claims; processOwner() by default. */
  owner?: string;
}

/** node-cron's pattern for a daily HH:MM. */
export const dailyPattern = (time: string): string => {
  const [hours, minutes] = time.split(':');
  return `${Number(minutes)} ${Number(hours)} * * *`;
};

/**
 * Each channel's daily summary as a job on a job runner, in the channel's time zone. `reload` replaces
 * the jobs from the store after a schedule changes and starts the minute tick; `tick` is that tick, for
 * tests and for a caller that keeps its own clock.
 */
export function createSummaryScheduler(deps: SummarySchedulerDeps) {
  if (!deps.ledger) deps.log.warn({ job: 'daily-summary' }, 'no run ledger: summaries missed while down are not caught up, and two processes would both post');
  // Each tick reads the schedules again, so one set through another process runs here too.
  const runner = createJobRunner({
    ledger: deps.ledger ?? createMemoryRunLedger(), owner: deps.owner ?? processOwner(), log: deps.log, now: deps.now,
    refresh: async () => (await deps.store.summaries.list(deps.shop)).map(jobFor),
  });

  async function post(schedule: SummarySchedule): Promise<void> {
    const fields = { job: 'daily-summary', platform: schedule.platform, channelId: schedule.channelId };
    const poster = deps.posters[schedule.platform];
    if (!poster) {
      deps.log.warn(fields, 'summary not posted: the platform is not connected');
      return;
    }
    await poster(schedule.channelId, await buildDailySummary(deps.store, deps.shop, deps.now()));
    deps.log.info(fields, 'summary posted');
  }

  const jobFor = (schedule: SummarySchedule): Job => ({
    name: `summary:${deps.shop}:${schedule.platform}:${schedule.channelId}`,
    pattern: dailyPattern(schedule.time),
    timezone: schedule.timezone,
    run: () => post(schedule),
  });

  return {
    async reload(): Promise<number> {
      const schedules = await deps.store.summaries.list(deps.shop);
      const accepted = await runner.setJobs(schedules.map(jobFor));
      runner.start();
      return accepted;
    },
    tick: runner.tick,
    stop: runner.stop,
  };
}
