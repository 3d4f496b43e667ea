import type { AlertEvent } from '../alerts/events.js';
import type { Logger } from '../log.js';
import { reviewAgeMs } from '../migration/progress.js';
import type { Store } from '../store/store.js';

/** Hourly, a few minutes past, away from the quarter-hour jobs. */
export const STUCK_REVIEW_CRON = '7 * * * *';

export const stuckReviewJobName = (shop: string): string => `stuck-review:${shop}`;

const HOUR_MS = 3_600_000;

export interface StuckReviewJobDeps {
  store: Store;
  shop: string;
  /** REVIEW_STUCK_AFTER_HOURS. */
  afterHours: number;
  log: Logger;
  now(): number;
  raise(event: AlertEvent): Promise<unknown>;
}

/**
 * The stuck-in-review job: raises a "stuck in review" alert for each listing in review longer than the
 * threshold, once: one already open (or held by a mute) is not raised again. Going live, or leaving
 * review otherwise, resolves it (alertsForStatusChange).
 */
export function stuckReviewJob(deps: StuckReviewJobDeps): (occurrence: Date) => Promise<number> {
  const { store, shop, log } = deps;
  return async () => {
    const now = deps.now();
    const thresholdMs = deps.afterHours * HOUR_MS;
    const stuck = (await store.listings.list(shop, { states: ['in_review'] })).filter((listing) => reviewAgeMs(listing, now) >= thresholdMs);
    if (stuck.length === 0) return 0;
    const alreadyOpen = new Set((await store.incidents.open(shop)).filter((incident) => incident.kind === 'stuck_in_review').map((incident) => incident.subject));
    let raised = 0;
    for (const listing of stuck) {
      if (alreadyOpen.has(listing.handle)) continue;
      await deps.raise({
        kind: 'stuck_in_review', shop, handle: listing.handle, productId: listing.tiktokProductId ?? '', since: listing.updatedAt,
        hours: Math.floor(reviewAgeMs(listing, now) / HOUR_MS),
      });
      raised++;
    }
    log[raised ? 'info' : 'debug']({ job: stuckReviewJobName(shop), inReviewTooLong: stuck.length, raised }, 'stuck-in-review scan finished');
    return raised;
  };
}
