import type { Listing, ListingState, MigrationJob, Store } from '../store/store.js';
import { quotaDaysNeeded, quotaUseOf, type ListingQuota } from './quota.js';

export interface MigrationProgress {
  job: Pick<MigrationJob, 'id' | 'status' | 'note' | 'startedAt' | 'dryRun'> | null;
  /** Products the latest audit found ready (or with warnings only): what a full migration pushes. */
  total: number;
  /** Listings TikTok has answered for: in review, live, rejected, failed or deactivated. */
  submitted: number;
  byState: Record<ListingState, number>;
  /** Listings the current job submitted per minute, once it has submitted any. */
  ratePerMinute: number | null;
  /** Counted in quota days when the rest is more than today's quota leaves. */
  etaSeconds: number | null;
  /** How long the oldest listing still in review has waited. */
  oldestInReviewMs: number | null;
  /** The shop's listing quota, when one is set: used today and in all, and the next reset (ISO). */
  quota: { daily: number; total: number; usedToday: number; usedTotal: number; resetsAt: string } | null;
}

/** How long a listing has been in review: since it entered review, the last change of a listing in review. */
export const reviewAgeMs = (listing: Pick<Listing, 'updatedAt'>, now: number): number => Math.max(0, now - Date.parse(listing.updatedAt));

const DAY_MS = 86_400_000;

const ANSWERED: readonly ListingState[] = ['in_review', 'live', 'rejected', 'error', 'deactivated'];

/** Where the shop's migration stands: done/total, by state, rate and ETA, for any chat or terminal to render. */
export async function migrationProgress(store: Store, shop: string, now: number, listingQuota?: ListingQuota): Promise<MigrationProgress> {
  const audit = await store.audits.latest(shop);
  const byState = await store.listings.countByState(shop);
  const job = (await store.jobs.current(shop)) ?? null;
  const total = audit ? audit.counts.ready + audit.counts.warnings : 0;
  const submitted = ANSWERED.reduce((sum, state) => sum + byState[state], 0);
  const listings = await store.listings.list(shop);
  let ratePerMinute: number | null = null;
  let etaSeconds: number | null = null;
  const left = Math.max(0, total - submitted);
  if (job) {
    const byJob = listings.filter((listing) => listing.runId === job.id && ANSWERED.includes(listing.state)).length;
    const minutes = (now - Date.parse(job.startedAt)) / 60_000;
    if (byJob > 0 && minutes > 0) {
      ratePerMinute = byJob / minutes;
      etaSeconds = Math.max(0, Math.round((left / ratePerMinute) * 60));
    }
  }
  const use = listingQuota ? quotaUseOf(listings, listingQuota, now) : null;
  if (job && use && use.dailyLeft !== null && left > use.dailyLeft) {
    // Whole quota days until the last one starts, then that day's share at the run's rate.
    const days = quotaDaysNeeded(left, use);
    const lastDay = left - (use.dailyLeft ?? 0) - (days - (use.dailyLeft ? 2 : 1)) * use.daily;
    const lastDayStartsIn = use.resetsAt - now + (days - (use.dailyLeft ? 2 : 1)) * DAY_MS;
    etaSeconds = Math.round((lastDayStartsIn + (ratePerMinute ? (lastDay / ratePerMinute) * 60_000 : 0)) / 1000);
  }
  const oldestInReviewMs = listings.reduce<number | null>(
    (oldest, listing) => (listing.state === 'in_review' ? Math.max(oldest ?? 0, reviewAgeMs(listing, now)) : oldest),
    null,
  );
  return {
    job: job && { id: job.id, status: job.status, note: job.note, startedAt: job.startedAt, dryRun: job.dryRun },
    total, submitted, byState, ratePerMinute, etaSeconds, oldestInReviewMs,
    quota: use && { daily: use.daily, total: use.total, usedToday: use.usedToday, usedTotal: use.usedTotal, resetsAt: new Date(use.resetsAt).toISOString() },
  };
}
