import { chmod, mkdtemp, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { parsePrometheusText } from '../observability/prometheus-text.js';
import { DISCORD_SIM_IDS, startDiscordSim } from '../sim/discord.js';
import { startSlackSim, type SlackSim } from '../sim/slack.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { postTikTokWebhook, productStatusWebhook } from '../support/tiktok-webhooks.js';

const SIGNING_SECRET = 'observability-signing-secret';
const TIKTOK = { key: '6abc123def', secret: 's3cr3t' };
const runsAsRoot = process.getuid?.() === 0;

describe('/metrics and /healthz on the bot\'s port', () => {
  let slack: SlackSim;
  let store: Store;
  let bot: RunningBot;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    slack = await startSlackSim();
    dataDir = join(await mkdtemp(join(tmpdir(), 'shopshift-observability-')), 'data');
    const config = loadConfig({
      DATA_DIR: dataDir, PORT: '0', SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl,
      SLACK_MANAGERS: 'U1', TIKTOK_APP_KEY: TIKTOK.key, TIKTOK_APP_SECRET: TIKTOK.secret, TIKTOK_WEBHOOKS: 'true',
      ALERT_GROUP_WINDOW_MS: '100', SLACK_CHANNEL_PACING_MS: '0',
    });
    store = await openLowdbStore({ dir: dataDir });
    bot = await startBot(config, store, captureLogs().log);
    base = `http://127.0.0.1:${bot.port}`;
  }, 30_000);
  afterAll(async () => {
    await bot?.stop();
    await store?.close();
    await slack?.close();
  });

  const get = async (path: string) => {
    const answer = await request(`${base}${path}`);
    return { status: answer.statusCode, type: String(answer.headers['content-type']), text: await answer.body.text() };
  };
  const scrape = async () => parsePrometheusText((await get('/metrics')).text);

  it('answers /healthz with JSON: the store writable, Slack reached at start-up, nothing queued', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(health.type).toMatch(/^application\/json/);
    const report = JSON.parse(health.text);
    expect(report).toMatchObject({ status: 'ok', store: { writable: true }, outbox: { queued: 0 }, upstream: { tiktok: { lastSuccessAt: null, lastErrorAt: null } } });
    expect(Date.parse(report.upstream.slack.lastSuccessAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('counts a command and an alert delivery in /metrics, in the Prometheus text format', async () => {
    const answer = await slack.sendSlashCommand(`${base}/slack/events`, { text: 'alerts subscribe listing_rejected', userId: 'U1', channelId: 'C7' }, { signingSecret: SIGNING_SECRET });
    expect(answer.status).toBe(200);
    await slack.waitFor(() => slack.responses.find((response) => JSON.stringify(response).includes('now receives alerts')));

    await store.listings.put(makeListing({ shop: 'default', handle: 'cup', sellerSkus: ['CUP-1'], state: 'in_review', tiktokProductId: '1729592969712207009' }));
    const body = productStatusWebhook({ notificationId: '7327112393057371911', productId: '1729592969712207009', status: 'PRODUCT_AUDIT_FAILURE', reason: 'Main image has a watermark' });
    expect(await postTikTokWebhook(base, body, TIKTOK)).toBe(200);
    await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => call.args.channel === 'C7' && /tiktok shop rejected cup/i.test(String(call.args.text))));

    const page = await get('/metrics');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    // The post is recorded as delivered just after Slack answers it.
    let metrics = await scrape();
    for (let tries = 0; !metrics.value('shopshift_alerts_sent_total', { platform: 'slack' }) && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await scrape();
    }
    expect(metrics.value('shopshift_alerts_sent_total', { platform: 'slack' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('shopshift_commands_total', { platform: 'slack', command: 'alerts', outcome: 'ok' })).toBe(1);
    expect(metrics.value('shopshift_outbox_failed_total', { platform: 'slack' })).toBe(0);
    // auth.test at start-up, then the alert's post.
    expect(metrics.value('shopshift_upstream_requests_total', { service: 'slack', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(metrics.value('shopshift_upstream_requests_total', { service: 'tiktok', outcome: 'error' })).toBe(0);
    expect(metrics.value('shopshift_last_upstream_success_timestamp_seconds', { service: 'slack' })).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(metrics.types.get('shopshift_outbox_queue_depth')).toBe('gauge');
    expect(metrics.value('shopshift_outbox_queue_depth')).toBeGreaterThanOrEqual(0);
  });

  it('answers /healthz with 503 while the data folder is missing, and 200 once it is back', async () => {
    const away = `${dataDir}-away`;
    await rename(dataDir, away);
    try {
      const health = await get('/healthz');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toMatchObject({ status: 'degraded', store: { writable: false } });
    } finally {
      await rename(away, dataDir);
    }
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers /healthz with 503 while the data folder is read-only', async (context) => {
    context.skip(runsAsRoot, 'runs as root: chmod does not stop root from writing, so this case cannot be staged (the missing-folder case covers 503)');
    await chmod(dataDir, 0o500);
    try {
      expect((await get('/healthz')).status).toBe(503);
    } finally {
      await chmod(dataDir, 0o700);
    }
  });
});

describe('/metrics with Discord', () => {
  it('counts a Discord command and Discord\'s REST calls, and stops cleanly', async () => {
    const sim = await startDiscordSim();
    const dataDir = await mkdtemp(join(tmpdir(), 'shopshift-observability-discord-'));
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', DISCORD_TOKEN: sim.token, DISCORD_API_URL: sim.apiUrl, DISCORD_APPLICATION_ID: sim.applicationId });
    const store = await openLowdbStore({ dir: dataDir });
    const bot = await startBot(config, store, captureLogs().log, { host: '127.0.0.1' });
    try {
      const handle = sim.sendCommand({ subcommand: 'help', userId: DISCORD_SIM_IDS.member });
      await handle.waitFor((call) => call.method === 'PATCH' && call.path.endsWith('/messages/@original') && call.status === 200);
      const page = parsePrometheusText(await (await request(`http://127.0.0.1:${bot.port}/metrics`)).body.text());
      expect(page.value('shopshift_commands_total', { platform: 'discord', command: 'help', outcome: 'ok' })).toBe(1);
      expect(page.value('shopshift_upstream_requests_total', { service: 'discord', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
      expect(page.value('shopshift_last_upstream_success_timestamp_seconds', { service: 'discord' })).toBeGreaterThan(0);
    } finally {
      expect(await bot.stop()).toEqual({ abandoned: [], failed: [] });
      await store.close();
      await sim.close();
    }
  });
});
