import { describe, expect, it } from 'vitest';
import { renderText, type MessagePart } from '../../src/chat/message.js';
import { chatHarness, manager, member } from '../support/chat.js';

const MINUTE = 60_000;

/** A clock a few hours behind the real one (the store keeps activity by real time), on a whole minute. */
function fakeClock() {
  let at = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * 60 * MINUTE;
  return { now: () => at, advance: (ms: number) => void (at += ms), minute: (ms = at) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') };
}

const tableOf = (parts: MessagePart[]) => parts.find((part): part is Extract<MessagePart, { kind: 'table' }> => part.kind === 'table');

describe('the activity log', () => {
  it('records each state-changing command with who, where, when and what, and whether it went through', async () => {
    const clock = fakeClock();
    const { run, store } = await chatHarness({}, { now: clock.now });
    await run('map set "Tea Towels" 600144');
    clock.advance(MINUTE);
    await run('alerts subscribe listing_rejected reason:watermark', manager, 'C7');
    clock.advance(MINUTE);
    await run('migration pause');
    const entries = await store.activity.since('default', 0);
    expect(entries.map(({ at, platform, channelId, userId, userName, action, detail, ok }) => ({ at, platform, channelId, userId, userName, action, detail, ok }))).toEqual([
      { at: new Date(clock.now() - 2 * MINUTE).toISOString(), platform: 'console', channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: '"Tea Towels" 600144', ok: true },
      { at: new Date(clock.now() - MINUTE).toISOString(), platform: 'console', channelId: 'C7', userId: 'U1', userName: 'ada', action: 'alerts subscribe', detail: 'listing_rejected --reason watermark', ok: true },
      // Nothing was running: the reply said so, and the log says it did not go through.
      { at: new Date(clock.now()).toISOString(), platform: 'console', channelId: 'C1', userId: 'U1', userName: 'ada', action: 'migration pause', detail: '', ok: false },
    ]);
  });

  it('records alert acknowledgements, which anyone may make, and every other kind of change', async () => {
    const { run, store } = await chatHarness();
    await store.jobs.put({
      id: 'job-1', shop: 'default', status: 'running', location: 'a.csv', auditRunId: '1', dryRun: false, limit: null,
      note: null, startedAt: 'now', updatedAt: 'now', heartbeatAt: 'now', owner: 'host:1',
    });
    await run('alerts ack out-123', member);
    await run('alerts mute mug-10 24h');
    await run('alerts unsubscribe');
    await run('summary schedule 09:00 Europe/London');
    await run('summary off');
    await run('migration pause');
    await run('failures --retry mug-10');
    expect((await store.activity.since('default', 0)).map((e) => `${e.userName}: ${e.action} ${e.detail} ${e.ok ? 'ok' : 'failed'}`)).toEqual([
      'bob: alerts ack out-123 ok',
      'ada: alerts mute mug-10 24h ok',
      'ada: alerts unsubscribe  ok',
      'ada: summary schedule 09:00 Europe/London ok',
      'ada: summary off  ok',
      'ada: migration pause  ok',
      'ada: failures --retry mug-10 failed',
    ]);
  });

  it('leaves out reads, dry runs, refused permissions and runs held back by fair use', async () => {
    const { run, store } = await chatHarness({ FAIR_USE_MIGRATIONS_PER_CHANNEL_PER_HOUR: '1' });
    await run('map list');
    await run('alerts list');
    await run('migration status');
    await run('summary now');
    await run('migration start --dry-run');
    await run('map set Mugs 600024', member);
    await run('migration start');
    await run('migration resume');
    expect((await store.activity.since('default', 0)).map((e) => `${e.action} ${e.ok}`)).toEqual(['migration start false']);
  });

  it('caps the arguments it keeps', async () => {
    const { run, store } = await chatHarness();
    await run(`map set "${'Very long type '.repeat(16).trim()}" 600144`);
    const [entry] = await store.activity.since('default', 0);
    expect(entry?.detail).toHaveLength(200);
    expect(entry?.detail.endsWith('…')).toBe(true);
  });
});

describe('/shop activity', () => {
  it('shows who did what where, newest first, to anyone', async () => {
    const clock = fakeClock();
    const { run } = await chatHarness({}, { now: clock.now });
    await run('map set Mugs 600024');
    const first = clock.minute();
    clock.advance(3 * MINUTE);
    await run('alerts ack out-9', member, 'C2');
    const second = clock.minute();
    clock.advance(MINUTE);
    const answer = await run('activity', member);
    expect(answer.visibility).toBe('channel');
    expect(renderText(answer.parts)).toBe([
      'ACTIVITY',
      'when (UTC)        who  where       what',
      `${second}  bob  console C2  alerts ack out-9`,
      `${first}  ada  console C1  map set Mugs 600024`,
    ].join('\n'));
  });

  it('marks what did not go through', async () => {
    const { run } = await chatHarness();
    await run('migration pause');
    expect(tableOf((await run('activity')).parts)?.rows[0]?.[3]).toBe('migration pause (failed)');
  });

  it('shows the latest 20 and counts the rest', async () => {
    const clock = fakeClock();
    const { run } = await chatHarness({}, { now: clock.now });
    for (let i = 1; i <= 23; i++) {
      await run(`map set Type${i} ${600000 + i}`);
      clock.advance(MINUTE);
    }
    const answer = await run('activity');
    const table = tableOf(answer.parts);
    expect(table?.rows).toHaveLength(20);
    expect(table?.rows[0]?.[3]).toBe('map set Type23 600023');
    expect(table?.rows[19]?.[3]).toBe('map set Type4 600004');
    expect(renderText(answer.parts).split('\n').at(-1)).toBe('… and 3 more, older; narrow it with since:24h.');
  });

  it('shows only what is newer than since', async () => {
    const clock = fakeClock();
    const { run } = await chatHarness({}, { now: clock.now });
    await run('map set Old 600001');
    clock.advance(2 * 60 * MINUTE);
    await run('map set New 600002');
    const answer = await run('activity since:1h');
    expect(renderText(answer.parts)).toMatch(/^ACTIVITY IN THE LAST 1H\n/);
    expect(tableOf(answer.parts)?.rows.map((row) => row[3])).toEqual(['map set New 600002']);
    clock.advance(31 * MINUTE);
    expect(renderText((await run('activity 30m')).parts)).toBe('Nothing was changed from chat in the last 30m.');
  });

  it('says when nothing was changed, and names a bad since', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('activity')).parts)).toBe('Nothing has been changed from chat yet.');
    const bad = await run('activity since:soon');
    expect(bad.visibility).toBe('ephemeral');
    expect(renderText(bad.parts)).toBe('since: use a duration such as 30m, 24h or 7d.');
  });

  it('no longer shows actions older than ACTIVITY_KEEP_DAYS', async () => {
    const clock = fakeClock();
    const { run, store } = await chatHarness({ ACTIVITY_KEEP_DAYS: '2' }, { now: clock.now });
    clock.advance(-3 * 24 * 60 * MINUTE);
    await run('map set Ancient 600001');
    clock.advance(2 * 24 * 60 * MINUTE);
    await run('map set Recent 600002');
    expect(tableOf((await run('activity')).parts)?.rows.map((row) => row[3])).toEqual(['map set Recent 600002']);
    await store.close();
  });
});
