import { afterEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { startSlackSim, type SlackSim, type SlackSimOptions } from './slack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function sim(options: SlackSimOptions = {}): Promise<SlackSim> {
  const started = await startSlackSim(options);
  cleanups.push(() => started.close());
  return started;
}

type ClientOptions = ConstructorParameters<typeof webApi.WebClient>[1];
const clientOf = (slack: SlackSim, options: ClientOptions = {}) =>
  new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR, ...options });

const outbox = (key: string) => ({ event_type: 'shopshift_outbox', event_payload: { key } });

interface Listed {
  ts?: string;
  text?: string;
  thread_ts?: string;
  reply_count?: number;
  metadata?: unknown;
  edited?: unknown;
  files?: unknown[];
}
const listed = (answer: { messages?: unknown[] }) => (answer.messages ?? []) as Listed[];

describe('message metadata', () => {
  it('keeps metadata sent as a JSON string in the form and shows it in history only with include_all_metadata', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'alert', metadata: outbox('o1') });
    expect(posted.message).toMatchObject({ ts: posted.ts, metadata: outbox('o1') });
    expect(slack.messages('C1')).toEqual([expect.objectContaining({ ts: posted.ts, text: 'alert', threadTs: null, metadata: outbox('o1'), user: 'UBOT', botId: 'BBOT' })]);

    const withMetadata = await client.conversations.history({ channel: 'C1', include_all_metadata: true });
    expect(listed(withMetadata)).toEqual([expect.objectContaining({ ts: posted.ts, metadata: outbox('o1') })]);
    const without = await client.conversations.history({ channel: 'C1' });
    expect(listed(without)[0]).not.toHaveProperty('metadata');
  });

  it('refuses metadata without an event_type', async () => {
    const slack = await sim();
    await expect(clientOf(slack).chat.postMessage({ channel: 'C1', text: 'x', metadata: { event_payload: { key: 'o1' } } as never }))
      .rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
    expect(slack.messages()).toEqual([]);
  });
});

describe('conversations.history', () => {
  it('lists top-level messages newest first, after `oldest` (exclusive)', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const first = await client.chat.postMessage({ channel: 'C1', text: 'one' });
    await client.chat.postMessage({ channel: 'C1', text: 'two' });
    await client.chat.postMessage({ channel: 'C1', text: 'three' });
    await client.chat.postMessage({ channel: 'C2', text: 'elsewhere' });

    expect(listed(await client.conversations.history({ channel: 'C1' })).map((message) => message.text)).toEqual(['three', 'two', 'one']);
    expect(listed(await client.conversations.history({ channel: 'C1', oldest: first.ts! })).map((message) => message.text)).toEqual(['three', 'two']);
    expect(listed(await client.conversations.history({ channel: 'C1', oldest: first.ts!, inclusive: true })).map((message) => message.text)).toEqual(['three', 'two', 'one']);
  });

  it('gives ts in real Unix time, so an `oldest` from the clock finds recent posts', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const since = ((Date.now() - 60_000) / 1000).toFixed(6);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'now' });
    expect(Math.abs(Number(posted.ts) * 1000 - Date.now())).toBeLessThan(5_000);
    expect(listed(await client.conversations.history({ channel: 'C1', oldest: since })).map((message) => message.ts)).toEqual([posted.ts]);
  });

  it('pages by limit with has_more and next_cursor until the last page', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    for (let i = 1; i <= 5; i++) await client.chat.postMessage({ channel: 'C1', text: `m${i}` });

    const first = await client.conversations.history({ channel: 'C1', limit: 2 });
    expect(listed(first).map((message) => message.text)).toEqual(['m5', 'm4']);
    expect(first).toMatchObject({ has_more: true, response_metadata: { next_cursor: expect.any(String) } });
    const second = await client.conversations.history({ channel: 'C1', limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(listed(second).map((message) => message.text)).toEqual(['m3', 'm2']);
    const third = await client.conversations.history({ channel: 'C1', limit: 2, cursor: second.response_metadata!.next_cursor! });
    expect(listed(third).map((message) => message.text)).toEqual(['m1']);
    expect(third.has_more).toBe(false);
    expect(third.response_metadata?.next_cursor).toBeUndefined();
  });

  it('is paged through by the client’s own paginate()', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    for (let i = 1; i <= 5; i++) await client.chat.postMessage({ channel: 'C1', text: `m${i}` });
    const texts: string[] = [];
    for await (const page of client.paginate('conversations.history', { channel: 'C1', limit: 2 })) texts.push(...listed(page as { messages?: unknown[] }).map((message) => message.text ?? ''));
    expect(texts).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
  });

  it('answers invalid_cursor for a cursor it did not give, and an empty list for a channel never posted to', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    await expect(client.conversations.history({ channel: 'C1', cursor: 'bm9wZQ==' })).rejects.toMatchObject({ data: { error: 'invalid_cursor' } });
    await expect(client.conversations.history({ channel: 'C7' })).resolves.toMatchObject({ ok: true, messages: [], has_more: false });
  });

  it('answers channel_not_found for a conversation that does not exist', async () => {
    const slack = await sim({ channels: ['C1'] });
    const client = clientOf(slack);
    await expect(client.conversations.history({ channel: 'C404' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C404', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });
});

describe('threads', () => {
  it('keeps replies out of history, counts them on the parent, and lists the thread in conversations.replies', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'parent', metadata: outbox('p') });
    const one = await client.chat.postMessage({ channel: 'C1', text: 'reply 1', thread_ts: parent.ts!, metadata: outbox('r1') });
    await client.chat.postMessage({ channel: 'C1', text: 'reply 2', thread_ts: parent.ts! });
    expect(one.message).toMatchObject({ thread_ts: parent.ts, metadata: outbox('r1') });

    expect(listed(await client.conversations.history({ channel: 'C1' }))).toEqual([
      expect.objectContaining({ ts: parent.ts, thread_ts: parent.ts, reply_count: 2 }),
    ]);
    const thread = await client.conversations.replies({ channel: 'C1', ts: parent.ts!, include_all_metadata: true });
    expect(listed(thread).map((message) => [message.text, message.thread_ts])).toEqual([['parent', parent.ts], ['reply 1', parent.ts], ['reply 2', parent.ts]]);
    expect(listed(thread)[1]!.metadata).toEqual(outbox('r1'));
    expect(slack.messages('C1').map((message) => [message.text, message.threadTs])).toEqual([['parent', null], ['reply 1', parent.ts], ['reply 2', parent.ts]]);
  });

  it('names the whole thread by any of its messages, filters replies by `oldest`, and pages without repeating the parent', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'parent' });
    const replies = [];
    for (let i = 1; i <= 4; i++) replies.push(await client.chat.postMessage({ channel: 'C1', text: `r${i}`, thread_ts: parent.ts! }));

    const byReply = await client.conversations.replies({ channel: 'C1', ts: replies[0]!.ts! });
    expect(listed(byReply).map((message) => message.text)).toEqual(['parent', 'r1', 'r2', 'r3', 'r4']);
    const recent = await client.conversations.replies({ channel: 'C1', ts: parent.ts!, oldest: replies[1]!.ts! });
    expect(listed(recent).map((message) => message.text)).toEqual(['parent', 'r3', 'r4']);

    const first = await client.conversations.replies({ channel: 'C1', ts: parent.ts!, limit: 2 });
    expect(listed(first).map((message) => message.text)).toEqual(['parent', 'r1']);
    const second = await client.conversations.replies({ channel: 'C1', ts: parent.ts!, limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(listed(second).map((message) => message.text)).toEqual(['r2', 'r3']);
    expect(second.has_more).toBe(true);
  });

  it('answers thread_not_found for an unknown ts, in replies and in a post', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    await expect(client.conversations.replies({ channel: 'C1', ts: '1700000000.000001' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', thread_ts: '1700000000.000001' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
    const elsewhere = await client.chat.postMessage({ channel: 'C2', text: 'in C2' });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', thread_ts: elsewhere.ts! })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
    expect(slack.messages('C1')).toEqual([]);
  });

  it('records the thread of a files.uploadV2 share and shows the file as a reply', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'parent' });
    await client.files.uploadV2({ channel_id: 'C1', thread_ts: parent.ts!, file: Buffer.from('a,b\n'), filename: 'rows.csv', title: 'rows.csv' });
    expect(slack.uploads).toEqual([expect.objectContaining({ filename: 'rows.csv', channelId: 'C1', threadTs: parent.ts, completed: true })]);
    const thread = listed(await client.conversations.replies({ channel: 'C1', ts: parent.ts! }));
    expect(thread).toHaveLength(2);
    expect(thread[1]).toMatchObject({ thread_ts: parent.ts, files: [expect.objectContaining({ name: 'rows.csv' })] });
  });
});

describe('chat.update', () => {
  it('replaces text and blocks, marks the message edited and records the update', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v1' } }], metadata: outbox('o1') });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'v2' } }];
    await expect(client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'v2', blocks })).resolves.toMatchObject({ ok: true, ts: posted.ts, text: 'v2' });

    expect(slack.updates).toEqual([expect.objectContaining({ channel: 'C1', ts: posted.ts, text: 'v2', blocks })]);
    expect(slack.messages('C1')).toEqual([expect.objectContaining({ text: 'v2', blocks, metadata: outbox('o1'), edited: { user: 'UBOT', ts: expect.any(String) } })]);
    expect(listed(await client.conversations.history({ channel: 'C1' }))[0]).toMatchObject({ text: 'v2', edited: { user: 'UBOT' } });
  });

  it('drops the old blocks when only text is sent', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1', blocks: [{ type: 'divider' }] });
    await client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'v2' });
    expect(slack.messages('C1')[0]).toMatchObject({ text: 'v2', blocks: [] });
  });

  it('answers message_not_found for a ts that is not a message of that channel', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1' });
    await expect(client.chat.update({ channel: 'C1', ts: '1700000000.000001', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(client.chat.update({ channel: 'C2', ts: posted.ts!, text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    expect(slack.updates).toEqual([]);
  });
});

describe('per-channel posting limit', () => {
  it('answers 429 with an integer Retry-After past the burst, per channel', async () => {
    const slack = await sim();
    slack.limitChannelPosts({ perSecond: 1, burst: 3 });
    const client = clientOf(slack, { rejectRateLimitedCalls: true });
    for (let i = 0; i < 3; i++) await client.chat.postMessage({ channel: 'C1', text: `burst ${i}` });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'one too many' })).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 1 });
    await expect(client.chat.postMessage({ channel: 'C2', text: 'another channel' })).resolves.toMatchObject({ ok: true });
    expect(slack.rateLimitedPosts('C1')).toBe(1);
    expect(slack.rateLimitedPosts('C2')).toBe(0);
    expect(slack.messages('C1')).toHaveLength(3);
  });

  it('lets a WebClient that honours Retry-After get through after waiting', async () => {
    const slack = await sim({ channelPostLimit: { perSecond: 1, burst: 1 } });
    const client = clientOf(slack, { retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 } });
    const limited: number[] = [];
    client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    await client.chat.postMessage({ channel: 'C1', text: 'first' });
    const started = Date.now();
    await expect(client.chat.postMessage({ channel: 'C1', text: 'second' })).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(limited).toEqual([1]);
    expect(slack.rateLimitedPosts()).toBe(1);
    expect(slack.messages('C1').map((message) => message.text)).toEqual(['first', 'second']);
  });

  it('refills at the given rate and can be switched off', async () => {
    const slack = await sim();
    slack.limitChannelPosts({ perSecond: 20, burst: 1 });
    const client = clientOf(slack, { rejectRateLimitedCalls: true });
    await client.chat.postMessage({ channel: 'C1', text: 'a' });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'b' })).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(client.chat.postMessage({ channel: 'C1', text: 'c' })).resolves.toMatchObject({ ok: true });
    slack.limitChannelPosts(null);
    for (let i = 0; i < 5; i++) await client.chat.postMessage({ channel: 'C1', text: `free ${i}` });
    expect(slack.rateLimitedPosts('C1')).toBe(1);
  });
});

describe('connection dropped after a post is stored', () => {
  it('leaves the client with an error while the message, with its metadata, is in history', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    slack.failAfterPosting();
    await expect(client.chat.postMessage({ channel: 'C1', text: 'alert', metadata: outbox('o42') })).rejects.toMatchObject({ code: webApi.ErrorCode.RequestError });
    expect(slack.callsTo('chat.postMessage').map((call) => call.status)).toEqual([0]);

    const history = await client.conversations.history({ channel: 'C1', oldest: ((Date.now() - 60_000) / 1000).toFixed(6), include_all_metadata: true, limit: 200 });
    const found = listed(history).find((message) => JSON.stringify(message.metadata) === JSON.stringify(outbox('o42')));
    expect(found?.ts).toBe(slack.messages('C1')[0]!.ts);
    expect(slack.messages('C1')).toHaveLength(1);
    // Only the next post was dropped.
    await expect(client.chat.postMessage({ channel: 'C1', text: 'next' })).resolves.toMatchObject({ ok: true });
  });

  it('shows that a client retrying network errors on its own posts the message twice', async () => {
    const slack = await sim();
    const client = clientOf(slack, { retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } });
    slack.failAfterPosting();
    await client.chat.postMessage({ channel: 'C1', text: 'alert', metadata: outbox('o43') });
    expect(slack.messages('C1').map((message) => message.metadata)).toEqual([outbox('o43'), outbox('o43')]);
  });
});
