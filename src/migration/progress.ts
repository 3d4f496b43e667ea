import type { ListingState, MigrationJob, Store } from '../store/store.js';

export interface MigrationProgress {
  job: Pick<MigrationJob, 'id' | 'status' | 'note' | 'startedAt' | 'dryRun'> | null;
  /** Products the latest audit found ready (or with warnings only): what a full migration pushes. */
  total: number;
  /** Listings TikTok has answered for: in review, live, rejected, failed or deactivated. */
  submitted: number;
  byState: Record<ListingState, number>;
  /** Listings the current job submitted per minute, once it has submitted any. */
  ratePerMinute: number | null;
  etaSeconds: number | null;
}

const ANSWERED: readonly ListingState[] = ['in_review', 'live', 'rejected', 'error', 'deactivated'];

/** Where the shop's migration stands: done/total, by state, rate and ETA, for any chat or terminal to render. */
export async function migrationProgress(store: Store, shop: string, now: number): Promise<MigrationProgress> {
  const audit = await store.audits.latest(shop);
  const byState = await store.listings.countByState(shop);
  const job = (await store.jobs.current(shop)) ?? null;
  const total = audit ? audit.counts.ready + audit.counts.warnings : 0;
  const submitted = ANSWERED.reduce((sum, state) => sum + byState[state], 0);
  let ratePerMinute: number | null = null;
  let etaSeconds: number | null = null;
  if (job) {
    const byJob = (await store.listings.list(shop, { states: ANSWERED })).filter((listing) => listing.runId === job.id).length;
    const minutes = (now - Date.parse(job.startedAt)) / 60_000;
    if (byJob > 0 && minutes > 0) {
      ratePerMinute = byJob / minutes;
      etaSeconds = Math.max(0, Math.round(((total - submitted) / ratePerMinute) * 60));
    }
  }
  return {
    job: job && { id: job.id, status: job.status, note: job.note, startedAt: job.startedAt, dryRun: job.dryRun },
    total, submitted, byState, ratePerMinute, etaSeconds,
  };
}
