// Products read per second from the Shopify Admin API simulator at the standard bucket (1,000 points,
// 50 restored per second), as a share of what the bucket allows.
import pino from 'pino';
import { shopifyGraphqlSource } from '../src/catalog/shopify-graphql.js';
import { createShopifyAdminClient, ShopifyAdminError } from '../src/shopify/admin-client.js';
import { startShopifyAdminSim } from '../test/sim/shopify-admin.js';

export interface ShopifyBench {
  products: number;
  pageSize: number;
  seconds: number;
  requests: number;
  /** THROTTLED answers the simulator gave (each waited out and retried by the client). */
  throttledAnswers: number;
  /** THROTTLED answers that surfaced as a failed read: must be 0. */
  throttledFailures: number;
  /** Points the simulator charged per product after refunds. */
  pointsPerProduct: number;
  productsPerSecond: number;
  /** What the bucket allows over the same time: (initial 1,000 + 50 × seconds) / points per product / seconds. */
  theoreticalPerSecond: number;
  ratio: number;
}

const MAXIMUM_AVAILABLE = 1000;
const RESTORE_RATE = 50;

export async function benchShopify(products = 100, pageSize = 50): Promise<ShopifyBench> {
  const sim = await startShopifyAdminSim({ products, seed: 7, maximumAvailable: MAXIMUM_AVAILABLE, restoreRate: RESTORE_RATE });
  const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: pino({ level: 'silent' }) });
  const source = shopifyGraphqlSource(client, {
    pageSize, packageMetafield: 'shopshift.package_dimensions', download: { timeoutMs: 30_000, maxBytes: 1e9, maxRetries: 3, retryBaseMs: 500, allowedPrivate: ['127.0.0.1/32'] },
  });
  let read = 0;
  let throttledFailures = 0;
  const started = performance.now();
  try {
    for await (const _product of source.read()) read++;
  } catch (error) {
    if (error instanceof ShopifyAdminError && error.graphqlCode === 'THROTTLED') throttledFailures++;
    else throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  await sim.close();
  const points = sim.requests.reduce((sum, request) => sum + (request.actual ?? 0), 0);
  const pointsPerProduct = points / read;
  const productsPerSecond = read / seconds;
  const theoreticalPerSecond = (MAXIMUM_AVAILABLE + RESTORE_RATE * seconds) / pointsPerProduct / seconds;
  return {
    products: read, pageSize, seconds, requests: sim.requests.length, throttledAnswers: sim.requests.filter((request) => request.throttled).length,
    throttledFailures, pointsPerProduct, productsPerSecond, theoreticalPerSecond, ratio: productsPerSecond / theoreticalPerSecond,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const products = Number(process.argv[2] ?? 100);
  process.stdout.write(`${JSON.stringify(await benchShopify(products, Number(process.argv[3] ?? 50)))}\n`);
}
