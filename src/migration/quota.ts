import { CronExpressionParser } from 'cron-parser';
import type { Listing, MigrationJob, Store } from '../store/store.js';

/** The daily reset of the listing quota: a time of day in an IANA time zone ("00:00 UTC"). */
export interface QuotaReset {
  hour: number;
  minute: number;
  timezone: string;
}

/**
 * A shop's listing quota (tiktok-shop.md §10): products TikTok lets it create per quota day and in all.
 * 0 means no cap.
 */
export interface ListingQuota {
  daily: number;
  total: number;
  reset: QuotaReset;
}

export const DEFAULT_QUOTA_RESET: QuotaReset = { hour: 0, minute: 0, timezone: 'UTC' };

/** The note of a job paused for the daily quota; the resume job looks for it, so do not reword it. */
export const QUOTA_NOTE_PREFIX = 'quota reached';
const TOTAL_NOTE_PREFIX = 'total listing quota reached';

/** "00:00 UTC", "08:30 America/Los_Angeles" → the reset; null when it is not one. */
export function parseQuotaReset(text: string): QuotaReset | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)\s+(\S+)$/.exec(text.trim());
  if (!match) return null;
  const timezone = match[3]!;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return null;
  }
  return { hour: Number(match[1]), minute: Number(match[2]), timezone };
}

const pad = (n: number) => String(n).padStart(2, '0');
export const formatQuotaReset = (reset: QuotaReset): string => `${pad(reset.hour)}:${pad(reset.minute)} ${reset.timezone}`;

function resetParser(reset: QuotaReset, at: number) {
  return CronExpressionParser.parse(`${reset.minute} ${reset.hour} * * *`, { tz: reset.timezone, currentDate: new Date(at) });
}

/** The quota day holding `now`: from the latest reset at or before it to the next one. */
export function quotaDay(reset: QuotaReset, now: number): { startMs: number; endMs: number } {
  // prev() answers strictly before currentDate, and a reset at exactly `now` opens the new day.
  const startMs = resetParser(reset, now + 1).prev().toDate().getTime();
  const endMs = resetParser(reset, now).next().toDate().getTime();
  return { startMs, endMs };
}

/** "2026-03-02 00:00 UTC", or with the zone's name when it is not UTC. */
export function formatResetTime(ms: number, timezone: string): string {
  if (timezone === 'UTC') return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${timezone}`;
}

export interface QuotaUse {
  daily: number;
  total: number;
  /** Listings TikTok created for the shop in this quota day. */
  usedToday: number;
  usedTotal: number;
  /** Creates still allowed now: the smaller of what the day and the total leave; null without any cap. */
  left: number | null;
  dailyLeft: number | null;
  totalLeft: number | null;
  resetsAt: number;
}

/**
 * How much of the quota the shop has used, from its listings: every listing with a TikTok product id
 * counts for the total, and for the day its product was created (run.ts sets `createdAt` to the create's
 * time when TikTok answers with an id). Products created outside shopshift are not seen; TikTok's own
 * 12052093 answer still stops a run then.
 */
export function quotaUseOf(listings: readonly Listing[], quota: ListingQuota, now: number): QuotaUse {
  const { startMs, endMs } = quotaDay(quota.reset, now);
  let usedToday = 0;
  let usedTotal = 0;
  for (const listing of listings) {
    if (listing.tiktokProductId === null) continue;
    usedTotal++;
    if (Date.parse(listing.createdAt) >= startMs) usedToday++;
  }
  const dailyLeft = quota.daily > 0 ? Math.max(0, quota.daily - usedToday) : null;
  const totalLeft = quota.total > 0 ? Math.max(0, quota.total - usedTotal) : null;
  const left = dailyLeft === null ? totalLeft : totalLeft === null ? dailyLeft : Math.min(dailyLeft, totalLeft);
  return { daily: quota.daily, total: quota.total, usedToday, usedTotal, left, dailyLeft, totalLeft, resetsAt: endMs };
}

export async function quotaUse(store: Store, shop: string, quota: ListingQuota, now: number): Promise<QuotaUse> {
  return quotaUseOf(await store.listings.list(shop), quota, now);
}

/**
 * Quota days a migration of `count` more products needs: today if it has room left, then one per
 * `daily`. 0 without a daily cap or with nothing to create.
 */
export function quotaDaysNeeded(count: number, use: Pick<QuotaUse, 'daily' | 'dailyLeft'>): number {
  if (count <= 0 || use.daily <= 0 || use.dailyLeft === null) return count > 0 ? 1 : 0;
  if (use.dailyLeft === 0) return Math.ceil(count / use.daily);
  return 1 + Math.ceil(Math.max(0, count - use.dailyLeft) / use.daily);
}

/** The note a run stops with when the quota leaves nothing; `resumes at` only for the daily quota. */
export function quotaStopNote(use: QuotaUse, timezone: string): string {
  if (use.totalLeft === 0 || use.dailyLeft === null) {
    return `${TOTAL_NOTE_PREFIX} (${use.usedTotal.toLocaleString('en-US')} of ${use.total.toLocaleString('en-US')} listings); resume once TikTok raises the shop's cap and TIKTOK_TOTAL_LISTING_QUOTA with it`;
  }
  return `${QUOTA_NOTE_PREFIX}, resumes at ${formatResetTime(use.resetsAt, timezone)} (${use.usedToday.toLocaleString('en-US')} of ${use.daily.toLocaleString('en-US')} today)`;
}

/** The note of a run TikTok stopped with 12052093: the daily quota is assumed, so the run resumes at the next reset. */
export function tiktokQuotaNote(reset: QuotaReset, now: number, tiktokText: string): string {
  return `${QUOTA_NOTE_PREFIX}, resumes at ${formatResetTime(quotaDay(reset, now).endMs, reset.timezone)} (TikTok: ${tiktokText})`;
}

/** A job paused for the daily quota, which the resume job may restart once the quota day it paused in is over. */
export function isQuotaPaused(job: MigrationJob): boolean {
  return job.status === 'paused' && job.note !== null && job.note.startsWith(`${QUOTA_NOTE_PREFIX},`);
}

/** When a job paused for the quota may run again: the first reset after it paused. */
export function resumesAt(job: MigrationJob, reset: QuotaReset): number {
  return quotaDay(reset, Date.parse(job.updatedAt)).endMs;
}

/** The quota settings as the migration reads them. */
export function listingQuotaFrom(config: { TIKTOK_DAILY_LISTING_QUOTA: number; TIKTOK_TOTAL_LISTING_QUOTA: number; TIKTOK_QUOTA_RESET: string }): ListingQuota {
  return {
    daily: config.TIKTOK_DAILY_LISTING_QUOTA,
    total: config.TIKTOK_TOTAL_LISTING_QUOTA,
    reset: parseQuotaReset(config.TIKTOK_QUOTA_RESET) ?? DEFAULT_QUOTA_RESET,
  };
}
