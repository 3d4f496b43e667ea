import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCategoryRequirements } from '../../src/audit/category-requirements.js';
import { createAuditContext, type AuditSettings } from '../../src/audit/context.js';
import type { RegionCode } from '../../src/audit/regions.js';
import type { AuditContext } from '../../src/audit/rule.js';
import { allRules } from '../../src/audit/rules/index.js';
import type { Product } from '../../src/catalog/product.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { CategoryMapping, Store } from '../../src/store/store.js';
import { createTikTokClient, type TikTokClient } from '../../src/tiktok/client.js';
import { DEFAULT_SIM_CATEGORIES, SIM_CATEGORY, startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { makeProduct } from '../support/catalog.js';
import { captureLogs } from '../support/log-capture.js';

const SHOP = 'sim-shop';
const HOUR_MS = 3_600_000;

// The default tree, with what these specs need on top: mugs require Material and Warranty Period, tea towels are restricted.
const CATEGORIES = DEFAULT_SIM_CATEGORIES.map((category) => {
  if (category.id === SIM_CATEGORY.mugs) return { ...category, requiredAttributes: ['Material', 'Warranty Period'] };
  if (category.id === SIM_CATEGORY.teaTowels) return { ...category, restricted: true };
  if (category.id === SIM_CATEGORY.candles) return { ...category, packageDimensionRequired: true };
  return category;
});

const MAPPINGS: Record<string, string> = {
  Mugs: SIM_CATEGORY.mugs,
  'Tea Towels': SIM_CATEGORY.teaTowels,
  Candles: SIM_CATEGORY.candles,
  'T-Shirts': SIM_CATEGORY.tShirts,
  'Soft Toys': SIM_CATEGORY.softToys,
  Knives: SIM_CATEGORY.knives,
  Kitchenware: SIM_CATEGORY.kitchen,
};

const opened: { sim: TikTokShopSim; client: TikTokClient; store: Store }[] = [];

afterEach(async () => {
  for (const { sim, client, store } of opened.splice(0)) {
    await client.close();
    await sim.close();
    await store.close();
  }
});

async function setUp() {
  const sim = await startTikTokShopSim({ categories: CATEGORIES, reviewDelayMs: 60_000 });
  const nowS = Math.floor(Date.now() / 1000);
  const client = createTikTokClient({
    appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, authUrl: sim.authUrl,
    tokenStore: {
      load: async () => ({ accessToken: sim.accessToken, accessTokenExpiresAt: nowS + 86_400, refreshToken: sim.refreshToken, refreshTokenExpiresAt: nowS + 864_000 }),
      save: async () => {},
    },
    log: captureLogs().log, qps: 1000, retryBaseMs: 5, timeoutMs: 5_000,
  });
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-reqs-')) });
  opened.push({ sim, client, store });
  let now = Date.parse('2026-11-25T10:00:00.000Z');
  const load = (categoryIds: Iterable<string>) => loadCategoryRequirements({ client, store, shop: SHOP, categoryIds, ttlMs: 24 * HOUR_MS, now: () => now });
  const calls = (suffix: string) => sim.requests.filter((request) => request.path.endsWith(suffix)).length;
  return { sim, store, load, calls, advance: (ms: number) => (now += ms) };
}

async function contextFor(load: (ids: string[]) => ReturnType<typeof loadCategoryRequirements>, region: RegionCode = 'GB'): Promise<AuditContext> {
  const settings: AuditSettings = {
    region, sellerType: 'local', catalogCurrency: null, categoryMapFile: null, tiktokCategoriesFile: null,
    packageDefaultDimensions: null, packageMetafield: 'shopshift.package_dimensions', sellerSkuPattern: /^[\x21-\x7e]+$/,
  };
  const mappings: CategoryMapping[] = Object.entries(MAPPINGS).map(([key, categoryId]) => ({ shop: SHOP, key, categoryId, origin: 'manual', by: null, updatedAt: '' }));
  return createAuditContext(settings, mappings, { requirements: load });
}

function findings(product: Product, context: AuditContext): { ruleId: string; severity: string; message: string }[] {
  return allRules.flatMap((rule) => {
    const result = rule.createCheck(context)(product);
    if (result === undefined) return [];
    const hits = typeof result === 'string' ? [{ message: result }] : [result].flat();
    return hits.map((hit) => ({ ruleId: rule.id, severity: rule.severity, message: hit.message }));
  });
}

const categoryFindings = (product: Product, context: AuditContext) => findings(product, context).filter((finding) => finding.ruleId.startsWith('category-'));

const withMaterialAndWarranty = { tags: ['Material: Stoneware', 'Warranty Period: 1 year'] };

describe('category requirements: required attributes', () => {
  it('blocks a product that lacks a required attribute, naming it and its allowed values', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ tags: ['Warranty Period: 1 year'] }), await contextFor(load));
    expect(found).toEqual([{
      ruleId: 'category-attribute-missing', severity: 'blocker',
      message: expect.stringMatching(/requires the attribute "Material" \(for example: Cotton, Ceramic, Stoneware, Wax, Polyester\)/),
    }]);
  });

  it('names the fixed values of a non-customizable attribute as "one of"', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ tags: ['Material: Stoneware'] }), await contextFor(load));
    expect(found.map((finding) => finding.message)).toEqual([expect.stringContaining('"Warranty Period" (one of: None, 6 months, 1 year, 2 years)')]);
  });

  it('takes the attributes from tags "Name: Value"', async () => {
    const { load } = await setUp();
    expect(categoryFindings(makeProduct(withMaterialAndWarranty), await contextFor(load))).toEqual([]);
  });

  it('takes an attribute from an option of its name and from a metafield keyed by its name, whatever the case', async () => {
    const { load } = await setUp();
    const product = makeProduct({
      options: [{ name: 'material', values: ['Ceramic', 'Stoneware'] }],
      variants: [],
      metafields: { 'shopshift.package_dimensions': '12 x 12 x 12 cm', 'custom.warranty_period': '2 years' },
    });
    expect(categoryFindings(product, await contextFor(load))).toEqual([]);
  });

  it('blocks a value outside the list of an attribute that takes no custom values', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ tags: ['Material: Stoneware', 'Warranty Period: forever'] }), await contextFor(load));
    expect(found).toEqual([{ ruleId: 'category-attribute-value', severity: 'blocker', message: expect.stringContaining('"forever"') }]);
  });
});

describe('category requirements: category rules', () => {
  it('blocks a product whose category requires a certification, naming it', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ productType: 'Soft Toys' }), await contextFor(load));
    expect(found).toEqual([{ ruleId: 'category-certification-required', severity: 'blocker', message: expect.stringContaining('"Toy Safety Certificate (UKCA / CE)"') }]);
  });

  it('blocks a product whose category requires a size chart', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ productType: 'T-Shirts' }), await contextFor(load));
    expect(found).toEqual([{ ruleId: 'category-size-chart-required', severity: 'blocker', message: expect.stringContaining(`category ${SIM_CATEGORY.tShirts} requires a size chart`) }]);
  });

  it('blocks a product without package dimensions where the category requires them and the market does not', async () => {
    const { load } = await setUp();
    const context = await contextFor(load, 'ID');
    expect(categoryFindings(makeProduct({ productType: 'Candles', metafields: {} }), context).map((finding) => finding.ruleId)).toEqual(['category-package-dimensions-required']);
    expect(categoryFindings(makeProduct({ productType: 'Candles' }), context)).toEqual([]);
  });

  it('reports a mapped category that is not a leaf through category-unknown, from TikTok’s live list', async () => {
    const { load } = await setUp();
    const found = findings(makeProduct({ productType: 'Kitchenware' }), await contextFor(load)).filter((finding) => finding.ruleId.startsWith('category-'));
    expect(found).toEqual([{ ruleId: 'category-unknown', severity: 'blocker', message: expect.stringContaining(`category ${SIM_CATEGORY.kitchen}, which is not a leaf`) }]);
  });

  it('blocks a product in a prohibited category', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ productType: 'Knives' }), await contextFor(load));
    expect(found.map((finding) => [finding.ruleId, finding.severity])).toEqual([['category-prohibited', 'blocker']]);
  });

  it('blocks a product in a restricted category until the shop is approved', async () => {
    const { load } = await setUp();
    const found = categoryFindings(makeProduct({ productType: 'Tea Towels' }), await contextFor(load));
    expect(found).toEqual([{ ruleId: 'category-restricted', severity: 'blocker', message: expect.stringContaining('Qualification Center') }]);
  });

  it('runs only the local rules when no requirements are loaded', async () => {
    const settings: AuditSettings = {
      region: 'GB', sellerType: 'local', catalogCurrency: null, categoryMapFile: null, tiktokCategoriesFile: null,
      packageDefaultDimensions: null, packageMetafield: 'shopshift.package_dimensions', sellerSkuPattern: /^[\x21-\x7e]+$/,
    };
    const context = await createAuditContext(settings, [{ shop: SHOP, key: 'Soft Toys', categoryId: SIM_CATEGORY.softToys, origin: 'manual', by: null, updatedAt: '' }]);
    expect(categoryFindings(makeProduct({ productType: 'Soft Toys' }), context)).toEqual([]);
  });
});

describe('category requirements: the cache', () => {
  it('asks TikTok once per category, then answers from the store within the TTL', async () => {
    const { load, calls, store } = await setUp();
    await load([SIM_CATEGORY.mugs, SIM_CATEGORY.tShirts, SIM_CATEGORY.kitchen]);
    expect([calls('/categories'), calls('/rules'), calls('/attributes')]).toEqual([1, 2, 2]);
    const again = await load([SIM_CATEGORY.mugs, SIM_CATEGORY.tShirts, SIM_CATEGORY.kitchen]);
    expect([calls('/categories'), calls('/rules'), calls('/attributes')]).toEqual([1, 2, 2]);
    expect(again.get(SIM_CATEGORY.tShirts)?.sizeChartRequired).toBe(true);
    expect((await store.categoryRequirements.get(SHOP, SIM_CATEGORY.mugs))?.attributes.map((attribute) => attribute.name)).toEqual(['Material', 'Warranty Period']);
  });

  it('asks again once the TTL has passed, and only for the categories it has not kept', async () => {
    const { load, calls, advance } = await setUp();
    await load([SIM_CATEGORY.mugs]);
    advance(23 * HOUR_MS);
    await load([SIM_CATEGORY.mugs, SIM_CATEGORY.softToys]);
    expect([calls('/categories'), calls('/rules')]).toEqual([2, 2]);
    advance(2 * HOUR_MS);
    await load([SIM_CATEGORY.mugs, SIM_CATEGORY.softToys]);
    expect([calls('/categories'), calls('/rules')]).toEqual([3, 3]);
  });

  it('records an id TikTok does not know as not existing, without asking for its rules', async () => {
    const { load, calls } = await setUp();
    const loaded = await load(['999999']);
    expect(loaded.get('999999')).toMatchObject({ exists: false, isLeaf: false });
    expect(calls('/rules')).toBe(0);
  });
});
