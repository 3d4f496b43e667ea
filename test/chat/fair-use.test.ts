import { describe, expect, it } from 'vitest';
import { defineCommand, m, reply, type AnyCommand, type ChatUser, type CommandContext } from '../../src/chat/command.js';
import { dispatch } from '../../src/chat/dispatch.js';
import { createFairUse, waitText, type FairUseLimits } from '../../src/chat/fair-use.js';
import { renderText } from '../../src/chat/message.js';
import { chatHarness, manager, member } from '../support/chat.js';

const MINUTE = 60_000;
const limits: FairUseLimits = { auditsPerUserPerHour: 10, urlAuditsPerUserPerHour: 5, auditsPerChannelPerHour: 30, migrationsPerChannelPerHour: 6, maxConcurrentAudits: 100 };

function fakeClock() {
  let at = Date.parse('2026-11-25T10:00:00.000Z');
  return { now: () => at, advance: (ms: number) => void (at += ms) };
}

const person = (id: string, isManager = false): ChatUser => ({ id, name: id, platform: 'slack', isManager });

/** Admits runs one after the other, releasing each at once; what the last one got. */
function admitMany(fairUse: ReturnType<typeof createFairUse>, count: number, request: Parameters<ReturnType<typeof createFairUse>['admit']>[0]) {
  let last = fairUse.admit(request);
  for (let i = 1; i < count; i++) {
    if (last.ok) last.release();
    last = fairUse.admit(request);
  }
  if (last.ok) last.release();
  return last;
}

describe('fair use: per-user limits', () => {
  it('refuses the 11th audit of the hour, naming the limit and the wait rounded up to minutes', () => {
    const clock = fakeClock();
    const fairUse = createFairUse(limits, clock.now);
    for (let i = 0; i < 10; i++) {
      expect(admitMany(fairUse, 1, { cost: 'audit', user: person('U2'), channelId: 'C1' }).ok).toBe(true);
      clock.advance(MINUTE);
    }
    clock.advance(38 * MINUTE + 30_000);
    // The first audit ran 48.5 minutes ago, so a slot frees in 11.5 minutes.
    expect(fairUse.admit({ cost: 'audit', user: person('U2'), channelId: 'C1' })).toMatchObject({
      ok: false, message: 'You have run 10 audits in the last hour; try again in 12 minutes.',
    });
  });

  it('lets the person in again once the oldest run leaves the hour, and a refusal counts against nothing', () => {
    const clock = fakeClock();
    const fairUse = createFairUse({ ...limits, auditsPerUserPerHour: 2 }, clock.now);
    admitMany(fairUse, 2, { cost: 'audit', user: person('U2'), channelId: 'C1' });
    clock.advance(59 * MINUTE);
    expect(fairUse.admit({ cost: 'audit', user: person('U2'), channelId: 'C1' })).toMatchObject({ ok: false, message: 'You have run 2 audits in the last hour; try again in a minute.' });
    clock.advance(MINUTE);
    expect(fairUse.admit({ cost: 'audit', user: person('U2'), channelId: 'C1' }).ok).toBe(true);
    expect(fairUse.admit({ cost: 'audit', user: person('U3'), channelId: 'C1' }).ok).toBe(true);
  });

  it('holds audits of a URL to their own, lower limit, counting them as audits too', () => {
    const clock = fakeClock();
    const fairUse = createFairUse(limits, clock.now);
    expect(admitMany(fairUse, 5, { cost: 'audit-external', user: person('U2'), channelId: 'C1' }).ok).toBe(true);
    expect(fairUse.admit({ cost: 'audit-external', user: person('U2'), channelId: 'C1' })).toMatchObject({
      ok: false, message: 'You have run 5 audits of a store or CSV URL in the last hour; try again in an hour.',
    });
    expect(admitMany(fairUse, 5, { cost: 'audit', user: person('U2'), channelId: 'C1' }).ok).toBe(true);
    expect(fairUse.admit({ cost: 'audit', user: person('U2'), channelId: 'C1' })).toMatchObject({ ok: false, message: /^You have run 10 audits in the last hour/ });
  });

  it('leaves managers out of the per-user limits but not the channel’s', () => {
    const clock = fakeClock();
    const fairUse = createFairUse({ ...limits, auditsPerUserPerHour: 1, auditsPerChannelPerHour: 3 }, clock.now);
    expect(admitMany(fairUse, 3, { cost: 'audit', user: person('U1', true), channelId: 'C1' }).ok).toBe(true);
    expect(fairUse.admit({ cost: 'audit', user: person('U1', true), channelId: 'C1' })).toMatchObject({ ok: false, message: /^This channel has run 3 audits/ });
  });

  it('turns a limit off at 0', () => {
    const fairUse = createFairUse({ ...limits, auditsPerUserPerHour: 0, auditsPerChannelPerHour: 0 }, fakeClock().now);
    expect(admitMany(fairUse, 100, { cost: 'audit', user: person('U2'), channelId: 'C1' }).ok).toBe(true);
  });
});

describe('fair use: per-channel limits', () => {
  it('counts everyone’s audits in a channel, and each channel apart', () => {
    const clock = fakeClock();
    const fairUse = createFairUse(limits, clock.now);
    for (let i = 0; i < 30; i++) {
      expect(admitMany(fairUse, 1, { cost: 'audit', user: person(`U${i}`), channelId: 'C1' }).ok).toBe(true);
      clock.advance(MINUTE);
    }
    expect(fairUse.admit({ cost: 'audit', user: person('U99'), channelId: 'C1' })).toMatchObject({
      ok: false, message: 'This channel has run 30 audits in the last hour; try again in 30 minutes.',
    });
    expect(fairUse.admit({ cost: 'audit', user: person('U99'), channelId: 'C2' }).ok).toBe(true);
  });

  it('counts migration starts and resumes per channel', () => {
    const clock = fakeClock();
    const fairUse = createFairUse({ ...limits, migrationsPerChannelPerHour: 1 }, clock.now);
    expect(fairUse.admit({ cost: 'migration', user: person('U1', true), channelId: 'C1' }).ok).toBe(true);
    clock.advance(15 * MINUTE);
    expect(fairUse.admit({ cost: 'migration', user: person('U5', true), channelId: 'C1' })).toMatchObject({
      ok: false, message: 'This channel has started or resumed 1 migration in the last hour; try again in 45 minutes.',
    });
  });

  it('names the limit with the longest wait when more than one is reached', () => {
    const clock = fakeClock();
    const fairUse = createFairUse({ ...limits, auditsPerUserPerHour: 2, auditsPerChannelPerHour: 3 }, clock.now);
    admitMany(fairUse, 1, { cost: 'audit', user: person('U3'), channelId: 'C1' });
    clock.advance(10 * MINUTE);
    admitMany(fairUse, 2, { cost: 'audit', user: person('U2'), channelId: 'C1' });
    // U2's window frees in 60 minutes, the channel's (U3's first run) in 50: U2 must wait for both.
    expect(fairUse.admit({ cost: 'audit', user: person('U2'), channelId: 'C1' })).toMatchObject({ ok: false, message: 'You have run 2 audits in the last hour; try again in an hour.' });
  });
});

describe('waitText', () => {
  it('rounds up to whole minutes', () => {
    expect(waitText(1_000)).toBe('a minute');
    expect(waitText(60_000)).toBe('a minute');
    expect(waitText(60_001)).toBe('2 minutes');
    expect(waitText(11 * MINUTE + 1)).toBe('12 minutes');
  });
});

describe('fair use in dispatch', () => {
  it('answers an audit over the person’s limit privately, before the handler runs', async () => {
    const clock = fakeClock();
    const { run } = await chatHarness({ FAIR_USE_AUDITS_PER_USER_PER_HOUR: '2' }, { now: clock.now });
    expect((await run('audit', member)).visibility).toBe('channel');
    clock.advance(20 * MINUTE);
    expect((await run('audit', member)).visibility).toBe('channel');
    const answer = await run('audit', member);
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toBe('You have run 2 audits in the last hour; try again in 40 minutes.');
    // A manager in the same channel is not held by bob's limit.
    expect((await run('audit', manager)).visibility).toBe('channel');
  });

  it('does not count commands that cost nothing', async () => {
    const { run } = await chatHarness({ FAIR_USE_AUDITS_PER_USER_PER_HOUR: '1', FAIR_USE_AUDITS_PER_CHANNEL_PER_HOUR: '1' });
    for (let i = 0; i < 3; i++) expect((await run('migration status', member)).visibility).toBe('channel');
    expect((await run('audit', member)).visibility).toBe('channel');
  });

  it('counts a migration start against the channel even when it then fails', async () => {
    const { run } = await chatHarness({ FAIR_USE_MIGRATIONS_PER_CHANNEL_PER_HOUR: '1' });
    expect(renderText((await run('migration start')).parts)).toMatch(/^Connecting to TikTok Shop needs/);
    expect(renderText((await run('migration start --dry-run')).parts)).not.toMatch(/in the last hour/);
    expect(renderText((await run('migration resume')).parts)).toBe('This channel has started or resumed 1 migration in the last hour; try again in an hour.');
    expect(renderText((await run('migration resume', manager, 'C2')).parts)).toMatch(/^Connecting to TikTok Shop needs/);
  });
});

describe('the concurrent audit cap', () => {
  /** An audit-costing command whose handler runs until `finish` is called. */
  function slowAudit() {
    const finishers: (() => void)[] = [];
    const command = defineCommand({
      name: 'slow', description: 'slow', examples: [], options: {}, positional: [], permission: 'read',
      cost: () => 'audit',
      handler: () => new Promise((resolve) => void finishers.push(() => resolve(reply([m.text('done')])))),
    }) as unknown as AnyCommand;
    const failing = defineCommand({
      name: 'failing', description: 'failing', examples: [], options: {}, positional: [], permission: 'read',
      cost: () => 'audit',
      handler: async () => Promise.reject(new Error('catalog went away')),
    }) as unknown as AnyCommand;
    return { commands: [command, failing], finishAll: () => finishers.splice(0).forEach((finish) => finish()) };
  }

  async function contextFor(env: NodeJS.ProcessEnv) {
    const { services, logs } = await chatHarness(env);
    return (user: ChatUser): CommandContext => ({
      user, channelId: 'C1', services, log: logs.log, now: () => Date.now(), progress: async () => undefined, post: async () => undefined,
    });
  }

  it('turns away an audit while the cap’s worth are still running, managers too, and lets one in when a slot frees', async () => {
    const context = await contextFor({ MAX_CONCURRENT_AUDITS: '2' });
    const { commands, finishAll } = slowAudit();
    const options = { commands, root: 'shop' };
    const first = dispatch({ command: 'slow', args: {} }, context(member), options);
    const second = dispatch({ command: 'slow', args: {} }, context(manager), options);
    const refused = await dispatch({ command: 'slow', args: {} }, context(manager), options);
    expect(refused.visibility).toBe('ephemeral');
    expect(renderText(refused.parts)).toBe('2 audits are running; try again in a minute.');
    finishAll();
    expect(renderText((await first).parts)).toBe('done');
    await second;
    const third = dispatch({ command: 'slow', args: {} }, context(member), options);
    finishAll();
    expect(renderText((await third).parts)).toBe('done');
  });

  it('frees the slot when the audit fails', async () => {
    const context = await contextFor({ MAX_CONCURRENT_AUDITS: '1' });
    const { commands, finishAll } = slowAudit();
    const options = { commands, root: 'shop' };
    expect(renderText((await dispatch({ command: 'failing', args: {} }, context(member), options)).parts)).toMatch(/ref ss-/);
    const running = dispatch({ command: 'slow', args: {} }, context(member), options);
    expect(renderText((await dispatch({ command: 'failing', args: {} }, context(member), options)).parts)).toBe('1 audit is running; try again in a minute.');
    finishAll();
    await running;
  });
});
