import { m, reply, type Reply } from '../chat/message.js';
import { migrationProgress } from '../migration/progress.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;
const TOP_REASONS = 5;

/**
 * The daily summary: migration progress, the last day's new failures by reason, and the audits run.
 * (The chart of the last 14 days comes with the schedules issue.)
 */
export async function buildDailySummary(store: Store, shop: string, now: number): Promise<Reply> {
  const progress = await migrationProgress(store, shop, now);
  const since = now - DAY_MS;
  const failed = (await store.listings.list(shop, { states: ['rejected', 'error'] })).filter((listing) => Date.parse(listing.updatedAt) >= since);
  const byReason = new Map<string, number>();
  for (const listing of failed) {
    const reason = listing.reasons[0] ?? listing.state;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const audit = await store.audits.latest(shop);
  const auditedToday = audit !== undefined && Date.parse(audit.finishedAt) >= since;
  return reply([
    m.heading(`Daily summary, ${new Date(now).toISOString().slice(0, 10)}`),
    m.progress('Migration', progress.submitted, progress.total),
    m.fields({
      Live: progress.byState.live, 'In review': progress.byState.in_review, Rejected: progress.byState.rejected, Failed: progress.byState.error,
      'New failures (24 h)': failed.length,
      'Last audit': audit ? `${audit.counts.ready + audit.counts.warnings} ready of ${audit.counts.audited}, ${audit.finishedAt.slice(0, 16).replace('T', ' ')} UTC${auditedToday ? '' : ' (not in the last 24 h)'}` : 'none yet',
    }),
    ...(byReason.size
      ? [m.table(['new failures by reason', 'listings'], [...byReason].sort((a, b) => b[1] - a[1]).slice(0, TOP_REASONS).map(([reason, count]) => [reason, count]))]
      : []),
  ]);
}
