import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderText, type Reply } from '../../src/chat/message.js';
import { openFileRunLedger } from '../../src/schedule/run-ledger.js';
import { createSummaryScheduler, dailyPattern } from '../../src/schedule/summary-scheduler.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { captureLogs } from '../support/log-capture.js';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A shop with a Slack channel's summary at `time` in `timezone`, and a clock the test moves. */
async function setUp(time: string, timezone: string, startIso: string) {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-summary-'));
  const store: Store = await openLowdbStore({ dir: join(dir, 'store') });
  cleanups.push(() => store.close());
  await store.summaries.set({ shop: 'shop-1', platform: 'slack', channelId: 'C1', time, timezone, createdBy: 'ada', createdAt: 'now' });
  const clock = { now: at(startIso) };
  const posted: { channelId: string; reply: Reply; at: string }[] = [];
  const logs = captureLogs('debug');
  /** One bot process: its own scheduler and ledger handle, over the deployment's data directory. */
  const startProcess = async (owner: string) => {
    const scheduler = createSummaryScheduler({
      store, shop: 'shop-1', log: logs.log, now: () => clock.now, owner,
      ledger: await openFileRunLedger(dir, { now: () => clock.now }),
      posters: { slack: async (channelId, reply) => void posted.push({ channelId, reply, at: new Date(clock.now).toISOString() }) },
    });
    cleanups.push(() => scheduler.stop());
    await scheduler.reload();
    return scheduler;
  };
  return { store, clock, posted, logs, startProcess };
}

describe('dailyPattern', () => {
  it('turns HH:MM into a daily cron pattern', () => {
    expect(dailyPattern('09:00')).toBe('0 9 * * *');
    expect(dailyPattern('23:05')).toBe('5 23 * * *');
  });
});

describe('the daily summary schedule', () => {
  it('posts once at the channel’s time in its time zone, and again a day later', async () => {
    const { clock, posted, startProcess } = await setUp('09:00', 'Europe/London', '2026-12-01T08:00:00Z');
    const scheduler = await startProcess('bot-1');
    expect(await scheduler.reload()).toBe(1);
    // 08:59:59 in London on a winter day is 08:59:59 UTC.
    for (const iso of ['2026-12-01T08:59:59Z', '2026-12-01T09:00:00Z', '2026-12-01T09:00:01Z', '2026-12-01T09:01:00Z']) {
      clock.now = at(iso);
      await scheduler.tick(clock.now);
    }
    expect(posted.map((post) => [post.channelId, post.at])).toEqual([['C1', '2026-12-01T09:00:00.000Z']]);
    expect(renderText(posted[0]!.reply.parts)).toMatch(/^DAILY SUMMARY, 2026-12-01\n/);
    clock.now = at('2026-12-02T09:00:00Z');
    await scheduler.tick(clock.now);
    expect(posted).toHaveLength(2);
  });

  it('posts at 09:00 in Paris on each side of the change to summer time, and at no other minute', async () => {
    const { clock, posted, startProcess } = await setUp('09:00', 'Europe/Paris', '2026-03-27T23:00:00Z');
    const scheduler = await startProcess('bot-1');
    // Summer time starts on 2026-03-29: 09:00 in Paris is 08:00Z before and 07:00Z from that day on.
    // A tick every five minutes lands on both 07:00Z and 08:00Z each day.
    for (clock.now = at('2026-03-27T23:00:00Z'); clock.now <= at('2026-03-30T23:00:00Z'); clock.now += 5 * MINUTE) await scheduler.tick(clock.now);
    expect(posted.map((post) => post.at)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it('posts once, not three times, when the bot comes back after three days down', async () => {
    const { clock, posted, startProcess, logs } = await setUp('09:00', 'Europe/Paris', '2026-03-27T12:00:00Z');
    const before = await startProcess('bot-1');
    clock.now = at('2026-03-28T08:00:00Z');
    await before.tick(clock.now);
    await before.stop();
    // Down until the afternoon of the 31st: the 29th, 30th and 31st were missed.
    clock.now = at('2026-03-31T13:00:00Z');
    const after = await startProcess('bot-1');
    for (; clock.now <= at('2026-03-31T14:00:00Z'); clock.now += MINUTE) await after.tick(clock.now);
    expect(posted.map((post) => post.at)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-31T13:00:00.000Z']);
    expect(logs.lines().filter((line) => line.msg === 'summary posted')).toHaveLength(2);
  });

  it('posts once when two bot processes tick at the same instant', async () => {
    const { clock, posted, startProcess, logs } = await setUp('09:00', 'Europe/Paris', '2026-03-28T07:00:00Z');
    const [first, second] = [await startProcess('bot-1'), await startProcess('bot-2')];
    clock.now = at('2026-03-28T08:00:00Z');
    await Promise.all([first.tick(clock.now), second.tick(clock.now)]);
    await Promise.all([first.tick(clock.now + MINUTE), second.tick(clock.now + MINUTE)]);
    expect(posted).toHaveLength(1);
    expect(logs.lines().filter((line) => line.msg === 'another process took this run')).toEqual([
      expect.objectContaining({ level: 20, job: 'summary:shop-1:slack:C1', occurrence: '2026-03-28T08:00:00.000Z' }),
    ]);
  });

  it('posts nothing for a channel whose platform is not connected, says so, and posts to the others', async () => {
    const { store, clock, posted, startProcess, logs } = await setUp('09:00', 'Europe/Paris', '2026-03-28T07:00:00Z');
    await store.summaries.set({ shop: 'shop-1', platform: 'discord', channelId: 'D1', time: '09:00', timezone: 'Europe/Paris', createdBy: 'ada', createdAt: 'now' });
    const scheduler = await startProcess('bot-1');
    clock.now = at('2026-03-28T08:00:00Z');
    await scheduler.tick(clock.now);
    expect(posted.map((post) => post.channelId)).toEqual(['C1']);
    expect(logs.lines().filter((line) => line.msg === 'summary not posted: the platform is not connected')).toEqual([
      expect.objectContaining({ level: 40, platform: 'discord', channelId: 'D1' }),
    ]);
  });
});
