import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../log.js';

export type Row = pg.QueryResultRow;

/**
 * Where the store's statements run: the pool (each statement on its own, autocommitted) or one client
 * inside a transaction. The store's methods are written once against this.
 */
export interface Db {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** All of the work or none of it: a transaction, or a savepoint inside one. */
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

export function openPool({ url, max, log }: { url: string; max: number; log?: Logger }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url, max, application_name: 'shopshift',
    // TCP keepalive: a connection to a server that vanished (or from a client that did) is noticed, and its locks let go.
    keepAlive: true,
  });
  // An idle connection the server drops (restart, failover) must not take the process down.
  pool.on('error', (error) => log?.warn({ err: error, database: describeDatabaseUrl(url) }, 'PostgreSQL connection lost'));
  return pool;
}

/** Host, port and database of a URL, never its user or password: safe for logs and messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'localhost'}${parsed.pathname}`;
  } catch {
    return '(unparsable database URL)';
  }
}

/** A 64-bit advisory lock key for a name (as a decimal string: JavaScript numbers cannot hold it). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * A client out of the pool, with a listener for the errors of its connection while it is out: the pool
 * only listens while a client is idle in it, and an 'error' nobody listens for ends the process. The
 * connection's error is handed back with the client, so a lost connection is not pooled again.
 */
export async function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; release(error?: Error): void }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    client,
    release(error) {
      client.off('error', onError);
      client.release(error ?? lost);
    },
  };
}

/** COMMIT of a transaction a failed statement aborted: PostgreSQL rolls it back and says so only in the command tag. */
export class TransactionRolledBackError extends Error {
  constructor() {
    super('The transaction was rolled back: one of its statements failed, and the work went on as if it had not.');
    this.name = 'TransactionRolledBackError';
  }
}

/** Runs work on one client in BEGIN … COMMIT, rolling back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    const commit = await client.query('COMMIT');
    if (commit.command === 'ROLLBACK') throw new TransactionRolledBackError();
    return result;
  } catch (error) {
    // A connection that cannot even roll back is thrown away rather than handed to the next caller.
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    release(broken);
  }
}

export function poolDb(pool: pg.Pool): Db {
  return {
    query: async (text, params) => (await pool.query(text, params as unknown[])).rows,
    transaction: (work) => inTransaction(pool, (client) => work(transactionDb(client))),
  };
}

/** A client already inside a transaction; nested transactions are savepoints. */
export function transactionDb(client: pg.PoolClient, depth = 1): Db {
  const savepoint = `shopshift_${depth}`;
  async function transaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
    await client.query(`SAVEPOINT ${savepoint}`);
    try {
      const result = await work(transactionDb(client, depth + 1));
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      throw error;
    }
  }
  return {
    query: async (text, params) => (await client.query(text, params as unknown[])).rows,
    transaction,
  };
}

/** A Db whose calls run one at a time, until it is ended. */
export interface SessionDb extends Db {
  /**
   * Waits for the calls made so far (and those they make in turn), then refuses any later one: the
   * transaction they belong to is about to end, and its client to go back to the pool.
   */
  end(): Promise<void>;
}

/**
 * Runs the calls one at a time: work under a lock may call the store concurrently, and on one
 * client the statements of two savepoints must not interleave.
 */
export function oneAtATime(db: Db): SessionDb {
  let last: Promise<unknown> = Promise.resolve();
  let ended = false;
  function queue<T>(call: () => Promise<T>): Promise<T> {
    if (ended) return Promise.reject(new Error('The work under this lock has ended: the store it was given can no longer be used.'));
    const next = last.then(call, call);
    last = next.catch(() => undefined);
    return next;
  }
  return {
    query: (text, params) => queue(() => db.query(text, params)),
    transaction: (work) => queue(() => db.transaction(work)),
    async end() {
      // A call that settles may make another (a retry, a second statement): let its continuation run before looking again.
      for (let seen: Promise<unknown> | undefined; seen !== last;) {
        seen = last;
        await seen;
        await new Promise((resolve) => setImmediate(resolve));
      }
      ended = true;
    },
  };
}

/** Reads ms since the epoch from an ISO time; null (never due, never in range) when it is not one. */
export function msOf(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}
