import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Logger } from '../../log.js';
import {
  activityEntrySchema, alertMuteSchema, alertSubscriptionSchema, auditRunSchema, categoryMappingSchema, categoryRequirementsSchema, categorySuggestionSchema,
  dayStatsSchema, incidentSchema, listingSchema, listingStateSchema, migrationJobSchema, outboxMessageSchema, sealedSecretSchema, summaryScheduleSchema,
} from '../schema.js';
import { ACTIVITY_KEPT_MS, suggestionKey } from '../state.js';
import { DuplicateSellerSkuError, type Listing, type ListingState, type Store, type Verdict } from '../store.js';
import { describeDatabaseUrl, inTransaction, lockKey, oneAtATime, openPool, poolDb, transactionDb, type Db, type Row } from './db.js';
import { migrate } from './migrations.js';
import { claimOutbox, releaseOutbox } from './outbox.js';
import { pruneStore } from './prune.js';
import {
  activityTable, auditsTable, categoryRequirementsTable, incidentsTable, jobsTable, json, mappingsTable, mutesTable, outboxChannelsTable, outboxTable,
  secretsTable, subscriptionsTable, suggestionsTable, summariesTable, upsertRows, verdictsTable,
} from './tables.js';

export interface PostgresStoreOptions {
  url: string;
  /** Connections this process keeps at most (default 10); work under `exclusive` holds one throughout. */
  poolSize?: number;
  /** Activity older than this is never returned, and is deleted (default 90 days). */
  activityKeptMs?: number;
  log?: Logger;
}

const PRUNE_EVERY_MS = 3_600_000;
const DUPLICATE_KEY = '23505';
/** A put racing another over the same SKU may find the conflicting row gone by the time it looks: it tries again. */
const PUT_LISTING_ATTEMPTS = 3;

/**
 * A listing is put in two statements of one transaction. The first writes its row, whose lock makes a
 * concurrent put of the same listing wait; the second, which sees what was committed when it began,
 * then finds exactly the SKUs the listing's last put left, releases those it no longer has and takes the
 * new ones. (In one statement, a put that waited would miss the SKUs the put it waited for took.)
 */
const PUT_LISTING_ROW = `
  insert into listings (shop, handle, state, tiktok_product_id, doc) values ($1, $2, $3, $4, $5)
  on conflict (shop, handle) do update set state = excluded.state, tiktok_product_id = excluded.tiktok_product_id, doc = excluded.doc`;

/** The listing's SKUs; one another listing holds breaks the primary key. */
const PUT_LISTING_SKUS = `
  with released as (
    delete from listing_skus where shop = $1 and handle = $2 and sku <> all($3::text[])
  )
  insert into listing_skus (shop, sku, handle)
  select distinct $1::text, wanted.sku, $2::text from unnest($3::text[]) as wanted(sku)
  where not exists (select 1 from listing_skus held where held.shop = $1 and held.sku = wanted.sku and held.handle = $2)`;

const COUNT_COLUMN = { ready: 'ready', warnings: 'warnings', blocked: 'blocked' } as const satisfies Record<Verdict, string>;

const docs = <S extends z.ZodType>(schema: S, rows: Row[]): z.output<S>[] => rows.map((row) => schema.parse(row.doc));
const firstDoc = <S extends z.ZodType>(schema: S, rows: Row[]): z.output<S> | undefined => (rows[0] ? schema.parse(rows[0].doc) : undefined);

interface StoreParts {
  activityKeptMs: number;
  exclusive: Store['exclusive'];
  close(): Promise<void>;
}

/** The store's methods over a Db: the pool for the process, or one client for work under a lock. */
function storeOn(db: Db, { activityKeptMs, exclusive, close }: StoreParts): Store {
  async function putListing(listing: Listing): Promise<void> {
    const skus = listing.sellerSkus;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.transaction(async (tx) => {
          await tx.query(PUT_LISTING_ROW, [listing.shop, listing.handle, listing.state, listing.tiktokProductId, json(listing)]);
          await tx.query(PUT_LISTING_SKUS, [listing.shop, listing.handle, skus]);
        });
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== DUPLICATE_KEY || attempt >= PUT_LISTING_ATTEMPTS) throw error;
        const [holder] = await db.query<{ sku: string; handle: string }>(
          `select sku, handle from listing_skus where shop = $1 and sku = any($2::text[]) and handle <> $3
           order by array_position($2::text[], sku) limit 1`,
          [listing.shop, skus, listing.handle],
        );
        if (holder) throw new DuplicateSellerSkuError(listing.shop, holder.sku, holder.handle);
      }
    }
  }

  async function setVerdict(shop: string, handle: string, verdict: Verdict): Promise<boolean> {
    return db.transaction(async (tx) => {
      const [run] = await tx.query<{ id: string }>('select id from audits where shop = $1 order by saved_seq desc limit 1 for update', [shop]);
      if (!run) return false;
      const [before] = await tx.query<{ verdict: Verdict }>('select verdict from audit_verdicts where run_id = $1 and handle = $2', [run.id, handle]);
      if (before?.verdict === verdict) return true;
      await upsertRows(tx, verdictsTable, [{ runId: run.id, handle, verdict }]);
      const moves = [before ? `${COUNT_COLUMN[before.verdict]} = ${COUNT_COLUMN[before.verdict]} - 1` : 'audited = audited + 1', `${COUNT_COLUMN[verdict]} = ${COUNT_COLUMN[verdict]} + 1`];
      await tx.query(`update audits set ${moves.join(', ')} where id = $1`, [run.id]);
      return true;
    });
  }

  const removed = async (sql: string, params: unknown[]) => (await db.query(`${sql} returning 1`, params)).length > 0;

  return {
    listings: {
      get: async (shop, handle) => firstDoc(listingSchema, await db.query('select doc from listings where shop = $1 and handle = $2', [shop, handle])),
      findBySellerSku: async (shop, sku) => firstDoc(listingSchema, await db.query(
        'select listing.doc from listing_skus sku join listings listing using (shop, handle) where sku.shop = $1 and sku.sku = $2', [shop, sku])),
      findByProductId: async (shop, productId) =>
        firstDoc(listingSchema, await db.query('select doc from listings where shop = $1 and tiktok_product_id = $2 order by seq limit 1', [shop, productId])),
      put: putListing,
      list: async (shop, filter) => docs(listingSchema, await db.query(
        'select doc from listings where shop = $1 and ($2::text[] is null or state = any($2::text[])) order by seq', [shop, filter?.states ?? null])),
      async countByState(shop) {
        const counts = Object.fromEntries(listingStateSchema.options.map((state) => [state, 0])) as Record<ListingState, number>;
        const rows = await db.query<{ state: ListingState; count: number }>('select state, count(*)::int as count from listings where shop = $1 group by state', [shop]);
        for (const { state, count } of rows) counts[state] = count;
        return counts;
      },
    },
    audits: {
      save: (run) => db.transaction(async (tx) => {
        await upsertRows(tx, auditsTable, [run]);
        await tx.query('delete from audit_verdicts where run_id = $1', [run.id]);
        await upsertRows(tx, verdictsTable, Object.entries(run.verdicts).map(([handle, verdict]) => ({ runId: run.id, handle, verdict })));
        const date = run.finishedAt.slice(0, 10);
        // The day keeps the time itself: the run may be gone (five are kept per shop) when the summary reads it.
        if (/^\d{4}-\d{2}-\d{2}$/.test(date)) {
          await tx.query(
            `insert into days (shop, date, by_state, audits_finished_at) values ($1, $2, '{}', jsonb_build_array($3::text))
             on conflict (shop, date) do update set audits_finished_at = case
               when days.audits_finished_at @> jsonb_build_array($3::text) then days.audits_finished_at
               else days.audits_finished_at || jsonb_build_array($3::text) end`,
            [run.shop, date, run.finishedAt],
          );
        }
      }),
      async latest(shop) {
        const [row] = await db.query(
          `select audited, ready, warnings, blocked, skipped, doc,
             (select coalesce(jsonb_object_agg(handle, verdict), '{}'::jsonb) from audit_verdicts where run_id = audits.id) as verdicts
           from audits where shop = $1 order by saved_seq desc limit 1`,
          [shop],
        );
        if (!row) return undefined;
        const { audited, ready, warnings, blocked, skipped } = row;
        return auditRunSchema.parse({ ...row.doc, counts: { audited, ready, warnings, blocked, skipped }, verdicts: row.verdicts });
      },
      setVerdict,
    },
    mappings: {
      list: async (shop) => docs(categoryMappingSchema, await db.query('select doc from mappings where shop = $1 order by seq', [shop])),
      set: (mapping) => upsertRows(db, mappingsTable, [mapping]),
      remove: (shop, key) => removed('delete from mappings where shop = $1 and key_lower = $2', [shop, key.toLowerCase()]),
    },
    suggestions: {
      get: async (shop, key) => firstDoc(categorySuggestionSchema, await db.query(
        'select doc from suggestions where shop = $1 and normalised_key = $2', [shop, suggestionKey(key)])),
      put: (suggestion) => upsertRows(db, suggestionsTable, [suggestion]),
      putMany: (suggestions) => db.transaction((tx) => upsertRows(tx, suggestionsTable, suggestions)),
      list: async (shop) => docs(categorySuggestionSchema, await db.query('select doc from suggestions where shop = $1 order by seq', [shop])),
    },
    categoryRequirements: {
      get: async (shop, categoryId) => firstDoc(categoryRequirementsSchema, await db.query(
        'select doc from category_requirements where shop = $1 and category_id = $2', [shop, categoryId])),
      put: (requirements) => upsertRows(db, categoryRequirementsTable, [requirements]),
    },
    jobs: {
      get: async (id) => firstDoc(migrationJobSchema, await db.query('select doc from jobs where id = $1', [id])),
      put: (job) => upsertRows(db, jobsTable, [job]),
      current: async (shop) => firstDoc(migrationJobSchema, await db.query(
        "select doc from jobs where shop = $1 and status in ('running', 'paused') order by seq desc limit 1", [shop])),
    },
    alerts: {
      subscribe: (subscription) => upsertRows(db, subscriptionsTable, [subscription]),
      unsubscribe: (shop, platform, channelId) =>
        removed('delete from subscriptions where shop = $1 and platform = $2 and channel_id = $3', [shop, platform, channelId]),
      subscriptions: async (shop) => docs(alertSubscriptionSchema, await db.query('select doc from subscriptions where shop = $1 order by seq', [shop])),
      mute: (mute) => upsertRows(db, mutesTable, [mute]),
      async mutedUntil(shop, handle, now) {
        const mute = firstDoc(alertMuteSchema, await db.query('select doc from mutes where shop = $1 and handle = $2', [shop, handle]));
        return mute && Date.parse(mute.until) > now ? mute.until : null;
      },
    },
    incidents: {
      get: async (id) => firstDoc(incidentSchema, await db.query('select doc from incidents where id = $1', [id])),
      open: async (shop, subject) => docs(incidentSchema, await db.query(
        'select doc from incidents where shop = $1 and resolved_at is null and ($2::text is null or subject = $2) order by seq', [shop, subject ?? null])),
      openedSince: async (shop, since) => docs(incidentSchema, await db.query(
        'select doc from incidents where shop = $1 and opened_at_ms >= $2 order by seq', [shop, since])),
      postedIn: async (outboxId) => docs(incidentSchema, await db.query(
        "select doc from incidents where doc -> 'posts' @> $1::jsonb order by seq", [JSON.stringify([outboxId])])),
    },
    outbox: {
      get: async (id) => firstDoc(outboxMessageSchema, await db.query('select doc from outbox where id = $1', [id])),
      unfinished: async () => docs(outboxMessageSchema, await db.query("select doc from outbox where state in ('pending', 'sending') order by seq")),
      claim: (request) => claimOutbox(db, request),
      release: (ids, owner) => releaseOutbox(db, ids, owner),
    },
    saveAlerts: ({ incidents = [], outbox = [] }) => db.transaction(async (tx) => {
      await upsertRows(tx, incidentsTable, incidents);
      await upsertRows(tx, outboxChannelsTable, outbox);
      await upsertRows(tx, outboxTable, outbox);
    }),
    days: {
      record: async (shop, date, byState) => {
        await db.query(
          `insert into days (shop, date, by_state, audits_finished_at) values ($1, $2, $3, '[]')
           on conflict (shop, date) do update set by_state = excluded.by_state`,
          [shop, date, json(byState)],
        );
      },
      async since(shop, from) {
        const rows = await db.query<{ date: string; by_state: unknown; audits_finished_at: unknown }>(
          'select date, by_state, audits_finished_at from days where shop = $1 and date >= $2 collate "C" order by date collate "C"', [shop, from]);
        return rows.map((row) => dayStatsSchema.parse({ shop, date: row.date, byState: row.by_state, auditsFinishedAt: row.audits_finished_at }));
      },
    },
    summaries: {
      set: (schedule) => upsertRows(db, summariesTable, [schedule]),
      remove: (shop, platform, channelId) => removed('delete from summaries where shop = $1 and platform = $2 and channel_id = $3', [shop, platform, channelId]),
      list: async (shop) => docs(summaryScheduleSchema, await db.query('select doc from summaries where shop = $1 order by seq', [shop])),
    },
    secrets: {
      get: async (name) => firstDoc(sealedSecretSchema, await db.query('select doc from secrets where name = $1', [name])),
      put: (sealed) => upsertRows(db, secretsTable, [sealed]),
      list: async () => docs(sealedSecretSchema, await db.query('select doc from secrets order by seq')),
    },
    activity: {
      record: (entry) => upsertRows(db, activityTable, [{ id: randomUUID(), ...entry }]),
      since: async (shop, sinceMs) => docs(activityEntrySchema, await db.query(
        'select doc from activity where shop = $1 and at_ms >= $2 order by at_ms, seq', [shop, Math.max(sinceMs, Date.now() - activityKeptMs)])),
    },
    webhooks: {
      markProcessed: async (id) =>
        (await db.query('insert into processed_webhooks (id, processed_at_ms) values ($1, $2) on conflict (id) do nothing returning 1', [id, Date.now()])).length > 0,
    },
    exclusive,
    flush: async () => undefined,
    close,
  };
}

/**
 * The PostgreSQL store. Opening migrates the schema and deletes what is no longer kept, then again every
 * hour. `exclusive` work runs in one transaction holding a transaction-level advisory lock.
 */
export async function openPostgresStore({ url, poolSize = 10, activityKeptMs = ACTIVITY_KEPT_MS, log }: PostgresStoreOptions): Promise<Store> {
  const pool = openPool({ url, max: poolSize, log });
  const db = poolDb(pool);
  const prune = async () => {
    const deleted = await pruneStore(db, { now: Date.now(), activityKeptMs });
    if (Object.values(deleted).some((count) => count > 0)) log?.info({ deleted }, 'PostgreSQL store pruned');
  };
  try {
    await migrate(pool, log);
    await prune();
  } catch (error) {
    await pool.end();
    throw error;
  }
  log?.debug({ database: describeDatabaseUrl(url) }, 'PostgreSQL store open');

  let pruning: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pruning = prune().catch((error) => log?.warn({ err: error }, 'PostgreSQL store prune failed'));
  }, PRUNE_EVERY_MS);
  timer.unref();
  let closed = false;

  // The works of one lock queue here before they take a connection: waiting their turn on the server, each
  // would hold one of the pool's, leaving none for the rest of the process.
  const turns = new Map<string, Promise<unknown>>();
  function inTurn<T>(lock: string, run: () => Promise<T>): Promise<T> {
    const turn = (turns.get(lock) ?? Promise.resolve()).then(run);
    const settled = turn.catch(() => undefined);
    turns.set(lock, settled);
    void settled.then(() => {
      if (turns.get(lock) === settled) turns.delete(lock);
    });
    return turn;
  }

  return storeOn(db, {
    activityKeptMs,
    exclusive: (lock, work) => inTurn(lock, () => inTransaction(pool, async (client) => {
      const lockedDb = oneAtATime(transactionDb(client));
      try {
        await lockedDb.query('select pg_advisory_xact_lock($1::bigint)', [lockKey(`store:${lock}`)]);
        const inside: Store = storeOn(lockedDb, {
          activityKeptMs,
          // Advisory locks are re-entrant: the same lock is already held and another one joins the transaction.
          exclusive: async (innerLock, innerWork) => {
            await lockedDb.query('select pg_advisory_xact_lock($1::bigint)', [lockKey(`store:${innerLock}`)]);
            return innerWork(inside);
          },
          close: async () => undefined,
        });
        return await work(inside);
      } finally {
        // Calls the work started and left running belong to the transaction: they end before it does, and none starts after.
        await lockedDb.end();
      }
    })),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await pruning;
      await pool.end();
    },
  });
}
