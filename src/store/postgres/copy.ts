import { ShopshiftError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readLowdbData } from '../lowdb.js';
import type { StoreData } from '../schema.js';
import { describeDatabaseUrl, inTransaction, openPool, transactionDb, type Db } from './db.js';
import { migrate } from './migrations.js';
import {
  activityTable, auditsTable, categoryRequirementsTable, daysTable, incidentsTable, jobsTable, listingSkusTable, listingsTable, mappingsTable,
  mutesTable, outboxChannelsTable, outboxTable, secretsTable, subscriptionsTable, suggestionsTable, summariesTable, upsertRows, verdictsTable,
  webhooksTable,
} from './tables.js';

/** The table each kind of record lands in, in the order they are copied. */
const TABLE_OF = {
  listings: 'listings',
  sellerSkus: 'listing_skus',
  audits: 'audits',
  verdicts: 'audit_verdicts',
  mappings: 'mappings',
  jobs: 'jobs',
  webhooks: 'processed_webhooks',
  subscriptions: 'subscriptions',
  mutes: 'mutes',
  summaries: 'summaries',
  incidents: 'incidents',
  outbox: 'outbox',
  days: 'days',
  activity: 'activity',
  secrets: 'secrets',
  suggestions: 'suggestions',
  categoryRequirements: 'category_requirements',
} as const;

export type CopyCounts = Record<keyof typeof TABLE_OF, number>;
const KINDS = Object.keys(TABLE_OF) as (keyof CopyCounts)[];

const sellerSkusOf = (data: StoreData) =>
  data.listings.flatMap((listing) => [...new Set(listing.sellerSkus)].map((sku) => ({ shop: listing.shop, sku, handle: listing.handle })));
const verdictsOf = (data: StoreData) =>
  data.audits.flatMap((run) => Object.entries(run.verdicts).map(([handle, verdict]) => ({ runId: run.id, handle, verdict })));

export function countStoreData(data: StoreData): CopyCounts {
  return {
    listings: data.listings.length, sellerSkus: sellerSkusOf(data).length, audits: data.audits.length, verdicts: verdictsOf(data).length,
    mappings: data.mappings.length, jobs: data.jobs.length, webhooks: data.processedWebhooks.length, subscriptions: data.subscriptions.length,
    mutes: data.mutes.length, summaries: data.summaries.length, incidents: data.incidents.length, outbox: data.outbox.length, days: data.days.length,
    activity: data.activity.length, secrets: data.secrets.length, suggestions: data.suggestions.length, categoryRequirements: data.categoryRequirements.length,
  };
}

async function countRows(db: Db): Promise<CopyCounts> {
  const [row] = await db.query(`select ${KINDS.map((kind) => `(select count(*)::int from ${TABLE_OF[kind]}) as "${kind}"`).join(', ')}`);
  return row as CopyCounts;
}

const describeCounts = (counts: CopyCounts) => KINDS.filter((kind) => counts[kind] > 0).map((kind) => `${counts[kind]} ${kind}`).join(', ');

/** Writes everything, a thousand rows a statement: listings, then what refers to them, and so on. */
async function insertAll(db: Db, data: StoreData, log?: Logger): Promise<void> {
  const copy = async <T>(kind: keyof CopyCounts, write: () => Promise<T>) => {
    const started = performance.now();
    await write();
    log?.info({ kind, ms: Math.round(performance.now() - started) }, 'store copy: kind copied');
  };
  await copy('listings', () => upsertRows(db, listingsTable, data.listings));
  await copy('sellerSkus', () => upsertRows(db, listingSkusTable, sellerSkusOf(data)));
  await copy('audits', () => upsertRows(db, auditsTable, data.audits));
  await copy('verdicts', () => upsertRows(db, verdictsTable, verdictsOf(data)));
  await copy('mappings', () => upsertRows(db, mappingsTable, data.mappings));
  await copy('jobs', () => upsertRows(db, jobsTable, data.jobs));
  // The embedded store does not know when it saw an id: the copy counts as seeing them now.
  const copiedAt = Date.now();
  await copy('webhooks', () => upsertRows(db, webhooksTable, data.processedWebhooks.map((id) => ({ id, processedAtMs: copiedAt }))));
  await copy('subscriptions', () => upsertRows(db, subscriptionsTable, data.subscriptions));
  await copy('mutes', () => upsertRows(db, mutesTable, data.mutes));
  await copy('summaries', () => upsertRows(db, summariesTable, data.summaries));
  await copy('incidents', () => upsertRows(db, incidentsTable, data.incidents));
  await copy('outbox', async () => {
    await upsertRows(db, outboxChannelsTable, data.outbox);
    await upsertRows(db, outboxTable, data.outbox);
  });
  await copy('days', () => upsertRows(db, daysTable, data.days));
  await copy('activity', () => upsertRows(db, activityTable, data.activity));
  await copy('secrets', () => upsertRows(db, secretsTable, data.secrets));
  await copy('suggestions', () => upsertRows(db, suggestionsTable, data.suggestions));
  await copy('categoryRequirements', () => upsertRows(db, categoryRequirementsTable, data.categoryRequirements));
}

export interface CopyToPostgresOptions {
  toUrl: string;
  log?: Logger;
}

/**
 * Copies a store's data into an empty PostgreSQL store in one transaction, then checks every kind's
 * row count against the source; any difference rolls the whole copy back. Returns the counts.
 */
export async function copyStoreDataToPostgres(data: StoreData, { toUrl, log }: CopyToPostgresOptions): Promise<CopyCounts> {
  const where = describeDatabaseUrl(toUrl);
  const pool = openPool({ url: toUrl, max: 2, log });
  try {
    await migrate(pool, log);
    return await inTransaction(pool, async (client) => {
      const db = transactionDb(client);
      const before = await countRows(db);
      if (KINDS.some((kind) => before[kind] > 0)) {
        throw new ShopshiftError('CONFIG_INVALID', `The PostgreSQL store at ${where} is not empty (${describeCounts(before)}); copy only into an empty database.`);
      }
      await insertAll(db, data, log);
      const expected = countStoreData(data);
      const copied = await countRows(db);
      const differing = KINDS.filter((kind) => copied[kind] !== expected[kind]);
      if (differing.length > 0) {
        const detail = differing.map((kind) => `${kind}: ${copied[kind]} copied of ${expected[kind]}`).join(', ');
        throw new ShopshiftError('INTERNAL', `The copy to the PostgreSQL store at ${where} does not match its source (${detail}); nothing was copied.`);
      }
      log?.info({ database: where, counts: copied }, 'store copied to PostgreSQL');
      return copied;
    });
  } finally {
    await pool.end();
  }
}

export interface CopyLowdbOptions extends CopyToPostgresOptions {
  /** The lowdb store's folder (DATA_DIR); read, never changed. */
  fromDir: string;
  /** Activity older than this is left behind, as the lowdb store would drop it (default 90 days). */
  activityKeptMs?: number;
}

/** `store copy`: the lowdb store in `fromDir`, as its next snapshot would hold it, into an empty PostgreSQL store. */
export async function copyLowdbToPostgres({ fromDir, toUrl, log, activityKeptMs }: CopyLowdbOptions): Promise<CopyCounts> {
  const data = await readLowdbData(fromDir, activityKeptMs === undefined ? {} : { activityKeptMs });
  return copyStoreDataToPostgres(data, { toUrl, log });
}
