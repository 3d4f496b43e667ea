import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createJobRunner, latestOccurrence, type Job } from '../../src/schedule/job-runner.js';
import { openFileRunLedger } from '../../src/schedule/run-ledger.js';
import { captureLogs } from '../support/log-capture.js';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

/** A runner on a fresh ledger directory, its clock set by the test. */
async function setUp(startIso: string) {
  const clock = { now: at(startIso) };
  const logs = captureLogs('debug');
  const ledger = await openFileRunLedger(await mkdtemp(join(tmpdir(), 'shopshift-runner-')), { now: () => clock.now });
  const runner = createJobRunner({ ledger, owner: 'test-process', log: logs.log, now: () => clock.now });
  const runs: string[] = [];
  const job = (name: string, pattern: string, timezone = 'UTC', run?: Job['run']): Job => ({
    name, pattern, timezone, run: run ?? (async (occurrence) => void runs.push(`${name} ${occurrence.toISOString()}`)),
  });
  /** Moves the clock and ticks there. */
  const tickAt = async (iso: string) => {
    clock.now = at(iso);
    await runner.tick(clock.now);
  };
  return { clock, logs, runner, runs, job, tickAt };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('latestOccurrence', () => {
  it('is the occurrence itself at the exact instant, and the one before a millisecond earlier', () => {
    expect(latestOccurrence('0 9 * * *', 'Europe/Paris', at('2026-03-28T08:00:00Z')).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(latestOccurrence('0 9 * * *', 'Europe/Paris', at('2026-03-28T07:59:59.999Z')).toISOString()).toBe('2026-03-27T08:00:00.000Z');
  });
});

describe('the job runner', () => {
  it('does not start a job again while its previous run is still going, and runs the occurrence it held up once afterwards', async () => {
    const { runner, runs, job, tickAt, clock, logs } = await setUp('2026-03-28T08:59:30Z');
    const gate = deferred();
    let started = 0;
    await runner.setJobs([job('slow', '* * * * *', 'UTC', async () => {
      started++;
      await gate.promise;
    }), job('quick', '* * * * *')]);
    clock.now = at('2026-03-28T09:00:00Z');
    const first = runner.tick(clock.now);
    await tickAt('2026-03-28T09:01:00Z');
    await tickAt('2026-03-28T09:02:00Z');
    expect(started).toBe(1);
    expect(runs).toEqual(['quick 2026-03-28T09:00:00.000Z', 'quick 2026-03-28T09:01:00.000Z', 'quick 2026-03-28T09:02:00.000Z']);
    expect(logs.lines().filter((line) => line.msg === 'job still running; not started again')).toEqual([
      expect.objectContaining({ level: 40, job: 'slow', occurrence: '2026-03-28T09:01:00.000Z' }),
      expect.objectContaining({ level: 40, job: 'slow', occurrence: '2026-03-28T09:02:00.000Z' }),
    ]);
    gate.resolve();
    await first;
    await tickAt('2026-03-28T09:02:30Z');
    await tickAt('2026-03-28T09:02:45Z');
    expect(started).toBe(2);
  });

  it('does not run a new job for an occurrence before it was registered', async () => {
    const { runner, runs, job, tickAt } = await setUp('2026-03-28T10:00:00Z');
    await runner.setJobs([job('summary', '0 8 * * *')]);
    await tickAt('2026-03-28T10:00:00Z');
    await tickAt('2026-03-28T23:59:00Z');
    expect(runs).toEqual([]);
    await tickAt('2026-03-29T08:00:00Z');
    expect(runs).toEqual(['summary 2026-03-29T08:00:00.000Z']);
  });

  it('does not run a schedule moved to an earlier time of the day straight away', async () => {
    const { runner, runs, job, tickAt, clock } = await setUp('2026-03-27T12:00:00Z');
    await runner.setJobs([job('summary', '0 11 * * *')]);
    await tickAt('2026-03-28T09:00:00Z');
    clock.now = at('2026-03-28T10:00:00Z');
    await runner.setJobs([job('summary', '0 8 * * *')]);
    await tickAt('2026-03-28T10:00:00Z');
    await tickAt('2026-03-28T11:00:00Z');
    expect(runs).toEqual([]);
    await tickAt('2026-03-29T08:00:00Z');
    expect(runs).toEqual(['summary 2026-03-29T08:00:00.000Z']);
  });

  it('logs a failing job at error level, still runs the others, and does not retry the failed occurrence', async () => {
    const { runner, runs, job, tickAt, logs } = await setUp('2026-03-28T08:00:00Z');
    let attempts = 0;
    await runner.setJobs([
      job('broken', '0 9 * * *', 'UTC', async () => {
        attempts++;
        throw new Error('Slack is down');
      }),
      job('fine', '0 9 * * *'),
    ]);
    await tickAt('2026-03-28T09:00:00Z');
    await tickAt('2026-03-28T09:01:00Z');
    expect(runs).toEqual(['fine 2026-03-28T09:00:00.000Z']);
    expect(attempts).toBe(1);
    expect(logs.lines().filter((line) => line.msg === 'job failed')).toEqual([
      expect.objectContaining({ level: 50, job: 'broken', occurrence: '2026-03-28T09:00:00.000Z', err: expect.objectContaining({ message: 'Slack is down' }) }),
    ]);
  });

  it('leaves out a job with an unknown time zone or a bad pattern and runs the rest', async () => {
    const { runner, runs, job, tickAt, logs } = await setUp('2026-03-28T08:00:00Z');
    expect(await runner.setJobs([job('lost', '0 9 * * *', 'Mars/Olympus'), job('typo', '0 25 * * *'), job('fine', '0 9 * * *')])).toBe(1);
    await tickAt('2026-03-28T09:00:00Z');
    expect(runs).toEqual(['fine 2026-03-28T09:00:00.000Z']);
    expect(logs.lines().filter((line) => line.msg === 'job not scheduled: bad pattern or time zone').map((line) => line.job)).toEqual(['lost', 'typo']);
  });

  it('runs a time in the hour repeated when clocks go back once, not twice', async () => {
    const { runner, runs, job, tickAt } = await setUp('2026-10-24T12:00:00Z');
    await runner.setJobs([job('night', '30 2 * * *', 'Europe/Paris')]);
    // 02:30 in Paris is 00:30Z in summer time, and again 01:30Z after clocks go back at 03:00 (01:00Z).
    for (let now = at('2026-10-25T00:00:00Z'); now <= at('2026-10-25T03:00:00Z'); now += MINUTE) await tickAt(new Date(now).toISOString());
    expect(runs).toEqual(['night 2026-10-25T00:30:00.000Z']);
  });

  it('stops ticking on stop, once the runs in progress have finished', async () => {
    const { runner, runs, job, clock } = await setUp('2026-03-28T08:59:00Z');
    const gate = deferred();
    let [started, finished] = [false, false];
    await runner.setJobs([job('slow', '0 9 * * *', 'UTC', async () => {
      started = true;
      await gate.promise;
      finished = true;
    }), job('later', '1 9 * * *')]);
    clock.now = at('2026-03-28T09:00:00Z');
    void runner.tick(clock.now);
    await vi.waitFor(() => expect(started).toBe(true));
    const stopping = runner.stop();
    setTimeout(gate.resolve, 20);
    await stopping;
    expect(finished).toBe(true);
    await runner.tick(at('2026-03-28T09:01:00Z'));
    expect(runs).toEqual([]);
  });

  it('learns at each tick a job another process set, and runs its next occurrence once, even when it learns it just as it is due', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-runner-'));
    const clock = { now: at('2026-03-28T08:58:30Z') };
    const runs: string[] = [];
    const summary: Job = { name: 'summary:C1', pattern: '0 9 * * *', timezone: 'UTC', run: async (occurrence) => void runs.push(occurrence.toISOString()) };
    let shared: Job[] = [];
    const processOf = async (owner: string) => createJobRunner({
      ledger: await openFileRunLedger(dir, { now: () => clock.now }), owner, log: captureLogs().log, now: () => clock.now, refresh: async () => shared,
    });
    const [changer, other] = [await processOf('host:1'), await processOf('host:2')];
    await changer.setJobs([]);
    await other.setJobs([]);
    // host:1 handles "/shop summary set 09:00": the schedule is stored and host:1 loads it (from now on).
    shared = [summary];
    await changer.setJobs(shared);
    // host:2 first reads it on the 09:00 tick, before host:1 ticks.
    clock.now = at('2026-03-28T09:00:00.200Z');
    await other.tick(clock.now);
    await changer.tick(clock.now);
    expect(runs).toEqual(['2026-03-28T09:00:00.000Z']);
    clock.now = at('2026-03-29T09:00:00Z');
    await Promise.all([changer.tick(clock.now), other.tick(clock.now)]);
    expect(runs).toEqual(['2026-03-28T09:00:00.000Z', '2026-03-29T09:00:00.000Z']);
  });
});
