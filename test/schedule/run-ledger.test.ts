import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryRunLedger, openFileRunLedger } from '../../src/schedule/run-ledger.js';

const NINE = new Date('2026-03-28T08:00:00Z');
const NEXT_NINE = new Date('2026-03-30T07:00:00Z');
const tempDir = () => mkdtemp(join(tmpdir(), 'shopshift-ledger-'));

describe('the file run ledger', () => {
  it('gives an occurrence to exactly one of many claims from two processes', async () => {
    const dir = await tempDir();
    const [a, b] = [await openFileRunLedger(dir), await openFileRunLedger(dir)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, at) => (at % 2 ? a : b).claim('summary:slack:C1', NINE, `p${at}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps claims of the same occurrence for different jobs apart', async () => {
    const ledger = await openFileRunLedger(await tempDir());
    expect(await ledger.claim('summary:slack:C1', NINE, 'p1')).toBe(true);
    expect(await ledger.claim('summary:slack:C2', NINE, 'p1')).toBe(true);
  });

  it('answers null for a job never claimed, then the newest occurrence claimed, as another process sees it', async () => {
    const dir = await tempDir();
    const ledger = await openFileRunLedger(dir);
    expect(await ledger.lastRun('summary:slack:C1')).toBeNull();
    await ledger.claim('summary:slack:C1', NEXT_NINE, 'p1');
    await ledger.claim('summary:slack:C1', NINE, 'p1');
    expect(await (await openFileRunLedger(dir)).lastRun('summary:slack:C1')).toEqual(NEXT_NINE);
  });

  it('lets a job name with slashes and spaces name no path', async () => {
    const dir = await tempDir();
    const ledger = await openFileRunLedger(dir);
    expect(await ledger.claim('../../etc/passwd summary', NINE, 'p1')).toBe(true);
    expect(await ledger.lastRun('../../etc/passwd summary')).toEqual(NINE);
    expect(await readdir(join(dir, 'runs', 'claims'))).toEqual([expect.stringMatching(/^\d+-[0-9a-f]{40}\.claim$/)]);
  });

  it('deletes claims older than a week and keeps the last run', async () => {
    const dir = await tempDir();
    let now = NINE.getTime();
    const ledger = await openFileRunLedger(dir, { now: () => now });
    await ledger.claim('summary:slack:C1', NINE, 'p1');
    now += 8 * 86_400_000;
    const later = new Date(now);
    await ledger.claim('summary:slack:C1', later, 'p1');
    expect(await readdir(join(dir, 'runs', 'claims'))).toEqual([expect.stringMatching(new RegExp(`^${later.getTime()}-`))]);
    expect(await ledger.lastRun('summary:slack:C1')).toEqual(later);
  });
});

describe('the memory run ledger', () => {
  it('gives an occurrence once and remembers the newest', async () => {
    const ledger = createMemoryRunLedger();
    expect(await ledger.claim('job', NEXT_NINE, 'p1')).toBe(true);
    expect(await ledger.claim('job', NEXT_NINE, 'p2')).toBe(false);
    expect(await ledger.claim('job', NINE, 'p1')).toBe(true);
    expect(await ledger.lastRun('job')).toEqual(NEXT_NINE);
  });
});
