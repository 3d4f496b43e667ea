import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { withTestDatabase } from '../support/postgres.js';
import { makeListing } from '../store/contract.js';

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const database = withTestDatabase();

/** The URL with a password in it (the test server trusts local connections, so any password is let in). */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.username ||= 'postgres';
  parsed.password = 'hunter2-secret';
  return parsed.toString();
}

async function shopshift(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/shopshift.js', ...args], { cwd: projectRoot, env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

database.describe('shopshift store copy', () => {
  it('moves a lowdb store into an empty PostgreSQL database and checks the counts; a second copy is refused', { timeout: 60_000 }, async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'shopshift-store-cli-')), 'data');
    const lowdb = await openLowdbStore({ dir: dataDir });
    for (let i = 0; i < 250; i++) await lowdb.listings.put(makeListing({ handle: `p${i}`, sellerSkus: [`S${i}-a`, `S${i}-b`] }));
    await lowdb.close();
    const target = withPassword(await database.fresh());
    expect(target).toContain(':hunter2-secret@');

    const copied = await shopshift(['store', 'copy', '--to', target], { DATA_DIR: dataDir });
    expect(copied.code).toBe(0);
    expect(copied.stdout).toMatch(/listings\s+250\n/);
    expect(copied.stdout).toContain('Copied and checked');
    const postgres = await openPostgresStore({ url: target });
    expect((await postgres.listings.list('shop-1')).length).toBe(250);
    expect((await postgres.listings.findBySellerSku('shop-1', 'S249-b'))?.handle).toBe('p249');
    await postgres.close();

    const again = await shopshift(['store', 'copy', '--to', target], { DATA_DIR: dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty/);
    expect(`${copied.stdout}${copied.stderr}${again.stdout}${again.stderr}`).not.toContain('hunter2-secret');
  });

  it('says what it needs when --to is missing or not a PostgreSQL URL', async () => {
    const missing = await shopshift(['store', 'copy'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Name the PostgreSQL database to copy into with --to.');
    const wrong = await shopshift(['store', 'copy', '--to', 'mysql://root:hunter2-secret@db/shop'], {});
    expect(wrong.stderr).toContain('--to takes a postgres:// or postgresql:// URL.');
    expect(wrong.stderr).not.toContain('hunter2-secret');
  });
});

describe('a PostgreSQL store that cannot be reached', () => {
  it('stops the command with one line naming the server, never its password', async () => {
    const answer = await shopshift(['map', 'list'], { DATABASE_URL: 'postgres://bot:hunter2-secret@127.0.0.1:1/shopshift' });
    expect(answer.code).toBe(2);
    expect(answer.stderr.trim()).toBe(
      'shopshift: The PostgreSQL store at 127.0.0.1:1/shopshift could not be opened (connect ECONNREFUSED 127.0.0.1:1). Check DATABASE_URL and that the server is running.');
    expect(`${answer.stdout}${answer.stderr}`).not.toContain('hunter2-secret');
  });
});
