import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCategoryMapper } from '../../src/audit/category-map.js';
import { loadCategoryRequirements } from '../../src/audit/category-requirements.js';
import { createDeepCheck } from '../../src/audit/deep-check.js';
import type { Product } from '../../src/catalog/product.js';
import { productAttributesOf, toProductBody } from '../../src/migration/product-body.js';
import { startMigration, type MigrationDeps } from '../../src/migration/run.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { CategoryRequirements } from '../../src/store/store.js';
import type { ProductBody, TikTokShopClient } from '../../src/tiktok/api.js';
import { createTikTokClient } from '../../src/tiktok/client.js';
import { makePng } from '../sim/image-host.js';
import { DEFAULT_SIM_CATEGORIES, SIM_CATEGORY, startTikTokShopSim } from '../sim/tiktok-shop.js';
import { makeProduct } from '../support/catalog.js';
import { captureLogs } from '../support/log-capture.js';

const PNG = makePng(400, 400);
const MATERIAL = '100198';
const WARRANTY = '101400';

// Mugs require Material (customizable, multiple) and Warranty Period (one of a list); candles require nothing.
const CATEGORIES = DEFAULT_SIM_CATEGORIES.map((category) =>
  category.id === SIM_CATEGORY.mugs ? { ...category, requiredAttributes: ['Material', 'Warranty Period'] } : category);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const mug = (handle: string, tags: string[], overrides: Partial<Product> = {}): Product =>
  makeProduct({ handle, tags, variants: [{ ...makeProduct().variants[0]!, sku: `SKU-${handle}` }], ...overrides });

/** A GB shop in the simulator, a store with an audit that found `products` ready, and the migration's deps. */
async function setUp(products: Product[], options: { requirements?: MigrationDeps['requirements'] | 'live' } = { requirements: 'live' }) {
  const sim = await startTikTokShopSim({ categories: CATEGORIES, qps: 10_000, reviewDelayMs: 60_000 });
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-attrs-')) });
  const logs = captureLogs();
  const client = createTikTokClient({
    appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, authUrl: sim.authUrl, log: logs.log, qps: 10_000, retryBaseMs: 5, timeoutMs: 5_000,
    tokenStore: { load: async () => ({ accessToken: sim.accessToken, accessTokenExpiresAt: 4e9, refreshToken: sim.refreshToken, refreshTokenExpiresAt: 4e9 }), save: async () => undefined },
  });
  cleanups.push(async () => {
    await client.close();
    await sim.close();
    await store.close();
  });
  const shop = sim.shopCipher;
  await store.audits.save({
    id: 'run-1', shop, location: 'catalog', sourceLabel: 'catalog', region: 'GB', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
    counts: { audited: products.length, ready: products.length, warnings: 0, blocked: 0, skipped: 0 },
    verdicts: Object.fromEntries(products.map((product) => [product.handle, 'ready' as const])),
  });
  const live: MigrationDeps['requirements'] = (categoryIds) => loadCategoryRequirements({ client, store, shop, categoryIds, ttlMs: 3_600_000, now: () => Date.now(), log: logs.log });
  const requirements = options.requirements === 'live' ? live : options.requirements;
  // What the migration sent TikTok, as the client serialized it.
  const sent: ProductBody[] = [];
  const recording: TikTokShopClient = {
    ...client,
    createProduct: (body) => (sent.push(body), client.createProduct(body)),
    listingCheck: (body) => (sent.push(body), client.listingCheck(body)),
  };
  const deps: MigrationDeps = {
    store, client: recording, clock: { now: () => Date.now() }, log: logs.log, concurrency: 2,
    openSource: () => ({ kind: 'products-json', label: 'catalog', read: async function* () { yield* products; } }),
    categories: createCategoryMapper(new Map([['Mugs', SIM_CATEGORY.mugs], ['Candles', SIM_CATEGORY.candles]]), null),
    fetchImage: async () => ({ data: PNG, contentType: 'image/png', fileName: 'mug.png' }),
    body: { currency: 'GBP', warehouseId: 'WH-1', defaultPackage: null, packageMetafield: 'shopshift.package_dimensions' },
    ...(requirements ? { requirements } : {}),
  };
  return { sim, store, shop, deps, logs, sent };
}

async function valueIdOf(store: Awaited<ReturnType<typeof openLowdbStore>>, shop: string, attributeId: string, name: string): Promise<string> {
  const requirements = await store.categoryRequirements.get(shop, SIM_CATEGORY.mugs);
  const id = requirements?.attributes.find((attribute) => attribute.id === attributeId)?.values.find((value) => value.name === name)?.id;
  if (!id) throw new Error(`no value id for ${name}`);
  return id;
}

describe('product attributes in the migration', () => {
  it('GIVEN a category requiring attributes and a product whose tags supply them THEN creates it with product_attributes by value id', async () => {
    const { sim, store, shop, deps } = await setUp([mug('tagged-mug', ['Material: Stoneware', 'Warranty Period: 1 year'])]);
    await startMigration(deps, { shop, dryRun: false, limit: null });

    const listing = await store.listings.get(shop, 'tagged-mug');
    expect(listing).toMatchObject({ state: 'in_review', reasons: [] });
    const created = [...sim.products.values()].find((product) => product.id === listing?.tiktokProductId);
    expect(created?.body.product_attributes).toEqual([
      { id: MATERIAL, values: [{ id: await valueIdOf(store, shop, MATERIAL, 'Stoneware') }] },
      { id: WARRANTY, values: [{ id: await valueIdOf(store, shop, WARRANTY, '1 year') }] },
    ]);
  });

  it('GIVEN an option supplying a customizable attribute outside its list THEN sends it by name', async () => {
    const product = mug('option-mug', ['Warranty Period: 2 years'], {
      options: [{ name: 'Material', values: ['Bone China'] }],
      variants: [{ ...makeProduct().variants[0]!, sku: 'SKU-option-mug', optionValues: ['Bone China'] }],
    });
    const { sim, store, shop, deps } = await setUp([product]);
    await startMigration(deps, { shop, dryRun: false, limit: null });

    const listing = await store.listings.get(shop, 'option-mug');
    expect(listing?.state).toBe('in_review');
    const created = [...sim.products.values()].find((entry) => entry.id === listing?.tiktokProductId);
    expect(created?.body.product_attributes).toEqual([
      { id: MATERIAL, values: [{ name: 'Bone China' }] },
      { id: WARRANTY, values: [{ id: await valueIdOf(store, shop, WARRANTY, '2 years') }] },
    ]);
  });

  it('GIVEN a value outside the list of an attribute that takes no custom values THEN leaves it out, and TikTok reports the attribute missing', async () => {
    const { store, shop, deps, sent } = await setUp([mug('odd-mug', ['Material: Stoneware', 'Warranty Period: 5 years'])]);
    await startMigration(deps, { shop, dryRun: false, limit: null });

    expect(sent.map((body) => body.product_attributes)).toEqual([[{ id: MATERIAL, values: [{ id: await valueIdOf(store, shop, MATERIAL, 'Stoneware') }] }]]);
    const listing = await store.listings.get(shop, 'odd-mug');
    expect(listing?.state).toBe('error');
    expect(listing?.reasons.join(' ')).toMatch(/missing.*Warranty Period/);
  });

  it('GIVEN requirements that cannot be loaded THEN creates without attributes, asks once per category and logs a warning', async () => {
    let calls = 0;
    const failing: MigrationDeps['requirements'] = async () => {
      calls++;
      throw new Error('TikTok unreachable');
    };
    const candles = ['a', 'b'].map((n) => mug(`candle-${n}`, ['Material: Wax'], { productType: 'Candles' }));
    const { sim, store, shop, deps, logs } = await setUp(candles, { requirements: failing });
    await startMigration(deps, { shop, dryRun: false, limit: null });

    expect((await store.listings.list(shop)).map((listing) => listing.state)).toEqual(['in_review', 'in_review']);
    expect([...sim.products.values()].map((product) => product.body.product_attributes)).toEqual([undefined, undefined]);
    expect(calls).toBe(1);
    expect(logs.lines().filter((line) => line.level === 40 && String(line.msg).includes('without product attributes'))).toHaveLength(1);
  });

  it('GIVEN no requirements loader THEN a category requiring attributes still gets TikTok’s 12052104', async () => {
    const { store, shop, deps } = await setUp([mug('plain-mug', ['Material: Stoneware', 'Warranty Period: 1 year'])], {});
    await startMigration(deps, { shop, dryRun: false, limit: null });
    const listing = await store.listings.get(shop, 'plain-mug');
    expect(listing?.state).toBe('error');
    expect(listing?.reasons.join(' ')).toContain('Material');
  });

  it('GIVEN the deep check with the migration’s requirements THEN its listing_check body carries the attributes and passes', async () => {
    const product = mug('deep-mug', ['Material: Stoneware', 'Warranty Period: 1 year']);
    const { deps, sent } = await setUp([product]);
    const check = createDeepCheck(deps);
    const result = await check.refine(product, { handle: product.handle, title: product.title, line: 2, variants: 1, verdict: 'ready', findings: [] });
    expect(result.findings.map((finding) => finding.ruleId)).not.toContain('tiktok:12052104');
    expect(check.counts()).toMatchObject({ checked: 1, notRun: 0 });
    expect(sent[0]?.product_attributes?.map((attribute) => attribute.id)).toEqual([MATERIAL, WARRANTY]);
  });
});

describe('productAttributesOf / toProductBody', () => {
  const attributes: CategoryRequirements['attributes'] = [
    { id: MATERIAL, name: 'Material', customizable: true, multiple: true, values: [{ id: 'v-cotton', name: 'Cotton' }, { id: 'v-stone', name: 'Stoneware' }] },
    { id: WARRANTY, name: 'Warranty Period', customizable: false, multiple: false, values: [{ id: 'v-1y', name: '1 year' }, { id: 'v-2y', name: '2 years' }] },
  ];
  const settings = {
    categoryId: SIM_CATEGORY.mugs, currency: 'GBP', warehouseId: 'WH-1', defaultPackage: null, packageMetafield: 'shopshift.package_dimensions', idempotencyKey: 'k',
  };

  it('GIVEN allowed values in any case THEN sends their value ids; custom values by name only where customizable', () => {
    const product = makeProduct({ tags: ['material: stoneware', 'Material: Bone China', 'Warranty Period: 3 years'] });
    expect(productAttributesOf(product, attributes)).toEqual([{ id: MATERIAL, values: [{ id: 'v-stone' }, { name: 'Bone China' }] }]);
  });

  it('GIVEN a metafield list for a single-selection attribute THEN sends its first value, once', () => {
    const product = makeProduct({ metafields: { 'custom.warranty_period': '2 years; 1 year' }, tags: ['Material: Cotton', 'Material: cotton'] });
    expect(productAttributesOf(product, attributes)).toEqual([
      { id: MATERIAL, values: [{ id: 'v-cotton' }] },
      { id: WARRANTY, values: [{ id: 'v-2y' }] },
    ]);
  });

  it('GIVEN no attributes known or none with values THEN the body has no product_attributes', () => {
    expect(toProductBody(makeProduct({ tags: ['Material: Cotton'] }), ['u'], settings)).not.toHaveProperty('product_attributes');
    expect(toProductBody(makeProduct(), ['u'], { ...settings, attributes })).not.toHaveProperty('product_attributes');
    expect(toProductBody(makeProduct({ tags: ['Material: Cotton'] }), ['u'], { ...settings, attributes }).product_attributes).toEqual([{ id: MATERIAL, values: [{ id: 'v-cotton' }] }]);
  });
});
