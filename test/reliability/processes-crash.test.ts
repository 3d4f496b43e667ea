import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { startSlackSim, type SlackSim } from '../sim/slack.js';
import { makeListing } from '../store/contract.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/eventually.js';
import { outboxKeysOf } from '../support/outbox-keys.js';
import { postTikTokWebhook, productStatusWebhook } from '../support/tiktok-webhooks.js';
import { withTestDatabase } from '../support/postgres.js';

const SIGNING_SECRET = 'crash-signing-secret';
const TIKTOK = { key: '6abc123def', secret: 's3cr3t' };
const CHANNEL = 'C0CRASHPG';
const FAILURES = 240;
const PROCESS_0_TOKEN = 'xoxb-sim-bot-token-process-0';
const database = withTestDatabase();

const productId = (i: number) => String(1729592969712207000n + BigInt(i));


database.describe('kill -9 of one of three processes during an alert burst', () => {
  let slack: SlackSim;
  let store: Store;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    // Process 0 has a token of its own, so its calls can be told apart; posts are answered slowly, so one is in flight when it dies.
    slack = await startSlackSim({ extraBotTokens: [PROCESS_0_TOKEN], postAnswerDelayMs: 400 });
    store = await openPostgresStore({ url: database.url });
    for (let i = 0; i < FAILURES; i++) {
      await store.listings.put(makeListing({ shop: 'default', handle: `product-${i}`, sellerSkus: [`SKU-${i}`], state: 'in_review', tiktokProductId: productId(i) }));
    }
    const env = {
      DATABASE_URL: database.url, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_MANAGERS: 'U1',
      TIKTOK_APP_KEY: TIKTOK.key, TIKTOK_APP_SECRET: TIKTOK.secret, TIKTOK_WEBHOOKS: 'true', ALERT_GROUP_WINDOW_MS: '3000', SLACK_CHANNEL_PACING_MS: '250',
      OUTBOX_CLAIM_MS: '2000', DATA_DIR: '/nonexistent/never-used-with-a-database',
    };
    // Process 0 groups over a shorter window, so its flush announces first and it sends the alert itself
    // (a process sends what it queued at once; the others look every second).
    const first = { ...env, SLACK_BOT_TOKEN: PROCESS_0_TOKEN, ALERT_GROUP_WINDOW_MS: '150' };
    bots.push(...(await Promise.all([first, env, env].map((settings) => startBotProcess(settings)))));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await store?.close();
    await slack?.close();
  });

  /** TikTok's delivery of one failure; false when the process did not answer (it died), as TikTok would see it. */
  async function deliver(bot: BotProcess, i: number): Promise<boolean> {
    const body = productStatusWebhook({
      notificationId: `7327${String(i).padStart(15, '0')}`, productId: productId(i), status: 'PRODUCT_AUDIT_FAILURE',
      reason: i % 2 ? 'Main image has a watermark' : 'Title too short',
    });
    return postTikTokWebhook(bot.url, body, TIKTOK).then((status) => status === 200, () => false);
  }

  it('announces every failure once: what the dead process took is done by the others, nothing posted twice', { timeout: 90_000 }, async () => {
    expect((await slack.sendSlashCommand(`${bots[1]!.url}/slack/events`, { text: 'alerts subscribe listing_rejected', userId: 'U1', channelId: CHANNEL }, { signingSecret: SIGNING_SECRET })).status).toBe(200);
    await slack.waitFor(() => slack.responses.length > 0);

    let next = 0;
    const unanswered: number[] = [];
    const send = async () => {
      for (let i = next++; i < FAILURES; i = next++) if (!(await deliver(bots[i % 3]!, i))) unanswered.push(i);
    };
    // Process 0 dies while one of its posts has reached Slack but not yet been answered: the message stays
    // "sending" under its claim, which another process takes once it runs out, looking the post up first.
    const killedInFlight = (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (slack.postsAwaitingAnswer(PROCESS_0_TOKEN) > 0) {
          const webhooksLeft = FAILURES - next;
          await bots[0]!.kill();
          return { webhooksLeft };
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return null;
    })();
    await Promise.all(Array.from({ length: 12 }, send));
    const kill = await killedInFlight;
    // It died mid-burst: the failures sent to it since went unanswered.
    expect(kill?.webhooksLeft).toBeGreaterThan(0);
    expect(unanswered.length).toBeGreaterThan(0);
    // TikTok retries what went unanswered; the load balancer sends it to a process still up.
    for (const i of unanswered) expect(await deliver(bots[1 + (i % 2)]!, i)).toBe(true);

    const incidents = await eventually(async () => {
      const all = await store.incidents.openedSince('default', 0);
      const settled = all.length === FAILURES && all.every((incident) => incident.posts.length === 1) && (await store.outbox.unfinished()).length === 0;
      return settled ? all : undefined;
    }, 45_000);
    // The post it died sending was looked up in the channel's history by the process that took it over.
    expect(slack.callsTo('conversations.history').length).toBeGreaterThan(0);
    expect(new Set(incidents.map((incident) => incident.subject)).size).toBe(FAILURES);
    // A delivery whose first try committed is a duplicate on the retry: no failure counted twice.
    expect(incidents.filter((incident) => incident.occurrences !== 1)).toEqual([]);
    const keys = outboxKeysOf(slack.messages(CHANNEL));
    expect(keys.length - new Set(keys).size).toBe(0);
    for (const post of new Set(incidents.map((incident) => incident.posts[0]!))) {
      expect(await store.outbox.get(post)).toMatchObject({ state: 'delivered' });
      expect(keys).toContain(post);
    }
  });
});
