import type pg from 'pg';
import type { Logger } from '../../log.js';
import { checkOut, lockKey } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/*
 * Records are kept whole as jsonb (`doc`) beside the columns their queries need. `seq` keeps the order
 * records were first written in, which lists follow as the embedded store's maps do. Times that are
 * compared are kept as ms since the epoch (float8), computed from the records' ISO strings.
 */
const STORE_TABLES = `
create table listings (
  shop text not null, handle text not null, seq bigserial not null,
  state text not null, tiktok_product_id text, doc jsonb not null,
  primary key (shop, handle)
);
create index listings_by_state on listings (shop, state);
create index listings_by_product_id on listings (shop, tiktok_product_id) where tiktok_product_id is not null;

-- One listing per seller SKU and shop: the primary key makes a retried create unable to duplicate it.
create table listing_skus (
  shop text not null, sku text not null, handle text not null,
  primary key (shop, sku)
);
create index listing_skus_by_listing on listing_skus (shop, handle);

create sequence audit_saves;
create table audits (
  id text primary key, shop text not null, saved_seq bigint not null default nextval('audit_saves'),
  audited float8 not null, ready float8 not null, warnings float8 not null, blocked float8 not null, skipped float8 not null,
  doc jsonb not null
);
create index audits_latest on audits (shop, saved_seq desc);
create table audit_verdicts (
  run_id text not null references audits (id) on delete cascade, handle text not null, verdict text not null,
  primary key (run_id, handle)
);

create table mappings (shop text not null, key_lower text not null, seq bigserial not null, doc jsonb not null, primary key (shop, key_lower));
create table suggestions (shop text not null, normalised_key text not null, seq bigserial not null, doc jsonb not null, primary key (shop, normalised_key));
create table category_requirements (shop text not null, category_id text not null, doc jsonb not null, primary key (shop, category_id));

create table jobs (id text primary key, shop text not null, status text not null, seq bigserial not null, doc jsonb not null);
create index jobs_current on jobs (shop, seq) where status in ('running', 'paused');

create table processed_webhooks (id text primary key, processed_at_ms float8 not null);

create table subscriptions (
  shop text not null, platform text not null, channel_id text not null, seq bigserial not null, doc jsonb not null,
  primary key (shop, platform, channel_id)
);
create table mutes (shop text not null, handle text not null, until_ms float8, doc jsonb not null, primary key (shop, handle));
create table summaries (
  shop text not null, platform text not null, channel_id text not null, seq bigserial not null, doc jsonb not null,
  primary key (shop, platform, channel_id)
);

create table incidents (
  id text primary key, shop text not null, subject text not null, seq bigserial not null,
  opened_at_ms float8, resolved_at text, resolved_at_ms float8, doc jsonb not null
);
create index incidents_open on incidents (shop, subject) where resolved_at is null;
create index incidents_by_opening on incidents (shop, opened_at_ms);
create index incidents_by_post on incidents using gin ((doc -> 'posts') jsonb_path_ops);

-- claim_owner and claimed_until_ms belong to the store, not to the message.
create table outbox (
  id text primary key, seq bigserial not null, platform text not null, channel_id text not null, state text not null,
  next_attempt_at_ms float8, updated_at_ms float8, claim_owner text, claimed_until_ms float8, doc jsonb not null
);
create index outbox_unfinished on outbox (platform, channel_id, seq) where state in ('pending', 'sending');
-- One row per channel that ever had a message, locked while its head is claimed; never deleted, so a
-- message saved with its channel row can never find that row gone.
create table outbox_channels (platform text not null, channel_id text not null, last_claimed_at_ms float8, primary key (platform, channel_id));

create table days (
  shop text not null, date text not null, by_state jsonb not null, audits_finished_at jsonb not null,
  primary key (shop, date)
);
create table secrets (name text primary key, seq bigserial not null, doc jsonb not null);
create table activity (id text primary key, shop text not null, at_ms float8, seq bigserial not null, doc jsonb not null);
create index activity_by_shop on activity (shop, at_ms);
`;

const RUN_LEDGER_TABLES = `
create table job_runs (job text not null, occurrence timestamptz not null, owner text not null, claimed_at timestamptz not null, primary key (job, occurrence));
create table job_last_run (job text primary key, last_run timestamptz not null);
`;

/** In order; a migration once released is never edited, a change is a new one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'store tables', sql: STORE_TABLES },
  { version: 2, name: 'run ledger tables', sql: RUN_LEDGER_TABLES },
];

const MIGRATION_LOCK = lockKey('shopshift:schema-migrations');

/**
 * Brings the schema up to date: each migration not yet recorded in schema_migrations runs in its own
 * transaction together with its record. A session advisory lock makes processes starting together
 * take turns, so the second finds the work done. Returns the versions it applied.
 */
export async function migrate(pool: pg.Pool, log?: Logger, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const { client, release } = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
    try {
      await client.query('create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null)');
      const { rows } = await client.query<{ version: number }>('select version from schema_migrations');
      const done = new Set(rows.map((row) => row.version));
      const applied: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, now())', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        log?.info({ version: migration.version, migration: migration.name }, 'PostgreSQL schema migration applied');
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    // The session lock goes with the connection, so a client in an unknown state is closed, not reused.
    broken = error as Error;
    throw error;
  } finally {
    release(broken);
  }
}
