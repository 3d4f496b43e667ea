import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTikTokFromConfig, shopifyAccessFrom } from '../../src/app.js';
import type { Reaudit } from '../../src/audit/reaudit.js';
import { loadConfig } from '../../src/config.js';
import { alertsForStatusChange, createAlerts } from '../../src/alerts/alerts.js';
import type { CommitChange, StatusChange } from '../../src/migration/track.js';
import { reconcileJob, type ReconcileJobDeps } from '../../src/schedule/reconcile-job.js';
import { openFileRunLedger } from '../../src/schedule/run-ledger.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import type { TikTokShopClient } from '../../src/tiktok/api.js';
import { makePng } from '../sim/image-host.js';
import { startShopifyAdminSim, type ShopifyAdminSim } from '../sim/shopify-admin.js';
import { startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { testContext } from '../support/rules.js';

const SHOP = 'shop-1';
const at = (iso: string) => new Date(iso);
const DOWNLOAD = { timeoutMs: 5000, maxBytes: 10 * 1024 * 1024, maxRetries: 0, retryBaseMs: 10, allowedPrivate: ['127.0.0.1/32'] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A store with an audit run of 2026-03-01, and the deps of a shop connected to nothing; each test plugs in what it needs. */
async function setUp(overrides: Partial<ReconcileJobDeps> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-reconcile-'));
  const store: Store = await openLowdbStore({ dir: join(dir, 'store') });
  cleanups.push(() => store.close());
  const logs = captureLogs('debug');
  const changes: StatusChange[] = [];
  const reaudits: Reaudit[] = [];
  const deps: ReconcileJobDeps = {
    store, shop: SHOP, log: logs.log, now: () => Date.parse('2026-03-28T10:00:00Z'), owner: 'bot-1',
    ledger: await openFileRunLedger(dir),
    tiktok: null, hasTikTokWebhook: false, onChange: (change) => void changes.push(change),
    shopify: shopifyAccessFrom(loadConfig({}), logs.log), download: DOWNLOAD,
    audit: { context: testContext(), statuses: new Set(['active']) },
    onReaudit: (result) => void reaudits.push(result),
    ...overrides,
  };
  return { store, logs, changes, reaudits, deps };
}

async function saveAudit(store: Store, verdicts: Record<string, 'ready' | 'warnings' | 'blocked'>) {
  await store.audits.save({
    id: 'run-1', shop: SHOP, location: 'shopify', sourceLabel: 'shopify', region: 'US', startedAt: '2026-03-01T00:00:00.000Z',
    finishedAt: '2026-03-01T00:05:00.000Z', counts: { audited: Object.keys(verdicts).length, ready: Object.keys(verdicts).length, warnings: 0, blocked: 0, skipped: 0 },
    verdicts,
  });
}

describe('the reconcile job, polling TikTok Shop', () => {
  async function tiktokShop(): Promise<{ sim: TikTokShopSim; client: TikTokShopClient }> {
    const sim = await startTikTokShopSim({ reviewDelayMs: 60_000, shops: [{ id: '7494049642642441621', cipher: 'ROW_SimUS', name: 'Kiln & Co US', region: 'US' }] });
    cleanups.push(() => sim.close());
    const config = loadConfig({
      TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey, TIKTOK_APP_SECRET: sim.appSecret,
      TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken, TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1',
    });
    return { sim, client: createTikTokFromConfig(config, captureLogs().log) };
  }

  /** A product submitted to TikTok Shop and waiting for review, and its listing in the store. */
  async function submit(store: Store, client: TikTokShopClient, handle: string, title: string): Promise<string> {
    const image = await client.uploadImage({ data: makePng(1000, 1000), fileName: `${handle}.png`, contentType: 'image/png' });
    const sku = `${handle.toUpperCase()}-1`;
    const { productId } = await client.createProduct({
      title, description: '<p>A sturdy stoneware mug, glazed by hand.</p>', category_id: '910101', main_images: [{ uri: image.uri }],
      skus: [{ seller_sku: sku, price: { amount: '24.00', currency: 'USD' }, inventory: [{ warehouse_id: 'WH-1', quantity: 5 }] }],
      package_weight: { value: '0.350', unit: 'KILOGRAM' },
      package_dimensions: { length: '12', width: '12', height: '10', unit: 'CENTIMETER' },
    });
    await store.listings.put(makeListing({ shop: SHOP, handle, title, sellerSkus: [sku], tiktokProductId: productId, tiktokStatus: 'PENDING', state: 'in_review', idempotencyKey: `${SHOP}:${handle}` }));
    return productId;
  }

  it('records the outcome of each review and passes every change on', async () => {
    const { sim, client } = await tiktokShop();
    const { store, changes, deps } = await setUp({ tiktok: client });
    await submit(store, client, 'mug', 'Speckled Stoneware Coffee Mug 350 ml');
    await submit(store, client, 'fake-mug', 'Replica Designer Coffee Mug 350 ml');
    await sim.settleReviews();

    const counts = await reconcileJob(deps)(at('2026-03-28T10:00:00Z'));

    expect(counts).toEqual({ listingsChecked: 2, changes: 2, productsReaudited: 0 });
    expect(await store.listings.get(SHOP, 'mug')).toMatchObject({ state: 'live', tiktokStatus: 'ACTIVATE' });
    expect(await store.listings.get(SHOP, 'fake-mug')).toMatchObject({ state: 'rejected', reasons: [expect.stringMatching(/replica/i)] });
    expect(changes.map((change) => [change.after.handle, change.before.state, change.after.state])).toEqual([
      ['mug', 'in_review', 'live'],
      ['fake-mug', 'in_review', 'rejected'],
    ]);
  });

  it('writes each change together with the alert it raises, through the shop’s alert lock', async () => {
    const { sim, client } = await tiktokShop();
    const { store, logs, deps } = await setUp({ tiktok: client });
    const alerts = createAlerts({ store, outbox: { wake: async () => undefined }, log: logs.log, shops: [SHOP] });
    const seen: string[] = [];
    const commit: CommitChange = (shop, work) => alerts.withLock(shop, (locked, record) => work(locked, async (change) => {
      // The listing's new state is already written in the same change when its alert is recorded.
      seen.push(`${change.after.handle}: ${(await locked.listings.get(shop, change.after.handle))?.state}`);
      await record(alertsForStatusChange(change));
    }));
    await submit(store, client, 'fake-mug', 'Replica Designer Coffee Mug 350 ml');
    await sim.settleReviews();

    await reconcileJob({ ...deps, commit })(at('2026-03-28T10:00:00Z'));
    expect(seen).toEqual(['fake-mug: rejected']);
    expect((await store.incidents.open(SHOP, 'fake-mug')).map((incident) => incident.kind)).toEqual(['listing_rejected']);
    await alerts.stop();
  });

  it('passes nothing on while the review is still going', async () => {
    const { client } = await tiktokShop();
    const { store, changes, deps } = await setUp({ tiktok: client });
    await submit(store, client, 'mug', 'Speckled Stoneware Coffee Mug 350 ml');
    expect(await reconcileJob(deps)(at('2026-03-28T10:00:00Z'))).toEqual({ listingsChecked: 1, changes: 0, productsReaudited: 0 });
    expect(changes).toEqual([]);
    expect((await store.listings.get(SHOP, 'mug'))?.state).toBe('in_review');
  });

  it('does not poll a shop whose TikTok webhooks are configured', async () => {
    const { sim, client } = await tiktokShop();
    const { store, changes, deps } = await setUp({ tiktok: client, hasTikTokWebhook: true });
    const productId = await submit(store, client, 'mug', 'Speckled Stoneware Coffee Mug 350 ml');
    await sim.settleReviews();
    expect(await reconcileJob(deps)(at('2026-03-28T10:00:00Z'))).toEqual({ listingsChecked: 0, changes: 0, productsReaudited: 0 });
    expect(changes).toEqual([]);
    expect(sim.requests.filter((request) => request.method === 'GET' && request.path.endsWith(productId))).toEqual([]);
  });
});

describe('the reconcile job, re-auditing changed Shopify products', () => {
  async function shopifyStore(): Promise<ShopifyAdminSim> {
    const sim = await startShopifyAdminSim({ products: 2, restoreRate: 10_000 });
    cleanups.push(() => sim.close());
    // Both active, last updated before the audit; a missing title blocks a product.
    for (const product of sim.products) product.status = 'ACTIVE';
    return sim;
  }
  const adminAccess = (sim: ShopifyAdminSim) => shopifyAccessFrom(loadConfig({ SHOPIFY_ADMIN_URL: sim.url, SHOPIFY_ACCESS_TOKEN: sim.accessToken }), captureLogs().log);

  it('re-audits a product updated after the last audit and records its verdict, without reading an unchanged one', async () => {
    const sim = await shopifyStore();
    const [unchanged, changed] = [sim.products[0]!, sim.products[1]!];
    const { store, deps, reaudits } = await setUp({ shopify: adminAccess(sim) });
    await saveAudit(store, { [unchanged.handle]: 'ready', [changed.handle]: 'ready' });
    await store.listings.put(makeListing({ shop: SHOP, handle: changed.handle, state: 'live', sellerSkus: ['LIVE-1'] }));
    // The unchanged product would now be blocked too, if it were read.
    unchanged.title = '';
    changed.title = '';
    changed.updatedAt = '2026-03-28T09:30:00Z';

    expect(await reconcileJob(deps)(at('2026-03-28T10:00:00Z'))).toEqual({ listingsChecked: 0, changes: 0, productsReaudited: 1 });

    expect((await store.audits.latest(SHOP))?.verdicts).toEqual({ [unchanged.handle]: 'ready', [changed.handle]: 'blocked' });
    expect(reaudits).toEqual([expect.objectContaining({
      handle: changed.handle, verdict: 'blocked', syncFailure: { handle: changed.handle, listingState: 'live', blockers: expect.arrayContaining(['title-missing']) },
    })]);
  });

  it('passes on a listed product that is no longer blocked as recovered', async () => {
    const sim = await shopifyStore();
    const mug = sim.products[0]!;
    const { store, deps, reaudits } = await setUp({ shopify: adminAccess(sim) });
    await saveAudit(store, { [mug.handle]: 'blocked' });
    await store.listings.put(makeListing({ shop: SHOP, handle: mug.handle, state: 'live', sellerSkus: ['LIVE-1'] }));
    // Fixed in Shopify: what the US rules ask of a mug.
    Object.assign(mug, {
      title: 'Handmade Stoneware Coffee Mug with Speckled Glaze', productType: 'Mugs', updatedAt: '2026-03-28T09:30:00Z',
      metafields: { 'shopshift.package_dimensions': '12 x 12 x 10 cm' },
      descriptionHtml: `<p>${'A sturdy stoneware mug, glazed by hand, holds 350 ml and is safe in the dishwasher. '.repeat(3)}</p>`,
    });
    for (const variant of mug.variants) Object.assign(variant, { price: '24.00', compareAtPrice: null, barcode: '', weight: { unit: 'GRAMS', value: 420 } });

    await reconcileJob(deps)(at('2026-03-28T10:00:00Z'));

    expect(reaudits).toEqual([expect.objectContaining({ handle: mug.handle, verdict: expect.not.stringMatching('blocked'), syncRecovered: mug.handle })]);
    expect(reaudits[0]?.syncFailure).toBeUndefined();
  });

  it('reads a product again only when it has changed since the previous pass', async () => {
    const sim = await shopifyStore();
    const [first, second] = [sim.products[0]!, sim.products[1]!];
    const { store, deps } = await setUp({ shopify: adminAccess(sim) });
    await saveAudit(store, { [first.handle]: 'ready', [second.handle]: 'ready' });
    const run = reconcileJob(deps);
    second.updatedAt = '2026-03-28T09:30:00Z';
    expect((await run(at('2026-03-28T10:00:00Z'))).productsReaudited).toBe(1);
    expect((await run(at('2026-03-28T10:15:00Z'))).productsReaudited).toBe(0);
    first.title = '';
    first.updatedAt = '2026-03-28T10:20:00Z';
    expect((await run(at('2026-03-28T10:30:00Z'))).productsReaudited).toBe(1);
    expect((await store.audits.latest(SHOP))?.verdicts[first.handle]).toBe('blocked');
  });

  it('skips re-auditing, with a debug line, when the Shopify Admin API is not configured', async () => {
    const { store, deps, logs } = await setUp();
    await saveAudit(store, { mug: 'ready' });
    expect(await reconcileJob(deps)(at('2026-03-28T10:00:00Z'))).toEqual({ listingsChecked: 0, changes: 0, productsReaudited: 0 });
    expect(logs.lines().find((line) => line.msg === 'no Shopify Admin credentials; changed products not re-audited')).toMatchObject({ level: 20, shop: SHOP });
  });
});
