import { describe, expect, it } from 'vitest';
import { formatResetTime, parseQuotaReset, quotaDay, quotaDaysNeeded, quotaUseOf, type ListingQuota } from '../../src/migration/quota.js';
import { makeListing } from '../store/contract.js';

describe('parseQuotaReset', () => {
  it('reads a time of day and an IANA time zone', () => {
    expect(parseQuotaReset('00:00 UTC')).toEqual({ hour: 0, minute: 0, timezone: 'UTC' });
    expect(parseQuotaReset(' 08:30  America/Los_Angeles ')).toEqual({ hour: 8, minute: 30, timezone: 'America/Los_Angeles' });
  });

  it('refuses other shapes and unknown zones', () => {
    for (const text of ['0:00 UTC', '24:00 UTC', '00:00', 'midnight UTC', '00:00 Mars/Olympus']) expect(parseQuotaReset(text)).toBeNull();
  });
});

describe('quotaDay', () => {
  it('runs from the latest reset to the next one, in the reset’s time zone', () => {
    const reset = { hour: 0, minute: 0, timezone: 'America/Los_Angeles' };
    const day = quotaDay(reset, Date.parse('2026-03-02T09:00:00Z'));
    expect(new Date(day.startMs).toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(new Date(day.endMs).toISOString()).toBe('2026-03-03T08:00:00.000Z');
    expect(formatResetTime(day.endMs, reset.timezone)).toBe('2026-03-03 00:00 America/Los_Angeles');
  });

  it('starts a new day at the reset itself', () => {
    const day = quotaDay({ hour: 0, minute: 0, timezone: 'UTC' }, Date.parse('2026-03-03T00:00:00Z'));
    expect(new Date(day.startMs).toISOString()).toBe('2026-03-03T00:00:00.000Z');
  });
});

describe('quotaUseOf', () => {
  const quota: ListingQuota = { daily: 10, total: 25, reset: { hour: 0, minute: 0, timezone: 'UTC' } };

  it('counts listings TikTok created, by their create time, for the day and in all', () => {
    const listings = [
      makeListing({ handle: 'a', tiktokProductId: '1', createdAt: '2026-03-01T23:59:00.000Z' }),
      makeListing({ handle: 'b', tiktokProductId: '2', createdAt: '2026-03-02T00:00:00.000Z' }),
      makeListing({ handle: 'c', tiktokProductId: '3', createdAt: '2026-03-02T08:00:00.000Z' }),
      makeListing({ handle: 'd', tiktokProductId: null, createdAt: '2026-03-02T08:00:00.000Z' }),
    ];
    expect(quotaUseOf(listings, quota, Date.parse('2026-03-02T09:00:00Z'))).toMatchObject({ usedToday: 2, usedTotal: 3, dailyLeft: 8, totalLeft: 22, left: 8 });
  });
});

describe('quotaDaysNeeded', () => {
  it('GIVEN 3,000 products at 1,000 a day with today unused THEN 3 days', () => expect(quotaDaysNeeded(3000, { daily: 1000, dailyLeft: 1000 })).toBe(3));
  it('GIVEN today half used THEN today counts as one day', () => expect(quotaDaysNeeded(1200, { daily: 1000, dailyLeft: 500 })).toBe(2));
  it('GIVEN today used up THEN the days start at the reset', () => expect(quotaDaysNeeded(1000, { daily: 1000, dailyLeft: 0 })).toBe(1));
  it('GIVEN nothing to create THEN 0 days', () => expect(quotaDaysNeeded(0, { daily: 1000, dailyLeft: 1000 })).toBe(0));
});
