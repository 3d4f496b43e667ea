// Three bot processes on one PostgreSQL database under a burst of 10,000 listing failures, each a signed TikTok
// webhook sent to the three in turn, into the Slack simulator with its per-channel rate limit on. Counts what was
// posted, what was posted twice and what never was.
import Papa from 'papaparse';
import { Agent } from 'undici';
import { copyStoreDataToPostgres } from '../src/store/postgres/copy.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { emptyStoreData } from '../src/store/schema.js';
import type { Listing } from '../src/store/store.js';
import { startSlackSim } from '../test/sim/slack.js';
import { startBotProcess, type BotProcess } from '../test/support/bot-process.js';
import { outboxKeysOf } from '../test/support/outbox-keys.js';
import { postTikTokWebhook, productStatusWebhook } from '../test/support/tiktok-webhooks.js';
import { benchDatabase } from './store-postgres.js';

export interface ProcessesBench {
  processes: number;
  failures: number;
  /** Seconds until every webhook was answered. */
  acceptSeconds: number;
  /** From the first webhook to the last message delivered, the group window included. */
  deliveredSeconds: number;
  groupWindowMs: number;
  /** Top-level alerts and thread messages (the CSVs), as Slack received them. */
  posted: number;
  threadMessages: number;
  rateLimited: number;
  /** Messages whose outbox key Slack received more than once: must be 0. */
  duplicates: number;
  /** Failures in no alert (neither by name nor in a CSV), or whose alert was never delivered: must be 0. */
  lost: number;
}

const SIGNING_SECRET = 'bench-signing-secret';
const TIKTOK = { key: '6abc123def', secret: 's3cr3t' };
const CHANNEL = 'C0PROCESSES';
const SHOP = 'default';

const productId = (i: number) => String(1729592969712207000n + BigInt(i));
const listing = (i: number): Listing => ({
  shop: SHOP, handle: `product-${i}`, title: `Stoneware Mug ${i}`, sellerSkus: [`SKU-${i}`], tiktokProductId: productId(i), state: 'in_review',
  reasons: [], tiktokStatus: 'PENDING', attempts: 1, runId: 'run', idempotencyKey: `${SHOP}:product-${i}`, createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
});

export async function benchProcesses({ processes = 3, failures = 10_000, groupWindowMs = 2_000, inFlight = 48 } = {}): Promise<ProcessesBench> {
  const database = await benchDatabase();
  const slack = await startSlackSim({ channelPostLimit: { perSecond: 1, burst: 3 } });
  const bots: BotProcess[] = [];
  const dispatcher = new Agent({ connections: inFlight });
  try {
    await copyStoreDataToPostgres({ ...emptyStoreData(), listings: Array.from({ length: failures }, (_, i) => listing(i)) }, { toUrl: database.url });
    const env = {
      DATABASE_URL: database.url, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_MANAGERS: 'U1',
      TIKTOK_APP_KEY: TIKTOK.key, TIKTOK_APP_SECRET: TIKTOK.secret, TIKTOK_WEBHOOKS: 'true', ALERT_GROUP_WINDOW_MS: String(groupWindowMs),
      DATA_DIR: '/nonexistent/never-used-with-a-database', LOG_LEVEL: 'info',
    };
    bots.push(...(await Promise.all(Array.from({ length: processes }, () => startBotProcess(env)))));
    await slack.sendSlashCommand(`${bots[0]!.url}/slack/events`, { text: 'alerts subscribe listing_rejected', userId: 'U1', channelId: CHANNEL }, { signingSecret: SIGNING_SECRET });
    await slack.waitFor(() => slack.responses.length > 0);

    const started = performance.now();
    let next = 0;
    const send = async (): Promise<void> => {
      for (let i = next++; i < failures; i = next++) {
        const body = productStatusWebhook({
          notificationId: `7327${String(i).padStart(15, '0')}`, productId: productId(i), status: 'PRODUCT_AUDIT_FAILURE',
          reason: i % 3 ? 'Main image has a watermark' : 'Title too short',
        });
        const status = await postTikTokWebhook(bots[i % bots.length]!.url, body, TIKTOK, dispatcher);
        if (status !== 200) throw new Error(`webhook ${i} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, send));
    const acceptSeconds = (performance.now() - started) / 1000;

    const store = await openPostgresStore({ url: database.url });
    try {
      let delivered = false;
      while (!delivered) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const incidents = await store.incidents.openedSince(SHOP, 0);
        delivered = incidents.length === failures && incidents.every((incident) => incident.posts.length > 0) && (await store.outbox.unfinished()).length === 0;
        if (performance.now() - started > 10 * 60_000) break;
      }
      const deliveredSeconds = (performance.now() - started) / 1000;

      const messages = slack.messages(CHANNEL);
      const keys = outboxKeysOf(messages);
      const duplicates = keys.length - new Set(keys).size;
      const inAlerts = new Set(slack.uploads.filter((file) => file.channelId === CHANNEL && file.completed)
        .flatMap((file) => Papa.parse<{ product: string }>(file.content!.toString('utf8'), { header: true, skipEmptyLines: true }).data.map((row) => row.product)));
      let lost = 0;
      const incidents = await store.incidents.openedSince(SHOP, 0);
      const bySubject = new Map(incidents.map((incident) => [incident.subject, incident]));
      for (let i = 0; i < failures; i++) {
        const incident = bySubject.get(`product-${i}`);
        const post = incident?.posts[0] ? await store.outbox.get(incident.posts[0]) : undefined;
        const named = inAlerts.has(`product-${i}`) || messages.some((message) => message.ts && keys.includes(post?.id ?? '') && (message.text ?? '').includes(`product-${i}`));
        if (post?.state !== 'delivered' || !keys.includes(post.id) || !named) lost++;
      }
      const topLevel = messages.filter((message) => !message.threadTs || message.threadTs === message.ts);
      return {
        processes, failures, acceptSeconds, deliveredSeconds, groupWindowMs, posted: topLevel.length, threadMessages: messages.length - topLevel.length,
        rateLimited: slack.rateLimitedPosts(CHANNEL), duplicates, lost,
      };
    } finally {
      await store.close();
    }
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
    await dispatcher.close();
    await slack.close();
    await database.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchProcesses({ failures: Number(process.argv[2] ?? 10_000) }));
