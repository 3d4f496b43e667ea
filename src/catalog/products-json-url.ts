import { SourceError, UpstreamError } from '../errors.js';
import {
  fetchWithLimits, headerValue, parseHttpUrl, readAll, readErrorText, safeUrlLabel,
  type FetchedResponse, type FetchLimits,
} from './http-fetch.js';
import type { Product } from './product.js';
import { storefrontProducts } from './products-json.js';
import type { CatalogSource, ReadOptions } from './source.js';

export interface ProductsJsonUrlLimits extends FetchLimits {
  maxPages: number;
  /** Products per page, at most Shopify's 250 (the default). */
  pageSize?: number;
}

const MAX_PAGE_SIZE = 250;
const SERVICE = 'shopify-storefront';
const PAGING_CAP_MESSAGE = /page\s*\*\s*limit exceeds/i;

/** A bare store address reads its `/products.json`; an address already ending in `.json` is kept. */
export function productsJsonUrl(url: string): URL {
  const parsed = parseHttpUrl(url);
  if (!parsed.pathname.endsWith('.json')) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/products.json`;
  parsed.hash = '';
  return parsed;
}

/** A store's public storefront `products.json`, read page by page (shopify.md §7). */
export function productsJsonUrlSource(url: string, limits: ProductsJsonUrlLimits): CatalogSource {
  const endpoint = productsJsonUrl(url);
  return {
    kind: 'products-json',
    label: safeUrlLabel(endpoint),
    read: (options) => readProductsJsonPages(endpoint, limits, options ?? {}),
  };
}

function pageUrl(endpoint: URL, page: number, pageSize: number): string {
  const url = new URL(endpoint);
  url.searchParams.set('limit', String(pageSize));
  url.searchParams.set('page', String(page));
  return url.toString();
}

function storefrontStatusError(status: number, label: string, page: number) {
  if (status === 401 || status === 403) {
    return new SourceError(
      'SOURCE_UNREADABLE',
      `${label} refused access (HTTP ${status}): the store may be password-protected or blocking bots. ` +
        'Try its *.myshopify.com address, or upload the CSV export instead.',
    );
  }
  if (status === 404) {
    return new SourceError(
      'SOURCE_UNREADABLE',
      `${label} was not found (HTTP 404): check the store address; the store may have disabled products.json.`,
    );
  }
  return new UpstreamError(SERVICE, status, `${label} answered HTTP ${status} on page ${page}.`);
}

function assertJson(response: FetchedResponse, label: string): void {
  const contentType = headerValue(response.headers, 'content-type').toLowerCase();
  if (contentType.includes('text/html')) {
    throw new SourceError(
      'SOURCE_NOT_A_CATALOG',
      `${label} answered with an HTML page instead of products.json: the store may have disabled the endpoint or be password-protected.`,
    );
  }
  if (contentType !== '' && !contentType.includes('json')) {
    throw new SourceError('SOURCE_NOT_A_CATALOG', `${label} answered ${contentType.split(';')[0]} instead of JSON, so it is not a products.json catalog.`);
  }
}

function parsePage(bytes: Buffer, label: string, page: number): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SourceError('SOURCE_NOT_A_CATALOG', `Page ${page} of ${label} is not valid JSON.`);
  }
  const products = (body as { products?: unknown } | null)?.products;
  if (!Array.isArray(products)) {
    throw new SourceError('SOURCE_NOT_A_CATALOG', `Page ${page} of ${label} has no "products" list, so it is not a products.json catalog.`);
  }
  return products;
}

async function* readProductsJsonPages(endpoint: URL, limits: ProductsJsonUrlLimits, { onIssue, onProgress, signal }: ReadOptions): AsyncGenerator<Product> {
  const label = safeUrlLabel(endpoint);
  const pageSize = Math.min(Math.max(Math.trunc(limits.pageSize ?? MAX_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  let bytesRead = 0;
  let products = 0;
  for (let page = 1; ; page++) {
    if (signal?.aborted) throw signal.reason;
    if (page > limits.maxPages) {
      onIssue?.({
        line: null,
        page,
        message: `Stopped after ${limits.maxPages} pages (${products} products), the page limit; any products after that were not read.`,
      });
      return;
    }
    const response = await fetchWithLimits(pageUrl(endpoint, page, pageSize), limits, { service: SERVICE, accept: 'application/json', signal });
    if (response.status === 400) {
      const text = await readErrorText(response.body);
      if (!PAGING_CAP_MESSAGE.test(text)) throw storefrontStatusError(400, label, page);
      onIssue?.({
        line: null,
        page,
        message:
          `products.json cannot page past 25,000 products, so reading stopped after ${products} products. ` +
          'Use the CSV export or the Admin API to read the whole catalog.',
      });
      return;
    }
    if (response.status < 200 || response.status >= 300) {
      response.body.destroy();
      throw storefrontStatusError(response.status, label, page);
    }
    try {
      assertJson(response, label);
    } catch (error) {
      response.body.destroy();
      throw error;
    }
    const bytes = await readAll(response.body);
    bytesRead += bytes.length;
    const items = parsePage(bytes, label, page);
    if (items.length === 0) break;
    const where = (position: number) => ({ line: null, page, at: `#${position} on page ${page}` });
    for (const product of storefrontProducts(items, where, onIssue)) {
      products++;
      yield product;
    }
    onProgress?.({ bytesRead, totalBytes: null, products });
  }
  onProgress?.({ bytesRead, totalBytes: null, products });
}
