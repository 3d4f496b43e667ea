// An alert storm: 10,000 listing failures in one burst, through the real alert pipeline and outbox, into the
// Slack and Discord simulators with their per-channel rate limits on. Counts what reached each channel and
// checks every failure is in each channel's CSV.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import Papa from 'papaparse';
import pino from 'pino';
import { createAlerts } from '../src/alerts/alerts.js';
import { createOutbox } from '../src/alerts/outbox.js';
import { discordDelivery } from '../src/chat/discord/delivery.js';
import { slackDelivery } from '../src/chat/slack/delivery.js';
import { openLowdbStore } from '../src/store/lowdb.js';
import { startDiscordSim } from '../test/sim/discord.js';
import { startSlackSim } from '../test/sim/slack.js';

export interface AlertStormBench {
  events: number;
  /** Seconds to raise (record) every event. */
  raiseSeconds: number;
  /** From the first event to the last message delivered, group window included. */
  deliveredSeconds: number;
  groupWindowMs: number;
  channels: { name: string; posts: number; threadMessages: number; rateLimited: number; productsInCsv: number }[];
  /** Failures missing from a channel's CSV, summed over channels: must be 0. */
  lost: number;
}

const SLACK_CHANNELS = ['C0STORM1', 'C0STORM2'];
const REASONS = ['Main image has a watermark', 'Title contains a prohibited word', 'Category requires a certification', 'Price is below the floor'];

function productsIn(csv: string): Set<string> {
  return new Set(Papa.parse<{ product: string }>(csv, { header: true, skipEmptyLines: true }).data.map((row) => row.product));
}

export async function benchAlertStorm({ events = 10_000, groupWindowMs = 2_000 } = {}): Promise<AlertStormBench> {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-storm-'));
  const slack = await startSlackSim({ channelPostLimit: { perSecond: 1, burst: 3 } });
  const discord = await startDiscordSim({ channelPostLimit: { perWindow: 5, windowMs: 5_000 } });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl, makeRequest: fetch } });
  const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const store = await openLowdbStore({ dir });
  try {
    const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
    await client.login(discord.token);
    await ready;
    const slackClient = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const outbox = createOutbox({ store, log, deliveries: { slack: slackDelivery(slackClient, log), discord: discordDelivery(client) }, settings: { pacingMs: { slack: 1_100 } } });
    const alerts = createAlerts({ store, outbox, log, shops: ['shop'], settings: { groupWindowMs, remindEveryMs: 0 } });
    for (const channelId of SLACK_CHANNELS) {
      await store.alerts.subscribe({ shop: 'shop', platform: 'slack', channelId, kinds: ['listing_rejected'], reasonContains: null, minSeverity: 'normal', mention: null, createdBy: 'bench', createdAt: new Date().toISOString() });
    }
    await store.alerts.subscribe({ shop: 'shop', platform: 'discord', channelId: discord.channelId, kinds: ['listing_rejected'], reasonContains: null, minSeverity: 'normal', mention: null, createdBy: 'bench', createdAt: new Date().toISOString() });
    alerts.start();

    const started = performance.now();
    await Promise.all(Array.from({ length: events }, (_, i) => alerts.raise({ kind: 'listing_rejected', shop: 'shop', handle: `storm-${i}`, productId: String(i), reasons: [REASONS[i % REASONS.length]!] })));
    const raiseSeconds = (performance.now() - started) / 1000;
    // Delivered when nothing waits in the store any more: every incident announced and the outbox empty.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const waiting = (await store.incidents.open('shop')).some((incident) => incident.pending.length > 0);
      if (!waiting && (await store.outbox.unfinished()).length === 0) break;
    }
    const deliveredSeconds = (performance.now() - started) / 1000;
    await alerts.stop();
    await outbox.stop();

    const channels: AlertStormBench['channels'] = [];
    for (const channelId of SLACK_CHANNELS) {
      const messages = slack.messages(channelId);
      const csv = slack.uploads.filter((upload) => upload.channelId === channelId && upload.content).map((upload) => upload.content!.toString('utf8')).join('\n');
      channels.push({
        name: `slack ${channelId}`, posts: messages.filter((message) => !message.threadTs || message.threadTs === message.ts).length,
        threadMessages: messages.filter((message) => message.threadTs && message.threadTs !== message.ts).length, rateLimited: slack.rateLimitedPosts(channelId),
        productsInCsv: productsIn(csv).size,
      });
    }
    const discordMessages = discord.channelMessages(discord.channelId);
    const discordCsv = discord.calls
      .filter((call) => call.method === 'POST' && call.path === `/channels/${discord.channelId}/messages` && call.status === 200)
      .flatMap((call) => call.files.map((file) => file.data.toString('utf8'))).join('\n');
    channels.push({
      name: 'discord', posts: discordMessages.filter((message) => !message.message_reference).length, threadMessages: discordMessages.filter((message) => message.message_reference).length,
      rateLimited: discord.rateLimitedPosts(discord.channelId), productsInCsv: productsIn(discordCsv).size,
    });
    return { events, raiseSeconds, deliveredSeconds, groupWindowMs, channels, lost: channels.reduce((sum, channel) => sum + (events - channel.productsInCsv), 0) };
  } finally {
    await client.destroy();
    await store.close();
    await slack.close();
    await discord.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchAlertStorm(), null, 2));
