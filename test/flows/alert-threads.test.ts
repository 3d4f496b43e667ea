import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbox } from '../../src/alerts/outbox.js';
import { startBot, type RunningBot } from '../../src/bot.js';
import { m, reply } from '../../src/chat/message.js';
import { discordDelivery } from '../../src/chat/discord/delivery.js';
import { slackDelivery } from '../../src/chat/slack/delivery.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { startDiscordSim } from '../sim/discord.js';
import { startSlackSim, type SlackSim } from '../sim/slack.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { postTikTokWebhook, productStatusWebhook } from '../support/tiktok-webhooks.js';

const SIGNING_SECRET = 'thread-signing-secret';
const TIKTOK = { key: '6abc123def', secret: 's3cr3t' };
const CHANNEL = 'C0ALERTS';

describe('an alert’s life on Slack: grouped, acknowledged, recovered in its thread', () => {
  let slack: SlackSim;
  let store: Store;
  let bot: RunningBot;
  let base: string;
  let notification = 0;

  beforeAll(async () => {
    slack = await startSlackSim();
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-threads-'));
    const config = loadConfig({
      DATA_DIR: dir, PORT: '0', SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_MANAGERS: 'U1',
      TIKTOK_APP_KEY: TIKTOK.key, TIKTOK_APP_SECRET: TIKTOK.secret, TIKTOK_WEBHOOKS: 'true', ALERT_GROUP_WINDOW_MS: '400', SLACK_CHANNEL_PACING_MS: '0',
    });
    store = await openLowdbStore({ dir });
    bot = await startBot(config, store, captureLogs().log);
    base = `http://127.0.0.1:${bot.port}`;
  }, 30_000);
  afterAll(async () => {
    await bot?.stop();
    await store?.close();
    await slack?.close();
  });

  async function tiktokSays(productId: string, status: 'PRODUCT_AUDIT_FAILURE' | 'PRODUCT_FIRST_PASS_REVIEW', reason = '') {
    const body = productStatusWebhook({ notificationId: `73271123930573719${String(++notification).padStart(2, '0')}`, productId, status, reason });
    expect(await postTikTokWebhook(base, body, TIKTOK)).toBe(200);
  }

  const topLevel = () => slack.messages(CHANNEL).filter((message) => !message.threadTs || message.threadTs === message.ts);

  it('posts three rejections of one burst as one message, with every product in a CSV in its thread', async () => {
    await slack.sendSlashCommand(`${base}/slack/events`, { text: 'alerts subscribe listing_rejected,recovered', userId: 'U1', channelId: CHANNEL }, { signingSecret: SIGNING_SECRET });
    for (const [i, handle] of ['mug', 'cup', 'bowl'].entries()) {
      await store.listings.put(makeListing({ shop: 'default', handle, sellerSkus: [handle.toUpperCase()], state: 'in_review', tiktokProductId: `172959296971220700${i}` }));
    }
    await Promise.all([0, 1, 2].map((i) => tiktokSays(`172959296971220700${i}`, 'PRODUCT_AUDIT_FAILURE', i === 2 ? 'Title too short' : 'Main image has a watermark')));
    const upload = await slack.waitFor(() => slack.uploads.find((file) => file.completed && file.channelId === CHANNEL));
    const [alert] = topLevel();
    expect(topLevel()).toHaveLength(1);
    expect(alert!.text).toMatch(/3 listing failures/i);
    expect(alert!.metadata).toMatchObject({ event_type: 'shopshift_outbox' });
    expect(upload.threadTs).toBe(alert!.ts);
    const rows = Papa.parse<{ product: string }>(upload.content!.toString('utf8'), { header: true, skipEmptyLines: true }).data;
    expect(rows.map((row) => row.product).sort()).toEqual(['bowl', 'cup', 'mug']);
  });

  it('shows who acknowledged, on the original message, when the button is pressed', async () => {
    const [alert] = topLevel();
    const button = (alert!.blocks as { type: string; elements?: { value?: string; text?: { text: string } }[] }[])
      .flatMap((block) => block.elements ?? []).find((element) => element.text?.text === 'Acknowledge all')!;
    const pressed = await slack.sendBlockAction(`${base}/slack/events`, { userId: 'U2', userName: 'grace', channelId: CHANNEL, actionId: 'shopshift:0', value: button.value!, messageTs: alert!.ts! }, { signingSecret: SIGNING_SECRET });
    expect(pressed.status).toBe(200);
    const update = await slack.waitFor(() => slack.updates.find((candidate) => candidate.ts === alert!.ts && /Acknowledged by grace/.test(candidate.text ?? '')));
    expect(JSON.stringify(update.blocks)).not.toContain('Acknowledge all');
  });

  it('tells a recovery in the alert’s thread and updates the original', async () => {
    const [alert] = topLevel();
    await tiktokSays('1729592969712207001', 'PRODUCT_FIRST_PASS_REVIEW');
    const note = await slack.waitFor(() => slack.messages(CHANNEL).find((message) => message.threadTs === alert!.ts && /Recovered: cup/.test(message.text)));
    expect(note.text).toBe('✅ Recovered: cup.');
    await slack.waitFor(() => slack.updates.find((update) => update.ts === alert!.ts && /1 of 3 recovered/.test(update.text ?? '')));
    expect(topLevel()).toHaveLength(1);
  });
});

describe('a post whose answer was lost', () => {
  it('is found in the Slack channel’s history by its outbox key, not posted twice', async () => {
    const slack = await startSlackSim();
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-lost-')) });
    const log = captureLogs().log;
    try {
      const client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
      const outbox = createOutbox({ store, log, deliveries: { slack: slackDelivery(client, log) }, settings: { pacingMs: {}, retryBaseMs: 50 } });
      slack.failAfterPosting(1);
      const id = await outbox.send({ platform: 'slack', channelId: CHANNEL, reply: reply([m.text('once only')]) });
      await outbox.idle();
      expect(slack.messages(CHANNEL).map((message) => message.text)).toEqual(['once only']);
      expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 1, ref: slack.messages(CHANNEL)[0]!.ts });
      await outbox.stop();
    } finally {
      await store.close();
      await slack.close();
    }
  });

  it('is sent again to Discord with the same enforced nonce, which returns the message already made', async () => {
    const discord = await startDiscordSim();
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-lost-')) });
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl, makeRequest: fetch, retries: 0 } });
    try {
      const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
      await client.login(discord.token);
      await ready;
      const outbox = createOutbox({ store, log: captureLogs().log, deliveries: { discord: discordDelivery(client) }, settings: { pacingMs: {}, retryBaseMs: 50 } });
      discord.failAfterPosting(1);
      const id = await outbox.send({ platform: 'discord', channelId: discord.channelId, reply: reply([m.text('once only')]) });
      await outbox.idle();
      const messages = discord.channelMessages(discord.channelId);
      expect(messages.map((message) => message.content)).toEqual(['once only']);
      expect(await store.outbox.get(id)).toMatchObject({ state: 'delivered', attempts: 2, ref: messages[0]!.id });
      await outbox.stop();
    } finally {
      await client.destroy();
      await store.close();
      await discord.close();
    }
  });
});
