// A bot process's alert pipeline on its own, for the crash test: `raise` records a burst of failures and
// delivers them; `resume` delivers what a killed `raise` left. Usage: tsx alert-worker.ts <raise|resume> <dataDir> <slackApiUrl> [count]
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { createAlerts } from '../../src/alerts/alerts.js';
import { createOutbox } from '../../src/alerts/outbox.js';
import { slackDelivery } from '../../src/chat/slack/delivery.js';
import { openLowdbStore } from '../../src/store/lowdb.js';

const CRASH_CHANNEL = 'C0CRASH';
const [phase, dataDir, slackApiUrl, countText] = process.argv.slice(2);
const log = pino({ level: 'silent' });
const store = await openLowdbStore({ dir: dataDir! });
const client = new webApi.WebClient('xoxb-sim-bot-token', { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
const outbox = createOutbox({ store, log, deliveries: { slack: slackDelivery(client, log) }, settings: { pacingMs: { slack: 100 }, retryBaseMs: 100 } });
const alerts = createAlerts({ store, outbox, log, shops: ['shop'], settings: { groupWindowMs: 150, remindEveryMs: 0 } });
if (phase === 'raise') {
  await store.alerts.subscribe({ shop: 'shop', platform: 'slack', channelId: CRASH_CHANNEL, kinds: ['listing_rejected'], reasonContains: null, minSeverity: 'normal', mention: null, createdBy: 'test', createdAt: new Date().toISOString() });
}
alerts.start();
await outbox.wake();
if (phase === 'raise') {
  const count = Number(countText);
  for (let i = 0; i < count; i++) {
    await alerts.raise({ kind: 'listing_rejected', shop: 'shop', handle: `p-${i}`, productId: String(i), reasons: [`reason ${i % 7}`] });
    // Each accepted failure is announced, so the parent knows what must not be lost.
    process.stdout.write(`raised ${i + 1}\n`);
    if (i % 25 === 24) await new Promise((resolve) => setTimeout(resolve, 60));
  }
}
for (;;) {
  await alerts.flush();
  await outbox.idle();
  const waiting = (await store.incidents.open('shop')).some((incident) => incident.pending.length > 0);
  if (!waiting && (await store.outbox.unfinished()).length === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await alerts.stop();
await outbox.stop();
await store.close();
process.stdout.write('done\n');
