import type { Config } from '../config.js';
import { ShopshiftError } from '../errors.js';
import type { Logger } from '../log.js';
import { openFileRunLedger, type RunLedger } from '../schedule/run-ledger.js';
import { openLowdbStore } from './lowdb.js';
import { openPostgresRunLedger } from './postgres/run-ledger.js';
import { describeDatabaseUrl } from './postgres/db.js';
import { openPostgresStore } from './postgres/store.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;

/** The store the settings choose: PostgreSQL when DATABASE_URL is set, else lowdb in DATA_DIR. */
export function openStore(config: Config, log?: Logger): Promise<Store> {
  const activityKeptMs = config.ACTIVITY_KEEP_DAYS * DAY_MS;
  if (!config.DATABASE_URL) return openLowdbStore({ dir: config.DATA_DIR, activityKeptMs });
  const url = config.DATABASE_URL;
  return openPostgresStore({ url, poolSize: config.DATABASE_POOL_SIZE, activityKeptMs, ...(log ? { log } : {}) }).catch((error: unknown) => {
    throw unreachable(url, error);
  });
}

/** A store that cannot be opened is a setting or a server to fix: said in one line, without the URL's password. */
function unreachable(url: string, error: unknown): unknown {
  if (error instanceof ShopshiftError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ShopshiftError('CONFIG_INVALID', `The PostgreSQL store at ${describeDatabaseUrl(url)} could not be opened (${reason}). Check DATABASE_URL and that the server is running.`, { cause: error });
}

/**
 * Where scheduled runs are claimed, beside the store: PostgreSQL (one run per occurrence across every
 * process on the database) or files in DATA_DIR (the processes of one host).
 */
export async function openRunLedgerFor(config: Config, log?: Logger): Promise<{ ledger: RunLedger; close(): Promise<void> }> {
  if (!config.DATABASE_URL) return { ledger: await openFileRunLedger(config.DATA_DIR), close: async () => undefined };
  // A few connections: each job running holds one for its advisory lock; more jobs due at once wait their turn.
  const url = config.DATABASE_URL;
  const ledger = await openPostgresRunLedger({ url, poolSize: 5, ...(log ? { log } : {}) }).catch((error: unknown) => {
    throw unreachable(url, error);
  });
  return { ledger, close: () => ledger.close() };
}
