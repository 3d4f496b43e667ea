import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, DiscordAPIError, Events, GatewayIntentBits, REST, Routes, type SendableChannels } from 'discord.js';
import { startDiscordSim, DISCORD_SIM_IDS, type DiscordSim, type DiscordSimOptions, type SimMessage } from './discord.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function sim(options: DiscordSimOptions = {}): Promise<DiscordSim> {
  const started = await startDiscordSim(options);
  cleanups.push(() => started.close());
  return started;
}

const restOf = (discord: DiscordSim) => new REST({ api: discord.apiUrl, version: '10' }).setToken(discord.token);

const CHANNEL = DISCORD_SIM_IDS.channel;
const post = (rest: REST, body: Record<string, unknown>, channelId: string = CHANNEL) =>
  rest.post(Routes.channelMessages(channelId), { body }) as Promise<SimMessage>;

/** The DiscordAPIError a request rejected with. */
async function refusal(request: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await request.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('nonce', () => {
  it('answers a resend with an enforced nonce with the message already made, and creates nothing', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    const first = await post(rest, { content: 'alert', nonce: 'o1', enforce_nonce: true });
    const again = await post(rest, { content: 'alert', nonce: 'o1', enforce_nonce: true });
    expect(again.id).toBe(first.id);
    expect(first.nonce).toBe('o1');
    expect(discord.channelMessages()).toHaveLength(1);
  });

  it('creates a second message when the nonce is not enforced, or is another one', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    await post(rest, { content: 'a', nonce: 'o1' });
    await post(rest, { content: 'b', nonce: 'o1' });
    await post(rest, { content: 'c', nonce: 'o2', enforce_nonce: true });
    expect(discord.channelMessages().map((message) => [message.content, message.nonce])).toEqual([['a', 'o1'], ['b', 'o1'], ['c', 'o2']]);
  });

  it('forgets a nonce after the window', async () => {
    const discord = await sim({ nonceWindowMs: 50 });
    const rest = restOf(discord);
    const first = await post(rest, { content: 'a', nonce: 'o1', enforce_nonce: true });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const later = await post(rest, { content: 'a', nonce: 'o1', enforce_nonce: true });
    expect(later.id).not.toBe(first.id);
  });

  it('scopes the nonce per channel by default, per author when asked', async () => {
    const other = '1180000000000000009';
    const perChannel = await sim({ extraChannelIds: [other] });
    const a = restOf(perChannel);
    expect((await post(a, { content: 'x', nonce: 'o1', enforce_nonce: true })).id)
      .not.toBe((await post(a, { content: 'x', nonce: 'o1', enforce_nonce: true }, other)).id);

    const perAuthor = await sim({ extraChannelIds: [other], nonceScope: 'author' });
    const b = restOf(perAuthor);
    expect((await post(b, { content: 'x', nonce: 'o1', enforce_nonce: true })).id)
      .toBe((await post(b, { content: 'x', nonce: 'o1', enforce_nonce: true }, other)).id);
  });

  it('refuses a nonce longer than 25 characters with 400 50035', async () => {
    const discord = await sim();
    const error = await refusal(post(restOf(discord), { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true }));
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect(JSON.stringify(error.rawError)).toContain('"nonce"');
    expect(discord.channelMessages()).toEqual([]);
  });
});

describe('replies', () => {
  it('makes a message with message_reference a reply (type 19) to the referenced one', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    const parent = await post(rest, { content: 'alert' });
    const reply = await post(rest, { content: 'more', message_reference: { message_id: parent.id, fail_if_not_exists: false } });
    expect(reply).toMatchObject({
      type: 19, message_reference: { type: 0, message_id: parent.id, channel_id: CHANNEL, guild_id: DISCORD_SIM_IDS.guild },
      referenced_message: expect.objectContaining({ id: parent.id, content: 'alert' }),
    });
    expect(reply).not.toHaveProperty('webhook_id');
    expect(discord.channelMessages()[1]).toMatchObject({ message_reference: { message_id: parent.id } });
  });

  it('refuses a reply to an unknown message with 400 50035 unless fail_if_not_exists is false', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    const error = await refusal(post(rest, { content: 'x', message_reference: { message_id: '1180000000000099999' } }));
    expect(error).toMatchObject({ status: 400, code: 50035 });
    expect(JSON.stringify(error.rawError)).toContain('REPLIES_UNKNOWN_MESSAGE');

    const plain = await post(rest, { content: 'x', message_reference: { message_id: '1180000000000099999', fail_if_not_exists: false } });
    expect(plain.type).toBe(0);
    expect(plain).not.toHaveProperty('message_reference');
  });
});

describe('editing a channel message', () => {
  it('edits the bot’s message by PATCH and records the edit', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    const posted = await post(rest, { content: 'v1', embeds: [{ title: 'v1' }] });
    const edited = await rest.patch(Routes.channelMessage(CHANNEL, posted.id), { body: { content: 'v2', embeds: [{ title: 'v2' }] } }) as SimMessage;
    expect(edited).toMatchObject({ id: posted.id, content: 'v2', embeds: [{ title: 'v2' }], edited_timestamp: expect.any(String) });
    expect(discord.channelMessages()).toEqual([expect.objectContaining({ id: posted.id, content: 'v2' })]);
    expect(discord.edits).toEqual([expect.objectContaining({ channelId: CHANNEL, messageId: posted.id, body: { content: 'v2', embeds: [{ title: 'v2' }] } })]);
  });

  it('answers 404 10008 Unknown Message for a message not in that channel', async () => {
    const other = '1180000000000000009';
    const discord = await sim({ extraChannelIds: [other] });
    const rest = restOf(discord);
    const posted = await post(rest, { content: 'v1' });
    expect(await refusal(rest.patch(Routes.channelMessage(CHANNEL, '1180000000000099999'), { body: { content: 'x' } }))).toMatchObject({ status: 404, code: 10008 });
    expect(await refusal(rest.patch(Routes.channelMessage(other, posted.id), { body: { content: 'x' } }))).toMatchObject({ status: 404, code: 10008 });
    expect(discord.edits).toEqual([]);
  });
});

describe('per-channel message bucket', () => {
  it('sends X-RateLimit-* on posts within the bucket, so one client queues itself and never hits a 429', async () => {
    const discord = await sim({ channelPostLimit: { perWindow: 2, windowMs: 600 } });
    const rest = restOf(discord);
    const started = Date.now();
    await Promise.all([1, 2, 3].map((n) => post(rest, { content: `m${n}` })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(discord.rateLimitedPosts()).toBe(0);
    expect(discord.channelMessages()).toHaveLength(3);
  });

  it('answers 429 with Retry-After and the bucket headers past the limit; @discordjs/rest waits and the post goes through', async () => {
    const discord = await sim({ channelPostLimit: { perWindow: 2, windowMs: 1_000 } });
    const first = restOf(discord);
    await post(first, { content: 'a' });
    await post(first, { content: 'b' });

    // A second client (another process, say) has not seen the bucket's headers and runs into the 429.
    const second = restOf(discord);
    const limits: { retryAfter: number; scope: string; global: boolean }[] = [];
    second.on('rateLimited', (info) => limits.push({ retryAfter: info.retryAfter, scope: info.scope, global: info.global }));
    const started = Date.now();
    await expect(post(second, { content: 'c' })).resolves.toMatchObject({ content: 'c' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(limits).toEqual([{ retryAfter: expect.any(Number), scope: 'user', global: false }]);
    expect(limits[0]!.retryAfter).toBeGreaterThan(800);
    expect(discord.rateLimitedPosts(CHANNEL)).toBe(1);
    expect(discord.calls.filter((call) => call.status === 429)).toHaveLength(1);
    expect(discord.channelMessages().map((message) => message.content)).toEqual(['a', 'b', 'c']);
  });

  it('puts the bucket on the wire as Discord does: X-RateLimit-* on every answer, Retry-After and scope on the 429', async () => {
    const discord = await sim({ channelPostLimit: { perWindow: 1, windowMs: 2_500 } });
    const send = () => request(`${discord.apiUrl}/v10/channels/${CHANNEL}/messages`, {
      method: 'POST', headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'x' }),
    });
    const ok = await send();
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({
      'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-bucket': expect.any(String),
      'x-ratelimit-reset-after': expect.stringMatching(/^\d+\.\d{3}$/), 'x-ratelimit-reset': expect.stringMatching(/^\d{10}\.\d{3}$/),
    });
    const limited = await send();
    const body = await limited.body.json() as { retry_after: number; global: boolean; message: string };
    expect(limited.statusCode).toBe(429);
    expect(limited.headers).toMatchObject({ 'retry-after': '3', 'x-ratelimit-scope': 'user', 'x-ratelimit-remaining': '0', 'x-ratelimit-bucket': ok.headers['x-ratelimit-bucket'] });
    expect(limited.headers).not.toHaveProperty('x-ratelimit-global');
    expect(body).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(body.retry_after).toBeGreaterThan(2);
    expect(body.retry_after).toBeLessThanOrEqual(2.5);
  });

  it('counts each channel on its own', async () => {
    const other = '1180000000000000009';
    const discord = await sim({ extraChannelIds: [other] });
    discord.limitChannelPosts({ perWindow: 1, windowMs: 5_000 });
    const rest = new REST({ api: discord.apiUrl, version: '10', rejectOnRateLimit: () => true }).setToken(discord.token);
    await post(rest, { content: 'a' });
    await post(rest, { content: 'b' }, other);
    expect(discord.rateLimitedPosts()).toBe(0);
    discord.limitChannelPosts(null);
    await post(rest, { content: 'c' });
    expect(discord.channelMessages().map((message) => message.content)).toEqual(['a', 'c']);
  });
});

describe('connection dropped after a message is created', () => {
  it('fails the request, and a resend with the same nonce returns that message instead of a second one', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    discord.failAfterPosting();
    await expect(post(rest, { content: 'alert', nonce: 'o7', enforce_nonce: true })).rejects.toThrow();
    expect(discord.channelMessages()).toHaveLength(1);

    const resent = await post(rest, { content: 'alert', nonce: 'o7', enforce_nonce: true });
    expect(resent.id).toBe(discord.channelMessages()[0]!.id);
    expect(discord.channelMessages()).toHaveLength(1);
    expect(discord.calls.filter((call) => call.method === 'POST').map((call) => call.status)).toEqual([0, 200]);
  });

  it('as a reset, is retried by @discordjs/rest itself, and the nonce keeps it to one message', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    discord.failAfterPosting(1, { reset: true });
    const sent = await post(rest, { content: 'alert', nonce: 'o8', enforce_nonce: true });
    expect(discord.channelMessages()).toEqual([expect.objectContaining({ id: sent.id, nonce: 'o8' })]);
    expect(discord.calls.filter((call) => call.method === 'POST').map((call) => call.status)).toEqual([0, 200]);
  });

  it('without an enforced nonce, a resend makes a duplicate', async () => {
    const discord = await sim();
    const rest = restOf(discord);
    discord.failAfterPosting();
    await expect(post(rest, { content: 'alert' })).rejects.toThrow();
    await post(rest, { content: 'alert' });
    expect(discord.channelMessages()).toHaveLength(2);
  });
});

describe('through a discord.js Client, as the outbox delivery calls it', () => {
  it('sends with an enforced nonce and a reply, resends without a duplicate, and edits', async () => {
    const discord = await sim();
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl }, waitGuildTimeout: 500 });
    cleanups.push(() => client.destroy());
    const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
    await client.login(discord.token);
    await ready;

    const channel = (await client.channels.fetch(CHANNEL)) as SendableChannels;
    expect(channel.isSendable()).toBe(true);
    const parent = await channel.send({ content: 'alert', nonce: 'o1', enforceNonce: true });
    const reply = await channel.send({ content: 'detail', nonce: 'o2', enforceNonce: true, reply: { messageReference: parent.id, failIfNotExists: false } });
    const resent = await channel.send({ content: 'detail', nonce: 'o2', enforceNonce: true, reply: { messageReference: parent.id, failIfNotExists: false } });
    expect(resent.id).toBe(reply.id);
    expect(reply.reference?.messageId).toBe(parent.id);
    await channel.messages.edit(parent.id, { content: 'alert (resolved)' });

    expect(discord.channelMessages().map((message) => [message.content, message.nonce, message.type])).toEqual([
      ['alert (resolved)', 'o1', 0], ['detail', 'o2', 19],
    ]);
    expect(discord.edits).toHaveLength(1);
    const create = discord.calls.find((call) => call.method === 'POST' && call.path === `/channels/${CHANNEL}/messages`);
    expect(create?.body).toMatchObject({ nonce: 'o1', enforce_nonce: true });
  });
});
