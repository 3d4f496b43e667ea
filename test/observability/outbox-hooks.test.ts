import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutbox, type ChannelDelivery } from '../../src/alerts/outbox.js';
import { m, reply, renderText } from '../../src/chat/message.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { captureLogs } from '../support/log-capture.js';

describe('the outbox\'s counting hooks', () => {
  it('tell each delivery, each failed attempt, and the give-up, without changing what is delivered', async () => {
    const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-outbox-hooks-')) });
    const failures = new Map([['flaky', 1], ['gone', 1]]);
    let posts = 0;
    const delivery: ChannelDelivery = {
      async post(_channelId, answer) {
        const text = renderText(answer.parts);
        const left = failures.get(text) ?? 0;
        if (left > 0) {
          failures.set(text, left - 1);
          throw new Error(text === 'gone' ? 'channel_not_found' : 'internal_error');
        }
        return `ts-${++posts}`;
      },
      async update() {},
      isPermanent: (error) => (error as Error).message === 'channel_not_found',
      wasRefused: () => true,
    };
    const heard: string[] = [];
    const outbox = createOutbox({
      store, deliveries: { slack: delivery }, log: captureLogs().log, settings: { pacingMs: {}, retryBaseMs: 5 },
      onDelivered: (message) => heard.push(`delivered ${message.platform} ${message.state}`),
      onFailed: (message, detail) => {
        heard.push(`failed ${message.platform} givenUp=${detail.givenUp} attempted=${detail.attempted}`);
        // A hook that throws must not turn a delivered message into a retry.
        throw new Error('metrics broke');
      },
    });
    await outbox.send({ platform: 'slack', channelId: 'C1', reply: reply([m.text('flaky')]) });
    await outbox.send({ platform: 'slack', channelId: 'C2', reply: reply([m.text('gone')]) });
    await outbox.idle();
    expect(heard.sort()).toEqual([
      'delivered slack delivered',
      'failed slack givenUp=false attempted=true',
      'failed slack givenUp=true attempted=true',
    ]);
    expect(posts).toBe(1);
    expect(await store.outbox.unfinished()).toEqual([]);
    await store.close();
  });
});
