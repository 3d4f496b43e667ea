import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormData, request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SIM_CATEGORY,
  SIM_TOY_SAFETY_CERTIFICATION,
  signTikTokRequest,
  signTikTokWebhook,
  startTikTokShopSim,
  verifyTikTokWebhook,
  type TikTokShopSim,
  type TikTokShopSimOptions,
} from './tiktok-shop.js';

// ----- helpers ------------------------------------------------------------------------------------------------

/** §2 written out again here with node:crypto, independent of the simulator's own signer. */
function expectedSign(secret: string, path: string, query: Record<string, string>, body = ''): string {
  const params = Object.keys(query)
    .filter((key) => key !== 'sign' && key !== 'access_token')
    .sort()
    .map((key) => `${key}${query[key]}`)
    .join('');
  return createHmac('sha256', secret).update(`${secret}${path}${params}${body}${secret}`).digest('hex');
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Reviews wait for settleReviews() unless a test asks for a real delay. */
async function sim(options: TikTokShopSimOptions = {}): Promise<TikTokShopSim> {
  const started = await startTikTokShopSim({ reviewDelayMs: 60_000, ...options });
  cleanups.push(() => started.close());
  return started;
}

interface Envelope {
  status: number;
  code: number;
  message: string;
  request_id: string;
  data: any;
}

interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  shop?: boolean;
  token?: string | null;
  timestamp?: number;
  /** Replace the computed sign; null leaves it out. */
  sign?: string | null;
  /** Change the body after signing. */
  tamper?: (body: string) => string;
  contentType?: string;
}

async function call(s: TikTokShopSim, method: string, path: string, options: CallOptions = {}): Promise<Envelope> {
  const query: Record<string, string> = {
    app_key: s.appKey,
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(options.shop === false ? {} : { shop_cipher: s.shopCipher }),
    ...options.query,
  };
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const sign = options.sign === undefined ? expectedSign(s.appSecret, path, query, method === 'GET' ? '' : (body ?? '')) : options.sign;
  if (sign !== null) query.sign = sign;
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const token = options.token === undefined ? s.accessToken : options.token;
  if (token !== null) headers['x-tts-access-token'] = token;
  const sent = body !== undefined && options.tamper ? options.tamper(body) : body;
  const response = await request(`${s.url}${path}?${new URLSearchParams(query)}`, { method: method as 'GET', headers, body: sent });
  return { status: response.statusCode, ...((await response.body.json()) as Omit<Envelope, 'status'>) };
}

function png(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(33);
  bytes.writeUInt32BE(0x89504e47, 0);
  bytes.writeUInt32BE(0x0d0a1a0a, 4);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

function jpeg(width: number, height: number): Buffer {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

async function upload(s: TikTokShopSim, bytes: Buffer = png(1000, 1000), extraQuery: Record<string, string> = {}): Promise<Envelope> {
  const path = '/product/202309/images/upload';
  const query: Record<string, string> = { app_key: s.appKey, timestamp: String(Math.floor(Date.now() / 1000)), ...extraQuery };
  query.sign = expectedSign(s.appSecret, path, query);
  const form = new FormData();
  form.append('data', new Blob([bytes], { type: 'image/png' }), 'image.png');
  form.append('use_case', 'MAIN_IMAGE');
  const response = await request(`${s.url}${path}?${new URLSearchParams(query)}`, {
    method: 'POST', body: form, headers: { 'x-tts-access-token': s.accessToken },
  });
  return { status: response.statusCode, ...((await response.body.json()) as Omit<Envelope, 'status'>) };
}

async function imageUri(s: TikTokShopSim): Promise<string> {
  return (await upload(s)).data.uri as string;
}

function mugBody(uri: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Stoneware Mug, Speckled Glaze, 350 ml',
    description: '<p>Wheel-thrown stoneware mug with a speckled glaze.</p>',
    category_id: SIM_CATEGORY.mugs,
    main_images: [{ uri }],
    skus: [{ seller_sku: 'MUG-001', price: { amount: '24.00', currency: 'GBP' }, inventory: [{ warehouse_id: '7000000000000000001', quantity: 12 }] }],
    package_weight: { value: '0.45', unit: 'KILOGRAM' },
    package_dimensions: { length: '12', width: '10', height: '10', unit: 'CENTIMETER' },
    ...overrides,
  };
}

async function create(s: TikTokShopSim, body: Record<string, unknown>): Promise<Envelope> {
  return call(s, 'POST', '/product/202309/products', { body });
}

async function getProduct(s: TikTokShopSim, id: string, query: Record<string, string> = {}): Promise<Envelope> {
  return call(s, 'GET', `/product/202309/products/${id}`, { query });
}

async function receiver(statuses: number[] = []): Promise<{ url: string; deliveries: { body: string; authorization: string | undefined }[] }> {
  const deliveries: { body: string; authorization: string | undefined }[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), authorization: incoming.headers.authorization });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`, deliveries };
}

const T = 1_700_000_000_000;

// ----- signing ------------------------------------------------------------------------------------------------

describe('request signing (§2)', () => {
  it('computes test vector A', () => {
    const vectorA = 'd3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f';
    expect(expectedSign('app_secret', '/test-api', { foo: 'bar' })).toBe(vectorA);
    expect(signTikTokRequest({ appSecret: 'app_secret', path: '/test-api', query: { foo: 'bar' } })).toBe(vectorA);
  });

  it('computes test vector B, leaving access_token out', () => {
    const vectorB = 'a54f7fde5c40262adfc3b9bfbb69a6bbc3b590e229c9a1bbe867e1013e5f7f60';
    const query = { app_key: '6abc123def', timestamp: '1700000000', shop_cipher: 'ROW_ExampleCipher', access_token: 'ignored' };
    const body = '{"product_ids":["1729592969712207008"]}';
    expect(expectedSign('s3cr3t', '/product/202309/products/deactivate', query, body)).toBe(vectorB);
    expect(signTikTokRequest({ appSecret: 's3cr3t', path: '/product/202309/products/deactivate', query, body })).toBe(vectorB);
  });

  it('accepts the exact request of vector B', async () => {
    const s = await sim({
      appKey: '6abc123def', appSecret: 's3cr3t', clock: () => T,
      shops: [{ id: '7494049642642441621', cipher: 'ROW_ExampleCipher', name: 'Example', region: 'GB' }],
    });
    const query = 'app_key=6abc123def&timestamp=1700000000&shop_cipher=ROW_ExampleCipher&access_token=ignored'
      + '&sign=a54f7fde5c40262adfc3b9bfbb69a6bbc3b590e229c9a1bbe867e1013e5f7f60';
    const response = await request(`${s.url}/product/202309/products/deactivate?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tts-access-token': s.accessToken },
      body: '{"product_ids":["1729592969712207008"]}',
    });
    const json = (await response.body.json()) as Omit<Envelope, 'status'>;
    expect(json.code).toBe(0);
    expect(json.data.errors).toEqual([{ code: 12052032, message: 'The product does not exist', detail: { product_id: '1729592969712207008' } }]);
  });

  it('rejects a body changed after signing with 106001', async () => {
    const s = await sim();
    const uri = await imageUri(s);
    const answer = await call(s, 'POST', '/product/202309/products', {
      body: mugBody(uri), tamper: (body) => body.replace('24.00', '2.40'),
    });
    expect(answer.code).toBe(106001);
    expect(answer.message).toBe('Invalid credentials. The `sign` query parameter is invalid.');
    expect(s.products.size).toBe(0);
  });

  it('rejects a missing sign with 36009004', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/categories', { sign: null });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/^Missing credentials/);
  });

  it('rejects a timestamp more than 5 minutes old with 36009004', async () => {
    const s = await sim({ clock: () => T });
    const answer = await call(s, 'GET', '/product/202309/categories', { timestamp: T / 1000 - 301 });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/earlier than 5 minutes/);
  });

  it('rejects a timestamp more than 30 s ahead with 36009004', async () => {
    const s = await sim({ clock: () => T });
    const answer = await call(s, 'GET', '/product/202309/categories', { timestamp: T / 1000 + 31 });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/more than 30 seconds/);
  });

  it('accepts a timestamp inside the window', async () => {
    const s = await sim({ clock: () => T });
    expect((await call(s, 'GET', '/product/202309/categories', { timestamp: T / 1000 - 299 })).code).toBe(0);
  });

  it('rejects an unknown app_key with 36009004', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/categories', { query: { app_key: 'someone-else' } });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/app_key/);
  });
});

// ----- credentials and envelope -------------------------------------------------------------------------------

describe('credentials and envelope (§1, §3)', () => {
  it('rejects an unknown access token with 36009004', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/categories', { token: 'TTP_unknown' });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/x-tts-access-token/);
  });

  it('answers 105002 once the access token has expired', async () => {
    let now = T;
    const s = await sim({ clock: () => now, tokenTtlSeconds: 60 });
    now += 61_000;
    const answer = await call(s, 'GET', '/product/202309/categories', { timestamp: now / 1000 });
    expect(answer.code).toBe(105002);
  });

  it('refreshes an access token with the refresh token', async () => {
    let now = T;
    const s = await sim({ clock: () => now, tokenTtlSeconds: 60 });
    now += 61_000;
    const query = new URLSearchParams({ app_key: s.appKey, app_secret: s.appSecret, refresh_token: s.refreshToken, grant_type: 'refresh_token' });
    const refreshed = (await (await request(`${s.authUrl}/api/v2/token/refresh?${query}`)).body.json()) as Omit<Envelope, 'status'>;
    expect(refreshed.code).toBe(0);
    expect(refreshed.data.access_token_expire_in).toBe(now / 1000 + 60);
    const answer = await call(s, 'GET', '/product/202309/categories', { timestamp: now / 1000, token: refreshed.data.access_token as string });
    expect(answer.code).toBe(0);
  });

  it('exchanges an auth code for tokens with absolute expiry times', async () => {
    const s = await sim({ clock: () => T, tokenTtlSeconds: 3600 });
    const query = new URLSearchParams({ app_key: s.appKey, app_secret: s.appSecret, auth_code: s.authCode, grant_type: 'authorized_code' });
    const answer = (await (await request(`${s.authUrl}/api/v2/token/get?${query}`)).body.json()) as Omit<Envelope, 'status'>;
    expect(answer.code).toBe(0);
    expect(answer.data).toMatchObject({ access_token_expire_in: T / 1000 + 3600, seller_base_region: 'GB' });
    expect(answer.data.refresh_token_expire_in).toBeGreaterThan(T / 1000 + 3600);
  });

  it('rejects an unknown auth code with 36004004', async () => {
    const s = await sim();
    const query = new URLSearchParams({ app_key: s.appKey, app_secret: s.appSecret, auth_code: 'nope', grant_type: 'authorized_code' });
    const answer = (await (await request(`${s.authUrl}/api/v2/token/get?${query}`)).body.json()) as Omit<Envelope, 'status'>;
    expect(answer.code).toBe(36004004);
  });

  it('lists the authorized shops with their ciphers', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/authorization/202309/shops', { shop: false });
    expect(answer.data.shops).toEqual([expect.objectContaining({ id: s.shopId, cipher: s.shopCipher, region: 'GB' })]);
  });

  it('requires shop_cipher on shop calls with 106013', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/categories', { shop: false });
    expect(answer.code).toBe(106013);
  });

  it('rejects shop_cipher on image upload with 36009004', async () => {
    const s = await sim();
    const answer = await upload(s, png(800, 800), { shop_cipher: s.shopCipher });
    expect(answer.code).toBe(36009004);
    expect(answer.message).toMatch(/^Unexpected identifier/);
  });

  it('answers every call with code, message, data and a unique request_id', async () => {
    const s = await sim();
    const answers = await Promise.all([1, 2, 3].map(() => call(s, 'GET', '/product/202309/categories')));
    for (const answer of answers) expect(Object.keys(answer).sort()).toEqual(['code', 'data', 'message', 'request_id', 'status']);
    expect(new Set(answers.map((answer) => answer.request_id)).size).toBe(3);
  });

  it('answers an unknown path with 36009009 and HTTP 404', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/nothing-here');
    expect([answer.status, answer.code]).toEqual([404, 36009009]);
  });

  it('answers an unsupported version with 36009014', async () => {
    const s = await sim();
    expect((await call(s, 'GET', '/product/202401/categories')).code).toBe(36009014);
  });

  it('logs each request with the code it answered', async () => {
    const s = await sim();
    await call(s, 'GET', '/product/202309/categories', { shop: false });
    expect(s.requests.at(-1)).toMatchObject({ method: 'GET', path: '/product/202309/categories', code: 106013 });
  });
});

// ----- catalogue ----------------------------------------------------------------------------------------------

describe('categories, brands and images (§5)', () => {
  it('lists categories with parent ids and leaf flags, hiding prohibited ones', async () => {
    const s = await sim();
    const categories = (await call(s, 'GET', '/product/202309/categories')).data.categories as { id: string; parent_id: string; is_leaf: boolean }[];
    expect(categories).toContainEqual(expect.objectContaining({ id: SIM_CATEGORY.mugs, parent_id: SIM_CATEGORY.kitchen, is_leaf: true }));
    expect(categories).toContainEqual(expect.objectContaining({ id: SIM_CATEGORY.kitchen, is_leaf: false }));
    expect(categories.map((category) => category.id)).not.toContain(SIM_CATEGORY.knives);
  });

  it('includes prohibited categories when asked', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', '/product/202309/categories', { query: { include_prohibited_categories: 'true' } });
    expect(answer.data.categories.map((category: { id: string }) => category.id)).toContain(SIM_CATEGORY.knives);
  });

  it('builds the tree from a category_id,category_path CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tts-sim-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const csv = join(dir, 'categories.csv');
    writeFileSync(csv, 'category_id,category_path\n111,Garden>Tools>Spades\n112,"Garden>Tools>Rakes, Hoes & Forks"\n');
    const s = await sim({ categoriesCsvPath: csv });
    const categories = (await call(s, 'GET', '/product/202309/categories')).data.categories as { id: string; parent_id: string; local_name: string; is_leaf: boolean }[];
    const tools = categories.find((category) => category.local_name === 'Tools');
    const garden = categories.find((category) => category.local_name === 'Garden');
    expect(garden).toMatchObject({ parent_id: '0', is_leaf: false });
    expect(tools).toMatchObject({ parent_id: garden?.id, is_leaf: false });
    expect(categories).toContainEqual(expect.objectContaining({ id: '112', local_name: 'Rakes, Hoes & Forks', parent_id: tools?.id, is_leaf: true }));
  });

  it('names the required certification in the category rules', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', `/product/202309/categories/${SIM_CATEGORY.softToys}/rules`);
    expect(answer.data.product_certifications).toEqual([expect.objectContaining({ id: SIM_TOY_SAFETY_CERTIFICATION.id, is_required: true })]);
    expect(answer.data.package_dimension).toEqual({ is_required: true });
  });

  it('lists sales and product attributes of a leaf category', async () => {
    const s = await sim();
    const answer = await call(s, 'GET', `/product/202309/categories/${SIM_CATEGORY.mugs}/attributes`);
    const types = (answer.data.attributes as { type: string }[]).map((attribute) => attribute.type);
    expect(types).toContain('SALES_PROPERTY');
    expect(types).toContain('PRODUCT_PROPERTY');
  });

  it('pages brands with page tokens', async () => {
    const s = await sim();
    const first = await call(s, 'GET', '/product/202309/brands', { query: { page_size: '5' } });
    expect(first.data.brands).toHaveLength(5);
    const second = await call(s, 'GET', '/product/202309/brands', { query: { page_size: '5', page_token: first.data.next_page_token as string } });
    expect(second.data.brands).toHaveLength(first.data.total_count - 5);
    expect(second.data.next_page_token).toBe('');
  });

  it('reads the size of an uploaded PNG', async () => {
    const s = await sim();
    const answer = await upload(s, png(1200, 900));
    expect(answer.data).toMatchObject({ width: 1200, height: 900, use_case: 'MAIN_IMAGE' });
    expect(s.images.get(answer.data.uri as string)?.url).toBe(answer.data.url);
  });

  it('reads the size of an uploaded JPEG', async () => {
    const s = await sim();
    expect((await upload(s, jpeg(640, 480))).data).toMatchObject({ width: 640, height: 480 });
  });

  it('takes bytes it cannot measure as 800×800', async () => {
    const s = await sim();
    expect((await upload(s, Buffer.from('not really an image'))).data).toMatchObject({ width: 800, height: 800 });
  });

  it('rejects a JSON image upload with 36009023', async () => {
    const s = await sim();
    const answer = await call(s, 'POST', '/product/202309/images/upload', { shop: false, body: { data: 'aGVsbG8=' } });
    expect(answer.code).toBe(36009023);
  });
});

// ----- products -----------------------------------------------------------------------------------------------

describe('products (§5, §6, §8)', () => {
  it('creates a product as PENDING and activates it after review', async () => {
    const s = await sim({ reviewDelayMs: 30 });
    const created = await create(s, mugBody(await imageUri(s)));
    expect(created.code).toBe(0);
    expect(created.data.skus).toEqual([expect.objectContaining({ seller_sku: 'MUG-001', id: expect.stringMatching(/^\d{19}$/) })]);
    const id = created.data.product_id as string;
    expect((await getProduct(s, id)).data).toMatchObject({ status: 'PENDING', audit: { status: 'AUDITING' } });
    await vi.waitFor(async () => expect((await getProduct(s, id)).data.status).toBe('ACTIVATE'), { timeout: 2000, interval: 20 });
    expect(s.products.get(id)?.history.map((event) => event.status)).toEqual(['PENDING', 'ACTIVATE']);
  });

  it('keeps a product saved AS_DRAFT in DRAFT', async () => {
    const s = await sim();
    const created = await create(s, mugBody(await imageUri(s), { save_mode: 'AS_DRAFT' }));
    await s.settleReviews();
    expect(s.products.get(created.data.product_id as string)).toMatchObject({ status: 'DRAFT', auditStatus: 'NONE' });
  });

  it('fails review for a banned word in the title, with reasons', async () => {
    const s = await sim();
    const created = await create(s, mugBody(await imageUri(s), { title: 'Replica Designer Mug' }));
    await s.settleReviews();
    const product = (await getProduct(s, created.data.product_id as string)).data;
    expect(product.status).toBe('FAILED');
    expect(product.audit.status).toBe('FAILED');
    expect(product.audit_failed_reasons).toEqual([expect.objectContaining({ position: 'title', reasons: [expect.stringMatching(/replica/)], suggestions: [expect.any(String)] })]);
  });

  it('fails review when the category needs a certification the product lacks', async () => {
    const s = await sim();
    const created = await create(s, mugBody(await imageUri(s), { title: 'Knitted Bunny Soft Toy', category_id: SIM_CATEGORY.softToys }));
    await s.settleReviews();
    expect(s.products.get(created.data.product_id as string)?.auditFailedReasons).toEqual([expect.objectContaining({ position: 'certifications' })]);
  });

  it('passes review when the required certification is supplied', async () => {
    const s = await sim();
    const uri = await imageUri(s);
    const created = await create(s, mugBody(uri, {
      title: 'Knitted Bunny Soft Toy', category_id: SIM_CATEGORY.softToys,
      certifications: [{ id: SIM_TOY_SAFETY_CERTIFICATION.id, images: [{ uri }] }],
    }));
    await s.settleReviews();
    expect(s.products.get(created.data.product_id as string)?.status).toBe('ACTIVATE');
  });

  it('fails the seeded share of reviews given by rejectFraction', async () => {
    const s = await sim({ rejectFraction: 1, seed: 7 });
    const created = await create(s, mugBody(await imageUri(s)));
    await s.settleReviews();
    expect(s.products.get(created.data.product_id as string)?.auditFailedReasons[0]?.reasons).toEqual(['violate listing rules']);
  });

  const invalid: [string, (uri: string) => Record<string, unknown>, number][] = [
    ['a category that is not a leaf', (uri) => mugBody(uri, { category_id: SIM_CATEGORY.kitchen }), 12052024],
    ['an unknown category', (uri) => mugBody(uri, { category_id: '123' }), 12052023],
    ['a prohibited category', (uri) => mugBody(uri, { category_id: SIM_CATEGORY.knives }), 12052220],
    ['an image URI that was never uploaded', () => mugBody('tos-elsewhere/abc'), 12052722],
    ['no main image', (uri) => mugBody(uri, { main_images: [] }), 12052028],
    ['a price in the wrong currency', (uri) => mugBody(uri, { skus: [{ seller_sku: 'A', price: { amount: '5.00', currency: 'USD' }, inventory: [{ warehouse_id: 'w', quantity: 1 }] }] }), 12052084],
    ['a SKU without seller_sku', (uri) => mugBody(uri, { skus: [{ price: { amount: '5.00', currency: 'GBP' }, inventory: [{ warehouse_id: 'w', quantity: 1 }] }] }), 12019059],
    ['a zero package weight', (uri) => mugBody(uri, { package_weight: { value: '0', unit: 'KILOGRAM' } }), 12052181],
    ['pounds in a GB shop', (uri) => mugBody(uri, { package_weight: { value: '1', unit: 'POUND' } }), 12019061],
    ['no package dimensions in a GB shop', (uri) => mugBody(uri, { package_dimensions: undefined }), 12019012],
    ['a title over 255 characters', (uri) => mugBody(uri, { title: 'Mug '.repeat(70) }), 12052051],
    ['two SKUs with the same sales attributes', (uri) => mugBody(uri, {
      skus: ['A', 'B'].map((sku) => ({ seller_sku: sku, price: { amount: '5.00', currency: 'GBP' }, inventory: [{ warehouse_id: 'w', quantity: 1 }] })),
    }), 12052560],
  ];
  it.each(invalid)('rejects %s', async (_name, body, code) => {
    const s = await sim();
    const answer = await create(s, body(await imageUri(s)));
    expect(answer.code).toBe(code);
    expect(s.products.size).toBe(0);
  });

  it('clears an unknown brand with a warning', async () => {
    const s = await sim();
    const created = await create(s, mugBody(await imageUri(s), { brand_id: '999' }));
    expect(created.data.warnings).toEqual([{ message: expect.stringContaining('[brand_id]:999') }]);
    expect(s.products.get(created.data.product_id as string)?.body.brand_id).toBeUndefined();
  });

  it('returns the same product for a repeated idempotency_key', async () => {
    const s = await sim();
    const body = mugBody(await imageUri(s), { idempotency_key: 'push-1' });
    const first = await create(s, body);
    const second = await create(s, body);
    expect(second.data).toEqual(first.data);
    expect(s.products.size).toBe(1);
  });

  it('enforces the listing quota with 12052093', async () => {
    const s = await sim({ listingQuota: 1 });
    const uri = await imageUri(s);
    expect((await create(s, mugBody(uri))).code).toBe(0);
    expect((await create(s, mugBody(uri, { title: 'Another Mug' }))).code).toBe(12052093);
  });

  it('reports listing_check failures without creating a product', async () => {
    const s = await sim();
    const answer = await call(s, 'POST', '/product/202309/products/listing_check', {
      body: mugBody('tos-elsewhere/abc', { category_id: SIM_CATEGORY.kitchen }),
    });
    expect(answer.data.check_result).toBe('FAILED');
    expect(answer.data.fail_reasons.map((reason: { code: number }) => reason.code)).toEqual([12052024, 12052722]);
    expect(s.products.size).toBe(0);
  });

  it('answers 12052032 for a product that does not exist', async () => {
    const s = await sim();
    expect((await getProduct(s, '1729000000000000001')).code).toBe(12052032);
  });

  it('pages search results and filters by status and seller_skus', async () => {
    const s = await sim();
    const uri = await imageUri(s);
    for (const [sku, mode] of [['S-1', 'LISTING'], ['S-2', 'LISTING'], ['S-3', 'AS_DRAFT']] as const) {
      await create(s, mugBody(uri, { save_mode: mode, skus: [{ seller_sku: sku, price: { amount: '5.00', currency: 'GBP' }, inventory: [{ warehouse_id: 'w', quantity: 1 }] }] }));
    }
    const search = (query: Record<string, string>, body: unknown) => call(s, 'POST', '/product/202309/products/search', { query, body });
    const first = await search({ page_size: '2' }, {});
    expect([first.data.products.length, first.data.total_count]).toEqual([2, 3]);
    const second = await search({ page_size: '2', page_token: first.data.next_page_token as string }, {});
    expect([second.data.products.length, second.data.next_page_token]).toEqual([1, '']);
    expect((await search({ page_size: '10' }, { status: 'DRAFT' })).data.products.map((product: { skus: { seller_sku: string }[] }) => product.skus[0]?.seller_sku)).toEqual(['S-3']);
    expect((await search({ page_size: '10' }, { seller_skus: ['S-2'] })).data.total_count).toBe(1);
  });

  it('rejects more than 10 seller_skus in a search with 12019027', async () => {
    const s = await sim();
    const answer = await call(s, 'POST', '/product/202309/products/search', {
      query: { page_size: '10' }, body: { seller_skus: Array.from({ length: 11 }, (_, at) => `S-${at}`) },
    });
    expect(answer.code).toBe(12019027);
  });

  it('sends an edited FAILED product back to PENDING and re-reviews it', async () => {
    const s = await sim();
    const uri = await imageUri(s);
    const id = (await create(s, mugBody(uri, { title: 'Counterfeit Mug' }))).data.product_id as string;
    await s.settleReviews();
    const edited = await call(s, 'PUT', `/product/202309/products/${id}`, { body: mugBody(uri) });
    expect(edited.code).toBe(0);
    expect(s.products.get(id)?.status).toBe('PENDING');
    await s.settleReviews();
    expect(s.products.get(id)).toMatchObject({ status: 'ACTIVATE', auditFailedReasons: [] });
  });

  it('keeps a live product selling while its edit is under review', async () => {
    const s = await sim();
    const uri = await imageUri(s);
    const id = (await create(s, mugBody(uri))).data.product_id as string;
    await s.settleReviews();
    await call(s, 'PUT', `/product/202309/products/${id}`, { body: mugBody(uri, { title: 'Stoneware Mug, New Glaze' }) });
    const live = (await getProduct(s, id)).data;
    expect([live.status, live.audit.status, live.title]).toEqual(['ACTIVATE', 'AUDITING', 'Stoneware Mug, Speckled Glaze, 350 ml']);
    expect((await getProduct(s, id, { return_under_review_version: 'true' })).data.title).toBe('Stoneware Mug, New Glaze');
    await s.settleReviews();
    expect((await getProduct(s, id)).data).toMatchObject({ status: 'ACTIVATE', title: 'Stoneware Mug, New Glaze', audit: { status: 'APPROVED' } });
  });

  it('deactivates a live product and re-reviews it on activation', async () => {
    const s = await sim();
    const id = (await create(s, mugBody(await imageUri(s)))).data.product_id as string;
    await s.settleReviews();
    expect((await call(s, 'POST', '/product/202309/products/deactivate', { body: { product_ids: [id] } })).data.errors).toEqual([]);
    expect(s.products.get(id)?.status).toBe('SELLER_DEACTIVATED');
    await call(s, 'POST', '/product/202309/products/activate', { body: { product_ids: [id] } });
    expect(s.products.get(id)?.status).toBe('PENDING');
  });

  it('reports 12052901 for a product whose status does not allow the operation', async () => {
    const s = await sim();
    const id = (await create(s, mugBody(await imageUri(s)))).data.product_id as string;
    const answer = await call(s, 'POST', '/product/202309/products/deactivate', { body: { product_ids: [id] } });
    expect(answer.code).toBe(0);
    expect(answer.data.errors).toEqual([expect.objectContaining({ code: 12052901, detail: { product_id: id } })]);
  });

  it('rejects more than 20 product ids with 12019120', async () => {
    const s = await sim();
    const ids = Array.from({ length: 21 }, (_, at) => `17290000000000000${String(at).padStart(2, '0')}`);
    expect((await call(s, 'POST', '/product/202309/products/activate', { body: { product_ids: ids } })).code).toBe(12019120);
  });
});

// ----- throttling and faults ----------------------------------------------------------------------------------

describe('throttling and faults (§4)', () => {
  it('throttles calls over qps with 36009002 and HTTP 429', async () => {
    const s = await sim({ qps: 3 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(s, 'GET', '/product/202309/categories')));
    const throttled = answers.filter((answer) => answer.code === 36009002);
    expect(throttled).toHaveLength(2);
    expect(throttled.map((answer) => answer.status)).toEqual([429, 429]);
  });

  it('throttles with HTTP 200 when throttleHttpStatus is 200', async () => {
    const s = await sim({ qps: 1, throttleHttpStatus: 200 });
    await call(s, 'GET', '/product/202309/categories');
    const answer = await call(s, 'GET', '/product/202309/categories');
    expect([answer.status, answer.code]).toEqual([200, 36009002]);
  });

  it('answers the next N requests with a throttle under a rate-limit fault', async () => {
    const s = await sim();
    s.setFault({ kind: 'rate-limit', times: 2 });
    const codes = [];
    for (let at = 0; at < 3; at++) codes.push((await call(s, 'GET', '/product/202309/categories')).code);
    expect(codes).toEqual([36009002, 36009002, 0]);
  });

  it('answers a server-error fault with 36009003 and the chosen HTTP status', async () => {
    const s = await sim();
    s.setFault({ kind: 'server-error', httpStatus: 503 });
    const answer = await call(s, 'GET', '/product/202309/categories');
    expect([answer.status, answer.code]).toEqual([503, 36009003]);
  });

  it('delays a request under a slow fault', async () => {
    const s = await sim();
    s.setFault({ kind: 'slow', delayMs: 300 });
    const started = performance.now();
    const answer = await call(s, 'GET', '/product/202309/categories');
    expect(answer.code).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('answers 105002 under an expired-token fault', async () => {
    const s = await sim();
    s.setFault({ kind: 'expired-token' });
    expect((await call(s, 'GET', '/product/202309/categories')).code).toBe(105002);
    expect((await call(s, 'GET', '/product/202309/categories')).code).toBe(0);
  });

  it('destroys the socket under a drop-connection fault', async () => {
    const s = await sim();
    s.setFault({ kind: 'drop-connection' });
    await expect(call(s, 'GET', '/product/202309/categories')).rejects.toThrow();
    expect(s.requests.at(-1)).toMatchObject({ code: null, fault: 'drop-connection' });
  });

  it('applies a fault only to matching paths', async () => {
    const s = await sim();
    s.setFault({ kind: 'server-error', paths: /\/products$/ });
    expect((await call(s, 'GET', '/product/202309/categories')).code).toBe(0);
    expect((await create(s, mugBody(await imageUri(s)))).code).toBe(36009003);
  });
});

// ----- webhooks -----------------------------------------------------------------------------------------------

describe('webhooks (§7)', () => {
  it('signs the §7 test vector', () => {
    const body = '{"type":5,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1700000000,'
      + '"data":{"product_id":"1729592969712207008","status":"PRODUCT_AUDIT_FAILURE","update_time":1700000000}}';
    const expected = '1224ca4c1f84fee8da574712ad4ef63b9c100d8ae97cf76f98b8af976ba537e7';
    expect(signTikTokWebhook('6abc123def', 's3cr3t', body)).toBe(expected);
    expect(verifyTikTokWebhook('6abc123def', 's3cr3t', body, expected)).toBe(true);
  });

  it('delivers a type 5 review outcome whose Authorization header verifies', async () => {
    const hook = await receiver();
    const s = await sim({ webhookUrl: hook.url });
    const id = (await create(s, mugBody(await imageUri(s)))).data.product_id as string;
    await s.settleReviews();
    await s.settleWebhooks();
    const [delivery] = hook.deliveries;
    expect(delivery?.authorization).toBe(createHmac('sha256', s.appSecret).update(s.appKey + delivery?.body).digest('hex'));
    expect(JSON.parse(delivery?.body ?? '')).toMatchObject({
      type: 5, tts_notification_id: expect.any(String), shop_id: s.shopId, timestamp: expect.any(Number),
      data: { product_id: id, status: 'PRODUCT_FIRST_PASS_REVIEW', suspended_reason: '' },
    });
  });

  it('reports an audit failure with the suspended reason', async () => {
    const hook = await receiver();
    const s = await sim({ webhookUrl: hook.url });
    await create(s, mugBody(await imageUri(s), { title: 'Replica Mug' }));
    await s.settleReviews();
    await s.settleWebhooks();
    expect(JSON.parse(hook.deliveries[0]?.body ?? '').data).toMatchObject({ status: 'PRODUCT_AUDIT_FAILURE', suspended_reason: expect.stringContaining('replica') });
  });

  it('retries after a 500 with the same tts_notification_id', async () => {
    const hook = await receiver([500]);
    const s = await sim({ webhookUrl: hook.url, webhookRetryDelaysMs: [20, 20, 20] });
    await create(s, mugBody(await imageUri(s)));
    await s.settleReviews();
    await s.settleWebhooks();
    const ids = hook.deliveries.map((delivery) => JSON.parse(delivery.body).tts_notification_id as string);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(s.webhooks.map((delivery) => [delivery.attempt, delivery.status])).toEqual([[1, 500], [2, 200]]);
  });

  it('stops retrying when the schedule runs out', async () => {
    const hook = await receiver([500, 500, 500, 500, 500]);
    const s = await sim({ webhookUrl: hook.url, webhookRetryDelaysMs: [10, 10] });
    await create(s, mugBody(await imageUri(s)));
    await s.settleReviews();
    await s.settleWebhooks();
    expect(hook.deliveries).toHaveLength(3);
  });

  it('delivers the seeded share of webhooks twice with the same id', async () => {
    const hook = await receiver();
    const s = await sim({ webhookUrl: hook.url, duplicateWebhookFraction: 1 });
    await create(s, mugBody(await imageUri(s)));
    await s.settleReviews();
    await s.settleWebhooks();
    expect(hook.deliveries).toHaveLength(2);
    expect(hook.deliveries[1]?.body).toBe(hook.deliveries[0]?.body);
    expect(s.webhooks.map((delivery) => delivery.duplicate)).toEqual([false, true]);
  });
});
