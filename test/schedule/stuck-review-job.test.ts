import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsForStatusChange, createAlerts } from '../../src/alerts/alerts.js';
import { createOutbox, type ChannelDelivery } from '../../src/alerts/outbox.js';
import { renderText, type Reply } from '../../src/chat/message.js';
import { migrationProgress } from '../../src/migration/progress.js';
import { stuckReviewJob } from '../../src/schedule/stuck-review-job.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Listing, Store } from '../../src/store/store.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-04T12:00:00Z');

const stores: Store[] = [];
afterEach(async () => {
  while (stores.length > 0) await stores.pop()!.close();
});

/** The real alert pipeline on a fake clock, posting to one recording Slack channel subscribed to every kind. */
async function setUp() {
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-stuck-')) });
  stores.push(store);
  const clock = { now: NOW };
  const now = () => clock.now;
  const posts: { text: string; threaded: boolean; update: boolean }[] = [];
  const delivery: ChannelDelivery = {
    async post(_channelId, reply: Reply, { threadRef }) {
      posts.push({ text: renderText(reply.parts), threaded: Boolean(threadRef), update: false });
      return `ts-${posts.length}`;
    },
    async update(_channelId, _ref, reply) {
      posts.push({ text: renderText(reply.parts), threaded: false, update: true });
    },
    isPermanent: () => false,
    wasRefused: () => true,
  };
  const log = captureLogs().log;
  const outbox = createOutbox({ store, deliveries: { slack: delivery }, log, now, settings: { pacingMs: {} } });
  const alerts = createAlerts({ store, outbox, log, now, shops: ['shop-1'], settings: { groupWindowMs: 0, remindEveryMs: 0 } });
  await store.alerts.subscribe({
    shop: 'shop-1', platform: 'slack', channelId: 'C1', kinds: ['stuck_in_review', 'listing_rejected', 'recovered'], reasonContains: null, minSeverity: 'normal',
    mention: null, createdBy: 'ada', createdAt: 'now',
  });
  const scan = stuckReviewJob({ store, shop: 'shop-1', afterHours: 48, log, now, raise: (event) => alerts.raise(event) });
  const deliver = async () => {
    await alerts.flush();
    await outbox.idle();
  };
  const inReview = (handle: string, hoursAgo: number): Listing =>
    makeListing({ handle, sellerSkus: [handle.toUpperCase()], idempotencyKey: `shop-1:${handle}`, state: 'in_review', tiktokStatus: 'PENDING', tiktokProductId: `17${handle.length}${hoursAgo}`, updatedAt: new Date(NOW - hoursAgo * HOUR).toISOString() });
  return { store, alerts, clock, posts, scan, deliver, inReview };
}

describe('the stuck-in-review job', () => {
  it('raises one alert per listing in review past the threshold, and not again while it is open', async () => {
    const { store, scan, deliver, posts, inReview, clock } = await setUp();
    await store.listings.put(inReview('mug-10', 52));
    await store.listings.put(inReview('mug-11', 30));
    expect(await scan(new Date(NOW))).toBe(1);
    await deliver();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text.toLowerCase()).toContain('mug-10 has been in review for 52 h');
    expect(posts[0]!.text).toContain('In review since 2026-03-02 08:00 UTC');

    clock.now += HOUR;
    expect(await scan(new Date(clock.now))).toBe(0);
    await deliver();
    expect(posts).toHaveLength(1);
    expect((await store.incidents.open('shop-1')).map((incident) => [incident.subject, incident.kind, incident.occurrences])).toEqual([['mug-10', 'stuck_in_review', 1]]);
  });

  it('shows the age of the oldest listing in review in the progress', async () => {
    const { store, inReview } = await setUp();
    await store.listings.put(inReview('mug-10', 52));
    await store.listings.put(inReview('mug-11', 30));
    const progress = await migrationProgress(store, 'shop-1', NOW);
    expect(progress.byState.in_review).toBe(2);
    expect(progress.oldestInReviewMs).toBe(52 * HOUR);
  });

  for (const [outcome, status] of [['live', 'ACTIVATE'], ['rejected', 'FAILED']] as const) {
    it(`resolves the alert when the listing goes ${outcome}`, async () => {
      const { store, alerts, scan, deliver, posts, inReview } = await setUp();
      const before = inReview('mug-10', 52);
      await store.listings.put(before);
      await scan(new Date(NOW));
      await deliver();
      const after: Listing = { ...before, state: outcome, tiktokStatus: status, reasons: outcome === 'rejected' ? ['Main image has a watermark'] : [] };
      await store.listings.put(after);
      for (const event of alertsForStatusChange({ before, after })) await alerts.raise(event);
      await deliver();
      expect((await store.incidents.open('shop-1')).filter((incident) => incident.kind === 'stuck_in_review')).toEqual([]);
      expect(posts.some((post) => post.threaded && post.text.includes('Recovered: mug-10'))).toBe(true);
      if (outcome === 'rejected') expect(posts.some((post) => !post.threaded && !post.update && post.text.toLowerCase().includes('tiktok shop rejected mug-10'))).toBe(true);
    });
  }
});
