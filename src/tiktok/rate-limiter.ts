import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
}

export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };
export const realSleep: Sleep = (ms) => delay(ms);

export interface RateLimiterOptions {
  /** Permits per second on average. */
  qps: number;
  /** Permits that may be taken at once after a quiet spell; 1 keeps requests evenly spaced. */
  burst?: number;
  clock?: Clock;
  sleep?: Sleep;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request; callers are served in the order they asked. */
  acquire(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

// Float drift from ms arithmetic must not make a full token look like 0.9999999.
const EPSILON = 1e-9;

/** A token bucket with a FIFO queue: one loop hands out tokens, so a late caller never overtakes an earlier one. */
export function createRateLimiter({ qps, burst = 1, clock = systemClock, sleep = realSleep }: RateLimiterOptions): RateLimiter {
  if (!(qps > 0) || !Number.isFinite(qps)) throw new RangeError(`qps must be a positive number, not ${qps}`);
  if (!(burst >= 1) || !Number.isInteger(burst)) throw new RangeError(`burst must be a whole number of at least 1, not ${burst}`);
  const perMs = qps / 1000;
  const queue: Waiter[] = [];
  let tokens = burst;
  let refilledAt = clock.now();
  let running = false;

  function refill(): void {
    const now = clock.now();
    if (now > refilledAt) tokens = Math.min(burst, tokens + (now - refilledAt) * perMs);
    refilledAt = Math.max(refilledAt, now);
  }

  async function serve(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        refill();
        if (tokens >= 1 - EPSILON) {
          tokens = Math.max(0, tokens - 1);
          queue.shift()?.resolve();
          continue;
        }
        await sleep(Math.ceil((1 - tokens) / perMs));
      }
    } catch (error) {
      for (const waiter of queue.splice(0)) waiter.reject(error);
    } finally {
      running = false;
    }
  }

  return {
    acquire() {
      return new Promise<void>((resolve, reject) => {
        queue.push({ resolve, reject });
        if (!running) void serve();
      });
    },
  };
}
