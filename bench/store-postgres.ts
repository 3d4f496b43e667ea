// What status updates cost on a 100k-listing PostgreSQL store (TEST_DATABASE_URL, or a throwaway local cluster).
import { copyStoreDataToPostgres } from '../src/store/postgres/copy.js';
import { openPostgresStore } from '../src/store/postgres/store.js';
import { emptyStoreData } from '../src/store/schema.js';
import { benchListing as listing } from './store.js';
import { createTestDatabase, findPostgresBinaries, NO_SERVER_MESSAGE, startThrowawayPostgres } from '../test/support/postgres-server.js';

export interface PostgresStoreBench {
  listings: number;
  msPer1000Updates: number;
  /** Writing the listings in by `store copy`'s batched inserts. */
  copySeconds: number;
}

export async function benchDatabase(): Promise<{ url: string; dispose(): Promise<void> }> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopServer: () => Promise<void> = async () => undefined;
  if (!adminUrl) {
    const binDir = findPostgresBinaries();
    if (!binDir) throw new Error(NO_SERVER_MESSAGE.replace('PostgreSQL tests skipped', 'PostgreSQL benchmark not run'));
    const server = await startThrowawayPostgres(binDir);
    adminUrl = server.adminUrl;
    stopServer = server.stop;
  }
  const database = await createTestDatabase(adminUrl);
  return {
    url: database.url,
    async dispose() {
      await database.drop();
      await stopServer();
    },
  };
}

export async function benchPostgresStore(listings: number, updates: number): Promise<PostgresStoreBench> {
  const database = await benchDatabase();
  try {
    const copyStarted = performance.now();
    await copyStoreDataToPostgres({ ...emptyStoreData(), listings: Array.from({ length: listings }, (_, i) => listing(i)) }, { toUrl: database.url });
    const copySeconds = (performance.now() - copyStarted) / 1000;

    const store = await openPostgresStore({ url: database.url });
    try {
      const started = performance.now();
      for (let u = 0; u < updates; u++) {
        const i = (u * 7919) % listings;
        await store.listings.put({ ...listing(i), state: u % 5 === 0 ? 'rejected' : 'live', tiktokStatus: 'ACTIVATE', updatedAt: new Date().toISOString() });
      }
      const msPer1000Updates = ((performance.now() - started) / updates) * 1000;
      return { listings, msPer1000Updates, copySeconds };
    } finally {
      await store.close();
    }
  } finally {
    await database.dispose();
  }
}
