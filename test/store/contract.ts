import { describe, expect, it } from 'vitest';
import type { Incident, Listing, OutboxMessage, Store } from '../../src/store/store.js';
import { DuplicateSellerSkuError } from '../../src/store/store.js';

export function makeListing(overrides: Partial<Listing> = {}): Listing {
  return {
    shop: 'shop-1', handle: 'mug', title: 'Mug', sellerSkus: ['MUG-1'], tiktokProductId: null, state: 'pending', reasons: [],
    tiktokStatus: null, attempts: 0, runId: null, idempotencyKey: 'shop-1:mug', createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z', ...overrides,
  };
}

export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'i1', shop: 'shop-1', subject: 'mug', kind: 'listing_rejected', fingerprint: 'listing_rejected:blurry', reasons: ['Blurry image'],
    headline: 'TikTok Shop rejected mug', severity: 'normal', openedAt: '2026-11-25T10:00:00.000Z', lastSeenAt: '2026-11-25T10:00:00.000Z',
    occurrences: 1, resolvedAt: null, acknowledgedBy: null, acknowledgedAt: null, pending: [{ platform: 'slack', channelId: 'C1' }], posts: [],
    notifiedAt: null, heldUntil: null, recoveryPending: false, ...overrides,
  };
}

export function makeOutboxMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: 'o1', platform: 'slack', channelId: 'C1', mode: 'post', target: null, body: { parts: [] }, state: 'pending', attempts: 0,
    nextAttemptAt: '2026-11-25T10:00:00.000Z', ref: null, error: null, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z',
    ...overrides,
  };
}

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const claimAt = (now: number, owner = 'host:1', extra: Partial<Parameters<Store['outbox']['claim']>[0]> = {}) =>
  ({ owner, platforms: ['slack', 'discord'] as const, now, claimMs: 60_000, pacingMs: { slack: 1_000 }, limit: 10, ...extra });

/** The behaviour every Store implementation promises; each implementation runs this suite. */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`${name}: the store contract`, () => {
    it('puts and gets a listing by shop and handle, and finds it by seller SKU and TikTok product id', async () => {
      const store = await open();
      await store.listings.put(makeListing({ tiktokProductId: '1729592969712207008' }));
      expect((await store.listings.get('shop-1', 'mug'))?.title).toBe('Mug');
      expect((await store.listings.findBySellerSku('shop-1', 'MUG-1'))?.handle).toBe('mug');
      expect((await store.listings.findByProductId('shop-1', '1729592969712207008'))?.handle).toBe('mug');
      expect(await store.listings.get('shop-2', 'mug')).toBeUndefined();
      await store.close();
    });

    it('replaces a listing on put and updates its indexes', async () => {
      const store = await open();
      await store.listings.put(makeListing());
      await store.listings.put(makeListing({ sellerSkus: ['MUG-2'], state: 'live' }));
      expect(await store.listings.findBySellerSku('shop-1', 'MUG-1')).toBeUndefined();
      expect((await store.listings.findBySellerSku('shop-1', 'MUG-2'))?.state).toBe('live');
      await store.close();
    });

    it('refuses a second listing with a seller SKU another listing of the shop holds', async () => {
      const store = await open();
      await store.listings.put(makeListing());
      await expect(store.listings.put(makeListing({ handle: 'cup' }))).rejects.toBeInstanceOf(DuplicateSellerSkuError);
      await store.listings.put(makeListing({ shop: 'shop-2', handle: 'cup' }));
      expect(await store.listings.get('shop-1', 'cup')).toBeUndefined();
      await store.close();
    });

    it('counts listings by state and lists them by state', async () => {
      const store = await open();
      await store.listings.put(makeListing({ handle: 'a', sellerSkus: ['A'], state: 'live' }));
      await store.listings.put(makeListing({ handle: 'b', sellerSkus: ['B'], state: 'rejected' }));
      await store.listings.put(makeListing({ handle: 'c', sellerSkus: ['C'], state: 'live' }));
      expect(await store.listings.countByState('shop-1')).toMatchObject({ live: 2, rejected: 1, pending: 0 });
      expect((await store.listings.list('shop-1', { states: ['live'] })).map((l) => l.handle).sort()).toEqual(['a', 'c']);
      await store.close();
    });

    it('keeps the latest audit run per shop', async () => {
      const store = await open();
      const run = (id: string) => ({
        id, shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: id, finishedAt: id,
        counts: { audited: 1, ready: 1, warnings: 0, blocked: 0, skipped: 0 }, verdicts: { mug: 'ready' as const },
      });
      await store.audits.save(run('1'));
      await store.audits.save(run('2'));
      expect((await store.audits.latest('shop-1'))?.id).toBe('2');
      expect(await store.audits.latest('shop-9')).toBeUndefined();
      await store.close();
    });

    it('sets a product’s verdict in the latest audit run and keeps its counts in step', async () => {
      const store = await open();
      expect(await store.audits.setVerdict('shop-1', 'mug', 'blocked')).toBe(false);
      await store.audits.save({
        id: 'run-1', shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: 'now', finishedAt: 'now',
        counts: { audited: 2, ready: 1, warnings: 1, blocked: 0, skipped: 0 }, verdicts: { mug: 'ready', cup: 'warnings' },
      });
      expect(await store.audits.setVerdict('shop-1', 'mug', 'blocked')).toBe(true);
      expect(await store.audits.setVerdict('shop-1', 'mug', 'blocked')).toBe(true);
      await store.audits.setVerdict('shop-1', 'bowl', 'ready');
      const run = await store.audits.latest('shop-1');
      expect(run?.verdicts).toEqual({ mug: 'blocked', cup: 'warnings', bowl: 'ready' });
      expect(run?.counts).toEqual({ audited: 3, ready: 1, warnings: 1, blocked: 1, skipped: 0 });
      expect(await store.audits.setVerdict('shop-2', 'mug', 'ready')).toBe(false);
      await store.close();
    });

    it('sets, lists and removes category mappings, keyed without regard to case', async () => {
      const store = await open();
      const mapping = { shop: 'shop-1', key: 'Mugs', categoryId: '600024', origin: 'manual' as const, by: 'U1', updatedAt: 'now' };
      await store.mappings.set(mapping);
      await store.mappings.set({ ...mapping, key: 'mugs', categoryId: '600025' });
      expect((await store.mappings.list('shop-1')).map((m) => m.categoryId)).toEqual(['600025']);
      expect(await store.mappings.remove('shop-1', 'MUGS')).toBe(true);
      expect(await store.mappings.remove('shop-1', 'MUGS')).toBe(false);
      await store.close();
    });

    it('keeps one category suggestion per shop and type, whatever its case and spacing, and lists a shop’s', async () => {
      const store = await open();
      const suggestion = {
        shop: 'shop-1', key: 'Tea Towels', id: 's1234abcd', categoryId: '600144', path: 'Home > Kitchen > Tea Towels', askedAt: '2026-11-25T10:00:00.000Z',
        products: 3, listedAt: null,
      };
      await store.suggestions.put(suggestion);
      await store.suggestions.put({ ...suggestion, key: ' tea  towels', products: 4 });
      await store.suggestions.putMany([{ ...suggestion, shop: 'shop-2' }, { ...suggestion, key: 'Mugs', id: 's9', categoryId: null, path: null }]);
      expect((await store.suggestions.get('shop-1', 'TEA TOWELS'))?.products).toBe(4);
      expect(await store.suggestions.get('shop-3', 'Tea Towels')).toBeUndefined();
      expect((await store.suggestions.list('shop-1')).map((s) => s.key).sort()).toEqual([' tea  towels', 'Mugs']);
      await store.close();
    });

    it('keeps one cached set of category requirements per shop and category, the latest put winning', async () => {
      const store = await open();
      const requirements = {
        shop: 'shop-1', categoryId: '910101', fetchedAt: '2026-11-25T10:00:00.000Z', exists: true, isLeaf: true, permission: 'available' as const,
        certifications: [{ id: '7001010', name: 'Toy Safety Certificate' }], sizeChartRequired: false, packageDimensionsRequired: true,
        attributes: [{ id: '100198', name: 'Material', values: [{ id: '1', name: 'Ceramic' }], customizable: true, multiple: true }],
      };
      await store.categoryRequirements.put(requirements);
      await store.categoryRequirements.put({ ...requirements, shop: 'shop-2', sizeChartRequired: true });
      await store.categoryRequirements.put({ ...requirements, fetchedAt: '2026-11-26T10:00:00.000Z' });
      expect(await store.categoryRequirements.get('shop-1', '910101')).toEqual({ ...requirements, fetchedAt: '2026-11-26T10:00:00.000Z' });
      expect((await store.categoryRequirements.get('shop-2', '910101'))?.sizeChartRequired).toBe(true);
      expect(await store.categoryRequirements.get('shop-1', '910102')).toBeUndefined();
      await store.close();
    });

    it('finds the shop’s current job while it runs or is paused, not once it completed', async () => {
      const store = await open();
      const job = {
        id: 'job-1', shop: 'shop-1', status: 'running' as const, location: 'a.csv', auditRunId: '1', dryRun: false, limit: null,
        note: null, startedAt: 'now', updatedAt: 'now', heartbeatAt: 'now', owner: 'host:1',
      };
      await store.jobs.put(job);
      expect((await store.jobs.current('shop-1'))?.id).toBe('job-1');
      await store.jobs.put({ ...job, status: 'completed' });
      expect(await store.jobs.current('shop-1')).toBeUndefined();
      expect((await store.jobs.get('job-1'))?.status).toBe('completed');
      await store.close();
    });

    it('keeps one alert subscription per channel and shop, and removes it', async () => {
      const store = await open();
      const subscription = { shop: 'shop-1', platform: 'slack' as const, channelId: 'C1', kinds: ['sync_failure' as const], reasonContains: null, minSeverity: 'normal' as const, mention: null, createdBy: 'U1', createdAt: 'now' };
      await store.alerts.subscribe(subscription);
      await store.alerts.subscribe({ ...subscription, kinds: ['sync_failure', 'listing_rejected'] });
      await store.alerts.subscribe({ ...subscription, platform: 'discord', channelId: '1234567890123456789' });
      expect((await store.alerts.subscriptions('shop-1')).map((s) => [s.platform, s.kinds.length])).toEqual([['slack', 2], ['discord', 1]]);
      expect(await store.alerts.unsubscribe('shop-1', 'slack', 'C1')).toBe(true);
      expect(await store.alerts.unsubscribe('shop-1', 'slack', 'C1')).toBe(false);
      expect(await store.alerts.subscriptions('shop-1')).toHaveLength(1);
      await store.close();
    });

    it('tells whether a product’s alerts are muted at a given time; a later mute replaces an earlier one', async () => {
      const store = await open();
      await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: '2026-11-26T10:00:00.000Z', by: 'ada' });
      expect(await store.alerts.mutedUntil('shop-1', 'mug', Date.parse('2026-11-26T09:00:00.000Z'))).toBe('2026-11-26T10:00:00.000Z');
      expect(await store.alerts.mutedUntil('shop-1', 'mug', Date.parse('2026-11-26T11:00:00.000Z'))).toBeNull();
      expect(await store.alerts.mutedUntil('shop-2', 'mug', Date.parse('2026-11-26T09:00:00.000Z'))).toBeNull();
      await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: '2026-11-26T08:00:00.000Z', by: 'bob' });
      expect(await store.alerts.mutedUntil('shop-1', 'mug', Date.parse('2026-11-26T09:00:00.000Z'))).toBeNull();
      await store.close();
    });

    it('keeps one daily summary schedule per channel and shop, and removes it', async () => {
      const store = await open();
      const schedule = { shop: 'shop-1', platform: 'slack' as const, channelId: 'C1', time: '09:00', timezone: 'UTC', createdBy: 'ada', createdAt: 'now' };
      await store.summaries.set(schedule);
      await store.summaries.set({ ...schedule, time: '10:30' });
      expect((await store.summaries.list('shop-1')).map((s) => s.time)).toEqual(['10:30']);
      expect(await store.summaries.remove('shop-1', 'slack', 'C1')).toBe(true);
      expect(await store.summaries.remove('shop-1', 'slack', 'C1')).toBe(false);
      await store.close();
    });

    it('records activity and returns a shop’s entries since a time, oldest first', async () => {
      const store = await open();
      const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
      const entry = { shop: 'shop-1', platform: 'slack' as const, channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: 'Mugs 600024', ok: true };
      await store.activity.record({ ...entry, at: at(5), action: 'migration pause', detail: '' });
      await store.activity.record({ ...entry, at: at(120) });
      await store.activity.record({ ...entry, at: at(1), shop: 'shop-2' });
      await store.activity.record({ ...entry, at: at(2), ok: false });
      expect((await store.activity.since('shop-1', 0)).map((e) => [e.action, e.ok])).toEqual([['map set', true], ['migration pause', true], ['map set', false]]);
      expect((await store.activity.since('shop-1', Date.now() - 60 * 60_000)).map((e) => e.action)).toEqual(['migration pause', 'map set']);
      const [first, second] = await store.activity.since('shop-1', 0);
      expect(first?.id).toEqual(expect.any(String));
      expect(first?.id).not.toBe(second?.id);
      await store.close();
    });

    it('never returns activity older than the time it is kept (90 days by default)', async () => {
      const store = await open();
      const entry = { shop: 'shop-1', platform: 'discord' as const, channelId: '1234567890123456789', userId: 'U1', userName: 'ada', action: 'alerts unsubscribe', detail: '', ok: true };
      await store.activity.record({ ...entry, at: new Date(Date.now() - 91 * 86_400_000).toISOString() });
      await store.activity.record({ ...entry, at: new Date(Date.now() - 89 * 86_400_000).toISOString(), action: 'alerts subscribe' });
      expect((await store.activity.since('shop-1', 0)).map((e) => e.action)).toEqual(['alerts subscribe']);
      await store.close();
    });

    it('keeps one sealed secret per name, a later one replacing it', async () => {
      const store = await open();
      const sealed = { name: 'tiktok-tokens:shop-1', keyId: 'k1', iv: 'aXY=', tag: 'dGFn', data: 'ZGF0YQ==', updatedAt: '2026-11-25T10:00:00.000Z' };
      await store.secrets.put(sealed);
      await store.secrets.put({ ...sealed, keyId: 'k2' });
      expect(await store.secrets.get('tiktok-tokens:shop-1')).toMatchObject({ keyId: 'k2' });
      expect(await store.secrets.list()).toHaveLength(1);
      expect(await store.secrets.get('tiktok-tokens:shop-2')).toBeUndefined();
      await store.close();
    });

    it('tells a duplicate webhook delivery apart from a new one', async () => {
      const store = await open();
      expect(await store.webhooks.markProcessed('n-1')).toBe(true);
      expect(await store.webhooks.markProcessed('n-1')).toBe(false);
      expect(await store.webhooks.markProcessed('n-2')).toBe(true);
      await store.close();
    });

    it('saves incidents and outbox messages together, and finds open incidents by shop and product', async () => {
      const store = await open();
      await store.saveAlerts({
        incidents: [makeIncident(), makeIncident({ id: 'i2', subject: 'cup', posts: ['o1'] }), makeIncident({ id: 'i3', shop: 'shop-2' })],
        outbox: [makeOutboxMessage()],
      });
      expect((await store.incidents.open('shop-1')).map((incident) => incident.id).sort()).toEqual(['i1', 'i2']);
      expect((await store.incidents.open('shop-1', 'cup')).map((incident) => incident.id)).toEqual(['i2']);
      expect((await store.incidents.postedIn('o1')).map((incident) => incident.id)).toEqual(['i2']);
      expect(await store.incidents.get('i1')).toEqual(makeIncident());
      await store.saveAlerts({ incidents: [makeIncident({ resolvedAt: '2026-11-25T11:00:00.000Z' })] });
      expect((await store.incidents.open('shop-1', 'mug'))).toEqual([]);
      expect((await store.incidents.openedSince('shop-1', T0)).map((incident) => incident.id).sort()).toEqual(['i1', 'i2']);
      expect(await store.incidents.openedSince('shop-1', T0 + 1)).toEqual([]);
      expect(await store.outbox.get('o1')).toEqual(makeOutboxMessage());
      await store.close();
    });

    it('lists unfinished outbox messages oldest first, a message keeping its place when saved again', async () => {
      const store = await open();
      await store.saveAlerts({ outbox: [makeOutboxMessage({ id: 'a' }), makeOutboxMessage({ id: 'b' }), makeOutboxMessage({ id: 'c' })] });
      await store.saveAlerts({ outbox: [makeOutboxMessage({ id: 'a', state: 'sending', attempts: 1 }), makeOutboxMessage({ id: 'b', state: 'delivered', body: null, ref: '1.2' })] });
      expect((await store.outbox.unfinished()).map((message) => [message.id, message.state])).toEqual([['a', 'sending'], ['c', 'pending']]);
      expect((await store.outbox.get('b'))?.ref).toBe('1.2');
      await store.close();
    });

    it('claims only the oldest unfinished message of each channel, and one owner at a time', async () => {
      const store = await open();
      await store.saveAlerts({ outbox: [
        makeOutboxMessage({ id: 'a' }), makeOutboxMessage({ id: 'b' }), makeOutboxMessage({ id: 'c', channelId: 'C2' }),
        makeOutboxMessage({ id: 'd', platform: 'discord', channelId: '1234567890123456789' }),
      ] });
      const first = await store.outbox.claim(claimAt(T0));
      expect(first.messages.map((message) => message.id).sort()).toEqual(['a', 'c', 'd']);
      expect((await store.outbox.claim(claimAt(T0, 'host:2'))).messages).toEqual([]);
      await store.saveAlerts({ outbox: [makeOutboxMessage({ id: 'a', state: 'delivered', body: null })] });
      await store.outbox.release(['a'], 'host:1');
      // The next message of the channel waits for the channel's pacing (1 s on Slack here).
      const paced = await store.outbox.claim(claimAt(T0 + 500, 'host:2'));
      expect(paced.messages).toEqual([]);
      expect(paced.nextDueAt).toBe(T0 + 1_000);
      expect((await store.outbox.claim(claimAt(T0 + 1_000, 'host:2'))).messages.map((message) => message.id)).toEqual(['b']);
      await store.close();
    });

    it('lets another owner take a message once its claim runs out or is released, never before it is due', async () => {
      const store = await open();
      await store.saveAlerts({ outbox: [makeOutboxMessage({ id: 'a', nextAttemptAt: new Date(T0 + 5_000).toISOString() })] });
      const early = await store.outbox.claim(claimAt(T0));
      expect(early).toEqual({ messages: [], nextDueAt: T0 + 5_000 });
      expect((await store.outbox.claim(claimAt(T0 + 5_000))).messages.map((message) => message.id)).toEqual(['a']);
      const held = await store.outbox.claim(claimAt(T0 + 6_000, 'host:2'));
      expect(held).toEqual({ messages: [], nextDueAt: T0 + 65_000 });
      expect((await store.outbox.claim(claimAt(T0 + 65_000, 'host:2'))).messages.map((message) => message.id)).toEqual(['a']);
      // Releasing someone else's claim changes nothing; the owner's release frees it.
      await store.outbox.release(['a'], 'host:1');
      expect((await store.outbox.claim(claimAt(T0 + 70_000, 'host:3'))).messages).toEqual([]);
      await store.outbox.release(['a'], 'host:2');
      expect((await store.outbox.claim(claimAt(T0 + 70_000, 'host:3'))).messages.map((message) => message.id)).toEqual(['a']);
      await store.close();
    });

    it('claims only messages of the owner’s platforms, and no more than asked', async () => {
      const store = await open();
      await store.saveAlerts({ outbox: [
        makeOutboxMessage({ id: 'a', channelId: 'C1' }), makeOutboxMessage({ id: 'b', channelId: 'C2' }), makeOutboxMessage({ id: 'c', platform: 'discord', channelId: '1234567890123456789' }),
      ] });
      const slackOnly = await store.outbox.claim(claimAt(T0, 'host:1', { platforms: ['slack'], limit: 1 }));
      expect(slackOnly.messages.map((message) => message.id)).toEqual(['a']);
      expect(slackOnly.nextDueAt).toBe(T0);
      expect((await store.outbox.claim(claimAt(T0, 'host:1', { platforms: ['discord'] }))).messages.map((message) => message.id)).toEqual(['c']);
      await store.close();
    });

    it('runs the works of one lock one after the other, and frees the lock when a work fails', async () => {
      const store = await open();
      const steps: string[] = [];
      const work = (name: string, ms: number) => store.exclusive('alerts:shop-1', async (inside) => {
        steps.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        await inside.webhooks.markProcessed(name);
        steps.push(`${name} out`);
        return name;
      });
      const results = await Promise.all([work('a', 40), work('b', 0), work('c', 10)]);
      expect(results).toEqual(['a', 'b', 'c']);
      for (let i = 0; i < steps.length; i += 2) expect(steps[i + 1]).toBe(steps[i]!.replace(' in', ' out'));
      await expect(store.exclusive('alerts:shop-1', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(await store.exclusive('alerts:shop-1', async (inside) => inside.exclusive('alerts:shop-1', async () => 'nested'))).toBe('nested');
      expect(await store.webhooks.markProcessed('a')).toBe(false);
      await store.close();
    });

    it('records a shop’s days and returns them oldest first, with the audits that finished on each', async () => {
      const store = await open();
      await store.days.record('shop-1', '2026-11-24', { live: 1 });
      await store.days.record('shop-1', '2026-11-25', { live: 2 });
      await store.days.record('shop-1', '2026-11-25', { live: 3, rejected: 1 });
      await store.days.record('shop-2', '2026-11-25', { live: 9 });
      await store.audits.save({
        id: 'run-1', shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: '2026-11-25T08:00:00.000Z', finishedAt: '2026-11-25T08:01:00.000Z',
        counts: { audited: 0, ready: 0, warnings: 0, blocked: 0, skipped: 0 }, verdicts: {},
      });
      expect(await store.days.since('shop-1', '2026-11-25')).toEqual([{ shop: 'shop-1', date: '2026-11-25', byState: { live: 3, rejected: 1 }, auditsFinishedAt: ['2026-11-25T08:01:00.000Z'] }]);
      expect((await store.days.since('shop-1', '2026-11-01')).map((day) => day.date)).toEqual(['2026-11-24', '2026-11-25']);
      await store.close();
    });
  });
}
