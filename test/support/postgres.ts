import type pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { asAdmin, createTestDatabase } from './postgres-server.js';

export { createTestDatabase };

/** What the global setup hands the test files: a server to use, or why there is none. */
export type TestPostgres = { adminUrl: string } | { skipReason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: TestPostgres;
  }
}

/** Runs one statement on the database with a connection of its own: for looking behind the store's back. */
export async function queryDatabase<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  return asAdmin(url, async (client) => (await client.query<R>(text, params)).rows);
}

/** Empties every shopshift table of the database (the schema and its migration records stay). */
export async function emptyDatabase(url: string): Promise<void> {
  await asAdmin(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = current_schema() and tablename <> 'schema_migrations'");
    if (rows.length > 0) await client.query(`truncate ${rows.map((row) => row.name).join(', ')} restart identity`);
  });
}

export interface TestDatabase {
  /** The file's database: created before its tests, dropped after them. */
  readonly url: string;
  /** Another empty database, dropped after the file's tests. */
  fresh(): Promise<string>;
  /** `describe`, or `describe.skip` when there is no PostgreSQL server (with a warning saying how to get one). */
  describe: typeof describe;
}

/** A database of its own for the calling test file, so files running in parallel never meet. */
export function withTestDatabase(): TestDatabase {
  const server = inject('postgres');
  if ('skipReason' in server) {
    console.warn(server.skipReason);
    return {
      get url(): string {
        throw new Error(server.skipReason);
      },
      fresh: async () => {
        throw new Error(server.skipReason);
      },
      describe: describe.skip as typeof describe,
    };
  }
  const drops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  const fresh = async () => {
    const database = await createTestDatabase(server.adminUrl);
    drops.push(database.drop);
    return database.url;
  };
  beforeAll(async () => {
    url = await fresh();
  });
  afterAll(async () => {
    await Promise.all(drops.map((drop) => drop()));
  });
  return {
    get url(): string {
      if (url === undefined) throw new Error('The test database is created before the tests run; read its url inside a test.');
      return url;
    },
    fresh,
    describe,
  };
}
