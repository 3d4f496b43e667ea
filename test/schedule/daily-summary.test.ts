import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes, renderText } from '../../src/chat/message.js';
import { buildDailySummary } from '../../src/schedule/daily-summary.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { makeListing } from '../store/contract.js';

const NOW = Date.parse('2026-11-25T08:00:00Z');
const DAY = 86_400_000;

async function shopWithHistory() {
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-summary-')) });
  for (let day = 13; day >= 1; day--) {
    const date = new Date(NOW - day * DAY).toISOString().slice(0, 10);
    await store.days.record('shop-1', date, { pending: 100 - (14 - day) * 5, live: (14 - day) * 4, in_review: 3, rejected: 14 - day > 6 ? 2 : 0, error: 1 });
  }
  const at = (ms: number) => new Date(ms).toISOString();
  const listings = [
    ...Array.from({ length: 60 }, (_, i) => makeListing({ handle: `live-${i}`, sellerSkus: [`L${i}`], state: 'live' })),
    makeListing({ handle: 'wm', sellerSkus: ['W'], state: 'rejected', reasons: ['Main image has a watermark'], updatedAt: at(NOW - 3_600_000) }),
    makeListing({ handle: 'wm2', sellerSkus: ['W2'], state: 'rejected', reasons: ['Main image has a watermark'], updatedAt: at(NOW - 7_200_000) }),
    makeListing({ handle: 'old', sellerSkus: ['O'], state: 'error', reasons: ['timeout'], updatedAt: at(NOW - 3 * DAY) }),
  ];
  for (const listing of listings) await store.listings.put(listing);
  const run = { shop: 'shop-1', location: 'sample.csv', sourceLabel: 'CSV', region: 'GB', counts: { audited: 70, ready: 60, warnings: 5, blocked: 5, skipped: 0 }, verdicts: {} };
  await store.audits.save({ ...run, id: 'a1', startedAt: at(NOW - 2 * DAY), finishedAt: at(NOW - 2 * DAY) });
  await store.audits.save({ ...run, id: 'a2', startedAt: at(NOW - 5_000_000), finishedAt: at(NOW - 4_000_000) });
  return store;
}

describe('the daily summary', () => {
  it('gives each state with its change since yesterday, the last day’s new failures by reason and the audits run', async () => {
    const store = await shopWithHistory();
    const text = renderText((await buildDailySummary(store, 'shop-1', NOW, { chart: false })).parts);
    expect(text).toContain('Live: 60 (+8 since yesterday)');
    expect(text).toContain('Rejected: 2 (±0 since yesterday)');
    expect(text).toContain('Failed: 1 (±0 since yesterday)');
    expect(text).toContain('New failures (24 h): 2');
    expect(text).toContain('Audits run (24 h): 1');
    expect(text).toMatch(/Main image has a watermark\s+2/);
    expect(text).not.toContain('timeout');
  });

  it('records today’s counts, so tomorrow’s summary has a yesterday', async () => {
    const store = await shopWithHistory();
    await buildDailySummary(store, 'shop-1', NOW, { chart: false });
    expect((await store.days.since('shop-1', '2026-11-25'))[0]?.byState).toMatchObject({ live: 60, rejected: 2, error: 1 });
    const tomorrow = renderText((await buildDailySummary(store, 'shop-1', NOW + DAY, { chart: false })).parts);
    expect(tomorrow).toContain('Live: 60 (±0 since yesterday)');
  });

  it('attaches the 14-day chart as a PNG', async () => {
    const store = await shopWithHistory();
    const summary = await buildDailySummary(store, 'shop-1', NOW);
    const image = summary.parts.find((part) => part.kind === 'file');
    expect(image).toMatchObject({ name: 'summary-2026-11-25.png', contentType: 'image/png', encoding: 'base64' });
    const png = fileBytes(image as { content: string; encoding: 'base64' });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 600]);
  });

  it('says so when there is no yesterday on record', async () => {
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-summary-')) });
    const text = renderText((await buildDailySummary(store, 'shop-1', NOW, { chart: false })).parts);
    expect(text).toContain('Live: 0\n');
    expect(text).toContain('Last audit: none yet');
  });
});
