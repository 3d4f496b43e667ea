import { hostname } from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import type { RunLedger } from './run-ledger.js';

export interface Job {
  /** Unique and stable across restarts: the ledger records runs under it ("summary:shop-1:slack:C1"). */
  name: string;
  /** A cron expression: five fields, or six with seconds first. */
  pattern: string;
  /** The IANA time zone the pattern's hours are read in. */
  timezone: string;
  /** What it resolves with is not used; a rejection is logged. */
  run(occurrence: Date): Promise<unknown>;
}

export interface JobRunnerDeps {
  ledger: RunLedger;
  /** This process, as recorded with its claims (processOwner()). */
  owner: string;
  log: Logger;
  now(): number;
  /**
   * The jobs as they stand now, read before each tick: how a process learns of jobs another process
   * added or changed. Jobs learnt this way follow the ledger's last run rather than starting from now,
   * since the process that changed them already recorded that.
   */
  refresh?(): Promise<readonly Job[]>;
}

export interface JobRunner {
  /** Replaces the jobs; resolves with how many were accepted (a bad pattern or time zone is logged and left out). */
  setJobs(jobs: readonly Job[]): Promise<number>;
  /** Starts each job that is due at `now`; resolves when the runs it started have finished. */
  tick(now?: number): Promise<void>;
  /** Ticks once a minute on node-cron. */
  start(): void;
  /** No more ticks; resolves when the runs in progress have finished. */
  stop(): Promise<void>;
}

/** Names this process in the ledger's claims. */
export const processOwner = (): string => `${hostname()}:${process.pid}`;

/** The pattern's latest occurrence at or before `now`, in the time zone; throws on a bad pattern or zone. */
export function latestOccurrence(pattern: string, timezone: string, now: number): Date {
  // prev() answers strictly before currentDate, and an occurrence at exactly `now` is due.
  const occurrence = CronExpressionParser.parse(pattern, { tz: timezone, currentDate: new Date(now + 1) }).prev().toDate();
  if (Number.isNaN(occurrence.getTime())) throw new RangeError(`no occurrence of "${pattern}" in time zone "${timezone}"`);
  return occurrence;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The date and time a clock on the wall in the zone shows at the instant. */
function wallClock(instant: Date, timezone: string): string {
  let format = wallClocks.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    wallClocks.set(timezone, format);
  }
  return format.format(instant);
}

/**
 * Runs jobs at their cron occurrences, by comparing on each tick the latest occurrence with the last
 * run recorded in the ledger. So after downtime only the latest missed occurrence runs; a job still
 * running is not started again (the occurrence it held up runs once it has finished, if still the
 * latest); and of several processes only the one that claims an occurrence runs it. A job seen for
 * the first time starts from now, never from an occurrence already past.
 */
export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { ledger, owner, log } = deps;
  let jobs = new Map<string, Job>();
  let loaded = false;
  let stopped = false;
  let task: ScheduledTask | null = null;
  const running = new Map<string, Promise<void>>();
  /** The occurrence each held-up job was last logged for, so a long run is reported once, not every minute. */
  const heldUp = new Map<string, number>();
  // setJobs and the deciding part of each tick take turns; the runs themselves go on outside.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(step: () => Promise<T>): Promise<T> => {
    const result = queue.then(step);
    queue = result.catch(() => undefined);
    return result;
  };

  const fields = (job: Job, occurrence?: Date) => ({ job: job.name, ...(occurrence ? { occurrence: occurrence.toISOString() } : {}) });

  async function replaceJobs(list: readonly Job[], { adopt = false } = {}): Promise<number> {
    const now = deps.now();
    const next = new Map<string, Job>();
    for (const job of list) {
      if (next.has(job.name)) {
        log.error({ job: job.name }, 'job name given twice; the second is left out');
        continue;
      }
      try {
        latestOccurrence(job.pattern, job.timezone, now);
      } catch (error) {
        log.error({ err: error, job: job.name, pattern: job.pattern, timezone: job.timezone }, 'job not scheduled: bad pattern or time zone');
        continue;
      }
      const known = jobs.get(job.name);
      const changed = !known || known.pattern !== job.pattern || known.timezone !== job.timezone;
      // At start-up a job goes on from its last run (catching up once); one added or changed later
      // starts from now, so a summary set at 10:00 for 08:00 does not post straight away.
      const fresh = loaded && !adopt ? changed : (await ledger.lastRun(job.name)) === null;
      if (fresh) await ledger.claim(job.name, new Date(now), owner);
      next.set(job.name, job);
    }
    jobs = next;
    loaded = true;
    return next.size;
  }

  async function execute(job: Job, occurrence: Date, release: () => Promise<void>): Promise<void> {
    const startedAt = performance.now();
    try {
      await job.run(occurrence);
      log.debug({ ...fields(job, occurrence), ms: Math.round(performance.now() - startedAt) }, 'job finished');
    } catch (error) {
      log.error({ err: error, ...fields(job, occurrence), ms: Math.round(performance.now() - startedAt) }, 'job failed');
    } finally {
      running.delete(job.name);
      await release().catch((error: unknown) => log.warn({ err: error, job: job.name }, 'job hold not released'));
    }
  }

  /** The run started, wrapped: an async function would otherwise wait for the promise it returns. */
  async function startIfDue(job: Job, now: number): Promise<{ run: Promise<void> } | null> {
    const occurrence = latestOccurrence(job.pattern, job.timezone, now);
    const last = await ledger.lastRun(job.name);
    if (last === null) {
      await ledger.claim(job.name, new Date(now), owner);
      return null;
    }
    if (occurrence.getTime() <= last.getTime()) return null;
    // When clocks go back an hour repeats: a time in it that has already run is the same occurrence.
    if (wallClock(occurrence, job.timezone) === wallClock(last, job.timezone)) return null;
    if (running.has(job.name)) {
      if (heldUp.get(job.name) !== occurrence.getTime()) {
        heldUp.set(job.name, occurrence.getTime());
        log.warn(fields(job, occurrence), 'job still running; not started again');
      }
      return null;
    }
    const release = await ledger.hold(job.name);
    if (!release) {
      log.debug(fields(job, occurrence), 'another process is still running this job');
      return null;
    }
    if (!(await ledger.claim(job.name, occurrence, owner))) {
      await release();
      log.debug(fields(job, occurrence), 'another process took this run');
      return null;
    }
    heldUp.delete(job.name);
    const run = execute(job, occurrence, release);
    running.set(job.name, run);
    return { run };
  }

  async function startDue(now: number): Promise<Promise<void>[]> {
    if (stopped) return [];
    const runs: Promise<void>[] = [];
    for (const job of jobs.values()) {
      try {
        const started = await startIfDue(job, now);
        if (started) runs.push(started.run);
      } catch (error) {
        log.error({ err: error, job: job.name }, 'job not started');
      }
    }
    return runs;
  }

  async function refreshJobs(): Promise<void> {
    if (!deps.refresh) return;
    try {
      await replaceJobs(await deps.refresh(), { adopt: true });
    } catch (error) {
      log.warn({ err: error }, 'jobs not refreshed; the ones known go on');
    }
  }

  async function tick(now = deps.now()): Promise<void> {
    const runs = await enqueue(async () => {
      await refreshJobs();
      return startDue(now);
    });
    await Promise.all(runs);
  }

  return {
    setJobs: (list) => enqueue(() => replaceJobs(list)),
    tick,
    start() {
      if (task || stopped) return;
      task = cron.schedule('* * * * *', () => tick().catch((error: unknown) => log.error({ err: error }, 'scheduler tick failed')), { name: 'shopshift-jobs' });
    },
    async stop() {
      stopped = true;
      await task?.destroy();
      task = null;
      await queue;
      await Promise.all(running.values());
    },
  };
}
