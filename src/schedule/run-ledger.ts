import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Which occurrences of each scheduled job have been taken, shared by every process of a deployment.
 * The embedded deployment keeps it in files (openFileRunLedger); a PostgreSQL store implements the
 * same two calls with a table keyed on (job, occurrence).
 */
export interface RunLedger {
  /** The newest occurrence claimed for the job by any process; null before its first claim. */
  lastRun(job: string): Promise<Date | null>;
  /**
   * True for exactly one caller per (job, occurrence), across processes; false for every other. A
   * claim stands whether or not the run then succeeds.
   */
  claim(job: string, occurrence: Date, owner: string): Promise<boolean>;
  /**
   * Marks the job as running here until the returned release is called; null while another process
   * runs it, so a long run is not overlapped by the next occurrence elsewhere. A process that dies lets go.
   */
  hold(job: string): Promise<(() => Promise<void>) | null>;
}

/** For ledgers of one process (or one host's files), where the runner's own record of runs in progress is enough. */
const alwaysHeld = async (): Promise<() => Promise<void>> => async () => undefined;

export interface FileRunLedgerOptions {
  /** Claims of occurrences older than this are deleted (default 7 days); the per-job last run stays. */
  keepMs?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

const lastRunFileSchema = z.object({ job: z.string(), lastRun: z.iso.datetime() });
const claimFileSchema = z.object({ claimedAt: z.iso.datetime() });

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException | null)?.code === code;

/**
 * The ledger under `<dir>/runs/`. A claim is a file created with the `wx` flag, which the kernel
 * makes atomic between processes on one host; its name starts with the occurrence's epoch
 * milliseconds (for pruning) followed by a hash of job and occurrence. Each job's newest claimed
 * occurrence is kept in `last/<hash of job>.json`, replaced by write-and-rename.
 */
export async function openFileRunLedger(dir: string, options: FileRunLedgerOptions = {}): Promise<RunLedger> {
  const claimsDir = join(dir, 'runs', 'claims');
  const lastDir = join(dir, 'runs', 'last');
  await mkdir(claimsDir, { recursive: true });
  await mkdir(lastDir, { recursive: true });
  const keepMs = options.keepMs ?? 7 * DAY_MS;
  const now = options.now ?? Date.now;
  let prunedAt = Number.NEGATIVE_INFINITY;
  // Chains this process's updates of each job's file; between processes a later raise puts a crossed one right.
  const updates = new Map<string, Promise<unknown>>();

  const lastFile = (job: string) => join(lastDir, `${digest(job)}.json`);

  async function lastRun(job: string): Promise<Date | null> {
    let text: string;
    try {
      text = await readFile(lastFile(job), 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    }
    const parsed = lastRunFileSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.job === job ? new Date(parsed.data.lastRun) : null;
  }

  /** Moves the job's last run forward to `occurrence`, never back. */
  function raise(job: string, occurrence: Date): Promise<void> {
    const next = (updates.get(job) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const current = await lastRun(job);
      if (current !== null && current.getTime() >= occurrence.getTime()) return;
      const file = lastFile(job);
      const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temporary, JSON.stringify({ job, lastRun: occurrence.toISOString() }));
      await rename(temporary, file);
    });
    updates.set(job, next);
    return next;
  }

  /** When the claim in the file was made; null while it is still being written. */
  async function claimedAt(file: string): Promise<number | null> {
    try {
      const parsed = claimFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      return parsed.success ? Date.parse(parsed.data.claimedAt) : null;
    } catch {
      return null;
    }
  }

  /** Claims whose occurrence and claiming both lie before the cutoff; a fresh claim of an old occurrence stays. */
  async function prune(): Promise<void> {
    const cutoff = now() - keepMs;
    for (const name of await readdir(claimsDir)) {
      if (!(Number(name.split('-', 1)[0]) < cutoff)) continue;
      const file = join(claimsDir, name);
      const at = await claimedAt(file);
      if (at !== null && at < cutoff) await rm(file, { force: true });
    }
  }

  return {
    lastRun,
    hold: alwaysHeld,
    async claim(job, occurrence, owner) {
      const at = occurrence.getTime();
      const file = join(claimsDir, `${at}-${digest(`${job}\n${occurrence.toISOString()}`)}.claim`);
      let won: boolean;
      try {
        const handle = await open(file, 'wx');
        try {
          await handle.writeFile(JSON.stringify({ job, occurrence: occurrence.toISOString(), owner, claimedAt: new Date(now()).toISOString() }));
        } finally {
          await handle.close();
        }
        won = true;
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw error;
        won = false;
      }
      // The loser raises too, so the last run reaches every claimed occurrence even if two writes crossed.
      await raise(job, occurrence);
      if (now() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = now();
        await prune();
      }
      return won;
    },
  };
}

/** A ledger for one process alone: no catch-up after a restart and no lock between processes. */
export function createMemoryRunLedger(): RunLedger {
  const claimed = new Set<string>();
  const last = new Map<string, number>();
  return {
    hold: alwaysHeld,
    async lastRun(job) {
      const at = last.get(job);
      return at === undefined ? null : new Date(at);
    },
    async claim(job, occurrence) {
      const at = occurrence.getTime();
      last.set(job, Math.max(at, last.get(job) ?? at));
      const key = `${job}\n${at}`;
      if (claimed.has(key)) return false;
      claimed.add(key);
      return true;
    },
  };
}
