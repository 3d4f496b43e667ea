import { m, reply, type Reply } from '../chat/message.js';
import { migrationProgress } from '../migration/progress.js';
import type { DayStats, ListingState, Store } from '../store/store.js';
import { renderSummaryChart, type SummaryChartData } from './summary-chart.js';

const DAY_MS = 86_400_000;
const TOP_REASONS = 5;
const CHART_DAYS = 14;

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Keeps the shop's listing counts for today (UTC): the summary's history, one entry per day. */
export async function recordDayStats(store: Store, shop: string, now: number): Promise<Record<ListingState, number>> {
  const byState = await store.listings.countByState(shop);
  await store.days.record(shop, dateOf(now), byState);
  return byState;
}

const count = (stats: DayStats | undefined, state: ListingState) => stats?.byState[state] ?? 0;

/** "+12" / "−3" / "±0" against yesterday's count, or nothing when there is no yesterday on record. */
function change(today: number, yesterday: DayStats | undefined, state: ListingState): string {
  if (!yesterday) return today.toLocaleString('en-US');
  const delta = today - count(yesterday, state);
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return `${today.toLocaleString('en-US')} (${sign}${Math.abs(delta).toLocaleString('en-US')} since yesterday)`;
}

function chartData(days: readonly DayStats[], failuresByReason: readonly [string, number][]): SummaryChartData {
  return {
    days: days.map((stats) => ({
      date: stats.date, live: count(stats, 'live'), inReview: count(stats, 'in_review'), rejected: count(stats, 'rejected'),
      error: count(stats, 'error'), pending: count(stats, 'pending') + count(stats, 'submitting'),
    })),
    failuresByReason: failuresByReason.map(([reason, failures]) => ({ reason, count: failures })),
  };
}

/**
 * The daily summary: migration progress with the change since yesterday, the last day's new failures by
 * reason, the audits run, and a PNG chart of the last 14 days. Building it records today's counts.
 */
export async function buildDailySummary(store: Store, shop: string, now: number, options: { chart?: boolean } = {}): Promise<Reply> {
  const progress = await migrationProgress(store, shop, now);
  await recordDayStats(store, shop, now);
  const history = await store.days.since(shop, dateOf(now - (CHART_DAYS - 1) * DAY_MS));
  const yesterday = history.find((stats) => stats.date === dateOf(now - DAY_MS));
  const since = now - DAY_MS;
  const failed = (await store.listings.list(shop, { states: ['rejected', 'error'] })).filter((listing) => Date.parse(listing.updatedAt) >= since);
  const byReason = new Map<string, number>();
  for (const listing of failed) {
    const reason = listing.reasons[0] ?? listing.state;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const reasons = [...byReason].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const auditsRun = history.flatMap((stats) => stats.auditsFinishedAt).filter((at) => Date.parse(at) >= since).length;
  const audit = await store.audits.latest(shop);
  const date = dateOf(now);
  const png = options.chart === false ? null : await renderSummaryChart(chartData(history, reasons));
  return reply([
    m.heading(`Daily summary, ${date}`),
    // Listings made before the latest audit (or with none) still count as submitted: never past 100%.
    m.progress('Migration', progress.submitted, Math.max(progress.total, progress.submitted)),
    m.fields({
      Live: change(progress.byState.live, yesterday, 'live'),
      'In review': change(progress.byState.in_review, yesterday, 'in_review'),
      Rejected: change(progress.byState.rejected, yesterday, 'rejected'),
      Failed: change(progress.byState.error, yesterday, 'error'),
      'New failures (24 h)': failed.length,
      'Audits run (24 h)': auditsRun,
      'Last audit': audit ? `${audit.counts.ready + audit.counts.warnings} ready of ${audit.counts.audited}, ${audit.finishedAt.slice(0, 16).replace('T', ' ')} UTC` : 'none yet',
    }),
    ...(reasons.length ? [m.table(['new failures by reason', 'listings'], reasons.slice(0, TOP_REASONS))] : []),
    ...(png ? [m.image(`summary-${date}.png`, png)] : []),
  ]);
}
