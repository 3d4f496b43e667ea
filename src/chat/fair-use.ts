import type { Config } from '../config.js';
import type { ChatUser } from './command.js';

/**
 * What one run of a command costs: an audit reads a whole catalog, an audit of a URL also fetches
 * someone's server page by page, and a migration start or resume pushes products to TikTok Shop.
 * Commands declare theirs next to their permission (`cost` in CommandDefinition).
 */
export type FairUseCost = 'audit' | 'audit-external' | 'migration';

export interface FairUseLimits {
  /** Per rolling hour; 0 turns a limit off. */
  auditsPerUserPerHour: number;
  urlAuditsPerUserPerHour: number;
  auditsPerChannelPerHour: number;
  migrationsPerChannelPerHour: number;
  /** Audits the process runs at once, whoever asked. */
  maxConcurrentAudits: number;
}

export const fairUseLimitsFrom = (config: Config): FairUseLimits => ({
  auditsPerUserPerHour: config.FAIR_USE_AUDITS_PER_USER_PER_HOUR,
  urlAuditsPerUserPerHour: config.FAIR_USE_URL_AUDITS_PER_USER_PER_HOUR,
  auditsPerChannelPerHour: config.FAIR_USE_AUDITS_PER_CHANNEL_PER_HOUR,
  migrationsPerChannelPerHour: config.FAIR_USE_MIGRATIONS_PER_CHANNEL_PER_HOUR,
  maxConcurrentAudits: config.MAX_CONCURRENT_AUDITS,
});

export type Admission =
  /** Let through; `release` frees its audit slot when the handler is done (a no-op for other costs). */
  | { ok: true; release(): void }
  | { ok: false; message: string; waitMs: number };

export interface FairUse {
  /** Counts the run against every limit its cost falls under, or says which limit it is over and for how long. */
  admit(request: { cost: FairUseCost; user: ChatUser; channelId: string }): Admission;
}

const HOUR_MS = 3_600_000;

interface RateLimit {
  scope: 'user' | 'channel';
  costs: readonly FairUseCost[];
  max: number;
  /** "You have run 10 audits", "This channel has started or resumed 6 migrations". */
  done(count: number): string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The wait, rounded up to whole minutes: a person retries by the minute, not by the second. */
export function waitText(waitMs: number): string {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  return minutes === 1 ? 'a minute' : minutes === 60 ? 'an hour' : `${minutes} minutes`;
}

/**
 * Fair use of the expensive commands, per process and in memory: each limit keeps the times of the
 * runs it let through in the last hour (a sliding window), so the wait it names is exact. A refused
 * run counts against nothing.
 */
export function createFairUse(limits: FairUseLimits, now: () => number): FairUse {
  const rateLimits: RateLimit[] = [
    { scope: 'user', costs: ['audit-external'], max: limits.urlAuditsPerUserPerHour, done: (n) => `You have run ${plural(n, 'audit', 'audits')} of a store or CSV URL` },
    { scope: 'user', costs: ['audit', 'audit-external'], max: limits.auditsPerUserPerHour, done: (n) => `You have run ${plural(n, 'audit', 'audits')}` },
    { scope: 'channel', costs: ['audit', 'audit-external'], max: limits.auditsPerChannelPerHour, done: (n) => `This channel has run ${plural(n, 'audit', 'audits')}` },
    { scope: 'channel', costs: ['migration'], max: limits.migrationsPerChannelPerHour, done: (n) => `This channel has started or resumed ${plural(n, 'migration', 'migrations')}` },
  ];
  /** Times of admitted runs in the last hour, by limit and user or channel. */
  const windows = new Map<string, number[]>();
  let auditsRunning = 0;
  let sweptAt = now();

  function recent(key: string, at: number): number[] {
    const times = (windows.get(key) ?? []).filter((time) => time > at - HOUR_MS);
    if (times.length) windows.set(key, times);
    else windows.delete(key);
    return times;
  }

  // Keys of people and channels that went quiet would otherwise stay for the life of the process.
  function sweep(at: number): void {
    if (at - sweptAt < HOUR_MS) return;
    sweptAt = at;
    for (const key of [...windows.keys()]) recent(key, at);
  }

  return {
    admit({ cost, user, channelId }) {
      const at = now();
      sweep(at);
      // Managers are named in the settings and are the ones re-running audits while fixing a catalog,
      // so per-user limits would only get in their way; the channel limits and the process-wide cap
      // still hold for them, and those are what protect the bot.
      const applicable = rateLimits
        .map((limit, index) => ({ limit, key: `${index}\u0000${user.platform}:${limit.scope === 'user' ? user.id : channelId}` }))
        .filter(({ limit }) => limit.max > 0 && limit.costs.includes(cost) && !(limit.scope === 'user' && user.isManager));
      let refusal: { message: string; waitMs: number } | null = null;
      for (const { limit, key } of applicable) {
        const times = recent(key, at);
        if (times.length < limit.max) continue;
        // The run that must drop out of the window before another fits.
        const waitMs = times[times.length - limit.max]! + HOUR_MS - at;
        if (!refusal || waitMs > refusal.waitMs) refusal = { message: `${limit.done(times.length)} in the last hour; try again in ${waitText(waitMs)}.`, waitMs };
      }
      if (refusal) return { ok: false, ...refusal };
      const isAudit = cost === 'audit' || cost === 'audit-external';
      if (isAudit && auditsRunning >= limits.maxConcurrentAudits) {
        return { ok: false, message: `${auditsRunning === 1 ? '1 audit is' : `${auditsRunning} audits are`} running; try again in a minute.`, waitMs: 60_000 };
      }
      for (const { key } of applicable) windows.set(key, [...(windows.get(key) ?? []), at]);
      if (!isAudit) return { ok: true, release: () => undefined };
      auditsRunning++;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          auditsRunning--;
        },
      };
    },
  };
}
