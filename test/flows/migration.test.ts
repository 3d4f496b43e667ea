import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrationDeps } from '../../src/app.js';
import { createAuditContext, auditSettingsFrom } from '../../src/audit/context.js';
import { runAudit } from '../../src/audit/engine.js';
import { createVerdictCollector, recordAuditRun } from '../../src/audit/record.js';
import { allRules } from '../../src/audit/rules/index.js';
import { fileTextInput } from '../../src/catalog/file-input.js';
import { shopifyCsvSource } from '../../src/catalog/shopify-csv.js';
import { loadConfig, type Config } from '../../src/config.js';
import { migrationProgress } from '../../src/migration/progress.js';
import { resumeMigration, startMigration } from '../../src/migration/run.js';
import { handleTikTokWebhook, reconcileListings } from '../../src/migration/track.js';
import { createHttpServer } from '../../src/http/server.js';
import type { AddressInfo } from 'node:net';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { startImageHost } from '../sim/image-host.js';
import { startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { writeTestCatalog } from '../support/catalog-csv.js';
import { captureLogs } from '../support/log-capture.js';

const log = captureLogs().log;

interface Setup {
  sim: TikTokShopSim;
  imageHost: Awaited<ReturnType<typeof startImageHost>>;
  config: Config;
  store: Store;
  catalog: string;
}

/** A shop on the simulator, a catalog of `products` on a local image host, audited and mapped. */
async function setUp(products: number, simOptions: Parameters<typeof startTikTokShopSim>[0] = {}): Promise<Setup> {
  const sim = await startTikTokShopSim({
    qps: 1000, reviewDelayMs: 5, shops: [{ id: '7494049642642441621', cipher: 'ROW_SimUS', name: 'Kiln & Co US', region: 'US' }], ...simOptions,
  });
  const imageHost = await startImageHost();
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-flow-'));
  const catalog = join(dir, 'products.csv');
  await writeTestCatalog(catalog, { products, imageHost: imageHost.url, bannedEvery: 10 });
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey,
    TIKTOK_APP_SECRET: sim.appSecret, TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken,
    TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1', TIKTOK_QPS: '500', MIGRATION_CONCURRENCY: '8',
    TIKTOK_MAX_RETRIES: '8',
    // The shop is past the Beginner tier's listing quota.
    TIKTOK_DAILY_LISTING_QUOTA: '0', TIKTOK_TOTAL_LISTING_QUOTA: '0',
    // The image host is a local simulator.
    FETCH_ALLOWED_PRIVATE: '127.0.0.1/32',
  });
  const store = await openLowdbStore({ dir: config.DATA_DIR });
  await store.mappings.set({ shop: sim.shopCipher, key: 'Mugs', categoryId: '910101', origin: 'manual', by: null, updatedAt: 'now' });
  const context = await createAuditContext(auditSettingsFrom(config), await store.mappings.list(sim.shopCipher));
  const verdicts = createVerdictCollector();
  const summary = await runAudit(shopifyCsvSource(fileTextInput(catalog)), {
    rules: allRules, context, statuses: new Set(['active']), onResult: (result) => verdicts.add(result),
  });
  await recordAuditRun(store, sim.shopCipher, catalog, summary, verdicts.verdicts);
  return { sim, imageHost, config, store, catalog };
}

async function tearDown({ sim, imageHost, store }: Setup): Promise<void> {
  await store.close();
  await sim.close();
  await imageHost.close();
}

const sellerSkusIn = (sim: TikTokShopSim) => [...sim.products.values()].flatMap((product) => product.skus.map((sku) => sku.seller_sku));

describe('a 2,000-product migration against the TikTok Shop simulator', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(2000, { rejectFraction: 0.05, seed: 11 });
    setup.sim.setFault({ kind: 'rate-limit', times: 25 });
    setup.sim.setFault({ kind: 'server-error', times: 10 });
  }, 60_000);
  afterAll(() => tearDown(setup));

  it('creates every ready product exactly once, through throttling and server errors, and tracks each to its outcome', async () => {
    const { sim, store, config } = setup;
    const shop = sim.shopCipher;
    const deps = await createMigrationDeps(config, store, log, { dryRun: false });
    const job = await startMigration(deps, { shop, dryRun: false, limit: null });
    expect(job.status).toBe('completed');

    expect(sim.products.size).toBe(2000);
    const skus = sellerSkusIn(sim);
    expect(new Set(skus).size).toBe(skus.length);
    expect(await store.listings.countByState(shop)).toMatchObject({ in_review: 2000, error: 0 });

    await sim.settleReviews();
    await reconcileListings({ store, client: deps.client, log, now: () => Date.now() }, shop);
    const counts = await store.listings.countByState(shop);
    expect(counts.live + counts.rejected).toBe(2000);
    // Every tenth title carries the simulator's banned word; the seeded 5% fails on top.
    expect(counts.rejected).toBeGreaterThanOrEqual(200);
    expect(counts.rejected).toBeLessThan(400);
    const banned = await store.listings.get(shop, 'mug-9');
    expect(banned?.state).toBe('rejected');
    expect(banned?.reasons.join(' ')).toMatch(/replica/i);

    const progress = await migrationProgress(store, shop, Date.now());
    expect(progress).toMatchObject({ total: 2000, submitted: 2000 });
  }, 120_000);
});

describe('a migration that is interrupted', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(60);
  }, 30_000);
  afterAll(() => tearDown(setup));

  it('adopts the product a dead run created but never recorded, instead of creating it again', async () => {
    const { sim, store, config } = setup;
    const shop = sim.shopCipher;
    const deps = await createMigrationDeps(config, store, log, { dryRun: false });
    const first = await startMigration(deps, { shop, dryRun: false, limit: 10 });
    expect(first).toMatchObject({ status: 'paused', note: 'stopped after 10 products (--limit)' });

    // As if the process died after TikTok created mug-10 but before the store heard back.
    const stranded = await store.listings.get(shop, 'mug-9');
    const created = await deps.client.createProduct({
      title: 'Stoneware Mug 10', description: '<p>x</p>', category_id: '910101',
      main_images: [{ uri: (await deps.client.uploadImage({ data: (await deps.fetchImage(`${setup.imageHost.url}/p/x.png`)).data, fileName: 'x.png', contentType: 'image/png' })).uri }],
      skus: [{ seller_sku: 'MUG-10-0', price: { amount: '24.00', currency: 'USD' }, inventory: [{ warehouse_id: 'WH-1', quantity: 1 }] }],
      package_weight: { value: '0.350', unit: 'KILOGRAM' },
      package_dimensions: { length: '12', width: '12', height: '10', unit: 'CENTIMETER' },
    });
    await store.listings.put({ ...stranded!, handle: 'mug-10', title: 'Stoneware Mug 10', sellerSkus: ['MUG-10-0', 'MUG-10-1'], state: 'submitting', tiktokProductId: null, idempotencyKey: `${shop}:mug-10` });

    const resumed = await resumeMigration(deps, shop);
    expect(resumed.status).toBe('completed');
    expect((await store.listings.get(shop, 'mug-10'))?.tiktokProductId).toBe(created.productId);
    expect(sim.products.size).toBe(60);
    const skus = sellerSkusIn(sim);
    expect(new Set(skus).size).toBe(skus.length);
  }, 60_000);

  it('refuses a second migration of the same shop while one is paused', async () => {
    const { sim, store, config } = setup;
    const deps = await createMigrationDeps(config, store, log, { dryRun: false });
    await store.jobs.put({
      id: 'j-2', shop: sim.shopCipher, status: 'paused', location: setup.catalog, auditRunId: 'x', dryRun: false, limit: null,
      note: 'paused by U1', startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), owner: '',
    });
    await expect(startMigration(deps, { shop: sim.shopCipher, dryRun: false, limit: null })).rejects.toThrow(/paused; resume it/);
  });
});

describe('a retry of one failed listing', () => {
  it('re-submits that product alone, in a job of its own', async () => {
    const setup = await setUp(30, { seed: 5 });
    try {
      const { sim, store, config } = setup;
      const deps = await createMigrationDeps(config, store, log, { dryRun: false });
      await startMigration(deps, { shop: sim.shopCipher, dryRun: false, limit: 3 });
      const [first] = await store.listings.list(sim.shopCipher);
      // As if its create had failed: a retry puts it back to pending and runs for it alone.
      await store.listings.put({ ...first!, state: 'pending', tiktokProductId: null, reasons: ['retry asked by ada'] });
      const others = (await store.listings.list(sim.shopCipher)).filter((listing) => listing.handle !== first!.handle);
      await store.jobs.put({ ...(await store.jobs.current(sim.shopCipher))!, status: 'completed' });
      const retry = await startMigration(deps, { shop: sim.shopCipher, dryRun: false, limit: null, only: [first!.handle] });
      expect(retry).toMatchObject({ status: 'completed', only: [first!.handle] });
      // The simulator still holds the product, so the retry finds it by seller SKU rather than creating a second.
      expect(await store.listings.get(sim.shopCipher, first!.handle)).toMatchObject({ tiktokProductId: first!.tiktokProductId, state: expect.stringMatching(/in_review|live/) });
      expect(sim.products.size).toBe(3);
      expect((await store.listings.list(sim.shopCipher)).filter((listing) => listing.handle !== first!.handle)).toEqual(others);
    } finally {
      await tearDown(setup);
    }
  }, 60_000);
});

describe('listing outcomes delivered by TikTok webhooks', () => {
  it('tracks every listing to live or rejected from the simulator’s signed webhooks, duplicates applied once', async () => {
    let store: Store | null = null;
    const server = createHttpServer({
      log,
      routes: {
        'POST /webhooks/tiktok': ({ body, headers }) =>
          handleTikTokWebhook(
            { store: store!, appKey: 'sim-app-key', appSecret: 'sim-app-secret', shopFor: () => 'ROW_SimUS', log, now: () => Date.now() },
            body,
            headers.authorization,
          ),
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/tiktok`;
    const setup = await setUp(80, { rejectFraction: 0.2, seed: 5, webhookUrl, duplicateWebhookFraction: 0.3 });
    store = setup.store;
    try {
      const deps = await createMigrationDeps(setup.config, setup.store, log, { dryRun: false });
      await startMigration(deps, { shop: setup.sim.shopCipher, dryRun: false, limit: null });
      await setup.sim.settleReviews();
      await setup.sim.settleWebhooks();
      const counts = await setup.store.listings.countByState(setup.sim.shopCipher);
      expect(counts.live + counts.rejected).toBe(80);
      expect(counts.in_review).toBe(0);
      expect(setup.sim.webhooks.some((delivery) => delivery.duplicate)).toBe(true);
      for (const product of setup.sim.products.values()) {
        const listing = await setup.store.listings.findByProductId(setup.sim.shopCipher, product.id);
        expect(listing?.state).toBe(product.status === 'ACTIVATE' ? 'live' : 'rejected');
      }
    } finally {
      server.close();
      await tearDown(setup);
    }
  }, 60_000);
});
