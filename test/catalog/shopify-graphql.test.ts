import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { shopifyAccessFrom } from '../../src/app.js';
import { openCatalogSource } from '../../src/catalog/open-source.js';
import { auditCommand } from '../../src/cli/audit-command.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Product } from '../../src/catalog/product.js';
import { productPageSize, productSearch, productsQueryCost, shopifyGraphqlSource, weightInGrams, type ShopifyGraphqlOptions } from '../../src/catalog/shopify-graphql.js';
import type { SourceIssue } from '../../src/catalog/source.js';
import { createShopifyAdminClient, ShopifyAdminError } from '../../src/shopify/admin-client.js';
import { generateSimProduct, startShopifyAdminSim, type ShopifyAdminSim, type ShopifyAdminSimOptions } from '../sim/shopify-admin.js';
import { captureLogs } from '../support/log-capture.js';

const DOWNLOAD = { timeoutMs: 5000, maxBytes: 50 * 1024 * 1024, maxRetries: 1, retryBaseMs: 10, allowedPrivate: ['127.0.0.1/32'] };
const METAFIELD = 'shopshift.package_dimensions';

let sim: ShopifyAdminSim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

async function readAll(simOptions: ShopifyAdminSimOptions, sourceOptions: Partial<ShopifyGraphqlOptions> = {}) {
  sim = await startShopifyAdminSim({ restoreRate: 10_000, ...simOptions });
  const logs = captureLogs();
  const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: logs.log });
  const source = shopifyGraphqlSource(client, { download: DOWNLOAD, packageMetafield: METAFIELD, bulkPollMs: 1, log: logs.log, ...sourceOptions });
  const products: Product[] = [];
  const issues: SourceIssue[] = [];
  for await (const product of source.read({ onIssue: (issue) => issues.push(issue) })) products.push(product);
  return { sim, client, source, products, issues, logs };
}

const operations = (server: ShopifyAdminSim, name: string) => server.requests.filter((request) => request.operationName === name);

describe('the Shopify Admin API source', () => {
  it('maps an Admin API product onto the catalog model', async () => {
    const { products, source } = await readAll({ products: 1, seed: 4, variantCounts: { 0: 3 } });
    const raw = sim!.products[0]!;
    const [product] = products;
    expect(source.kind).toBe('shopify-graphql');
    expect(product).toMatchObject({
      handle: raw.handle, sourceId: raw.id, title: raw.title, descriptionHtml: raw.descriptionHtml, vendor: 'Sim Goods', productType: raw.productType,
      tags: raw.tags, status: raw.status.toLowerCase(), published: raw.publishedAt !== null, giftCard: false,
      category: raw.category ? { id: raw.category.id, name: raw.category.fullName } : null,
      options: [{ name: 'Size', values: ['XS', 'S', 'M'] }],
    });
    expect(product!.variants.map((variant) => [variant.position, variant.sourceId, variant.sku, variant.optionValues, variant.price])).toEqual(
      raw.variants.map((variant, at) => [at + 1, variant.id, variant.sku, [variant.selectedOptions[0]!.value], variant.price]),
    );
    expect(product!.variants[0]).toMatchObject({
      barcode: raw.variants[0]!.barcode, compareAtPrice: raw.variants[0]!.compareAtPrice, inventoryQuantity: raw.variants[0]!.inventoryQuantity,
      inventoryTracked: true, requiresShipping: true, taxable: true, inventoryPolicy: raw.variants[0]!.inventoryPolicy.toLowerCase(),
      weightGrams: weightInGrams(raw.variants[0]!.weight!),
    });
    expect(product!.images).toEqual(raw.media.filter((item) => item.image).map((item, at) => ({
      src: item.image!.url, position: at + 1, alt: item.image!.altText, width: 1200, height: 1200,
    })));
    expect(product!.metafields).toEqual(raw.metafields);
  });

  it('aligns option values with the options whatever order selectedOptions come in', async () => {
    sim = await startShopifyAdminSim({ products: 1, variantCounts: { 0: 12 }, restoreRate: 10_000 });
    sim.products[0]!.variants[11]!.selectedOptions.reverse();
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log });
    const products: Product[] = [];
    for await (const product of shopifyGraphqlSource(client, { download: DOWNLOAD }).read()) products.push(product);
    expect(products[0]!.options.map((option) => option.name)).toEqual(['Size', 'Colour']);
    expect(sim.products[0]!.variants[11]!.selectedOptions.map((option) => option.name)).toEqual(['Colour', 'Size']);
    expect(products[0]!.variants[11]?.optionValues).toEqual(['XXL', 'Ink']);
  });

  it('converts every weight unit to grams', () => {
    expect(weightInGrams({ unit: 'GRAMS', value: 250 })).toBe(250);
    expect(weightInGrams({ unit: 'KILOGRAMS', value: 1.2 })).toBe(1200);
    expect(weightInGrams({ unit: 'OUNCES', value: 1 })).toBe(28.35);
    expect(weightInGrams({ unit: 'POUNDS', value: 2 })).toBe(907.185);
    expect(weightInGrams({ unit: 'STONES', value: 1 })).toBeNull();
  });

  it('reads every page by cursor, in order', async () => {
    const { products, sim: server } = await readAll({ products: 47 }, { pageSize: 10 });
    expect(products.map((product) => product.handle)).toEqual(server.products.map((product) => product.handle));
    expect(operations(server, 'ShopshiftProducts')).toHaveLength(5);
  });

  it('keeps each page within the 1,000-point single query limit, lowering a page size that would pass it', () => {
    const settings = { pageSize: 250, variantsPerProduct: 5, mediaPerProduct: 5, withMetafield: true };
    const size = productPageSize(settings, 1000);
    expect(size).toBeLessThan(250);
    expect(productsQueryCost(settings, size)).toBeLessThanOrEqual(1000);
    expect(productsQueryCost(settings, size + 1)).toBeGreaterThan(1000);
  });

  it('computes the same requested cost as Shopify’s rules in the simulator', async () => {
    const { sim: server } = await readAll({ products: 30 }, { pageSize: 10 });
    const settings = { pageSize: 10, variantsPerProduct: 5, mediaPerProduct: 5, withMetafield: true };
    expect(operations(server, 'ShopshiftProducts')[0]?.requested).toBe(productsQueryCost(settings, 10));
  });

  it('reads a product with 150 variants whole, the rest by nested variant paging', async () => {
    const { products, sim: server } = await readAll({ products: 3, variantCounts: { 0: 2, 1: 150, 2: 3 } });
    const big = products[1]!;
    expect(big.variants).toHaveLength(150);
    expect(big.variants.map((variant) => variant.sku)).toEqual(server.products[1]!.variants.map((variant) => variant.sku));
    expect(big.variants.map((variant) => variant.position)).toEqual(Array.from({ length: 150 }, (_, at) => at + 1));
    expect(new Set(big.variants.map((variant) => variant.optionValues.join('/'))).size).toBe(150);
    expect(operations(server, 'ShopshiftProductVariants')).toEqual([expect.objectContaining({ requested: 1 + 2 + 145 * 5 })]);
  });

  it('reads a product’s media past the first page too', async () => {
    sim = await startShopifyAdminSim({ products: 1, restoreRate: 10_000 });
    const raw = sim.products[0]!;
    raw.media = Array.from({ length: 12 }, (_, at) => ({ id: String(70_000 + at), kind: 'IMAGE' as const, alt: '', image: { url: `https://cdn.example/${at}.jpg`, width: 800, height: 800, altText: '' } }));
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log });
    const products: Product[] = [];
    for await (const product of shopifyGraphqlSource(client, { download: DOWNLOAD }).read()) products.push(product);
    expect(products[0]?.images.map((image) => image.position)).toEqual(Array.from({ length: 12 }, (_, at) => at + 1));
  });

  it('reads everything through a small bucket with no failed request, waiting as the restore rate requires', async () => {
    const started = performance.now();
    const { products, client, sim: server } = await readAll({ products: 30, maximumAvailable: 200, restoreRate: 1000, throttleStatus: 429 });
    const seconds = (performance.now() - started) / 1000;
    expect(products).toHaveLength(30);
    const used = server.requests.reduce((sum, request) => sum + (request.actual ?? 0), 0);
    // Pages were sized for the 200-point bucket, and every point past the first bucketful had to be restored.
    expect(Math.max(...server.requests.map((request) => request.requested))).toBeLessThanOrEqual(200);
    expect(seconds).toBeGreaterThanOrEqual((used - 200) / 1000);
    expect(server.requests.every((request) => request.status === 200 || request.throttled)).toBe(true);
    expect(client.stats.waitedMs).toBeGreaterThan(0);
  });

  it('waits out THROTTLED answers caused by another app on the same bucket and still reads everything', async () => {
    // One clock for both sides, moved only by the client's waits, so the other app's drains are never refilled by chance.
    let now = 0;
    const time = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    // Two variants each: no nested query between pages tells the client what the other app took.
    const variantCounts = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [index, 2]));
    sim = await startShopifyAdminSim({ products: 20, variantCounts, maximumAvailable: 300, restoreRate: 100, clock: time.now });
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log, clock: time, sleep: time.sleep });
    const products: Product[] = [];
    for await (const product of shopifyGraphqlSource(client, { download: DOWNLOAD, pageSize: 5 }).read()) {
      products.push(product);
      // Another app of the same store takes most of the bucket after each product.
      sim.drain(Math.max(0, sim.bucket().currentlyAvailable - 10));
    }
    expect(products).toHaveLength(20);
    const throttled = sim.requests.filter((request) => request.throttled);
    expect(throttled.length).toBeGreaterThan(0);
    expect(client.stats.throttled).toBe(throttled.length);
    // Each THROTTLED answer was waited out exactly: the retry right after it went through.
    for (const answer of throttled) expect(sim.requests[sim.requests.indexOf(answer) + 1]?.throttled).toBe(false);
  });

  it('lowers its page size when the store’s bucket is smaller than a page costs', async () => {
    const { products, sim: server } = await readAll({ products: 12, maximumAvailable: 120 }, { pageSize: 50 });
    expect(products).toHaveLength(12);
    expect(operations(server, 'ShopshiftProducts').every((request) => request.requested <= 120)).toBe(true);
  });

  it('does not page past products deleted or added between pages', async () => {
    sim = await startShopifyAdminSim({ products: 20, restoreRate: 10_000 });
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log });
    const handles: string[] = [];
    for await (const product of shopifyGraphqlSource(client, { download: DOWNLOAD, pageSize: 5 }).read()) {
      handles.push(product.handle);
      if (handles.length === 5) {
        // The product the cursor points at is deleted; one is added at the end.
        sim.products.splice(4, 1);
        sim.products.push({ ...generateSimProduct(99), id: '9000000000500', handle: 'added-later' });
      }
    }
    expect(handles).toHaveLength(21);
    expect(handles.at(-1)).toBe('added-later');
    expect(new Set(handles).size).toBe(21);
  });

  it('stops with a clear error when the token is refused', async () => {
    sim = await startShopifyAdminSim({ products: 1 });
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: 'shpat_revoked', log: captureLogs().log });
    const reading = (async () => {
      for await (const _product of shopifyGraphqlSource(client, { download: DOWNLOAD }).read()) void _product;
    })();
    await expect(reading).rejects.toMatchObject({ status: 401, userText: expect.stringMatching(/SHOPIFY_ACCESS_TOKEN/) });
  });
});

describe('the Shopify Admin API source with a bulk operation', () => {
  it('uses a bulk operation above the threshold and rebuilds each product from interleaved JSONL lines', async () => {
    const paged = await readAll({ products: 40, seed: 9, variantCounts: { 3: 150 } });
    await sim!.close();
    sim = null;
    const { products, sim: server, issues } = await readAll({ products: 40, seed: 9, variantCounts: { 3: 150 } }, { bulkThreshold: 10 });
    expect(operations(server, 'ShopshiftProducts')).toHaveLength(0);
    expect(server.bulkOperations).toHaveLength(1);
    expect(issues).toEqual([]);
    expect(products).toEqual(paged.products);
    expect(products[3]?.variants).toHaveLength(150);
  });

  it('gets a JSONL file whose child lines are not always right after their parent', async () => {
    const { sim: server } = await readAll({ products: 30 }, { bulkThreshold: 0 });
    const file = await (await fetch(server.bulkOperations[0]!.url!)).text();
    const lines = file.trim().split('\n').map((line) => JSON.parse(line) as { id: string; __parentId?: string });
    let lastParent = '';
    let misplaced = 0;
    const seen = new Set<string>();
    for (const line of lines) {
      if (line.__parentId === undefined) {
        lastParent = line.id;
        seen.add(line.id);
      } else {
        expect(seen.has(line.__parentId)).toBe(true);
        if (line.__parentId !== lastParent) misplaced++;
      }
    }
    expect(misplaced).toBeGreaterThan(0);
    expect(lines.some((line) => line.id.startsWith('gid://shopify/MediaImage/') && line.__parentId)).toBe(true);
  });

  it('reports a failed bulk operation with its error code and notes the partial data', async () => {
    sim = await startShopifyAdminSim({ products: 5, restoreRate: 10_000 });
    sim.failNextBulk('INTERNAL_SERVER_ERROR');
    const logs = captureLogs();
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: logs.log });
    const reading = (async () => {
      for await (const _product of shopifyGraphqlSource(client, { download: DOWNLOAD, bulkThreshold: 1, bulkPollMs: 1, log: logs.log }).read()) void _product;
    })();
    const error = (await reading.catch((caught: unknown) => caught)) as ShopifyAdminError;
    expect(error).toBeInstanceOf(ShopifyAdminError);
    expect(error.userText).toMatch(/bulk export of the catalog failed \(INTERNAL_SERVER_ERROR\); Shopify kept partial data/);
    const warning = logs.lines().find((line) => line.msg === 'shopify bulk operation failed; partial data kept');
    expect(warning?.partialData).toMatch(/\/bulk\/\d+-partial\.jsonl$/);
    // The signed query string of the partial data URL is not logged.
    expect(logs.text()).not.toContain('X-Goog-Signature');
  });

  it('says so when another bulk query of the app is still running', async () => {
    sim = await startShopifyAdminSim({ products: 5, restoreRate: 10_000 });
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log });
    await client.query('mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }');
    const reading = (async () => {
      for await (const _product of shopifyGraphqlSource(client, { download: DOWNLOAD, bulkThreshold: 1 }).read()) void _product;
    })();
    await expect(reading).rejects.toMatchObject({ userText: expect.stringMatching(/already running a bulk query/) });
  });
});

describe('the Shopify Admin API source for products changed since a time', () => {
  const SINCE = new Date('2026-03-28T08:00:00.750Z');

  /** Ten products last updated in 2025; the 3rd and 8th updated after SINCE, the 6th in its second, the 5th just before. */
  async function changedCatalog() {
    sim = await startShopifyAdminSim({ products: 10, restoreRate: 10_000 });
    sim.products[2]!.updatedAt = '2026-03-28T09:15:00Z';
    sim.products[4]!.updatedAt = '2026-03-28T07:59:59Z';
    sim.products[5]!.updatedAt = '2026-03-28T08:00:00Z';
    sim.products[7]!.updatedAt = '2026-03-29T07:00:00Z';
    return sim;
  }

  async function readChanged(server: ShopifyAdminSim, options: Partial<ShopifyGraphqlOptions> = {}) {
    const client = createShopifyAdminClient({ adminUrl: server.url, accessToken: server.accessToken, log: captureLogs().log });
    const handles: string[] = [];
    for await (const product of shopifyGraphqlSource(client, { download: DOWNLOAD, bulkPollMs: 1, updatedSince: SINCE, ...options }).read()) handles.push(product.handle);
    return handles;
  }

  it('asks Shopify for products updated from the start of the time’s second, as Shopify keeps whole seconds', () => {
    expect(productSearch({ updatedSince: SINCE })).toBe("updated_at:>='2026-03-28T08:00:00Z'");
    expect(productSearch({})).toBeNull();
  });

  it('reads only the products updated since the time, page by page', async () => {
    const server = await changedCatalog();
    expect(await readChanged(server)).toEqual(['sim-product-3', 'sim-product-6', 'sim-product-8']);
    expect(operations(server, 'ShopshiftProducts')).toHaveLength(1);
  });

  it('counts only the changed products, so a large catalog with few changes is still read by pages', async () => {
    const server = await changedCatalog();
    expect(await readChanged(server, { bulkThreshold: 5 })).toEqual(['sim-product-3', 'sim-product-6', 'sim-product-8']);
    expect(server.bulkOperations).toHaveLength(0);
  });

  it('filters a bulk operation the same way', async () => {
    const server = await changedCatalog();
    expect(await readChanged(server, { bulkThreshold: 0 })).toEqual(['sim-product-3', 'sim-product-6', 'sim-product-8']);
    expect(server.bulkOperations[0]?.query).toContain(`products(query: "updated_at:>='2026-03-28T08:00:00Z'")`);
  });
});

describe('the catalog location "shopify"', () => {
  const limits = { ...DOWNLOAD, maxPages: 10 };

  it('opens the Admin API source, not a file', () => {
    const access = { createClient: () => createShopifyAdminClient({ adminUrl: 'https://my-shop.myshopify.com', accessToken: 't', log: captureLogs().log }) };
    expect(openCatalogSource('shopify', limits, access).kind).toBe('shopify-graphql');
    expect(openCatalogSource(' Shopify: ', limits, access).label).toBe('https://my-shop.myshopify.com/admin/api/2025-10/graphql.json');
    expect(openCatalogSource('shopify.csv', limits, access).kind).toBe('shopify-csv');
  });

  it('names the missing settings when the Admin API is not configured', () => {
    expect(() => openCatalogSource('shopify', limits)).toThrow(ConfigError);
    const access = shopifyAccessFrom(loadConfig({ SHOPIFY_ADMIN_URL: 'https://my-shop.myshopify.com' }), captureLogs().log);
    expect(() => openCatalogSource('shopify', limits, access)).toThrow('Reading the catalog through the Shopify Admin API needs SHOPIFY_ACCESS_TOKEN. See .env.example.');
    expect(() => openCatalogSource('shopify', limits, shopifyAccessFrom(loadConfig({}), captureLogs().log))).toThrow(/needs SHOPIFY_ADMIN_URL and SHOPIFY_ACCESS_TOKEN/);
  });

  it('has settings with defaults: version 2025-10, 50 products a page, bulk above 2,000 products', () => {
    expect(loadConfig({})).toMatchObject({ SHOPIFY_API_VERSION: '2025-10', SHOPIFY_PAGE_SIZE: 50, SHOPIFY_BULK_THRESHOLD: 2000 });
    expect(() => loadConfig({ SHOPIFY_PAGE_SIZE: '251' })).toThrow(/SHOPIFY_PAGE_SIZE/);
    expect(() => loadConfig({ SHOPIFY_ADMIN_URL: 'my-shop' })).toThrow(/SHOPIFY_ADMIN_URL/);
    expect(() => loadConfig({ SHOPIFY_ACCESS_TOKEN: 'shpat_x', SHOPIFY_API_VERSION: 'latest' })).toThrow(/SHOPIFY_API_VERSION/);
  });

  it('is audited by `shopshift audit shopify` and recorded so the migration reads the store again', async () => {
    sim = await startShopifyAdminSim({ products: 12, restoreRate: 10_000 });
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk) => (out += chunk));
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-data-')) });
    const config = loadConfig({ SHOPIFY_ADMIN_URL: sim.url, SHOPIFY_ACCESS_TOKEN: sim.accessToken, AUDIT_STATUSES: 'active,draft,archived', FETCH_ALLOWED_PRIVATE: '127.0.0.1/32' });
    const io = { stdout, stderr: new PassThrough(), config, log: captureLogs().log, store: async () => store };
    await auditCommand(['shopify', '--no-progress'], io);
    expect(out).toContain('Products   12 read, 12 audited');
    const run = await store.audits.latest('default');
    expect(run).toMatchObject({ location: 'shopify', sourceLabel: `${sim.url}/admin/api/2025-10/graphql.json` });
    expect(Object.keys(run!.verdicts)).toHaveLength(12);
    await store.close();
  });
});
