import { access, constants } from 'node:fs/promises';
import type { UpstreamService, UpstreamStatus } from './bot-metrics.js';

export interface HealthReport {
  /** degraded: the store cannot be written, or a service's last request failed. */
  status: 'ok' | 'degraded';
  store: { writable: boolean };
  upstream: Record<UpstreamService, UpstreamStatus>;
  /** Outbox messages waiting; null when the store could not be read. */
  outbox: { queued: number | null };
}

/**
 * Whether the store's folder can be written: the journal is appended through an open descriptor, but
 * compaction writes and renames files there. A permission check only: nothing is written. (Root passes
 * any permission check; a read-only mount or a removed folder still fails it.)
 */
export async function isWritableDir(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface HealthDeps {
  /**
   * lowdb: its folder can be written (isWritableDir). Absent for a database, whose store is writable when it
   * answers the outbox query below: asking it twice would tell nothing more.
   */
  storeWritable?(): Promise<boolean>;
  queued(): Promise<number>;
  upstream(): Record<UpstreamService, UpstreamStatus>;
}

const failing = (status: UpstreamStatus) => status.lastErrorAt !== null && (status.lastSuccessAt === null || status.lastErrorAt > status.lastSuccessAt);

/**
 * GET /healthz: 503 only when the store cannot be written (restarting may help; the bot cannot work
 * without it). A failing TikTok or Slack shows as "degraded" with 200: restarting would not mend it.
 */
export async function checkHealth(deps: HealthDeps): Promise<{ httpStatus: 200 | 503; report: HealthReport }> {
  const [dirWritable, queued] = await Promise.all([deps.storeWritable?.().catch(() => false) ?? null, deps.queued().catch(() => null)]);
  const writable = dirWritable ?? queued !== null;
  const upstream = deps.upstream();
  const degraded = !writable || queued === null || Object.values(upstream).some(failing);
  return {
    httpStatus: writable ? 200 : 503,
    report: { status: degraded ? 'degraded' : 'ok', store: { writable }, upstream, outbox: { queued } },
  };
}
