import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openFileRunLedger, type RunLedger } from '../schedule/run-ledger.js';
import { openLowdbStore } from './lowdb.js';
import { openPostgresRunLedger } from './postgres/run-ledger.js';
import { openPostgresStore } from './postgres/store.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;

/** The store the settings choose: PostgreSQL when DATABASE_URL is set, else lowdb in DATA_DIR. */
export function openStore(config: Config, log?: Logger): Promise<Store> {
  const activityKeptMs = config.ACTIVITY_KEEP_DAYS * DAY_MS;
  return config.DATABASE_URL
    ? openPostgresStore({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, activityKeptMs, ...(log ? { log } : {}) })
    : openLowdbStore({ dir: config.DATA_DIR, activityKeptMs });
}

/**
 * Where scheduled runs are claimed, beside the store: PostgreSQL (one run per occurrence across every
 * process on the database) or files in DATA_DIR (the processes of one host).
 */
export async function openRunLedgerFor(config: Config, log?: Logger): Promise<{ ledger: RunLedger; close(): Promise<void> }> {
  if (!config.DATABASE_URL) return { ledger: await openFileRunLedger(config.DATA_DIR), close: async () => undefined };
  // A few connections: each job running holds one for its advisory lock; more jobs due at once wait their turn.
  const ledger = await openPostgresRunLedger({ url: config.DATABASE_URL, poolSize: 5, ...(log ? { log } : {}) });
  return { ledger, close: () => ledger.close() };
}
