import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { DuplicateSellerSkuError, type OutboxMessage, type Store } from '../../src/store/store.js';
import { emptyDatabase, queryDatabase as sql, withTestDatabase } from '../support/postgres.js';
import { describeStoreContract, makeIncident, makeListing, makeOutboxMessage } from './contract.js';

const database = withTestDatabase();

database.describe('postgresql', () => {
  describeStoreContract('postgresql', async () => {
    await emptyDatabase(database.url);
    return openPostgresStore({ url: database.url, poolSize: 4 });
  });
});

const opened: Store[] = [];
/** A store as another process would open it: its own pool on the same database. */
async function openProcess(url = database.url): Promise<Store> {
  const store = await openPostgresStore({ url, poolSize: 4 });
  opened.push(store);
  return store;
}

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** Resolves once a statement on the database waits for a lock another transaction holds. */
async function lockWaits(): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const [row] = await sql<{ waiting: number }>(database.url,
      "select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
    if (row!.waiting > 0) return;
    await sleep(5);
  }
  throw new Error('no statement waits for a lock');
}

database.describe('the PostgreSQL store', () => {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await emptyDatabase(database.url);
  });

  it('applies each schema migration once and records its version, however many processes start together', async () => {
    const url = await database.fresh();
    await Promise.all([openProcess(url), openProcess(url), openProcess(url)]);
    await openProcess(url);
    const applied = await sql<{ version: number; name: string }>(url, 'select version, name from schema_migrations order by version');
    expect(applied).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('rolls a failed migration back whole and applies it at the next start', async () => {
    const url = await database.fresh();
    const pool = new pg.Pool({ connectionString: url });
    try {
      const first = { version: 1, name: 'probe', sql: 'create table probe (id int)' };
      const broken = { version: 2, name: 'half done', sql: 'create table probe_two (id int); select no_such_function()' };
      await expect(migrate(pool, undefined, [first, broken])).rejects.toThrow(/no_such_function/);
      expect(await sql(url, "select to_regclass('probe_two') as name")).toEqual([{ name: null }]);
      expect(await migrate(pool, undefined, [first, { ...broken, sql: 'create table probe_two (id int)' }])).toEqual([2]);
      expect((await sql(url, 'select version from schema_migrations order by version')).map((row) => row.version)).toEqual([1, 2]);
    } finally {
      await pool.end();
    }
  });

  it('keeps its data through a restart', async () => {
    const store = await openProcess();
    await store.listings.put(makeListing({ state: 'live', tiktokProductId: '1729592969712207008' }));
    await store.saveAlerts({ incidents: [makeIncident({ posts: ['o1'] })], outbox: [makeOutboxMessage()] });
    await store.close();
    const reopened = await openProcess();
    expect(await reopened.listings.findBySellerSku('shop-1', 'MUG-1')).toEqual(makeListing({ state: 'live', tiktokProductId: '1729592969712207008' }));
    expect(await reopened.incidents.postedIn('o1')).toEqual([makeIncident({ posts: ['o1'] })]);
    expect(await reopened.outbox.unfinished()).toEqual([makeOutboxMessage()]);
  });

  it('lets exactly one of two processes racing for the same seller SKU have it, telling the other who holds it', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    for (let round = 0; round < 10; round++) {
      const sku = `SKU-${round}`;
      const results = await Promise.allSettled([
        first.listings.put(makeListing({ handle: `mug-${round}`, sellerSkus: [sku] })),
        second.listings.put(makeListing({ handle: `cup-${round}`, sellerSkus: [sku] })),
      ]);
      const winner = results[0].status === 'fulfilled' ? `mug-${round}` : `cup-${round}`;
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refusal = results.find((result) => result.status === 'rejected')?.reason;
      expect(refusal).toBeInstanceOf(DuplicateSellerSkuError);
      expect(refusal).toMatchObject({ sellerSku: sku, heldBy: winner });
      expect((await second.listings.findBySellerSku('shop-1', sku))?.handle).toBe(winner);
    }
    expect(await first.listings.list('shop-1')).toHaveLength(10);
  });

  it('lets a listing give up a seller SKU that another then takes', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    await first.listings.put(makeListing({ handle: 'mug', sellerSkus: ['A', 'B'] }));
    await first.listings.put(makeListing({ handle: 'mug', sellerSkus: ['B'] }));
    await second.listings.put(makeListing({ handle: 'cup', sellerSkus: ['A', 'A'] }));
    expect((await first.listings.findBySellerSku('shop-1', 'A'))?.handle).toBe('cup');
    await expect(second.listings.put(makeListing({ handle: 'cup', sellerSkus: ['A', 'B'] }))).rejects.toMatchObject({ sellerSku: 'B', heldBy: 'mug' });
    expect((await first.listings.get('shop-1', 'cup'))?.sellerSkus).toEqual(['A', 'A']);
  });

  it('marks a webhook delivery processed for exactly one of ten concurrent callers in three processes', async () => {
    const stores = [await openProcess(), await openProcess(), await openProcess()];
    for (const id of ['n-1', 'n-2', 'n-3']) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, caller) => stores[caller % 3]!.webhooks.markProcessed(id)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    }
  });

  it('delivers every outbox message exactly once, each channel’s in order, while three processes claim at once', async () => {
    const stores = [await openProcess(), await openProcess(), await openProcess()];
    const channels = [{ platform: 'slack', channelId: 'C1' }, { platform: 'slack', channelId: 'C2' }, { platform: 'discord', channelId: '1234567890123456789' }] as const;
    const queued: OutboxMessage[] = [];
    for (let i = 0; i < 30; i++) queued.push(makeOutboxMessage({ id: `m${i}`, ...channels[i % 3]!, nextAttemptAt: new Date(0).toISOString() }));
    await stores[0]!.saveAlerts({ outbox: queued });

    const sent: { id: string; channel: string }[] = [];
    const deliver = async (store: Store, owner: string) => {
      for (let round = 0; round < 500 && (await store.outbox.unfinished()).length > 0; round++) {
        const { messages } = await store.outbox.claim({ owner, platforms: ['slack', 'discord'], now: Date.now(), claimMs: 60_000, pacingMs: {}, limit: 10 });
        if (messages.length === 0) await sleep(1);
        for (const message of messages) {
          sent.push({ id: message.id, channel: message.channelId });
          await sleep(Math.random() * 2);
          await store.saveAlerts({ outbox: [{ ...message, state: 'delivered', body: null, ref: `ref-${message.id}` }] });
          await store.outbox.release([message.id], owner);
        }
      }
    };
    await Promise.all(stores.map((store, index) => deliver(store, `host:${index}`)));

    expect(sent.map((message) => message.id).sort()).toEqual(queued.map((message) => message.id).sort());
    for (const { channelId } of channels) {
      expect(sent.filter((message) => message.channel === channelId).map((message) => message.id))
        .toEqual(queued.filter((message) => message.channelId === channelId).map((message) => message.id));
    }
  });

  it('runs the works of one lock from two processes one at a time, each seeing the other’s writes', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    const job = { id: 'job-1', shop: 'shop-1', status: 'running' as const, location: 'a.csv', auditRunId: '1', dryRun: false, limit: 0, note: null, startedAt: 'now', updatedAt: 'now', heartbeatAt: 'now', owner: 'host:1' };
    await first.jobs.put(job);
    const steps: string[] = [];
    const increment = (store: Store, name: string) => store.exclusive('jobs:shop-1', async (inside) => {
      steps.push(`${name} in`);
      const current = await inside.jobs.get('job-1');
      await sleep(5);
      await inside.jobs.put({ ...current!, limit: current!.limit! + 1 });
      steps.push(`${name} out`);
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => increment(i % 2 ? first : second, `w${i}`)));
    expect((await first.jobs.get('job-1'))?.limit).toBe(10);
    for (let i = 0; i < steps.length; i += 2) expect(steps[i + 1]).toBe(steps[i]!.replace(' in', ' out'));
  });

  it('rolls back everything a work under a lock wrote when it throws', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    await expect(first.exclusive('alerts:shop-1', async (inside) => {
      await inside.webhooks.markProcessed('n-1');
      await inside.listings.put(makeListing());
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await second.webhooks.markProcessed('n-1')).toBe(true);
    expect(await second.listings.get('shop-1', 'mug')).toBeUndefined();
  });

  it('keeps a work under a lock going after a refused listing, as only that put is undone', async () => {
    const store = await openProcess();
    await store.listings.put(makeListing());
    const result = await store.exclusive('listings:shop-1', async (inside) => {
      await inside.listings.put(makeListing({ handle: 'cup', sellerSkus: ['CUP-1'] }));
      await expect(inside.listings.put(makeListing({ handle: 'bowl', sellerSkus: ['MUG-1'] }))).rejects.toBeInstanceOf(DuplicateSellerSkuError);
      return (await inside.listings.list('shop-1')).map((listing) => listing.handle);
    });
    expect(result).toEqual(['mug', 'cup']);
    expect(await store.listings.get('shop-1', 'bowl')).toBeUndefined();
  });

  it('keeps a listing’s seller SKUs as its last put has them when two processes put it at once', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    await first.listings.put(makeListing({ sellerSkus: ['OLD'] }));
    let racing: Promise<void> | undefined;
    await first.exclusive('listings:shop-1', async (inside) => {
      await inside.listings.put(makeListing({ sellerSkus: ['A'] }));
      // The other process puts the listing again while this put is not yet committed: it waits for it.
      racing = second.listings.put(makeListing({ sellerSkus: ['B'] }));
      await lockWaits();
    });
    await racing;
    expect((await second.listings.get('shop-1', 'mug'))?.sellerSkus).toEqual(['B']);
    expect(await second.listings.findBySellerSku('shop-1', 'A')).toBeUndefined();
    expect(await sql(database.url, 'select sku, handle from listing_skus order by sku')).toEqual([{ sku: 'B', handle: 'mug' }]);
    await second.listings.put(makeListing({ handle: 'cup', sellerSkus: ['A'] }));
  });

  it('undoes what a failed work under a lock left running, and refuses calls after the work ended', async () => {
    const store = await openProcess();
    let leaked: Store | undefined;
    await expect(store.exclusive('alerts:shop-1', async (inside) => {
      leaked = inside;
      await Promise.all([inside.listings.list('shop-1'), inside.webhooks.markProcessed('n-1'), inside.listings.put(makeListing()), Promise.reject(new Error('boom'))]);
    })).rejects.toThrow('boom');
    expect(await store.listings.get('shop-1', 'mug')).toBeUndefined();
    expect(await store.webhooks.markProcessed('n-1')).toBe(true);
    await expect(leaked!.webhooks.markProcessed('n-2')).rejects.toThrow(/ended/);
    expect(await store.webhooks.markProcessed('n-2')).toBe(true);
  });

  it('commits what a work under a lock started but did not wait for, before it lets go of the lock', async () => {
    const store = await openProcess();
    await store.exclusive('alerts:shop-1', async (inside) => {
      void inside.listings.list('shop-1');
      void inside.webhooks.markProcessed('n-1');
    });
    expect(await store.webhooks.markProcessed('n-1')).toBe(false);
  });

  it('fails a work under a lock whose transaction a failed statement aborted, rather than report it done', async () => {
    const store = await openProcess();
    await expect(store.exclusive('migration:shop-1', async (inside) => {
      await inside.webhooks.markProcessed('n-1');
      // A text column cannot hold NUL: the statement fails (as one cancelled by a timeout would), and with it the transaction.
      await inside.listings.get('shop-1', 'nul \u0000').catch(() => undefined);
      return 'done';
    })).rejects.toThrow(/rolled back/);
    expect(await store.webhooks.markProcessed('n-1')).toBe(true);
  });

  it('fails a work under a lock whose connection is lost, without taking the process down', async () => {
    const store = await openProcess();
    await expect(store.exclusive('alerts:shop-1', async (inside) => {
      await inside.webhooks.markProcessed('n-1');
      await sql(database.url, "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and state = 'idle in transaction'");
      await sleep(50);
      await inside.webhooks.markProcessed('n-2');
    })).rejects.toThrow();
    expect(await store.webhooks.markProcessed('n-1')).toBe(true);
    expect(await store.webhooks.markProcessed('n-2')).toBe(true);
  });

  it('keeps connections free for other calls while works of one lock wait their turn', async () => {
    const store = await openPostgresStore({ url: database.url, poolSize: 2 });
    opened.push(store);
    let open!: () => void;
    let holding!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = new Promise<void>((resolve) => (holding = resolve));
    const works = Array.from({ length: 4 }, () => store.exclusive('alerts:shop-1', () => {
      holding();
      return gate;
    }));
    await held;
    const answer = await Promise.race([store.webhooks.markProcessed('n-1'), sleep(2_000).then(() => 'starved')]);
    open();
    await Promise.all(works);
    expect(answer).toBe(true);
  });

  it('does not claim a message its owner finished while the claim waited for it', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    const message = makeOutboxMessage({ nextAttemptAt: new Date(0).toISOString() });
    await first.saveAlerts({ outbox: [message] });
    let claim: ReturnType<Store['outbox']['claim']> | undefined;
    await first.exclusive('outbox', async (inside) => {
      await inside.saveAlerts({ outbox: [{ ...message, state: 'delivered', body: null, ref: '1.2' }] });
      claim = second.outbox.claim({ owner: 'host:2', platforms: ['slack'], now: Date.now(), claimMs: 60_000, pacingMs: {}, limit: 10 });
      await lockWaits();
    });
    expect((await claim!).messages).toEqual([]);
    expect(await sql(database.url, 'select claim_owner from outbox')).toEqual([{ claim_owner: null }]);
  });

  it('keeps records whose text was cut inside an emoji or holds a NUL, which jsonb refuses, the broken character replaced', async () => {
    const store = await openProcess();
    // "…" after half an emoji: what slicing a message to a length does to "Title 😀 too long".
    const cut = `Title ${'😀'.slice(0, 1)}…`;
    await store.listings.put(makeListing({ state: 'rejected', reasons: [cut, 'nul \u0000 inside'] }));
    await store.saveAlerts({ incidents: [makeIncident({ reasons: [cut] })], outbox: [makeOutboxMessage({ error: cut })] });
    await store.activity.record({ at: new Date().toISOString(), shop: 'shop-1', platform: 'slack', channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: cut, ok: true });
    expect((await store.listings.get('shop-1', 'mug'))?.reasons).toEqual(['Title \ufffd…', 'nul \ufffd inside']);
    expect((await store.incidents.get('i1'))?.reasons).toEqual(['Title \ufffd…']);
    expect((await store.outbox.get('o1'))?.error).toBe('Title \ufffd…');
    expect((await store.activity.since('shop-1', 0)).map((entry) => entry.detail)).toEqual(['Title \ufffd…']);
  });

  it('keeps an audit run’s verdicts apart, returning them all and updating one in place', async () => {
    const store = await openProcess();
    const verdicts = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`product-${i}`, i % 10 === 0 ? 'blocked' as const : 'ready' as const]));
    const run = {
      id: 'run-1', shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: '2026-11-25T08:00:00.000Z', finishedAt: '2026-11-25T08:01:00.000Z',
      counts: { audited: 20_000, ready: 18_000, warnings: 0, blocked: 2_000, skipped: 3 }, verdicts,
    };
    await store.audits.save(run);
    expect(await store.audits.setVerdict('shop-1', 'product-0', 'warnings')).toBe(true);
    expect(await store.audits.latest('shop-1')).toEqual({
      ...run, counts: { audited: 20_000, ready: 18_000, warnings: 1, blocked: 1_999, skipped: 3 }, verdicts: { ...verdicts, 'product-0': 'warnings' },
    });
  });

  it('deletes at start-up what it no longer keeps: old activity, expired mutes, 30-day-old history, audits but the latest five per shop', async () => {
    const store = await openProcess();
    const entry = { shop: 'shop-1', platform: 'slack' as const, channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: '', ok: true };
    await store.activity.record({ ...entry, at: daysAgo(91) });
    await store.activity.record({ ...entry, at: daysAgo(1) });
    await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: daysAgo(1), by: 'ada' });
    await store.alerts.mute({ shop: 'shop-1', handle: 'cup', until: daysAgo(-1), by: 'ada' });
    await store.saveAlerts({
      incidents: [makeIncident({ id: 'old', resolvedAt: daysAgo(31) }), makeIncident({ id: 'recent', resolvedAt: daysAgo(29) }), makeIncident({ id: 'open', openedAt: daysAgo(60) })],
      outbox: [
        makeOutboxMessage({ id: 'sent-long-ago', state: 'delivered', updatedAt: daysAgo(31) }), makeOutboxMessage({ id: 'sent', state: 'delivered', updatedAt: daysAgo(29) }),
        makeOutboxMessage({ id: 'waiting', updatedAt: daysAgo(60) }),
      ],
    });
    await store.days.record('shop-1', daysAgo(31).slice(0, 10), { live: 1 });
    await store.days.record('shop-1', daysAgo(29).slice(0, 10), { live: 2 });
    await store.webhooks.markProcessed('old');
    await store.webhooks.markProcessed('recent');
    await sql(database.url, "update processed_webhooks set processed_at_ms = $1 where id = 'old'", [Date.parse(daysAgo(31))]);
    for (let i = 1; i <= 7; i++) {
      await store.audits.save({
        id: `run-${i}`, shop: 'shop-1', location: 'a.csv', sourceLabel: 'a.csv', region: 'US', startedAt: daysAgo(1), finishedAt: daysAgo(1),
        counts: { audited: 1, ready: 1, warnings: 0, blocked: 0, skipped: 0 }, verdicts: { mug: 'ready' },
      });
    }
    await store.close();

    const reopened = await openProcess();
    const ids = async (table: string) => (await sql<{ id: string }>(database.url, `select id from ${table} order by seq`)).map((row) => row.id);
    expect(await sql(database.url, 'select count(*)::int as count from activity')).toEqual([{ count: 1 }]);
    expect(await reopened.alerts.mutedUntil('shop-1', 'cup', Date.now())).not.toBeNull();
    expect(await sql(database.url, 'select handle from mutes')).toEqual([{ handle: 'cup' }]);
    expect(await ids('incidents')).toEqual(['recent', 'open']);
    expect(await ids('outbox')).toEqual(['sent', 'waiting']);
    expect((await reopened.days.since('shop-1', '2000-01-01')).map((day) => day.byState)).toEqual([{ live: 2 }, {}]);
    expect(await reopened.webhooks.markProcessed('old')).toBe(true);
    expect(await reopened.webhooks.markProcessed('recent')).toBe(false);
    expect((await sql<{ id: string }>(database.url, 'select id from audits order by saved_seq')).map((row) => row.id)).toEqual(['run-3', 'run-4', 'run-5', 'run-6', 'run-7']);
    expect(await sql(database.url, 'select count(*)::int as count from audit_verdicts')).toEqual([{ count: 5 }]);
    expect((await reopened.audits.latest('shop-1'))?.id).toBe('run-7');
  });
});
