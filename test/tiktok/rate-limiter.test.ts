import { describe, expect, it } from 'vitest';
import { createRateLimiter, type Clock, type Sleep } from '../../src/tiktok/rate-limiter.js';

/** A clock that only moves when the limiter sleeps (after pending callbacks ran); records every sleep. */
function fakeTime(start = 1_000_000): { clock: Clock; sleep: Sleep; sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleeps,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setImmediate(resolve));
      now += ms;
    },
  };
}

async function acquireAll(limiter: { acquire(): Promise<void> }, count: number, clock: Clock): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: count }, () => limiter.acquire().then(() => times.push(clock.now()))));
  return times;
}

describe('createRateLimiter', () => {
  it('lets the first request through at once', async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({ qps: 10, clock: time.clock, sleep: time.sleep });
    await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });

  it('spaces requests 1/qps apart', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 10, clock: time.clock, sleep: time.sleep });
    expect(await acquireAll(limiter, 5, time.clock)).toEqual([0, 100, 200, 300, 400]);
  });

  it('takes (n - 1) / qps seconds for n requests: 40 at 20 qps span 1.95 s', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 20, clock: time.clock, sleep: time.sleep });
    const times = await acquireAll(limiter, 40, time.clock);
    expect(times.at(-1)).toBe(1950);
  });

  it('serves callers in the order they asked', async () => {
    const time = fakeTime();
    const limiter = createRateLimiter({ qps: 5, clock: time.clock, sleep: time.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4, 5].map((n) => limiter.acquire().then(() => order.push(n))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('lets a burst through at once, then paces the rest', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 10, burst: 3, clock: time.clock, sleep: time.sleep });
    expect(await acquireAll(limiter, 5, time.clock)).toEqual([0, 0, 0, 100, 200]);
  });

  it('does not save up more than the burst during a quiet spell', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 10, burst: 2, clock: time.clock, sleep: time.sleep });
    await limiter.acquire();
    time.advance(60_000);
    const start = time.clock.now();
    const times = await acquireAll(limiter, 4, time.clock);
    expect(times.map((t) => t - start)).toEqual([0, 0, 100, 200]);
  });

  it('does not sleep when the caller already waited long enough', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 10, clock: time.clock, sleep: time.sleep });
    await limiter.acquire();
    time.advance(150);
    await limiter.acquire();
    expect(time.sleeps).toEqual([]);
  });

  it('rejects waiting callers when sleeping fails', async () => {
    const time = fakeTime(0);
    const limiter = createRateLimiter({ qps: 1, clock: time.clock, sleep: () => Promise.reject(new Error('aborted')) });
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toThrow('aborted');
  });

  it('refuses a qps that is not positive', () => {
    expect(() => createRateLimiter({ qps: 0 })).toThrow(RangeError);
  });

  it('paces with the real clock when none is given', async () => {
    const limiter = createRateLimiter({ qps: 50 });
    const start = performance.now();
    for (let i = 0; i < 6; i++) await limiter.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(95);
  });
});
