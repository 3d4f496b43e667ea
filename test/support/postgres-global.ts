// Vitest global setup: one PostgreSQL server for the whole run (TEST_DATABASE_URL, or a throwaway cluster).
import type { TestProject } from 'vitest/node';
import { NO_SERVER_MESSAGE, findPostgresBinaries, startThrowawayPostgres } from './postgres-server.js';
import type { TestPostgres } from './postgres.js';

async function findServer(): Promise<{ provided: TestPostgres; stop?: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { provided: { adminUrl: url } };
  const binDir = findPostgresBinaries();
  if (!binDir) return { provided: { skipReason: NO_SERVER_MESSAGE } };
  try {
    const server = await startThrowawayPostgres(binDir);
    return { provided: { adminUrl: server.adminUrl }, stop: server.stop };
  } catch (error) {
    return { provided: { skipReason: `PostgreSQL tests skipped: could not start PostgreSQL from ${binDir}: ${(error as Error).message.trim()}` } };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { provided, stop } = await findServer();
  // CI sets SHOPSHIFT_PG_TESTS=required: there, tests that cannot run are a failure, not a skip.
  if ('skipReason' in provided && process.env.SHOPSHIFT_PG_TESTS === 'required') {
    throw new Error(`${provided.skipReason.replace('PostgreSQL tests skipped', 'PostgreSQL tests are required (SHOPSHIFT_PG_TESTS=required)')}`);
  }
  project.provide('postgres', provided);
  return async () => {
    await stop?.();
  };
}
