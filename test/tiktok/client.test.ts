import { afterEach, describe, expect, it } from 'vitest';
import type { ProductBody } from '../../src/tiktok/api.js';
import { createTikTokClient, parseRetryAfter, type TikTokClient, type TikTokClientOptions, type TikTokTokens, type TokenStore } from '../../src/tiktok/client.js';
import { TikTokApiError } from '../../src/tiktok/errors.js';
import { SIM_CATEGORY, startTikTokShopSim, type TikTokShopSim, type TikTokShopSimOptions } from '../sim/tiktok-shop.js';
import { captureLogs } from '../support/log-capture.js';

const WEEK_S = 7 * 24 * 3600;
const nowS = (): number => Math.floor(Date.now() / 1000);

/** The PNG signature and IHDR chunk: enough for TikTok (and the sim) to read the size. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.set([8, 2, 0, 0, 0], 24);
  return new Uint8Array(bytes);
}

function memoryTokenStore(initial: TikTokTokens | null): TokenStore & { saved: TikTokTokens[] } {
  let current = initial;
  const saved: TikTokTokens[] = [];
  return {
    saved,
    load: async () => current,
    save: async (tokens) => {
      saved.push(tokens);
      current = tokens;
    },
  };
}

const opened: { sim: TikTokShopSim; client: TikTokClient }[] = [];

afterEach(async () => {
  for (const { sim, client } of opened.splice(0)) {
    await client.close();
    await sim.close();
  }
});

interface Setup {
  sim: TikTokShopSim;
  client: TikTokClient;
  store: ReturnType<typeof memoryTokenStore>;
  logs: ReturnType<typeof captureLogs>;
}

async function setup(
  simOptions: TikTokShopSimOptions = {},
  clientOptions: Partial<TikTokClientOptions> = {},
  accessTokenExpiresAt = nowS() + WEEK_S,
): Promise<Setup> {
  const sim = await startTikTokShopSim({ reviewDelayMs: 60_000, ...simOptions });
  const store = memoryTokenStore({
    accessToken: sim.accessToken,
    accessTokenExpiresAt,
    refreshToken: sim.refreshToken,
    refreshTokenExpiresAt: nowS() + 52 * WEEK_S,
  });
  const logs = captureLogs('debug');
  const client = createTikTokClient({
    appKey: sim.appKey,
    appSecret: sim.appSecret,
    shopCipher: sim.shopCipher,
    apiUrl: sim.url,
    authUrl: sim.authUrl,
    tokenStore: store,
    log: logs.log,
    qps: 1000,
    retryBaseMs: 5,
    timeoutMs: 5_000,
    ...clientOptions,
  });
  opened.push({ sim, client });
  return { sim, client, store, logs };
}

async function uploadedImageUri(client: TikTokClient): Promise<string> {
  const image = await client.uploadImage({ data: pngHeader(800, 800), fileName: 'mug.png', contentType: 'image/png' });
  return image.uri;
}

function mugBody(imageUri: string, overrides: Partial<ProductBody> = {}): ProductBody {
  return {
    title: 'Stoneware Mug, Speckled Glaze, 350 ml',
    description: '<p>Wheel-thrown stoneware mug.</p>',
    category_id: SIM_CATEGORY.mugs,
    main_images: [{ uri: imageUri }],
    skus: [{ seller_sku: 'MUG-001', price: { amount: '24.00', currency: 'GBP' }, inventory: [{ warehouse_id: '7000000000000000001', quantity: 12 }] }],
    package_weight: { value: '0.45', unit: 'KILOGRAM' },
    package_dimensions: { length: '12', width: '12', height: '12', unit: 'CENTIMETER' },
    ...overrides,
  };
}

function apiRequests(sim: TikTokShopSim, path: RegExp = /^\/product\//): TikTokShopSim['requests'] {
  return sim.requests.filter((request) => path.test(request.path));
}

describe('TikTok Shop client: products', () => {
  it('creates a product and reads it back with the same id, SKUs and review state', async () => {
    const { client } = await setup();
    const created = await client.createProduct(mugBody(await uploadedImageUri(client)));
    const product = await client.getProduct(created.productId);
    expect(created.productId).toMatch(/^\d{19}$/);
    expect(product).toEqual({
      id: created.productId,
      status: 'PENDING',
      auditStatus: 'AUDITING',
      auditFailedReasons: [],
      skus: [{ id: created.skus[0]?.id, sellerSku: 'MUG-001' }],
    });
  });

  it('reads the review outcome once TikTok has reviewed the product', async () => {
    const { sim, client } = await setup();
    const created = await client.createProduct(mugBody(await uploadedImageUri(client)));
    await sim.settleReviews();
    const product = await client.getProduct(created.productId);
    expect([product.status, product.auditStatus]).toEqual(['ACTIVATE', 'APPROVED']);
  });

  it("surfaces TikTok's audit failure reasons", async () => {
    const { sim, client } = await setup();
    const created = await client.createProduct(mugBody(await uploadedImageUri(client), { title: 'Replica Stoneware Mug, 350 ml' }));
    await sim.settleReviews();
    const product = await client.getProduct(created.productId);
    expect(product.status).toBe('FAILED');
    expect(product.auditFailedReasons[0]?.reasons[0]).toContain('replica');
  });

  it('sends an idempotency key with every create, so a retried create cannot make a duplicate', async () => {
    const { sim, client } = await setup();
    await client.createProduct(mugBody(await uploadedImageUri(client)));
    const [product] = [...sim.products.values()];
    expect(product?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps an idempotency key the caller chose', async () => {
    const { sim, client } = await setup();
    const body = mugBody(await uploadedImageUri(client), { idempotency_key: 'run-1:mug' });
    const first = await client.createProduct(body);
    const second = await client.createProduct(body);
    expect(second.productId).toBe(first.productId);
    expect(sim.products.size).toBe(1);
  });

  it('edits a product with a full replacement body', async () => {
    const { sim, client } = await setup();
    const uri = await uploadedImageUri(client);
    const created = await client.createProduct(mugBody(uri));
    await client.editProduct(created.productId, mugBody(uri, { title: 'Stoneware Mug, Blue Glaze, 350 ml' }));
    expect(sim.products.get(created.productId)?.title).toBe('Stoneware Mug, Blue Glaze, 350 ml');
  });

  it('pages through search results with page_size and page_token in the query and filters in the body', async () => {
    const { sim, client } = await setup();
    const uri = await uploadedImageUri(client);
    for (const sku of ['A-1', 'B-1', 'C-1']) {
      await client.createProduct(mugBody(uri, { skus: [{ ...mugBody(uri).skus[0]!, seller_sku: sku }] }));
    }
    const first = await client.searchProducts({ status: 'PENDING', pageSize: 2 });
    const second = await client.searchProducts({ status: 'PENDING', pageSize: 2, pageToken: first.nextPageToken ?? '' });
    expect([first.products.length, first.totalCount, second.products.length, second.nextPageToken]).toEqual([2, 3, 1, null]);
    const searches = apiRequests(sim, /\/products\/search$/);
    expect(searches[1]?.query).toMatchObject({ page_size: '2', page_token: first.nextPageToken });
  });

  it('finds products by seller SKU', async () => {
    const { client } = await setup();
    const uri = await uploadedImageUri(client);
    await client.createProduct(mugBody(uri));
    const found = await client.searchProducts({ sellerSkus: ['MUG-001'] });
    const missing = await client.searchProducts({ sellerSkus: ['NOPE'] });
    expect([found.products[0]?.skus[0]?.sellerSku, missing.totalCount]).toEqual(['MUG-001', 0]);
  });

  it('deactivates and reactivates live products', async () => {
    const { sim, client } = await setup();
    const created = await client.createProduct(mugBody(await uploadedImageUri(client)));
    await sim.settleReviews();
    await client.deactivateProducts([created.productId]);
    const afterDeactivate = sim.products.get(created.productId)?.status;
    await client.activateProducts([created.productId]);
    expect([afterDeactivate, sim.products.get(created.productId)?.status]).toEqual(['SELLER_DEACTIVATED', 'PENDING']);
  });

  it('reports a product TikTok would not deactivate as a TikTokApiError with its code', async () => {
    const { client } = await setup();
    const created = await client.createProduct(mugBody(await uploadedImageUri(client)));
    const error = await client.deactivateProducts([created.productId]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect((error as TikTokApiError).apiCode).toBe(12052901);
  });

  it('sends at most 20 ids per call and names every id TikTok refused', async () => {
    const { sim, client } = await setup();
    const ids = Array.from({ length: 45 }, (_, n) => `17290000000000${String(n).padStart(5, '0')}`);
    const error = await client.deactivateProducts(ids).catch((e: unknown) => e);
    expect(apiRequests(sim, /\/products\/deactivate$/).map((r) => r.code)).toEqual([0, 0, 0]);
    expect((error as TikTokApiError).productIds).toEqual(ids);
  });

  it("rejects a product with TikTok's own words, since they are about the merchant's data, and does not retry", async () => {
    const { sim, client } = await setup();
    const error = await client.createProduct(mugBody('tos-unknown-uri')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect((error as TikTokApiError).apiCode).toBe(12052722);
    expect((error as TikTokApiError).userText).toContain('The image URI does not exist in TikTok Shop');
    expect((error as TikTokApiError).requestId).toMatch(/\S/);
    expect(apiRequests(sim, /\/products$/).length).toBe(1);
  });

  it('tells a reached listing quota apart from other refusals', async () => {
    const { client } = await setup({ listingQuota: 0 });
    const error = await client.createProduct(mugBody(await uploadedImageUri(client))).catch((e: unknown) => e);
    expect((error as TikTokApiError).isQuotaReached()).toBe(true);
  });
});

describe('TikTok Shop client: catalogue data', () => {
  it('lists categories with their parents and leaf flags', async () => {
    const { client } = await setup();
    const categories = await client.getCategories();
    expect(categories).toContainEqual({ id: SIM_CATEGORY.mugs, parentId: SIM_CATEGORY.kitchen, name: 'Mugs & Cups', isLeaf: true, permissionStatuses: ['AVAILABLE'] });
    expect(categories).toContainEqual({ id: SIM_CATEGORY.homeLiving, parentId: '0', name: 'Home & Living', isLeaf: false, permissionStatuses: ['AVAILABLE'] });
  });

  it('reads the certifications and size chart a category requires', async () => {
    const { client } = await setup();
    const toys = await client.getCategoryRules(SIM_CATEGORY.softToys);
    const shirts = await client.getCategoryRules(SIM_CATEGORY.tShirts);
    expect(toys.certifications).toEqual([{ id: '7001010', name: 'Toy Safety Certificate (UKCA / CE)', isRequired: true }]);
    expect([toys.sizeChartRequired, shirts.sizeChartRequired]).toEqual([false, true]);
  });

  it('reads a category’s attributes with their type, required flag (TikTok’s is_requried) and values', async () => {
    const { client } = await setup({ categories: [{ id: '1', parentId: '0', name: 'Mugs', requiredAttributes: ['Material'] }] });
    const attributes = await client.getAttributes('1');
    expect(attributes.find((attribute) => attribute.name === 'Material')).toMatchObject({ id: '100198', type: 'PRODUCT_PROPERTY', isRequired: true, isCustomizable: true, isMultipleSelection: true });
    expect(attributes.find((attribute) => attribute.name === 'Warranty Period')).toMatchObject({ isRequired: false, isCustomizable: false, values: expect.arrayContaining([expect.objectContaining({ name: '1 year' })]) });
    expect(attributes.find((attribute) => attribute.name === 'Colour')?.type).toBe('SALES_PROPERTY');
  });

  it('lists prohibited categories, without permission, only when asked to', async () => {
    const { client } = await setup();
    expect((await client.getCategories()).map((category) => category.id)).not.toContain(SIM_CATEGORY.knives);
    const all = await client.getCategories({ includeProhibited: true });
    expect(all.find((category) => category.id === SIM_CATEGORY.knives)?.permissionStatuses).toEqual([]);
    expect(all.find((category) => category.id === SIM_CATEGORY.mugs)?.permissionStatuses).toEqual(['AVAILABLE']);
  });

  it('asks TikTok to recommend a category for a product title, and reads the leaf and its path', async () => {
    const { client, sim } = await setup();
    expect(await client.recommendCategory({ title: 'Speckled stoneware mug', description: '<p>350 ml, wheel-thrown.</p>' })).toEqual({
      leafCategoryId: SIM_CATEGORY.mugs,
      path: [
        { id: SIM_CATEGORY.homeLiving, name: 'Home & Living', isLeaf: false },
        { id: SIM_CATEGORY.kitchen, name: 'Kitchen & Dining', isLeaf: false },
        { id: SIM_CATEGORY.mugs, name: 'Mugs & Cups', isLeaf: true },
      ],
    });
    expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', path: '/product/202309/categories/recommend', code: 0 });
  });

  it('reads an empty recommendation as no suggestion, and never suggests a prohibited category', async () => {
    const { client } = await setup();
    expect(await client.recommendCategory({ title: 'Flux capacitor' })).toEqual({ leafCategoryId: null, path: [] });
    expect((await client.recommendCategory({ title: 'Chef knives' })).leafCategoryId).toBeNull();
  });

  it('gets TikTok’s parameter error for an empty title', async () => {
    const { client } = await setup();
    const error = await client.recommendCategory({ title: ' ' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect(error).toMatchObject({ apiCode: 98001004 });
  });

  it('pages through brands and filters them by name', async () => {
    const { client } = await setup();
    const first = await client.getBrands({ pageSize: 5 });
    const rest = await client.getBrands({ pageSize: 5, pageToken: first.nextPageToken ?? '' });
    const byName = await client.getBrands({ brandName: 'kiln' });
    expect([first.brands.length, rest.brands.length, rest.nextPageToken]).toEqual([5, 2, null]);
    expect(byName.brands).toEqual([{ id: '7100000000000000001', name: 'Kiln & Co' }]);
  });
});

describe('TikTok Shop client: image upload', () => {
  it('uploads the file as multipart data with its use case and returns what TikTok stored', async () => {
    const { sim, client } = await setup();
    const bytes = pngHeader(1200, 900);
    const image = await client.uploadImage({ data: bytes, fileName: 'chart.png', contentType: 'image/png' }, 'SIZE_CHART_IMAGE');
    const stored = sim.images.get(image.uri);
    expect(image).toEqual({ uri: stored?.uri, url: stored?.url, width: 1200, height: 900 });
    expect(stored?.useCase).toBe('SIZE_CHART_IMAGE');
    expect(Buffer.compare(stored?.bytes ?? Buffer.alloc(0), Buffer.from(bytes))).toBe(0);
  });

  it('does not send shop_cipher on image upload, but does on shop calls', async () => {
    const { sim, client } = await setup();
    await client.uploadImage({ data: pngHeader(800, 800), fileName: 'a.png', contentType: 'image/png' });
    await client.getCategories();
    const [upload, categories] = apiRequests(sim);
    expect([upload?.query.shop_cipher, categories?.query.shop_cipher]).toEqual([undefined, sim.shopCipher]);
  });
});

describe('TikTok Shop client: tokens', () => {
  it('refreshes an access token with under 5 minutes left before using it, and saves the new one', async () => {
    const { sim, client, store } = await setup({}, {}, nowS() + 120);
    await client.getCategories();
    expect(sim.requests.map((r) => r.path)).toEqual(['/api/v2/token/refresh', '/product/202309/categories']);
    expect(store.saved).toHaveLength(1);
    expect(store.saved[0]?.accessToken).not.toBe(sim.accessToken);
    expect(store.saved[0]?.accessTokenExpiresAt).toBeGreaterThan(nowS() + WEEK_S - 60);
  });

  it('refreshes once for many concurrent calls', async () => {
    const { sim, client, store } = await setup({}, {}, nowS() + 120);
    await Promise.all(Array.from({ length: 8 }, () => client.getCategories()));
    expect([apiRequests(sim, /token\/refresh/).length, store.saved.length]).toEqual([1, 1]);
  });

  it('refreshes and retries when TikTok answers that the token expired (105002)', async () => {
    const { sim, client, store } = await setup();
    sim.setFault({ kind: 'expired-token', times: 1 });
    await expect(client.getCategories()).resolves.not.toHaveLength(0);
    expect(store.saved).toHaveLength(1);
    expect(sim.requests.map((r) => [r.path, r.code])).toEqual([
      ['/product/202309/categories', 105002],
      ['/api/v2/token/refresh', 0],
      ['/product/202309/categories', 0],
    ]);
  });

  it('gives up with an expired-token error when the token is still refused after a refresh', async () => {
    const { client } = await setup();
    opened.at(-1)?.sim.setFault({ kind: 'expired-token', times: 2 });
    const error = await client.getCategories().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect((error as TikTokApiError).isExpiredToken()).toBe(true);
  });

  it('asks for a new authorization, without calling TikTok, when the refresh token has expired too', async () => {
    const sim = await startTikTokShopSim();
    const store = memoryTokenStore({ accessToken: 'old', accessTokenExpiresAt: nowS() - 10, refreshToken: 'old', refreshTokenExpiresAt: nowS() - 10 });
    const client = createTikTokClient({ appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, authUrl: sim.authUrl, tokenStore: store, log: captureLogs().log });
    opened.push({ sim, client });
    await expect(client.getCategories()).rejects.toThrow(/authorize the app for the shop again/);
    expect(sim.requests).toEqual([]);
  });

  it('says the shop is not connected when the store holds no tokens', async () => {
    const sim = await startTikTokShopSim();
    const client = createTikTokClient({ appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, tokenStore: memoryTokenStore(null), log: captureLogs().log });
    opened.push({ sim, client });
    await expect(client.getCategories()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('TikTok Shop client: retries', () => {
  it('rides out rate-limit answers with zero failures', async () => {
    const { sim, client } = await setup();
    sim.setFault({ kind: 'rate-limit', times: 4 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.getCategories()));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(sim.requests.filter((r) => r.code === 36009002)).toHaveLength(4);
  });

  it('rides out 5xx answers with zero failures', async () => {
    const { sim, client } = await setup();
    sim.setFault({ kind: 'server-error', times: 2, httpStatus: 503 });
    sim.setFault({ kind: 'server-error', times: 2, httpStatus: 500 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.getCategories()));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(sim.requests.filter((r) => r.code === 36009003)).toHaveLength(4);
  });

  it('rides out dropped connections with zero failures, creating each product once', async () => {
    const { sim, client } = await setup();
    const uri = await uploadedImageUri(client);
    sim.setFault({ kind: 'drop-connection', times: 3, paths: /\/products$/ });
    const results = await Promise.allSettled(
      ['A-1', 'B-1', 'C-1'].map((sku) => client.createProduct(mugBody(uri, { skus: [{ ...mugBody(uri).skus[0]!, seller_sku: sku }] }))),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(sim.products.size).toBe(3);
    expect(sim.requests.filter((r) => r.fault === 'drop-connection')).toHaveLength(3);
  });

  it('retries an attempt that outlives timeoutMs', async () => {
    const { sim, client } = await setup({}, { timeoutMs: 300 });
    sim.setFault({ kind: 'slow', times: 1, delayMs: 2_000 });
    await expect(client.getCategories()).resolves.not.toHaveLength(0);
    expect(apiRequests(sim)).toHaveLength(2);
  });

  it('re-stamps and re-signs every attempt', async () => {
    // Each backoff sleep moves the client's clock a second on, so the retry must carry a new timestamp.
    let offsetMs = 0;
    const { sim, client } = await setup({}, { clock: { now: () => Date.now() + offsetMs }, sleep: async () => { offsetMs += 1_000; } });
    sim.setFault({ kind: 'server-error', times: 1 });
    await client.getCategories();
    const [failed, retried] = apiRequests(sim);
    expect(Number(retried?.query.timestamp)).toBeGreaterThan(Number(failed?.query.timestamp));
    expect(retried?.query.sign).not.toBe(failed?.query.sign);
  });

  it('gives up after maxRetries with a TikTokApiError naming the code', async () => {
    const { sim, client } = await setup({}, { maxRetries: 2 });
    sim.setFault({ kind: 'server-error', times: 10, httpStatus: 502 });
    const error = await client.getCategories().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikTokApiError);
    expect((error as TikTokApiError).isRetryableServerError()).toBe(true);
    expect((error as TikTokApiError).userText).toBe('TikTok Shop had a temporary problem; try again in a few minutes (code 36009003).');
    expect(apiRequests(sim)).toHaveLength(3);
  });

  it('gives up on a lasting rate limit with a rate-limited error', async () => {
    const { sim, client } = await setup({}, { maxRetries: 1 });
    sim.setFault({ kind: 'rate-limit', times: 10 });
    const error = await client.getCategories().catch((e: unknown) => e);
    expect((error as TikTokApiError).isRateLimited()).toBe(true);
  });

  it('gives up on a lasting network failure with an upstream error', async () => {
    const { sim, client } = await setup({}, { maxRetries: 1 });
    sim.setFault({ kind: 'drop-connection', times: 10 });
    await expect(client.getCategories()).rejects.toMatchObject({ code: 'UPSTREAM_FAILED', service: 'tiktok-shop', status: null });
    expect(apiRequests(sim)).toHaveLength(2);
  });
});

describe('TikTok Shop client: pacing', () => {
  it('sends 40 requests at 20 qps in about 2 s, never faster, and is never throttled', async () => {
    const { sim, client } = await setup({ qps: 25 }, { qps: 20 });
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => client.getCategories()));
    const elapsedMs = performance.now() - started;
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(elapsedMs).toBeLessThan(3_500);
    expect(sim.requests.filter((r) => r.code === 36009002)).toEqual([]);
  });
});

describe('TikTok Shop client: logs', () => {
  it('logs each request at debug without the token, the secret or the sign', async () => {
    const { sim, client, logs, store } = await setup({}, {}, nowS() + 60);
    sim.setFault({ kind: 'server-error', times: 1 });
    await client.getCategories();
    const text = logs.text();
    const signs = sim.requests.map((r) => r.query.sign).filter((s): s is string => s !== undefined);
    for (const secret of [sim.accessToken, sim.refreshToken, sim.appSecret, store.saved[0]?.accessToken ?? 'x', ...signs]) {
      expect(text).not.toContain(secret);
    }
    expect(logs.lines().some((line) => line.level === 20 && (line.tiktok as { path?: string } | undefined)?.path === '/product/202309/categories')).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('2', 0)).toBe(2_000);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 1_000)).toBe(4_000);
  });

  it('caps a very long wait at a minute', () => {
    expect(parseRetryAfter('86400', 0)).toBe(60_000);
  });

  it('ignores a value it cannot read', () => {
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});
