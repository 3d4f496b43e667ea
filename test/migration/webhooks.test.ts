import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { handleTikTokWebhook } from '../../src/migration/track.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';

const APP_KEY = '6abc123def';
const APP_SECRET = 's3cr3t';
const SHOP_ID = '7494049642642441621';
const PRODUCT_ID = '1729592969712207008';

const sign = (body: string) => createHmac('sha256', APP_SECRET).update(APP_KEY + body).digest('hex');
const statusChange = (id: string, status: string, reason = '') =>
  `{"type":5,"tts_notification_id":"${id}","shop_id":${SHOP_ID},"timestamp":1700000000,"data":{"product_id":${PRODUCT_ID},"status":"${status}","suspended_reason":"${reason}","update_time":1700000000}}`;

let store: Store;
let url: string;
let close: () => void;

beforeEach(async () => {
  store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-webhooks-')) });
  await store.listings.put(makeListing({ shop: 'shop-1', tiktokProductId: PRODUCT_ID, state: 'in_review' }));
  const server = createHttpServer({
    log: captureLogs().log,
    maxBodyBytes: 4096,
    routes: {
      'POST /webhooks/tiktok': ({ body, headers }) =>
        handleTikTokWebhook(
          { store, appKey: APP_KEY, appSecret: APP_SECRET, shopFor: (id) => (id === SHOP_ID ? 'shop-1' : null), log: captureLogs().log, now: () => 1_700_000_000_000 },
          body,
          headers.authorization,
        ),
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/tiktok`;
  close = () => server.close();
});
afterEach(async () => {
  close();
  await store.close();
});

async function post(body: string, authorization?: string) {
  const response = await request(url, { method: 'POST', body, headers: authorization === undefined ? {} : { authorization } });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('POST /webhooks/tiktok', () => {
  it('records a passed review: the listing goes live, its 19-digit id read exactly from a JSON number', async () => {
    const body = statusChange('732711239305791001', 'PRODUCT_FIRST_PASS_REVIEW');
    expect(await post(body, sign(body))).toEqual({ status: 200, text: 'ok' });
    expect((await store.listings.get('shop-1', 'mug'))?.state).toBe('live');
  });

  it('records a rejection with TikTok’s reason', async () => {
    const body = statusChange('732711239305791002', 'PRODUCT_AUDIT_FAILURE', 'Main image has a watermark');
    await post(body, sign(body));
    expect(await store.listings.get('shop-1', 'mug')).toMatchObject({ state: 'rejected', reasons: ['Main image has a watermark'] });
  });

  it('refuses a forged or unsigned delivery with 401 and stores nothing', async () => {
    const body = statusChange('732711239305791003', 'PRODUCT_FIRST_PASS_REVIEW');
    expect((await post(body, sign(body.replace('732711239305791003', '732711239305791004')))).status).toBe(401);
    expect((await post(body)).status).toBe(401);
    expect((await store.listings.get('shop-1', 'mug'))?.state).toBe('in_review');
    expect(await store.webhooks.markProcessed('732711239305791003')).toBe(true);
  });

  it('applies a delivery once when TikTok sends it twice', async () => {
    const passed = statusChange('732711239305791005', 'PRODUCT_FIRST_PASS_REVIEW');
    await post(passed, sign(passed));
    await store.listings.put({ ...(await store.listings.get('shop-1', 'mug'))!, state: 'deactivated' });
    expect(await post(passed, sign(passed))).toEqual({ status: 200, text: 'duplicate ignored' });
    expect((await store.listings.get('shop-1', 'mug'))?.state).toBe('deactivated');
  });

  it('answers 400 to a signed body that is not a webhook, and 413 to an oversized one', async () => {
    expect((await post('{"hello":1}', sign('{"hello":1}'))).status).toBe(400);
    const huge = 'x'.repeat(5000);
    expect((await post(huge, sign(huge))).status).toBe(413);
  });

  it('ignores, with 200, a webhook for a shop this bot does not serve', async () => {
    const body = statusChange('732711239305791006', 'PRODUCT_FIRST_PASS_REVIEW').replace(SHOP_ID, '1');
    expect(await post(body, sign(body))).toEqual({ status: 200, text: 'unknown shop ignored' });
  });
});
