import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderText, type Reply } from '../../src/chat/message.js';
import { createSummaryScheduler, dailyPattern } from '../../src/schedule/summary-scheduler.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { captureLogs } from '../support/log-capture.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('dailyPattern', () => {
  it('turns HH:MM into a daily cron pattern', () => {
    expect(dailyPattern('09:00')).toBe('0 9 * * *');
    expect(dailyPattern('23:05')).toBe('5 23 * * *');
  });
});

describe('the daily summary schedule', () => {
  it('posts once at the channel’s time in its time zone, and again a day later', async () => {
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-summary-')) });
    await store.summaries.set({ shop: 'shop-1', platform: 'slack', channelId: 'C1', time: '09:00', timezone: 'Europe/London', createdBy: 'ada', createdAt: 'now' });
    const posted: [string, Reply][] = [];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    // 08:59:59 in London on a winter day is 08:59:59 UTC.
    vi.setSystemTime(new Date('2026-12-01T08:59:59Z'));
    const scheduler = createSummaryScheduler({
      store, shop: 'shop-1', log: captureLogs().log, now: () => Date.now(),
      posters: { slack: async (channelId, reply) => void posted.push([channelId, reply]) },
    });
    expect(await scheduler.reload()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(posted.map(([channel]) => channel)).toEqual(['C1']);
    expect(renderText(posted[0]![1].parts)).toMatch(/^DAILY SUMMARY, 2026-12-01\nMigration /);
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(posted).toHaveLength(2);
    await scheduler.stop();
    vi.useRealTimers();
    await store.close();
  });
});
