import { afterEach, expect, it } from 'vitest';
import { openPostgresRunLedger, type PostgresRunLedger, type PostgresRunLedgerOptions } from '../../src/store/postgres/run-ledger.js';
import { queryDatabase, withTestDatabase } from '../support/postgres.js';

const NINE = new Date('2026-03-28T08:00:00Z');
const NEXT_NINE = new Date('2026-03-30T07:00:00Z');
const database = withTestDatabase();

const opened: PostgresRunLedger[] = [];
/** A ledger as another process would open it: its own pool on the same database. */
async function openProcess(options: Partial<PostgresRunLedgerOptions> = {}): Promise<PostgresRunLedger> {
  const ledger = await openPostgresRunLedger({ url: database.url, poolSize: 3, ...options });
  opened.push(ledger);
  return ledger;
}

async function claimsOf(job: string): Promise<Date[]> {
  const rows = await queryDatabase<{ occurrence: Date }>(database.url, 'select occurrence from job_runs where job = $1 order by occurrence', [job]);
  return rows.map((row) => row.occurrence);
}

database.describe('the PostgreSQL run ledger', () => {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
  });

  it('gives an occurrence to exactly one of many claims from three processes', async () => {
    const ledgers = [await openProcess(), await openProcess(), await openProcess()];
    const results = await Promise.all(Array.from({ length: 21 }, (_, at) => ledgers[at % 3]!.claim('summary:slack:C1', NINE, `p${at}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps claims of the same occurrence for different jobs apart', async () => {
    const ledger = await openProcess();
    expect(await ledger.claim('summary:slack:C2', NINE, 'p1')).toBe(true);
    expect(await ledger.claim('summary:slack:C3', NINE, 'p1')).toBe(true);
  });

  it('answers null for a job never claimed, then the newest occurrence claimed, as another process sees it', async () => {
    const ledger = await openProcess();
    expect(await ledger.lastRun('summary:slack:C4')).toBeNull();
    await ledger.claim('summary:slack:C4', NEXT_NINE, 'p1');
    await ledger.claim('summary:slack:C4', NINE, 'p1');
    expect(await (await openProcess()).lastRun('summary:slack:C4')).toEqual(NEXT_NINE);
  });

  it('deletes claims older than a week and keeps the last run', async () => {
    let now = NINE.getTime();
    const ledger = await openProcess({ now: () => now });
    await ledger.claim('summary:slack:C5', NINE, 'p1');
    now += 8 * 86_400_000;
    const later = new Date(now);
    // A second process prunes too, on its first claim.
    await (await openProcess({ now: () => now })).claim('summary:slack:C5', later, 'p1');
    expect(await claimsOf('summary:slack:C5')).toEqual([later]);
    expect(await ledger.lastRun('summary:slack:C5')).toEqual(later);
  });

  it('stands by an occurrence it won when deleting old claims fails afterwards', async () => {
    const ledger = await openProcess();
    await queryDatabase(database.url, `create function refuse_delete() returns trigger language plpgsql as $$ begin raise exception 'no deleting'; end $$;
      create trigger refuse_delete before delete on job_runs for each statement execute function refuse_delete()`);
    try {
      expect(await ledger.claim('summary:slack:C6', NINE, 'p1')).toBe(true);
      expect(await claimsOf('summary:slack:C6')).toEqual([NINE]);
    } finally {
      await queryDatabase(database.url, 'drop trigger refuse_delete on job_runs; drop function refuse_delete()');
    }
  });

  it('lets one process at a time hold a job, until it releases it', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    const release = await first.hold('reconcile');
    expect(release).toEqual(expect.any(Function));
    expect(await second.hold('reconcile')).toBeNull();
    expect(await first.hold('reconcile')).toBeNull();
    const other = await second.hold('stuck-review');
    expect(other).not.toBeNull();
    await release!();
    await release!();
    const taken = await second.hold('reconcile');
    expect(taken).not.toBeNull();
    await taken!();
    await other!();
  });

  it('lets go of the jobs a process holds when its connections close, as when it dies', async () => {
    const [first, second] = [await openProcess(), await openProcess()];
    expect(await first.hold('resume')).not.toBeNull();
    expect(await second.hold('resume')).toBeNull();
    await first.close();
    const taken = await second.hold('resume');
    expect(taken).not.toBeNull();
    await taken!();
  });
});
