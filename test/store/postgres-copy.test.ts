import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ShopshiftError } from '../../src/errors.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { copyLowdbToPostgres, copyStoreDataToPostgres } from '../../src/store/postgres/copy.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { emptyStoreData } from '../../src/store/schema.js';
import { withTestDatabase } from '../support/postgres.js';
import { makeIncident, makeListing, makeOutboxMessage } from './contract.js';

const database = withTestDatabase();
const recently = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A lowdb store holding some of every kind of record. */
async function lowdbStoreWithEverything(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-copy-'));
  const store = await openLowdbStore({ dir });
  await store.listings.put(makeListing({ sellerSkus: ['MUG-1', 'MUG-2'], tiktokProductId: '1729592969712207008', state: 'live' }));
  await store.listings.put(makeListing({ handle: 'cup', sellerSkus: ['CUP-1'] }));
  // One instant for both runs and the day, so a copy made around midnight still finds one day.
  const finishedAt = recently(9);
  for (const id of ['run-1', 'run-2']) {
    await store.audits.save({
      id, shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: recently(10), finishedAt,
      counts: { audited: 2, ready: 1, warnings: 1, blocked: 0, skipped: 0 }, verdicts: { mug: 'ready', cup: 'warnings' },
    });
  }
  await store.mappings.set({ shop: 'shop-1', key: 'Mugs', categoryId: '600024', origin: 'manual', by: 'U1', updatedAt: recently(5) });
  await store.jobs.put({ id: 'job-1', shop: 'shop-1', status: 'paused', location: 'a.csv', auditRunId: 'run-2', dryRun: false, limit: null, note: 'quota reached', startedAt: recently(8), updatedAt: recently(7), heartbeatAt: recently(7), owner: 'host:1' });
  await store.webhooks.markProcessed('n-1');
  await store.alerts.subscribe({ shop: 'shop-1', platform: 'slack', channelId: 'C1', kinds: ['listing_rejected'], reasonContains: null, minSeverity: 'normal', mention: null, createdBy: 'U1', createdAt: recently(30) });
  await store.alerts.mute({ shop: 'shop-1', handle: 'cup', until: new Date(Date.now() + 3_600_000).toISOString(), by: 'ada' });
  await store.summaries.set({ shop: 'shop-1', platform: 'slack', channelId: 'C1', time: '09:00', timezone: 'Europe/Paris', createdBy: 'ada', createdAt: recently(30) });
  await store.saveAlerts({
    incidents: [makeIncident({ openedAt: recently(3), posts: ['o1'], pending: [] })],
    outbox: [makeOutboxMessage({ updatedAt: recently(3) }), makeOutboxMessage({ id: 'o2', mode: 'thread', target: 'o1', updatedAt: recently(2) })],
  });
  await store.days.record('shop-1', finishedAt.slice(0, 10), { live: 1, pending: 1 });
  await store.activity.record({ at: recently(1), shop: 'shop-1', platform: 'slack', channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: 'Mugs 600024', ok: true });
  await store.secrets.put({ name: 'tiktok-tokens:shop-1', keyId: 'k1', iv: 'aXY=', tag: 'dGFn', data: 'ZGF0YQ==', updatedAt: recently(60) });
  await store.suggestions.put({ shop: 'shop-1', key: 'Tea Towels', id: 's1', categoryId: '600144', path: 'Home > Tea Towels', askedAt: recently(20), products: 3, listedAt: null });
  await store.categoryRequirements.put({
    shop: 'shop-1', categoryId: '600024', fetchedAt: recently(20), exists: true, isLeaf: true, permission: 'available', certifications: [],
    sizeChartRequired: false, packageDimensionsRequired: true, attributes: [],
  });
  await store.close();
  return dir;
}

database.describe('copying a lowdb store into PostgreSQL', () => {
  it('copies every kind of record, reports the counts, and leaves the copy reading as the original', async () => {
    const dir = await lowdbStoreWithEverything();
    const url = await database.fresh();
    const counts = await copyLowdbToPostgres({ fromDir: dir, toUrl: url });
    expect(counts).toEqual({
      listings: 2, sellerSkus: 3, audits: 2, verdicts: 4, mappings: 1, jobs: 1, webhooks: 1, subscriptions: 1, mutes: 1, summaries: 1, incidents: 1,
      outbox: 2, days: 1, activity: 1, secrets: 1, suggestions: 1, categoryRequirements: 1,
    });

    const original = await openLowdbStore({ dir });
    const copy = await openPostgresStore({ url, poolSize: 2 });
    try {
      expect(await copy.listings.list('shop-1')).toEqual(await original.listings.list('shop-1'));
      expect(await copy.listings.findBySellerSku('shop-1', 'MUG-2')).toEqual(await original.listings.findBySellerSku('shop-1', 'MUG-2'));
      expect(await copy.audits.latest('shop-1')).toEqual(await original.audits.latest('shop-1'));
      expect(await copy.mappings.list('shop-1')).toEqual(await original.mappings.list('shop-1'));
      expect(await copy.jobs.current('shop-1')).toEqual(await original.jobs.current('shop-1'));
      expect(await copy.webhooks.markProcessed('n-1')).toBe(false);
      expect(await copy.alerts.subscriptions('shop-1')).toEqual(await original.alerts.subscriptions('shop-1'));
      expect(await copy.alerts.mutedUntil('shop-1', 'cup', Date.now())).toEqual(await original.alerts.mutedUntil('shop-1', 'cup', Date.now()));
      expect(await copy.summaries.list('shop-1')).toEqual(await original.summaries.list('shop-1'));
      expect(await copy.incidents.postedIn('o1')).toEqual(await original.incidents.postedIn('o1'));
      expect(await copy.outbox.unfinished()).toEqual(await original.outbox.unfinished());
      expect(await copy.days.since('shop-1', '2000-01-01')).toEqual(await original.days.since('shop-1', '2000-01-01'));
      expect(await copy.activity.since('shop-1', 0)).toEqual(await original.activity.since('shop-1', 0));
      expect(await copy.secrets.list()).toEqual(await original.secrets.list());
      expect(await copy.suggestions.list('shop-1')).toEqual(await original.suggestions.list('shop-1'));
      expect(await copy.categoryRequirements.get('shop-1', '600024')).toEqual(await original.categoryRequirements.get('shop-1', '600024'));
      // The copied outbox can be claimed: its channels came along.
      expect((await copy.outbox.claim({ owner: 'host:1', platforms: ['slack'], now: Date.now(), claimMs: 60_000, pacingMs: {}, limit: 10 })).messages.map((m) => m.id)).toEqual(['o1']);
    } finally {
      await copy.close();
      await original.close();
    }
  });

  it('refuses a database that already holds a store, naming what it holds but never the password', async () => {
    const url = await database.fresh();
    await copyStoreDataToPostgres({ ...emptyStoreData(), listings: [makeListing()] }, { toUrl: url });
    // With trust authentication any password will do; a server that checks one has one in the URL already.
    const withPassword = new URL(url);
    withPassword.password ||= 'hunter2';
    const refusal = await copyStoreDataToPostgres({ ...emptyStoreData(), listings: [makeListing({ handle: 'cup', sellerSkus: ['CUP-1'] })] }, { toUrl: withPassword.toString() })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ShopshiftError);
    expect((refusal as ShopshiftError).userText)
      .toBe(`The PostgreSQL store at ${withPassword.host}${withPassword.pathname} is not empty (1 listings, 1 sellerSkus); copy only into an empty database.`);
    expect((refusal as Error).message).not.toContain(withPassword.password);
  });

  it('copies nothing at all when what it wrote does not add up to the source', async () => {
    const url = await database.fresh();
    // Two listings holding one SKU: the table keeps one holder, so the counts differ.
    const data = { ...emptyStoreData(), listings: [makeListing(), makeListing({ handle: 'cup' })], mappings: [{ shop: 'shop-1', key: 'Mugs', categoryId: '1', origin: 'manual' as const, by: null, updatedAt: 'now' }] };
    await expect(copyStoreDataToPostgres(data, { toUrl: url })).rejects.toThrow(/sellerSkus: 1 copied of 2/);
    const store = await openPostgresStore({ url, poolSize: 1 });
    try {
      expect(await store.listings.list('shop-1')).toEqual([]);
      expect(await store.mappings.list('shop-1')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
