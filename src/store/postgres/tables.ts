import type {
  ActivityEntry, AlertMute, AlertSubscription, AuditRun, CategoryMapping, CategoryRequirements, CategorySuggestion, DayStats, Incident, Listing,
  MigrationJob, OutboxMessage, SealedSecret, SummarySchedule,
} from '../schema.js';
import { suggestionKey } from '../state.js';
import { msOf, type Db } from './db.js';

/** How a kind of record is written as a row: its columns (name and type, in `row`'s order) and its key. */
export interface Table<T> {
  name: string;
  columns: readonly (readonly [name: string, type: string])[];
  key: readonly string[];
  row(value: T): unknown[];
  /** Extra assignments when a row replaces another (e.g. a fresh sequence number). */
  onReplace?: readonly string[];
}

/** A lone half of a surrogate pair (text cut inside an emoji), or NUL: JavaScript strings hold them, jsonb refuses them. */
const NOT_IN_JSONB = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/**
 * A record as jsonb takes it: the characters it refuses are replaced by U+FFFD (as Node replaces a lone
 * surrogate when it writes text as UTF-8, to a text column for one), rather than have the whole record refused.
 */
export const json = (value: unknown): string =>
  JSON.stringify(value, (_key, field: unknown) => (typeof field === 'string' ? field.replace(NOT_IN_JSONB, '\ufffd') : field));
const text = (name: string) => [name, 'text'] as const;
const ms = (name: string) => [name, 'float8'] as const;
const doc = ['doc', 'jsonb'] as const;

export const listingsTable: Table<Listing> = {
  name: 'listings',
  columns: [text('shop'), text('handle'), text('state'), text('tiktok_product_id'), doc],
  key: ['shop', 'handle'],
  row: (listing) => [listing.shop, listing.handle, listing.state, listing.tiktokProductId, json(listing)],
};

export const listingSkusTable: Table<{ shop: string; sku: string; handle: string }> = {
  name: 'listing_skus',
  columns: [text('shop'), text('sku'), text('handle')],
  key: ['shop', 'sku'],
  row: ({ shop, sku, handle }) => [shop, sku, handle],
};

/** The run without its verdicts (a table of their own) and counts (columns, so a verdict can move them). */
export const auditsTable: Table<AuditRun> = {
  name: 'audits',
  columns: [text('id'), text('shop'), ms('audited'), ms('ready'), ms('warnings'), ms('blocked'), ms('skipped'), doc],
  key: ['id'],
  row: ({ verdicts: _verdicts, counts, ...run }) => [run.id, run.shop, counts.audited, counts.ready, counts.warnings, counts.blocked, counts.skipped, json(run)],
  // Saving a run again makes it the shop's latest, as in the embedded store.
  onReplace: ["saved_seq = nextval('audit_saves')"],
};

export const verdictsTable: Table<{ runId: string; handle: string; verdict: string }> = {
  name: 'audit_verdicts',
  columns: [text('run_id'), text('handle'), text('verdict')],
  key: ['run_id', 'handle'],
  row: ({ runId, handle, verdict }) => [runId, handle, verdict],
};

export const mappingsTable: Table<CategoryMapping> = {
  name: 'mappings',
  columns: [text('shop'), text('key_lower'), doc],
  key: ['shop', 'key_lower'],
  row: (mapping) => [mapping.shop, mapping.key.toLowerCase(), json(mapping)],
};

export const suggestionsTable: Table<CategorySuggestion> = {
  name: 'suggestions',
  columns: [text('shop'), text('normalised_key'), doc],
  key: ['shop', 'normalised_key'],
  row: (suggestion) => [suggestion.shop, suggestionKey(suggestion.key), json(suggestion)],
};

export const categoryRequirementsTable: Table<CategoryRequirements> = {
  name: 'category_requirements',
  columns: [text('shop'), text('category_id'), doc],
  key: ['shop', 'category_id'],
  row: (requirements) => [requirements.shop, requirements.categoryId, json(requirements)],
};

export const jobsTable: Table<MigrationJob> = {
  name: 'jobs',
  columns: [text('id'), text('shop'), text('status'), doc],
  key: ['id'],
  row: (job) => [job.id, job.shop, job.status, json(job)],
};

export const webhooksTable: Table<{ id: string; processedAtMs: number }> = {
  name: 'processed_webhooks',
  columns: [text('id'), ms('processed_at_ms')],
  key: ['id'],
  row: ({ id, processedAtMs }) => [id, processedAtMs],
};

export const subscriptionsTable: Table<AlertSubscription> = {
  name: 'subscriptions',
  columns: [text('shop'), text('platform'), text('channel_id'), doc],
  key: ['shop', 'platform', 'channel_id'],
  row: (subscription) => [subscription.shop, subscription.platform, subscription.channelId, json(subscription)],
};

export const mutesTable: Table<AlertMute> = {
  name: 'mutes',
  columns: [text('shop'), text('handle'), ms('until_ms'), doc],
  key: ['shop', 'handle'],
  row: (mute) => [mute.shop, mute.handle, msOf(mute.until), json(mute)],
};

export const summariesTable: Table<SummarySchedule> = {
  name: 'summaries',
  columns: [text('shop'), text('platform'), text('channel_id'), doc],
  key: ['shop', 'platform', 'channel_id'],
  row: (schedule) => [schedule.shop, schedule.platform, schedule.channelId, json(schedule)],
};

export const incidentsTable: Table<Incident> = {
  name: 'incidents',
  columns: [text('id'), text('shop'), text('subject'), ms('opened_at_ms'), text('resolved_at'), ms('resolved_at_ms'), doc],
  key: ['id'],
  row: (incident) => [incident.id, incident.shop, incident.subject, msOf(incident.openedAt), incident.resolvedAt, msOf(incident.resolvedAt), json(incident)],
};

/** The claim columns are left out: saving a message again keeps its claim (and its place). */
export const outboxTable: Table<OutboxMessage> = {
  name: 'outbox',
  columns: [text('id'), text('platform'), text('channel_id'), text('state'), ms('next_attempt_at_ms'), ms('updated_at_ms'), doc],
  key: ['id'],
  row: (message) => [message.id, message.platform, message.channelId, message.state, msOf(message.nextAttemptAt), msOf(message.updatedAt), json(message)],
};

export const outboxChannelsTable: Table<Pick<OutboxMessage, 'platform' | 'channelId'>> = {
  name: 'outbox_channels',
  columns: [text('platform'), text('channel_id')],
  key: ['platform', 'channel_id'],
  row: ({ platform, channelId }) => [platform, channelId],
};

export const daysTable: Table<DayStats> = {
  name: 'days',
  columns: [text('shop'), text('date'), ['by_state', 'jsonb'], ['audits_finished_at', 'jsonb']],
  key: ['shop', 'date'],
  row: (day) => [day.shop, day.date, json(day.byState), json(day.auditsFinishedAt)],
};

export const secretsTable: Table<SealedSecret> = {
  name: 'secrets',
  columns: [text('name'), doc],
  key: ['name'],
  row: (sealed) => [sealed.name, json(sealed)],
};

export const activityTable: Table<ActivityEntry> = {
  name: 'activity',
  columns: [text('id'), text('shop'), ms('at_ms'), doc],
  key: ['id'],
  row: (entry) => [entry.id, entry.shop, msOf(entry.at), json(entry)],
};

export const BATCH_ROWS = 1_000;

/**
 * Inserts or replaces rows by key, in order (so first-written order survives), a thousand per statement
 * through unnest arrays. Of rows sharing a key the last wins, at the place of the first, as a map's set
 * would. Several batches are only all-or-nothing inside a transaction.
 */
export async function upsertRows<T>(db: Db, table: Table<T>, values: readonly T[]): Promise<void> {
  const byKey = new Map<string, unknown[]>();
  const keyAt = table.key.map((name) => table.columns.findIndex(([column]) => column === name));
  for (const value of values) {
    const row = table.row(value);
    byKey.set(keyAt.map((index) => String(row[index])).join('\u0000'), row);
  }
  const rows = [...byKey.values()];
  const names = table.columns.map(([name]) => name);
  const replaced = names.filter((name) => !table.key.includes(name)).map((name) => `${name} = excluded.${name}`);
  const assignments = [...replaced, ...(table.onReplace ?? [])];
  const sql = `insert into ${table.name} (${names.join(', ')})
    select ${names.join(', ')} from unnest(${table.columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
      with ordinality as batch(${names.join(', ')}, position)
    order by position
    on conflict (${table.key.join(', ')}) do ${assignments.length ? `update set ${assignments.join(', ')}` : 'nothing'}`;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    await db.query(sql, table.columns.map((_, index) => batch.map((row) => row[index] ?? null)));
  }
}
