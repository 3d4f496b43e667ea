import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutbox, outboxMessage, type ChannelDelivery } from '../../src/alerts/outbox.js';
import { m, reply, renderText } from '../../src/chat/message.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { captureLogs } from '../support/log-capture.js';

interface Call {
  op: 'post' | 'update';
  channelId: string;
  text: string;
  key?: string;
  threadRef?: string;
  ref: string;
  at: number;
}

/** A channel that records what reaches it and can be told to fail. */
function recordingDelivery(options: { failures?: Map<string, Error[]>; posted?: Map<string, string> } = {}) {
  const calls: Call[] = [];
  const delivery: ChannelDelivery = {
    async post(channelId, answer, { key, threadRef }) {
      const text = renderText(answer.parts);
      const failure = options.failures?.get(text)?.shift();
      if (failure) throw failure;
      const ref = `ts-${calls.length + 1}`;
      calls.push({ op: 'post', channelId, text, key, ...(threadRef ? { threadRef } : {}), ref, at: performance.now() });
      return ref;
    },
    async update(channelId, ref, answer) {
      calls.push({ op: 'update', channelId, text: renderText(answer.parts), ref, at: performance.now() });
    },
    async findPosted(_channelId, key) {
      return options.posted?.get(key) ?? null;
    },
    isPermanent: (error) => error instanceof Error && error.message === 'channel_not_found',
    // A hang-up may come after the post landed; anything else is the platform saying no.
    wasRefused: (error) => !(error instanceof Error && error.message === 'socket hang up'),
  };
  return { delivery, calls };
}

const say = (text: string) => reply([m.text(text)]);

async function openStore(dir?: string) {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'shopshift-outbox-')));
  return { dir: where, store: await openLowdbStore({ dir: where }) };
}

describe('the outbox', () => {
  it('delivers each channel’s messages in the order queued, paced per channel, channels side by side', async () => {
    const { store } = await openStore();
    const { delivery, calls } = recordingDelivery();
    const outbox = createOutbox({ store, deliveries: { slack: delivery }, log: captureLogs().log, settings: { pacingMs: { slack: 80 } } });
    for (const text of ['one', 'two', 'three']) await outbox.send({ platform: 'slack', channelId: 'C1', reply: say(text) });
    await outbox.send({ platform: 'slack', channelId: 'C2', reply: say('other') });
    await outbox.idle();
    const inC1 = calls.filter((call) => call.channelId === 'C1');
    expect(inC1.map((call) => call.text)).toEqual(['one', 'two', 'three']);
    expect(inC1[1]!.at - inC1[0]!.at).toBeGreaterThanOrEqual(75);
    expect(inC1[2]!.at - inC1[1]!.at).toBeGreaterThanOrEqual(75);
    // C2 did not wait behind C1.
    expect(calls.find((call) => call.channelId === 'C2')!.at).toBeLessThan(inC1[1]!.at);
    expect(await store.outbox.unfinished()).toEqual([]);
  });

  it('retries a failed delivery with backoff, and gives up after the last attempt with an error logged', async () => {
    const { store } = await openStore();
    const failures = new Map([['flaky', [new Error('socket hang up'), new Error('socket hang up')]], ['doomed', Array.from({ length: 5 }, () => new Error('internal_error'))]]);
    const { delivery, calls } = recordingDelivery({ failures });
    const logs = captureLogs();
    const outbox = createOutbox({ store, deliveries: { slack: delivery }, log: logs.log, settings: { pacingMs: {}, retryBaseMs: 20, maxAttempts: 3 } });
    const flaky = await outbox.send({ platform: 'slack', channelId: 'C1', reply: say('flaky') });
    const doomed = await outbox.send({ platform: 'slack', channelId: 'C2', reply: say('doomed') });
    await outbox.idle();
    expect(calls.map((call) => call.text)).toEqual(['flaky']);
    expect(await store.outbox.get(flaky)).toMatchObject({ state: 'delivered', attempts: 3, ref: 'ts-1', body: null });
    expect(await store.outbox.get(doomed)).toMatchObject({ state: 'failed', attempts: 3, error: 'internal_error' });
    expect(logs.lines().filter((line) => line.msg === 'message given up')).toHaveLength(1);
  });

  it('gives up at once on a failure no retry can mend', async () => {
    const { store } = await openStore();
    const { delivery } = recordingDelivery({ failures: new Map([['hello', [new Error('channel_not_found')]]]) });
    const outbox = createOutbox({ store, deliveries: { slack: delivery }, log: captureLogs().log, settings: { pacingMs: {}, retryBaseMs: 10_000 } });
    const id = await outbox.send({ platform: 'slack', channelId: 'gone', reply: say('hello') });
    await outbox.idle();
    expect(await store.outbox.get(id)).toMatchObject({ state: 'failed', attempts: 1 });
  });

  it('threads a reply under its parent once the parent is delivered, and posts it alone if the parent never was', async () => {
    const { store } = await openStore();
    const { delivery, calls } = recordingDelivery({ failures: new Map([['lost parent', [new Error('channel_not_found')]]]) });
    const outbox = createOutbox({ store, deliveries: { slack: delivery }, log: captureLogs().log, settings: { pacingMs: {} } });
    const parent = outboxMessage({ platform: 'slack', channelId: 'C1', reply: say('parent') }, Date.now());
    const child = outboxMessage({ platform: 'slack', channelId: 'C1', reply: say('child'), mode: 'thread', target: parent.id }, Date.now());
    const update = outboxMessage({ platform: 'slack', channelId: 'C1', reply: say('parent, edited'), mode: 'update', target: parent.id }, Date.now());
    const lost = outboxMessage({ platform: 'slack', channelId: 'C2', reply: say('lost parent') }, Date.now());
    const orphan = outboxMessage({ platform: 'slack', channelId: 'C2', reply: say('orphan'), mode: 'thread', target: lost.id }, Date.now());
    const orphanUpdate = outboxMessage({ platform: 'slack', channelId: 'C2', reply: say('never shown'), mode: 'update', target: lost.id }, Date.now());
    await store.saveAlerts({ outbox: [parent, child, update, lost, orphan, orphanUpdate] });
    await outbox.wake();
    await outbox.idle();
    const parentRef = calls.find((call) => call.text === 'parent')!.ref;
    expect(calls.filter((call) => call.channelId === 'C1').map(({ op, text, threadRef, ref }) => ({ op, text, threadRef, ref }))).toEqual([
      { op: 'post', text: 'parent', ref: parentRef },
      { op: 'post', text: 'child', threadRef: parentRef, ref: expect.any(String) },
      { op: 'update', text: 'parent, edited', ref: parentRef },
    ]);
    expect(calls.filter((call) => call.channelId === 'C2').map(({ op, text, threadRef }) => ({ op, text, threadRef }))).toEqual([{ op: 'post', text: 'orphan' }]);
    expect(await store.outbox.get(orphanUpdate.id)).toMatchObject({ state: 'failed', error: 'the message to update was never delivered' });
  });

  it('survives a restart: what was queued is delivered by the next process, and a post in flight is not posted twice', async () => {
    const { dir, store } = await openStore();
    const queued = outboxMessage({ platform: 'slack', channelId: 'C1', reply: say('queued before the crash') }, Date.now());
    const inFlight = { ...outboxMessage({ platform: 'slack', channelId: 'C1', reply: say('in flight at the crash') }, Date.now()), state: 'sending' as const, attempts: 1 };
    const neverArrived = { ...outboxMessage({ platform: 'slack', channelId: 'C2', reply: say('lost in flight') }, Date.now()), state: 'sending' as const, attempts: 1 };
    await store.saveAlerts({ outbox: [inFlight, queued, neverArrived] });
    // The process dies here: nothing is flushed but the journal.
    const reopened = await openLowdbStore({ dir });
    const { delivery, calls } = recordingDelivery({ posted: new Map([[inFlight.id, 'ts-from-history']]) });
    const outbox = createOutbox({ store: reopened, deliveries: { slack: delivery }, log: captureLogs().log, settings: { pacingMs: {} } });
    await outbox.wake();
    await outbox.idle();
    expect(calls.map((call) => call.text).sort()).toEqual(['lost in flight', 'queued before the crash']);
    expect(await reopened.outbox.get(inFlight.id)).toMatchObject({ state: 'delivered', ref: 'ts-from-history' });
    expect(await reopened.outbox.unfinished()).toEqual([]);
  });

  it('keeps a platform’s messages queued while no adapter for it is connected', async () => {
    const { store } = await openStore();
    const outbox = createOutbox({ store, deliveries: {}, log: captureLogs().log });
    const id = await outbox.send({ platform: 'discord', channelId: '1234567890123456789', reply: say('later') });
    await outbox.idle();
    expect(await store.outbox.get(id)).toMatchObject({ state: 'pending' });
  });

  it('of two processes on one store, sends each message once, each channel’s in the order queued', async () => {
    const { store } = await openStore();
    const { delivery, calls } = recordingDelivery();
    const settings = { pacingMs: { slack: 5 }, pollMs: 20 };
    const first = createOutbox({ store, deliveries: { slack: delivery }, log: captureLogs().log, settings, owner: 'host:1' });
    const second = createOutbox({ store, deliveries: { slack: delivery }, log: captureLogs().log, settings, owner: 'host:2' });
    const texts = Array.from({ length: 30 }, (_, i) => ({ channelId: `C${i % 3}`, text: `message ${i}` }));
    await store.saveAlerts({ outbox: texts.map(({ channelId, text }) => outboxMessage({ platform: 'slack', channelId, reply: say(text) }, Date.now())) });
    await Promise.all([first.wake(), second.wake()]);
    await Promise.all([first.idle(), second.idle()]);
    expect(calls.map((call) => call.text).sort()).toEqual(texts.map(({ text }) => text).sort());
    for (const channelId of ['C0', 'C1', 'C2']) {
      expect(calls.filter((call) => call.channelId === channelId).map((call) => call.text)).toEqual(texts.filter((entry) => entry.channelId === channelId).map(({ text }) => text));
    }
    await Promise.all([first.stop(), second.stop()]);
  });
});
