import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePackageDimensions } from '../../src/catalog/package-dimensions.js';
import { fromStorefrontProduct, storefrontProductSchema } from '../../src/catalog/products-json.js';
import { parseJsonKeepingBigIntegers } from '../../src/tiktok/webhook.js';
import { createHttpServer } from '../../src/http/server.js';
import { handleShopifyWebhook, shopifyHmac, verifyShopifyHmac, type ShopifyWebhookAnswer } from '../../src/shopify/webhooks.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { generateSimProduct, restProductJson, startShopifyAdminSim, type ShopifyAdminSim, type SimShopifyProduct } from '../sim/shopify-admin.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { testContext } from '../support/rules.js';

const SHOP = 'shop-1';
const WORKED_SECRET = 'shpss_test_secret_123';
const WORKED_BODY = '{"id":788032119674292922,"title":"Example T-Shirt"}';
const WORKED_HMAC = '3okgphml9XgacYykEmvqJLEWvARxikEoG4XL0ZswxOo=';

describe('the Shopify webhook signature (shopify.md §5 worked example)', () => {
  it('is the base64 HMAC-SHA256 of the raw body keyed with the app secret', () => {
    expect(Buffer.byteLength(WORKED_BODY)).toBe(51);
    expect(shopifyHmac(WORKED_BODY, WORKED_SECRET)).toBe(WORKED_HMAC);
    expect(verifyShopifyHmac(Buffer.from(WORKED_BODY), WORKED_HMAC, WORKED_SECRET)).toBe(true);
  });

  it('does not match a body re-serialised with JSON.stringify, which rounds the 18-digit id', () => {
    const reserialised = JSON.stringify(JSON.parse(WORKED_BODY));
    expect(reserialised).toContain('788032119674292900');
    expect(shopifyHmac(reserialised, WORKED_SECRET)).toBe('0BXpGdo8HFv9ipmc0vLSiYnms7pgjgO65+TUaOY2Aq8=');
    expect(verifyShopifyHmac(Buffer.from(reserialised), WORKED_HMAC, WORKED_SECRET)).toBe(false);
  });

  it('refuses a missing, malformed or truncated signature', () => {
    expect(verifyShopifyHmac(Buffer.from(WORKED_BODY), undefined, WORKED_SECRET)).toBe(false);
    expect(verifyShopifyHmac(Buffer.from(WORKED_BODY), 'not base64 at all', WORKED_SECRET)).toBe(false);
    expect(verifyShopifyHmac(Buffer.from(WORKED_BODY), WORKED_HMAC.slice(0, 20), WORKED_SECRET)).toBe(false);
  });
});

/** A product the US rules pass: a mapped type ("Mugs"), a real title, prices, weights, barcodes, an image. */
function listedMug(): SimShopifyProduct {
  const product = generateSimProduct(0, 3, 2);
  product.title = 'Handmade Stoneware Coffee Mug with Speckled Glaze';
  product.productType = 'Mugs';
  product.status = 'ACTIVE';
  product.descriptionHtml = `<p>${'A sturdy stoneware mug, glazed by hand, holds 350 ml and is safe in the dishwasher. '.repeat(3)}</p>`;
  for (const variant of product.variants) {
    variant.price = '24.00';
    variant.compareAtPrice = null;
    variant.barcode = '';
    variant.weight = { unit: 'GRAMS', value: 420 };
  }
  return product;
}

describe('POST /webhooks/shopify', () => {
  let store: Store;
  let sim: ShopifyAdminSim;
  let answers: ShopifyWebhookAnswer[];
  let logs: ReturnType<typeof captureLogs>;
  let close: () => void;

  beforeEach(async () => {
    store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-shopify-webhooks-')) });
    logs = captureLogs();
    answers = [];
    sim = await startShopifyAdminSim({ webhookSecret: 'shpss_sim_secret' });
    const deps = {
      store, secret: sim.webhookSecret, shopFor: (domain: string) => (domain === sim.shopDomain ? SHOP : null), log: logs.log,
      context: testContext({ defaultPackage: parsePackageDimensions('30 x 20 x 10 cm') }),
    };
    const server = createHttpServer({
      log: logs.log,
      routes: {
        'POST /webhooks/shopify': async ({ body, headers }) => {
          const answer = await handleShopifyWebhook(deps, body, headers);
          answers.push(answer);
          return answer;
        },
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`;
    close = () => server.close();
    // sendWebhook posts here unless told otherwise.
    const send = sim.sendWebhook;
    sim.sendWebhook = (topic, product, options = {}) => send(topic, product, { url, ...options });
  });
  afterEach(async () => {
    close();
    await sim.close();
    await store.close();
  });

  async function saveAudit(verdicts: Record<string, 'ready' | 'warnings' | 'blocked'>) {
    const values = Object.values(verdicts);
    await store.audits.save({
      id: 'run-1', shop: SHOP, location: 'shopify', sourceLabel: 'shopify', region: 'US', startedAt: 'now', finishedAt: 'now',
      counts: {
        audited: values.length, ready: values.filter((v) => v === 'ready').length, warnings: values.filter((v) => v === 'warnings').length,
        blocked: values.filter((v) => v === 'blocked').length, skipped: 0,
      },
      verdicts,
    });
  }

  it('re-audits a created product and records its verdict in the latest audit run', async () => {
    const mug = listedMug();
    await saveAudit({ other: 'ready' });
    const delivery = await sim.sendWebhook('products/create', mug);
    expect(delivery.status).toBe(200);
    const answer = answers[0]!;
    expect(answer.reaudit?.handle).toBe(mug.handle);
    expect(answer.reaudit?.findings.filter((finding) => finding.severity === 'blocker')).toEqual([]);
    expect((await store.audits.latest(SHOP))?.verdicts[mug.handle]).toBe(answer.reaudit?.verdict);
    expect(answer.syncFailure).toBeUndefined();
  });

  it('returns a sync failure when an update blocks a product that is live on TikTok Shop', async () => {
    const mug = listedMug();
    await saveAudit({ [mug.handle]: 'ready' });
    await store.listings.put(makeListing({ shop: SHOP, handle: mug.handle, state: 'live', sellerSkus: mug.variants.map((v) => v.sku) }));
    mug.variants[0]!.price = '0.00';
    mug.title = '';
    await sim.sendWebhook('products/update', mug);
    const answer = answers[0]!;
    expect(answer.reaudit?.verdict).toBe('blocked');
    expect(answer.syncFailure).toEqual({ handle: mug.handle, listingState: 'live', blockers: expect.arrayContaining(['title-missing']) });
    expect((await store.audits.latest(SHOP))?.verdicts[mug.handle]).toBe('blocked');
    expect((await store.audits.latest(SHOP))?.counts).toMatchObject({ ready: 0, blocked: 1 });
    const warning = logs.lines().find((line) => line.msg === 'a Shopify change blocks a product listed on TikTok Shop');
    expect(warning).toMatchObject({ level: 40, handle: mug.handle, listingState: 'live', ruleIds: expect.arrayContaining(['title-missing']) });
  });

  it('returns no sync failure for a blocked product that is not listed', async () => {
    const mug = listedMug();
    mug.title = '';
    await sim.sendWebhook('products/update', mug);
    expect(answers[0]?.reaudit?.verdict).toBe('blocked');
    expect(answers[0]?.syncFailure).toBeUndefined();
  });

  it('refuses a forged delivery with 401 and stores nothing', async () => {
    const mug = listedMug();
    await saveAudit({ [mug.handle]: 'ready' });
    await store.listings.put(makeListing({ shop: SHOP, handle: mug.handle, state: 'live', sellerSkus: ['X'] }));
    mug.title = '';
    const forged = await sim.sendWebhook('products/update', mug, { forgeSignature: true });
    expect(forged.status).toBe(401);
    expect(answers[0]).toEqual({ status: 401, body: 'invalid signature' });
    expect((await store.audits.latest(SHOP))?.verdicts[mug.handle]).toBe('ready');
    // The event id was not used up: the real delivery of the same event still counts.
    expect(await store.webhooks.markProcessed(`shopify:${forged.eventId}`)).toBe(true);
  });

  it('refuses a delivery without a signature with 401', async () => {
    const delivery = await sim.sendWebhook('products/update', listedMug(), { omitHeaders: ['Hmac-Sha256'] });
    expect(delivery.status).toBe(401);
  });

  it('refuses a signed delivery that lacks a required header with 400', async () => {
    const delivery = await sim.sendWebhook('products/update', listedMug(), { omitHeaders: ['API-Version'] });
    expect(delivery).toMatchObject({ status: 400, answer: 'missing headers: X-Shopify-API-Version' });
  });

  it('accepts the newer lower-case shopify-* header names', async () => {
    const delivery = await sim.sendWebhook('products/create', listedMug(), { lowerCaseHeaders: true });
    expect(delivery.headers).toHaveProperty('shopify-hmac-sha256');
    expect(delivery.status).toBe(200);
    expect(answers[0]?.reaudit).toBeDefined();
  });

  it('processes a delivery once when Shopify sends the same event twice', async () => {
    const mug = listedMug();
    const first = await sim.sendWebhook('products/update', mug);
    const again = await sim.sendWebhook('products/update', mug, { duplicateOf: first });
    expect(again.eventId).toBe(first.eventId);
    expect(again.webhookId).not.toBe(first.webhookId);
    expect(answers.map((answer) => answer.body)).toEqual(['ok', 'duplicate ignored']);
    expect(answers[1]?.reaudit).toBeUndefined();
  });

  it('keeps Shopify event ids apart from TikTok notification ids in the store', async () => {
    const delivery = await sim.sendWebhook('products/update', listedMug());
    expect(await store.webhooks.markProcessed(`shopify:${delivery.eventId}`)).toBe(false);
    expect(await store.webhooks.markProcessed(delivery.eventId)).toBe(true);
  });

  it('answers a delete with the product id, exact past 2^53, and records nothing else', async () => {
    const mug = listedMug();
    mug.id = '788032119674292922';
    await saveAudit({ [mug.handle]: 'ready' });
    const delivery = await sim.sendWebhook('products/delete', mug);
    expect(delivery.body).toBe('{"id":788032119674292922}');
    expect(answers[0]).toMatchObject({ status: 200, deleted: '788032119674292922' });
    expect(answers[0]?.reaudit).toBeUndefined();
    expect((await store.audits.latest(SHOP))?.verdicts).toEqual({ [mug.handle]: 'ready' });
  });

  it('ignores deliveries for a shop it does not serve and topics it does not handle', async () => {
    const deps = {
      store, secret: 'k', shopFor: (domain: string) => (domain === sim.shopDomain ? SHOP : null), log: logs.log, context: testContext(),
    };
    const body = Buffer.from(restProductJson(listedMug()));
    const headers = (topic: string, domain: string) => ({
      'x-shopify-hmac-sha256': shopifyHmac(body, 'k'), 'x-shopify-topic': topic, 'x-shopify-shop-domain': domain,
      'x-shopify-api-version': '2025-10', 'x-shopify-webhook-id': 'w-1',
    });
    expect(await handleShopifyWebhook(deps, body, headers('products/update', 'someone-else.myshopify.com'))).toMatchObject({ status: 200, body: 'unknown shop ignored' });
    expect(await handleShopifyWebhook(deps, body, headers('orders/create', sim.shopDomain))).toMatchObject({ status: 200, body: 'topic ignored' });
    expect(await store.webhooks.markProcessed('shopify:w-1')).toBe(true);
  });
});

describe('the REST product of a webhook on the catalog model', () => {
  it('reads comma tags, exact 18-digit ids, status, stock tracking and weight units', () => {
    const mug = listedMug();
    mug.id = '788032119674292922';
    mug.tags = ['stoneware', 'gift ideas'];
    mug.status = 'DRAFT';
    mug.variants[0]!.weight = { unit: 'POUNDS', value: 1 };
    mug.variants[0]!.inventoryPolicy = 'CONTINUE';
    const json = restProductJson(mug);
    expect(json).toContain('"id":788032119674292922');
    expect(json).toContain('"tags":"stoneware, gift ideas"');
    const product = fromStorefrontProduct(storefrontProductSchema.parse(parseJsonKeepingBigIntegers(json)));
    expect(product).toMatchObject({ sourceId: '788032119674292922', tags: ['stoneware', 'gift ideas'], status: 'draft', productType: 'Mugs' });
    expect(product.variants[0]).toMatchObject({
      sku: mug.variants[0]!.sku, weightGrams: 453.592, inventoryPolicy: 'continue', inventoryTracked: true, inventoryQuantity: mug.variants[0]!.inventoryQuantity,
    });
    expect(product.images[0]).toMatchObject({ width: 1200, height: 1200 });
  });
});
