import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { reauditProduct, type Reaudit, type ReauditDeps, type SyncFailure } from '../audit/reaudit.js';
import type { Finding, Verdict } from '../audit/verdict.js';
import { fromStorefrontProduct, storefrontProductSchema } from '../catalog/products-json.js';
import { writeAlone, type CommitWithAlerts } from '../store/commit.js';
import { parseJsonKeepingBigIntegers } from '../tiktok/webhook.js';

/** Product topics shopshift subscribes to (shopify.md §5). */
export const SHOPIFY_PRODUCT_TOPICS = ['products/create', 'products/update', 'products/delete'] as const;
export type ShopifyProductTopic = (typeof SHOPIFY_PRODUCT_TOPICS)[number];

export interface ShopifyWebhookDeps extends ReauditDeps {
  /** The app's client secret (SHOPIFY_WEBHOOK_SECRET), the HMAC key. */
  secret: string;
  /** The store's shop key for `X-Shopify-Shop-Domain`; null for a shop this bot does not serve. */
  shopFor(shopDomain: string): string | null;
  /**
   * Runs the delivery's writes (its id marked processed, the product's new verdict) and `alert` on a listed
   * product's re-audit as one unit, so a process that dies midway leaves the delivery to Shopify's retry.
   * Without it they run on `store` one by one and the caller alerts from the answer.
   */
  commit?: CommitWithAlerts<Reaudit>;
}

export interface ShopifyWebhookAnswer {
  status: number;
  body: string;
  topic?: string;
  reaudit?: { handle: string; verdict: Verdict; findings: Finding[] };
  /** The product is listed (live or in review) and now has blockers; the alerts route this to chat. */
  syncFailure?: SyncFailure;
  /** The product is listed and no longer blocked: an open sync failure about it has recovered. */
  syncRecovered?: string;
  /** products/delete: the handle when the payload has one, else the product id. */
  deleted?: string;
}

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the exact raw body, keyed with the app's client secret. */
export function shopifyHmac(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Constant-time check of a delivery's signature against the raw bytes; false when it is missing or malformed. */
export function verifyShopifyHmac(rawBody: Buffer | string, signature: string | undefined, secret: string): boolean {
  if (!signature || secret === '') return false;
  const given = Buffer.from(signature.trim(), 'base64');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type Headers = Record<string, string | string[] | undefined>;

/** A Shopify header in either spelling; the newer lower-case `shopify-*` one wins, as in Shopify's library. */
function shopifyHeader(headers: Headers, name: string): string | undefined {
  let legacy: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    const text = Array.isArray(value) ? value[0] : value;
    if (lower === `shopify-${name}` && text) return text;
    if (lower === `x-shopify-${name}` && text) legacy = text;
  }
  return legacy;
}

/** Besides the HMAC, the headers Shopify's own validator requires (shopify.md §5), by their usual spelling. */
const REQUIRED_HEADERS = { topic: 'X-Shopify-Topic', 'shop-domain': 'X-Shopify-Shop-Domain', 'api-version': 'X-Shopify-API-Version', 'webhook-id': 'X-Shopify-Webhook-Id' } as const;

const deletePayloadSchema = z.looseObject({
  id: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().transform(String)]),
  handle: z.string().optional(),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readJson(rawBody: Buffer): unknown {
  try {
    // REST ids pass 2^53 (788032119674292922): keep their digits exact.
    return parseJsonKeepingBigIntegers(utf8.decode(rawBody));
  } catch {
    return undefined;
  }
}

/**
 * POST /webhooks/shopify for products/create, products/update and products/delete (shopify.md §5).
 * Checks the HMAC on the raw bytes before anything else (401, nothing stored), then the required
 * headers, then handles each event once (`X-Shopify-Event-Id`, else the webhook id). A created or
 * updated product is re-audited with the rules and its verdict recorded in the latest audit run; if
 * it is listed on TikTok Shop and now blocked, the answer carries a `syncFailure`.
 */
export async function handleShopifyWebhook(deps: ShopifyWebhookDeps, rawBody: Buffer, headers: Headers): Promise<ShopifyWebhookAnswer> {
  const { log } = deps;
  if (!verifyShopifyHmac(rawBody, shopifyHeader(headers, 'hmac-sha256'), deps.secret)) {
    log.warn({ bytes: rawBody.length }, 'shopify webhook with a bad or missing signature refused');
    return { status: 401, body: 'invalid signature' };
  }
  const missing = Object.entries(REQUIRED_HEADERS).filter(([name]) => !shopifyHeader(headers, name));
  if (missing.length > 0) return { status: 400, body: `missing headers: ${missing.map(([, shown]) => shown).join(', ')}` };
  const topic = shopifyHeader(headers, 'topic')!.toLowerCase();
  const shopDomain = shopifyHeader(headers, 'shop-domain')!;
  const deliveryId = shopifyHeader(headers, 'event-id') ?? shopifyHeader(headers, 'webhook-id')!;

  if (!(SHOPIFY_PRODUCT_TOPICS as readonly string[]).includes(topic)) return { status: 200, body: 'topic ignored', topic };
  const shop = deps.shopFor(shopDomain);
  if (shop === null) return { status: 200, body: 'unknown shop ignored', topic };

  const json = readJson(rawBody);
  if (topic === 'products/delete') {
    const parsed = deletePayloadSchema.safeParse(json);
    if (!parsed.success) return { status: 400, body: 'malformed product', topic };
    if (!(await deps.store.webhooks.markProcessed(`shopify:${deliveryId}`))) return { status: 200, body: 'duplicate ignored', topic };
    const deleted = parsed.data.handle ?? parsed.data.id;
    log.info({ topic, shop, deleted }, 'shopify product deleted');
    return { status: 200, body: 'ok', topic, deleted };
  }

  const parsed = storefrontProductSchema.safeParse(json);
  if (!parsed.success) return { status: 400, body: 'malformed product', topic };
  const product = fromStorefrontProduct(parsed.data);
  const commit = deps.commit ?? writeAlone<Reaudit>(deps.store);
  return commit(shop, async (store, alert): Promise<ShopifyWebhookAnswer> => {
    if (!(await store.webhooks.markProcessed(`shopify:${deliveryId}`))) return { status: 200, body: 'duplicate ignored', topic };
    const result = await reauditProduct({ ...deps, store }, shop, product);
    if (!result) return { status: 200, body: `not audited (status ${product.status})`, topic };
    const { handle, verdict, findings, syncFailure, syncRecovered } = result;
    if (syncFailure || syncRecovered) await alert(result);
    log.info({ topic, shop, handle, verdict, findings: findings.length }, 'shopify product re-audited');
    return {
      status: 200, body: 'ok', topic, reaudit: { handle, verdict, findings },
      ...(syncFailure ? { syncFailure } : {}), ...(syncRecovered ? { syncRecovered } : {}),
    };
  });
}
