import { afterEach, describe, expect, it } from 'vitest';
import { SourceError, UpstreamError } from '../../src/errors.js';
import type { FetchLimits } from '../../src/catalog/http-fetch.js';
import { httpTextInput } from '../../src/catalog/http-text-input.js';
import type { Product } from '../../src/catalog/product.js';
import { productsJsonUrl, productsJsonUrlSource, type ProductsJsonUrlLimits } from '../../src/catalog/products-json-url.js';
import { shopifyCsvSource } from '../../src/catalog/shopify-csv.js';
import type { CatalogSource, SourceIssue, SourceProgress } from '../../src/catalog/source.js';
import { sampleStorefrontProduct, startStorefront, type Storefront, type StorefrontOptions } from '../sim/storefront.js';

const MB = 1_048_576;
// The storefront simulator listens on 127.0.0.1, which only the allow-list lets through.
const fetchLimits: FetchLimits = { timeoutMs: 5_000, maxBytes: 10 * MB, maxRetries: 2, retryBaseMs: 10, allowedPrivate: ['127.0.0.1/32'] };
const pageLimits: ProductsJsonUrlLimits = { ...fetchLimits, maxPages: 200 };

let store: Storefront | null = null;

async function storefront(options: StorefrontOptions): Promise<Storefront> {
  store = await startStorefront(options);
  return store;
}

afterEach(async () => {
  await store?.close();
  store = null;
});

async function readAll(source: CatalogSource) {
  const issues: SourceIssue[] = [];
  const progress: SourceProgress[] = [];
  const products: Product[] = [];
  for await (const product of source.read({ onIssue: (issue) => issues.push(issue), onProgress: (step) => progress.push(step) })) {
    products.push(product);
  }
  return { products, issues, progress };
}

async function readError(source: CatalogSource): Promise<unknown> {
  try {
    for await (const _product of source.read()) {
      // Reading on until the source fails.
    }
  } catch (error) {
    return error;
  }
  throw new Error('expected the source to fail');
}

describe('productsJsonUrl', () => {
  it('adds /products.json to a bare store address', () => {
    expect(productsJsonUrl('https://shop.example').toString()).toBe('https://shop.example/products.json');
  });

  it('adds /products.json after a trailing slash without doubling it', () => {
    expect(productsJsonUrl('https://shop.example/').toString()).toBe('https://shop.example/products.json');
  });

  it('keeps an address that already ends in .json', () => {
    expect(productsJsonUrl('https://shop.example/collections/rings/products.json').toString())
      .toBe('https://shop.example/collections/rings/products.json');
  });
});

describe('productsJsonUrlSource', () => {
  it('reads every page in order with each product’s variants', async () => {
    const sim = await storefront({ productCount: 600 });

    const { products, issues } = await readAll(productsJsonUrlSource(`${sim.url}/products.json`, { ...pageLimits, pageSize: 250 }));

    expect(issues).toEqual([]);
    expect(products).toHaveLength(600);
    expect(products.map((product) => product.handle)).toEqual(Array.from({ length: 600 }, (_, index) => `product-${index + 1}`));
    expect(products.map((product) => product.variants.length)).toEqual(Array.from({ length: 600 }, (_, index) => 1 + (index % 3)));
    expect(sim.requests).toEqual([1, 2, 3, 4].map((page) => `/products.json?limit=250&page=${page}`));
  });

  it('maps storefront fields onto the catalog model', async () => {
    const sim = await storefront({ productCount: 2 });

    const { products } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(products[1]).toMatchObject({
      handle: 'product-2',
      title: 'Product 2',
      tags: ['sim', 'batch-1'],
      status: 'active',
      options: [{ name: 'Size', values: ['S', 'M'] }],
    });
    expect(products[1]?.variants.map((variant) => [variant.sku, variant.price, variant.inventoryQuantity]))
      .toEqual([['SKU-2-1', '10.90', null], ['SKU-2-2', '11.90', null]]);
  });

  it('reads a bare store address from its /products.json', async () => {
    const sim = await storefront({ productCount: 3 });

    const source = productsJsonUrlSource(`${sim.url}/`, pageLimits);
    const { products } = await readAll(source);

    expect(source.label).toBe(`${sim.url}/products.json`);
    expect(products).toHaveLength(3);
    expect(sim.requests[0]).toBe('/products.json?limit=250&page=1');
  });

  it('keeps the address’s own query parameters next to limit and page', async () => {
    const sim = await storefront({ productCount: 1 });

    await readAll(productsJsonUrlSource(`${sim.url}/collections/mugs/products.json?currency=EUR&page=9`, pageLimits));

    expect(sim.requests[0]).toBe('/collections/mugs/products.json?currency=EUR&page=1&limit=250');
  });

  it('keeps credentials and the query out of its label', () => {
    const source = productsJsonUrlSource('https://user:secret@shop.example/products.json?key=abc', pageLimits);

    expect(source.label).toBe('https://shop.example/products.json');
  });

  it('retries a 429 answer and loses no product', async () => {
    const sim = await storefront({ productCount: 300 });
    sim.setFault({ kind: 'status', status: 429, retryAfter: '0' });

    const { products } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(products).toHaveLength(300);
    expect(sim.requests.slice(0, 2)).toEqual(['/products.json?limit=250&page=1', '/products.json?limit=250&page=1']);
  });

  it('retries a 503 answer with backoff when there is no Retry-After', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'status', status: 503 }, 2);

    const { products } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(products).toHaveLength(10);
    expect(sim.requests).toHaveLength(4);
  });

  it('gives up with an UpstreamError once the retries are spent', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'status', status: 429, retryAfter: '0' }, 10);

    const error = await readError(productsJsonUrlSource(sim.url, { ...pageLimits, maxRetries: 2 }));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 429, userText: expect.stringContaining('rate-limiting') });
    expect(sim.requests).toHaveLength(3);
  });

  it('fails with SOURCE_NOT_A_CATALOG when the store answers HTML', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'html' });

    const error = await readError(productsJsonUrlSource(sim.url, pageLimits));

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_A_CATALOG' });
    expect((error as SourceError).userText).toMatch(/HTML page.*disabled the endpoint or be password-protected/);
  });

  it('follows a redirect to where the catalog lives', async () => {
    const sim = await storefront({ productCount: 5 });
    sim.setFault({ kind: 'redirect', location: '/products.json?limit=250&page=1' });

    const { products } = await readAll(productsJsonUrlSource(`${sim.url}/old/products.json`, pageLimits));

    expect(products).toHaveLength(5);
    expect(sim.requests[1]).toBe('/products.json?limit=250&page=1');
  });

  it('refuses a page whose Content-Length is over the size limit before reading it', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'oversize', bytes: 2 * MB, declareLength: true });

    const error = await readError(productsJsonUrlSource(sim.url, { ...pageLimits, maxBytes: MB }));

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).userText).toBe('The catalog is larger than the 1 MB limit (FETCH_MAX_BYTES).');
  });

  it('stops a page without Content-Length once it streams past the size limit', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'oversize', bytes: 3 * MB, declareLength: false });

    const error = await readError(productsJsonUrlSource(sim.url, { ...pageLimits, maxBytes: MB }));

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).userText).toContain('1 MB limit (FETCH_MAX_BYTES)');
  });

  it('fails with an UpstreamError naming the timeout when the store is too slow', async () => {
    const sim = await storefront({ productCount: 10 });
    sim.setFault({ kind: 'delay', ms: 3_000 }, 5);

    const started = Date.now();
    const error = await readError(productsJsonUrlSource(sim.url, { ...pageLimits, timeoutMs: 200, maxRetries: 1 }));

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).userText).toBe(`${sim.url}/products.json did not answer within 0.2 s.`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a malformed product with its page and reads the rest', async () => {
    const sim = await storefront({
      productCount: 500,
      productAt: (index) => (index === 252 ? { title: 'No handle', variants: [] } : sampleStorefrontProduct(index)),
    });

    const { products, issues } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(products).toHaveLength(499);
    expect(products.some((product) => product.title === 'No handle')).toBe(false);
    expect(issues).toEqual([{ line: null, page: 2, message: expect.stringMatching(/^Product #3 on page 2 skipped: handle: /) }]);
  });

  it('stops at maxPages and says the rest was not read', async () => {
    const sim = await storefront({ productCount: 1_000 });

    const { products, issues } = await readAll(productsJsonUrlSource(sim.url, { ...pageLimits, maxPages: 2, pageSize: 100 }));

    expect(products).toHaveLength(200);
    expect(sim.requests).toHaveLength(2);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/Stopped after 2 pages \(200 products\).*not read/);
  });

  it('reports that products.json cannot page past 25,000 products', async () => {
    const sim = await storefront({ productCount: 25_100, productAt: (index) => ({ handle: `p-${index}`, title: `P ${index}` }) });

    const { products, issues } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(products).toHaveLength(25_000);
    expect(sim.requests.at(-1)).toBe('/products.json?limit=250&page=101');
    expect(issues).toEqual([{
      line: null,
      page: 101,
      message: expect.stringMatching(/cannot page past 25,000 products.*CSV export or the Admin API/),
    }]);
  });

  it('explains a 404 as a missing or disabled products.json', async () => {
    const sim = await storefront({ productCount: 1 });
    sim.setFault({ kind: 'status', status: 404 });

    const error = await readError(productsJsonUrlSource(sim.url, pageLimits));

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).userText).toMatch(/not found \(HTTP 404\).*disabled products\.json/);
  });

  it('reports progress with the bytes read so far and no total', async () => {
    const sim = await storefront({ productCount: 300 });

    const { progress } = await readAll(productsJsonUrlSource(sim.url, pageLimits));

    expect(progress.at(-1)).toMatchObject({ totalBytes: null, products: 300 });
    expect(progress.at(-1)?.bytesRead).toBeGreaterThan(progress[0]?.bytesRead ?? Infinity);
  });
});

describe('httpTextInput', () => {
  const csv = [
    'Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src',
    'linen-tee,Linen Tee,Size,S,TEE-S,19.90,https://cdn.example/tee.jpg',
    'linen-tee,,,M,TEE-M,19.90,',
    'mug,Ceramic Mug,Title,Default Title,MUG-1,12.00,',
    '',
  ].join('\n');

  it('lets shopifyCsvSource read a CSV export over HTTP', async () => {
    const sim = await storefront({ csv });

    const { products, issues } = await readAll(shopifyCsvSource(httpTextInput(`${sim.url}/export.csv`, fetchLimits)));

    expect(issues).toEqual([]);
    expect(products.map((product) => [product.handle, product.variants.map((variant) => variant.sku)]))
      .toEqual([['linen-tee', ['TEE-S', 'TEE-M']], ['mug', ['MUG-1']]]);
  });

  it('opens a utf8 text stream with the size from Content-Length', async () => {
    const sim = await storefront({ csv });

    const { stream, totalBytes } = await httpTextInput(`${sim.url}/export.csv`, fetchLimits).open();
    stream.destroy();

    expect(stream.readableEncoding).toBe('utf8');
    expect(totalBytes).toBe(Buffer.byteLength(csv));
  });

  it('fails with a SourceError when the address answers 404', async () => {
    const sim = await storefront({});

    await expect(httpTextInput(`${sim.url}/missing.csv`, fetchLimits).open()).rejects.toBeInstanceOf(SourceError);
  });
});

describe('addresses inside the network', () => {
  // Every request here goes to 127.0.0.1 (the simulator) or is refused before connecting: the
  // simulator's request log proves that nothing reached it.
  const strict: ProductsJsonUrlLimits = { ...pageLimits, allowedPrivate: [] };
  const localhostUrl = (sim: Storefront) => sim.url.replace('127.0.0.1', 'localhost');
  const refusal = (host: string, verb: string) => `${host} ${verb} a loopback address; shopshift does not fetch those (FETCH_ALLOWED_PRIVATE).`;

  it('refuses a host name that resolves to 127.0.0.1 without connecting, and does not retry', async () => {
    const sim = await storefront({ productCount: 5 });

    const error = await readError(productsJsonUrlSource(localhostUrl(sim), strict));

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).userText).toBe(refusal('localhost', 'resolves to'));
    expect(sim.requests).toEqual([]);
  });

  it('refuses the default limits (no allow-list) the same way', async () => {
    const sim = await storefront({ productCount: 5 });
    const { allowedPrivate: _omitted, ...defaults } = pageLimits;

    const error = await readError(productsJsonUrlSource(localhostUrl(sim), defaults));

    expect((error as SourceError).userText).toBe(refusal('localhost', 'resolves to'));
    expect(sim.requests).toEqual([]);
  });

  it('refuses a literal loopback address however it is spelled', async () => {
    const sim = await storefront({ productCount: 5 });
    const port = new URL(sim.url).port;

    for (const host of ['127.0.0.1', '2130706433', '0177.0.0.1', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const error = await readError(productsJsonUrlSource(`http://${host}:${port}/`, strict));
      expect(error).toBeInstanceOf(SourceError);
      expect((error as SourceError).userText).toMatch(/^(127\.0\.0\.1|::ffff:7f00:1) is a loopback address; shopshift does not fetch those \(FETCH_ALLOWED_PRIVATE\)\.$/);
    }
    expect(sim.requests).toEqual([]);
  });

  it('reads from a host that resolves into an allowed CIDR', async () => {
    const sim = await storefront({ productCount: 5 });

    const { products } = await readAll(productsJsonUrlSource(localhostUrl(sim), { ...pageLimits, allowedPrivate: ['127.0.0.0/8'] }));

    expect(products).toHaveLength(5);
    expect(sim.requests[0]).toBe('/products.json?limit=250&page=1');
  });

  it('reads from a host name on the allow-list', async () => {
    const sim = await storefront({ productCount: 5 });

    const { products } = await readAll(productsJsonUrlSource(localhostUrl(sim), { ...pageLimits, allowedPrivate: ['localhost'] }));

    expect(products).toHaveLength(5);
  });

  it('refuses a redirect from an allowed host to an address that is not allowed, before connecting to it', async () => {
    const sim = await storefront({ productCount: 5 });
    sim.setFault({ kind: 'redirect', location: `${sim.url}/products.json?limit=250&page=1` });
    const start = `${localhostUrl(sim)}/old/products.json`;

    const error = await readError(productsJsonUrlSource(start, { ...pageLimits, allowedPrivate: ['localhost'] }));

    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).userText).toBe(`${start} redirected to 127.0.0.1, which is a loopback address; shopshift does not fetch those (FETCH_ALLOWED_PRIVATE).`);
    expect(sim.requests).toEqual(['/old/products.json?limit=250&page=1']);
  });

  it('refuses a redirect to another loopback address outside the allowed CIDR', async () => {
    const sim = await storefront({ productCount: 5 });
    sim.setFault({ kind: 'redirect', location: `http://127.0.0.2:${new URL(sim.url).port}/products.json` });

    const error = await readError(productsJsonUrlSource(`${sim.url}/old/products.json`, pageLimits));

    expect((error as SourceError).userText).toMatch(/redirected to 127\.0\.0\.2, which is a loopback address; .*\(FETCH_ALLOWED_PRIVATE\)\.$/);
    expect(sim.requests).toHaveLength(1);
  });
});
