import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { shopifyHmac } from '../../src/shopify/webhooks.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { startSlackSim, type SlackSim } from '../sim/slack.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { postTikTokWebhook, productStatusWebhook } from '../support/tiktok-webhooks.js';

const SIGNING_SECRET = 'flow-signing-secret';
const SHOPIFY_SECRET = 'shpss_flow_secret';
const TIKTOK = { key: '6abc123def', secret: 's3cr3t' };

describe('alerts from webhooks to the subscribed Slack channel', () => {
  let slack: SlackSim;
  let store: Store;
  let bot: RunningBot;
  let base: string;
  const logs = captureLogs();

  beforeAll(async () => {
    slack = await startSlackSim();
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-alerts-'));
    const config = loadConfig({
      DATA_DIR: dir, PORT: '0', SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl,
      SLACK_MANAGERS: 'U1', SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TIKTOK_APP_KEY: TIKTOK.key, TIKTOK_APP_SECRET: TIKTOK.secret,
      ALERT_GROUP_WINDOW_MS: '300', SLACK_CHANNEL_PACING_MS: '0', TIKTOK_WEBHOOKS: 'true',
    });
    store = await openLowdbStore({ dir });
    bot = await startBot(config, store, logs.log);
    base = `http://127.0.0.1:${bot.port}`;
  }, 30_000);
  afterAll(async () => {
    await bot?.stop();
    await store?.close();
    await slack?.close();
  });

  const postsIn = (channel: string) => slack.callsTo('chat.postMessage').filter((call) => call.args.channel === channel);

  it('subscribes a channel with /shop alerts, then posts a sync failure there when a Shopify change blocks a live listing', async () => {
    const answer = await slack.sendSlashCommand(`${base}/slack/events`, { text: 'alerts subscribe sync_failure,listing_rejected', userId: 'U1', channelId: 'C9' }, { signingSecret: SIGNING_SECRET });
    expect(answer.status).toBe(200);
    await slack.waitFor(() => slack.responses.find((response) => JSON.stringify(response).includes('now receives alerts')));
    await store.listings.put(makeListing({ shop: 'default', handle: 'mug', state: 'live', tiktokProductId: '1729592969712207008' }));

    const body = JSON.stringify({
      id: 7901998383254, title: '', body_html: '<p>Big mug</p>', vendor: 'Kiln', product_type: 'Mugs', handle: 'mug', status: 'active', tags: '',
      variants: [{ id: 1, sku: 'MUG-1', price: '12.00', grams: 400, inventory_quantity: 5, option1: 'Default Title' }],
      options: [{ name: 'Title', values: ['Default Title'] }], images: [{ id: 1, src: 'https://cdn.example/mug.jpg', position: 1, width: 1000, height: 1000 }],
    });
    const delivery = await request(`${base}/webhooks/shopify`, {
      method: 'POST', body,
      headers: {
        'content-type': 'application/json', 'x-shopify-hmac-sha256': shopifyHmac(body, SHOPIFY_SECRET), 'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': 'kiln.myshopify.com', 'x-shopify-api-version': '2025-10', 'x-shopify-webhook-id': 'wh-1',
      },
    });
    expect(delivery.statusCode).toBe(200);
    await delivery.body.dump();
    const alert = await slack.waitFor(() => postsIn('C9').find((call) => /sync failure: a shopify change blocks mug/i.test(String(call.args.text))));
    expect(String(alert.args.text)).toContain('title-missing');
    expect(postsIn('C1')).toEqual([]);
  });

  it('posts a rejection that TikTok reports by webhook to the same channel', async () => {
    await store.listings.put(makeListing({ shop: 'default', handle: 'cup', sellerSkus: ['CUP-1'], state: 'in_review', tiktokProductId: '1729592969712207009' }));
    const body = productStatusWebhook({ notificationId: '7327112393057371910', productId: '1729592969712207009', status: 'PRODUCT_AUDIT_FAILURE', reason: 'Main image has a watermark' });
    expect(await postTikTokWebhook(base, body, TIKTOK)).toBe(200);
    const alert = await slack.waitFor(() => postsIn('C9').find((call) => /tiktok shop rejected cup/i.test(String(call.args.text))));
    expect(String(alert.args.text)).toContain('Main image has a watermark');
  });

  it('sends nothing for a forged webhook', async () => {
    const before = slack.callsTo('chat.postMessage').length;
    const delivery = await request(`${base}/webhooks/shopify`, { method: 'POST', body: '{"id":1}', headers: { 'x-shopify-hmac-sha256': 'forged', 'x-shopify-topic': 'products/update' } });
    expect(delivery.statusCode).toBe(401);
    await delivery.body.dump();
    expect(slack.callsTo('chat.postMessage').length).toBe(before);
  });
});
