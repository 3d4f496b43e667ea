import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCategoryMapper } from '../../src/audit/category-map.js';
import { fileTextInput } from '../../src/catalog/file-input.js';
import { shopifyCsvSource } from '../../src/catalog/shopify-csv.js';
import { migrationProgress } from '../../src/migration/progress.js';
import { planMigration } from '../../src/migration/plan.js';
import type { ListingQuota } from '../../src/migration/quota.js';
import { resumeMigration, startMigration, type MigrationDeps } from '../../src/migration/run.js';
import { createJobRunner } from '../../src/schedule/job-runner.js';
import { QUOTA_RESUME_CRON, quotaResumeJob, quotaResumeJobName } from '../../src/schedule/resume-job.js';
import { openFileRunLedger } from '../../src/schedule/run-ledger.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { createTikTokClient } from '../../src/tiktok/client.js';
import { makePng } from '../sim/image-host.js';
import { startTikTokShopSim, type TikTokShopSim, type TikTokShopSimOptions } from '../sim/tiktok-shop.js';
import { writeTestCatalog } from '../support/catalog-csv.js';
import { captureLogs } from '../support/log-capture.js';

const DAY_MS = 86_400_000;
const DAY_1 = Date.parse('2026-03-02T09:00:00Z');
const PNG = makePng(400, 400);

/** Wall time moved to `at` and on from there; jumps forward when told. Real time keeps passing, so signing and pacing work. */
function fakeClock(at: number) {
  let offset = at - Date.now();
  return { now: () => Date.now() + offset, set: (to: number) => void (offset = to - Date.now()) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A catalog of `products` single-variant mugs, audited ready, against the simulator on the same fake clock. */
async function setUp(products: number, simOptions: TikTokShopSimOptions, quota?: ListingQuota) {
  const clock = fakeClock(DAY_1);
  const sim = await startTikTokShopSim({
    qps: 10_000, reviewDelayMs: 60_000, clock: clock.now, shops: [{ id: '7494049642642441621', cipher: 'ROW_SimUS', name: 'Kiln & Co US', region: 'US' }], ...simOptions,
  });
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-quota-'));
  const store = await openLowdbStore({ dir: join(dir, 'store') });
  cleanups.push(async () => {
    await store.close();
    await sim.close();
  });
  const catalog = join(dir, 'products.csv');
  await writeTestCatalog(catalog, { products, imageHost: 'http://127.0.0.1:9', variantsPerProduct: 1 });
  const shop = sim.shopCipher;
  const handles = Array.from({ length: products }, (_, n) => `mug-${n}`);
  await store.audits.save({
    id: 'run-1', shop, location: catalog, sourceLabel: 'products.csv', region: 'US', startedAt: new Date(DAY_1 - 3_600_000).toISOString(), finishedAt: new Date(DAY_1 - 3_000_000).toISOString(),
    counts: { audited: products, ready: products, warnings: 0, blocked: 0, skipped: 0 }, verdicts: Object.fromEntries(handles.map((handle) => [handle, 'ready' as const])),
  });
  const log = captureLogs().log;
  const client = createTikTokClient({
    appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, authUrl: sim.authUrl, log, qps: 10_000, retryBaseMs: 5, timeoutMs: 5_000, clock,
    tokenStore: { load: async () => ({ accessToken: sim.accessToken, accessTokenExpiresAt: 4e9, refreshToken: sim.refreshToken, refreshTokenExpiresAt: 4e9 }), save: async () => undefined },
  });
  cleanups.push(() => client.close());
  const deps: MigrationDeps = {
    store, client, clock, log, concurrency: 8,
    openSource: (location) => shopifyCsvSource(fileTextInput(location)),
    categories: createCategoryMapper(new Map([['Mugs', '910101']]), null),
    fetchImage: async () => ({ data: PNG, contentType: 'image/png', fileName: 'mug.png' }),
    body: { currency: 'USD', warehouseId: 'WH-1', defaultPackage: null, packageMetafield: 'shopshift.package_dimensions' },
    ...(quota ? { quota } : {}),
  };
  const ledger = await openFileRunLedger(dir);
  return { sim, store, deps, shop, clock, ledger, log, handles };
}

/** How many products the simulator holds per seller SKU: each must be 1. */
function createsPerSku(sim: TikTokShopSim): Map<string, number> {
  const counts = new Map<string, number>();
  for (const product of sim.products.values()) for (const sku of product.skus) counts.set(sku.seller_sku, (counts.get(sku.seller_sku) ?? 0) + 1);
  return counts;
}

const listedOnce = (sim: TikTokShopSim, products: number) => {
  const counts = createsPerSku(sim);
  expect(counts.size).toBe(products);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
};

async function countListed(store: Store, shop: string) {
  return (await store.listings.list(shop)).filter((listing) => listing.tiktokProductId !== null).length;
}

const QUOTA: ListingQuota = { daily: 1000, total: 0, reset: { hour: 0, minute: 0, timezone: 'UTC' } };

describe('a migration larger than the daily listing quota', () => {
  it('GIVEN 3,000 products and 1,000 a day THEN the plan needs 3 days, the run stops at the quota each day, and the schedule finishes it on day 3 with every product listed once', async () => {
    const { sim, store, deps, shop, clock, ledger, log } = await setUp(3000, { dailyListingQuota: 1000 }, QUOTA);
    const plan = await planMigration(deps, (await store.audits.latest(shop))!);
    expect(plan.toCreate).toBe(3000);
    expect(plan.quota).toMatchObject({ daily: 1000, days: 3, usedToday: 0 });

    const first = await startMigration(deps, { shop, dryRun: false, limit: null });
    expect(first.status).toBe('paused');
    expect(first.note).toBe('quota reached, resumes at 2026-03-03 00:00 UTC (1,000 of 1,000 today)');
    expect(await countListed(store, shop)).toBe(1000);
    expect((await store.listings.list(shop, { states: ['pending', 'submitting', 'error'] })).length).toBe(0);
    const progress = await migrationProgress(store, shop, clock.now(), QUOTA);
    expect(progress.job?.note).toMatch(/^quota reached, resumes at 2026-03-03 00:00 UTC/);
    expect(progress.quota).toMatchObject({ daily: 1000, usedToday: 1000, resetsAt: '2026-03-03T00:00:00.000Z' });
    // 2,000 left at 1,000 a day: two more quota days, so the ETA runs past the second reset.
    expect(progress.etaSeconds! * 1000).toBeGreaterThan(Date.parse('2026-03-04T00:00:00Z') - clock.now());

    const resumed: string[] = [];
    const runner = createJobRunner({ ledger, owner: 'bot-1', log, now: clock.now });
    await runner.setJobs([{
      name: quotaResumeJobName(shop), pattern: QUOTA_RESUME_CRON, timezone: 'UTC',
      run: quotaResumeJob({ store, shop, log, now: clock.now, reset: QUOTA.reset, resume: async () => void resumed.push((await resumeMigration(deps, shop)).note ?? 'completed') }),
    }]);

    for (const at of ['2026-03-02T12:00:00Z', '2026-03-02T23:45:00Z']) {
      clock.set(Date.parse(at));
      await runner.tick(clock.now());
    }
    expect(resumed).toEqual([]);

    clock.set(Date.parse('2026-03-03T00:00:30Z'));
    await runner.tick(clock.now());
    expect(resumed).toEqual(['quota reached, resumes at 2026-03-04 00:00 UTC (1,000 of 1,000 today)']);
    expect(await countListed(store, shop)).toBe(2000);
    // Later looks the same day find it waiting for the next reset: no second resume.
    clock.set(Date.parse('2026-03-03T06:00:00Z'));
    await runner.tick(clock.now());
    expect(resumed).toHaveLength(1);

    clock.set(Date.parse('2026-03-04T00:15:00Z'));
    await runner.tick(clock.now());
    expect(resumed).toEqual([expect.any(String), 'completed']);
    expect((await store.jobs.current(shop))).toBeUndefined();
    expect(await countListed(store, shop)).toBe(3000);
    listedOnce(sim, 3000);
    // Every product on TikTok was created within its quota day.
    const perDay = new Map<number, number>();
    for (const product of sim.products.values()) perDay.set(Math.floor(product.createTime / 86_400), (perDay.get(Math.floor(product.createTime / 86_400)) ?? 0) + 1);
    expect([...perDay.values()]).toEqual([1000, 1000, 1000]);
    await runner.stop();
  }, 60_000);

  it('GIVEN no quota of its own THEN TikTok’s 12052093 stops the run with the rest queued, and a resume after the reset continues without a duplicate', async () => {
    const { sim, store, deps, shop, clock } = await setUp(60, { dailyListingQuota: 25 });
    const first = await startMigration(deps, { shop, dryRun: false, limit: null });
    expect(first.status).toBe('paused');
    expect(first.note).toMatch(/^quota reached, resumes at 2026-03-03 00:00 UTC \(TikTok: .+\)$/);
    expect(await countListed(store, shop)).toBe(25);
    expect((await store.listings.list(shop, { states: ['error'] })).length).toBe(0);
    expect((await store.listings.list(shop, { states: ['pending'] })).length).toBeGreaterThan(0);

    clock.set(DAY_1 + DAY_MS);
    expect((await resumeMigration(deps, shop)).status).toBe('paused');
    clock.set(DAY_1 + 2 * DAY_MS);
    expect((await resumeMigration(deps, shop)).status).toBe('completed');
    listedOnce(sim, 60);
  }, 60_000);

  it('GIVEN the shop’s total quota THEN the run stops there and is not resumed by the schedule', async () => {
    const total: ListingQuota = { daily: 0, total: 30, reset: QUOTA.reset };
    const { store, deps, shop, clock, log } = await setUp(40, {}, total);
    const plan = await planMigration(deps, (await store.audits.latest(shop))!);
    expect(plan.quota).toMatchObject({ totalLeft: 30 });
    const job = await startMigration(deps, { shop, dryRun: false, limit: null });
    expect(job.note).toMatch(/^total listing quota reached \(30 of 30 listings\)/);
    expect(await countListed(store, shop)).toBe(30);
    clock.set(DAY_1 + DAY_MS);
    const outcome = await quotaResumeJob({ store, shop, log, now: clock.now, reset: total.reset, resume: async () => expect.unreachable() })(new Date(clock.now()));
    expect(outcome).toBe('nothing paused for the quota');
  }, 60_000);
});
