import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Shopify storefront on 127.0.0.1 serving `/products.json` the way real stores do (shopify.md §7):
 * `limit` up to 250, 1-based `page`, an empty page at the end, HTTP 400 past page × limit = 25,000.
 */
export interface StorefrontOptions {
  productCount?: number;
  /** The raw storefront product at a 0-based index; return anything to serve a malformed product. */
  productAt?: (index: number) => unknown;
  /** Served as text/csv at `/export.csv`. */
  csv?: string;
}

export type StorefrontFault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'html' }
  | { kind: 'delay'; ms: number }
  | { kind: 'oversize'; bytes: number; declareLength: boolean }
  | { kind: 'redirect'; location: string };

export interface Storefront {
  url: string;
  /** Paths with their query, in the order they arrived. */
  requests: string[];
  /** The next `times` requests (any path) answer with `fault` instead. */
  setFault(fault: StorefrontFault, times?: number): void;
  close(): Promise<void>;
}

const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 30;
const PAGING_CAP = 25_000;
const SIZES = ['S', 'M', 'L'];

/** A published product as products.json shows it: tags a list, prices strings, no inventory or barcode. */
export function sampleStorefrontProduct(index: number): Record<string, unknown> {
  const number = index + 1;
  const variantCount = 1 + (index % 3);
  const hasOptions = variantCount > 1;
  const stamp = '2025-03-01T10:00:00-05:00';
  return {
    id: 7_000_000 + number,
    title: `Product ${number}`,
    handle: `product-${number}`,
    body_html: `<p>Description of product ${number}.</p>`,
    published_at: stamp,
    created_at: stamp,
    updated_at: stamp,
    vendor: 'Sim Goods',
    product_type: 'Mug',
    tags: ['sim', `batch-${index % 5}`],
    variants: Array.from({ length: variantCount }, (_, at) => ({
      id: 40_000_000 + number * 10 + at,
      title: hasOptions ? SIZES[at] : 'Default Title',
      option1: hasOptions ? SIZES[at] : 'Default Title',
      option2: null,
      option3: null,
      sku: `SKU-${number}-${at + 1}`,
      requires_shipping: true,
      taxable: true,
      featured_image: null,
      available: true,
      price: `${10 + at}.90`,
      grams: 250,
      compare_at_price: null,
      position: at + 1,
      product_id: 7_000_000 + number,
      created_at: stamp,
      updated_at: stamp,
    })),
    images: [{
      id: 30_000_000 + number,
      src: `https://cdn.shopify.com/s/files/1/sim/product-${number}.jpg`,
      width: 1200,
      height: 1200,
      position: 1,
      variant_ids: [],
      product_id: 7_000_000 + number,
      created_at: stamp,
      updated_at: stamp,
    }],
    options: [{ name: hasOptions ? 'Size' : 'Title', position: 1, values: hasOptions ? SIZES.slice(0, variantCount) : ['Default Title'] }],
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendOversize(response: ServerResponse, bytes: number, declareLength: boolean): void {
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8' };
  if (declareLength) headers['content-length'] = bytes;
  response.writeHead(200, headers);
  const chunk = Buffer.alloc(65_536, 0x20);
  let left = bytes;
  const writeMore = (): void => {
    while (left > 0 && !response.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!response.write(piece)) {
        response.once('drain', writeMore);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  writeMore();
}

export async function startStorefront(options: StorefrontOptions = {}): Promise<Storefront> {
  const productCount = options.productCount ?? 0;
  const productAt = options.productAt ?? sampleStorefrontProduct;
  const requests: string[] = [];
  const faults: { fault: StorefrontFault; left: number }[] = [];

  function takeFault(): StorefrontFault | null {
    const next = faults[0];
    if (!next) return null;
    if (--next.left <= 0) faults.shift();
    return next.fault;
  }

  function serveProducts(url: URL, response: ServerResponse): void {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT, MAX_LIMIT);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    if (page * limit > PAGING_CAP) {
      sendJson(response, 400, { errors: 'Page * Limit exceeds the 25000 limit.' });
      return;
    }
    const start = (page - 1) * limit;
    const end = Math.min(start + limit, productCount);
    const products = [];
    for (let index = start; index < end; index++) products.push(productAt(index));
    sendJson(response, 200, { products });
  }

  function serve(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.endsWith('/products.json')) serveProducts(url, response);
    else if (url.pathname === '/export.csv' && options.csv !== undefined) {
      response.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': Buffer.byteLength(options.csv) });
      response.end(options.csv);
    } else {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>404 Not Found</title>');
    }
  }

  function answerFault(fault: StorefrontFault, request: IncomingMessage, response: ServerResponse): void {
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        response.writeHead(fault.status, headers);
        response.end(fault.body ?? JSON.stringify({ errors: `Simulated ${fault.status}` }));
        return;
      }
      case 'html':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end('<!doctype html><html><body><form action="/password">Enter store password</form></body></html>');
        return;
      case 'delay': {
        const timer = setTimeout(() => serve(request, response), fault.ms);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      case 'oversize':
        sendOversize(response, fault.bytes, fault.declareLength);
        return;
      case 'redirect':
        response.writeHead(301, { location: fault.location });
        response.end();
    }
  }

  const server = createServer((request, response) => {
    requests.push(request.url ?? '/');
    const fault = takeFault();
    if (fault) answerFault(fault, request, response);
    else serve(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFault(fault, times = 1) {
      faults.push({ fault, left: times });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
