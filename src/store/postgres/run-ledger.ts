import type pg from 'pg';
import type { Logger } from '../../log.js';
import type { RunLedger } from '../../schedule/run-ledger.js';
import { inTransaction, lockKey, openPool } from './db.js';
import { migrate } from './migrations.js';

export interface PostgresRunLedgerOptions {
  url: string;
  /**
   * Connections at most (default 10). Each job held by `hold` keeps one for as long as it runs, so this
   * bounds how many jobs of this process can run at once.
   */
  poolSize?: number;
  /** Claims of occurrences older than this are deleted (default 7 days); the per-job last run stays. */
  keepMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface PostgresRunLedger extends RunLedger {
  /** Ends its connections, letting go of every job it holds. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The run ledger in the store's PostgreSQL database, on a pool of its own (open it with the same
 * DATABASE_URL as the store; it migrates the schema too, so either may start first). A claim is a row
 * keyed on (job, occurrence); `hold` is a session advisory lock on a connection kept for the run, which
 * the server lets go of when the process dies.
 */
export async function openPostgresRunLedger({ url, poolSize = 10, keepMs = 7 * DAY_MS, now = Date.now, log }: PostgresRunLedgerOptions): Promise<PostgresRunLedger> {
  const pool = openPool({ url, max: poolSize, log });
  try {
    await migrate(pool, log);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const held = new Set<pg.PoolClient>();
  let closed = false;
  let prunedAt = Number.NEGATIVE_INFINITY;

  async function prune(): Promise<void> {
    const cutoff = new Date(now() - keepMs);
    await pool.query('delete from job_runs where occurrence < $1 and claimed_at < $1', [cutoff]);
  }

  return {
    async lastRun(job) {
      const { rows } = await pool.query<{ last_run: Date }>('select last_run from job_last_run where job = $1', [job]);
      return rows[0]?.last_run ?? null;
    },
    async claim(job, occurrence, owner) {
      const won = await inTransaction(pool, async (client) => {
        await client.query('select pg_advisory_xact_lock($1::bigint)', [lockKey(`run:${job}`)]);
        const inserted = await client.query(
          'insert into job_runs (job, occurrence, owner, claimed_at) values ($1, $2, $3, $4) on conflict (job, occurrence) do nothing',
          [job, occurrence, owner, new Date(now())],
        );
        // The loser raises too: the last run then reaches every claimed occurrence.
        await client.query(
          `insert into job_last_run (job, last_run) values ($1, $2)
           on conflict (job) do update set last_run = greatest(job_last_run.last_run, excluded.last_run)`,
          [job, occurrence],
        );
        return inserted.rowCount === 1;
      });
      if (now() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = now();
        // The claim stands whatever happens here: thrown, it would read as lost and the occurrence would never run.
        await prune().catch((error: unknown) => log?.warn({ err: error }, 'PostgreSQL run ledger prune failed'));
      }
      return won;
    },
    async hold(job) {
      const client = await pool.connect();
      const key = lockKey(`job:${job}`);
      // Out of the pool the client is not listened to by it, and an 'error' nobody hears ends the process: one that
      // loses its connection (even during the statement below) is told of it.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
        log?.warn({ err: error, job }, 'PostgreSQL connection holding a job lost');
      };
      client.on('error', onError);
      let acquired = false;
      try {
        acquired = (await client.query<{ acquired: boolean }>('select pg_try_advisory_lock($1::bigint) as acquired', [key])).rows[0]?.acquired === true;
      } finally {
        if (!acquired) {
          client.off('error', onError);
          client.release(lost);
        }
      }
      if (!acquired) return null;
      held.add(client);
      return async () => {
        if (!held.delete(client)) return;
        let broken: Error | undefined;
        try {
          await client.query('select pg_advisory_unlock($1::bigint)', [key]);
        } catch (error) {
          broken = error as Error;
        } finally {
          client.off('error', onError);
          client.release(broken ?? lost);
        }
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      // Closing the held connections is what lets go of their locks; the pool waits for them otherwise.
      for (const client of held) client.release(true);
      held.clear();
      await pool.end();
    },
  };
}
