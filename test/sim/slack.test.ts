import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySlackRequest, webApi } from '@slack/bolt';
import { signSlackRequest, slashCommandBody, startSlackSim, type SlackSim, type SlackSimOptions } from './slack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function sim(options: SlackSimOptions = {}): Promise<SlackSim> {
  const started = await startSlackSim(options);
  cleanups.push(() => started.close());
  return started;
}

const clientOf = (slack: SlackSim, options: ConstructorParameters<typeof webApi.WebClient>[1] = {}) =>
  new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, ...options });

describe('request signing (chat-platforms.md §2 worked examples)', () => {
  it('signs a=1 at 1700000000 with test-signing-secret', () => {
    expect(signSlackRequest('test-signing-secret', 1700000000, 'a=1')).toBe('v0=3c4221c1b10c8b142f80fe18980cfc9fb6f619aa26bf60e62cf286860adff927');
  });

  it('builds the example slash command body byte for byte and signs it', () => {
    const body = slashCommandBody({
      token: 'legacy', teamId: 'T0001', teamDomain: 'acme', channelId: 'C0001', channelName: 'ops', userId: 'U0001', userName: 'alice',
      command: '/shopshift', text: 'status web', apiAppId: 'A0001', responseUrl: 'http://127.0.0.1:4000/resp/1', triggerId: '1.2.abc',
    });
    expect(body).toBe(
      'token=legacy&team_id=T0001&team_domain=acme&channel_id=C0001&channel_name=ops&user_id=U0001&user_name=alice&command=%2Fshopshift&text=status+web&api_app_id=A0001&is_enterprise_install=false&response_url=http%3A%2F%2F127.0.0.1%3A4000%2Fresp%2F1&trigger_id=1.2.abc',
    );
    expect(signSlackRequest('test-signing-secret', 1700000000, body)).toBe('v0=86c95ee6433b5c26a1c6bfab1f51f61e08815c715b298e85d77d8278e62f73c6');
  });

  it('produces signatures that Bolt’s own verifier accepts', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = 'text=help';
    expect(() => verifySlackRequest({
      signingSecret: 's3cret', body,
      headers: { 'x-slack-signature': signSlackRequest('s3cret', timestamp, body), 'x-slack-request-timestamp': timestamp },
    })).not.toThrow();
  });
});

describe('Slack Web API simulator', () => {
  it('answers auth.test with the bot ids Bolt reads, and records the token', async () => {
    const slack = await sim();
    const answer = await clientOf(slack).auth.test();
    expect(answer).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0SIM' });
    expect(slack.callsTo('auth.test')[0]).toMatchObject({ token: slack.botToken, status: 200 });
  });

  it('refuses a wrong token with invalid_auth', async () => {
    const slack = await sim();
    const wrong = new webApi.WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ code: webApi.ErrorCode.PlatformError, data: { error: 'invalid_auth' } });
  });

  it('decodes the JSON-string blocks of chat.postMessage and answers with a ts', async () => {
    const slack = await sim();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const answer = await clientOf(slack).chat.postMessage({ channel: 'C1', text: 'hi', blocks });
    expect(answer).toMatchObject({ ok: true, channel: 'C1', ts: expect.stringMatching(/^\d{10}\.\d{6}$/) });
    expect(slack.callsTo('chat.postMessage')[0]!.args).toMatchObject({ channel: 'C1', text: 'hi', blocks });
  });

  it('updates a message with chat.update', async () => {
    const slack = await sim();
    const client = clientOf(slack);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'one' });
    await expect(client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'two' })).resolves.toMatchObject({ ok: true, ts: posted.ts, text: 'two' });
  });

  it('lists user-group members, and answers no_such_subteam for an unknown group', async () => {
    const slack = await sim({ usergroups: { S0OPS: ['U1', 'U2'] } });
    const client = clientOf(slack);
    await expect(client.usergroups.users.list({ usergroup: 'S0OPS' })).resolves.toMatchObject({ users: ['U1', 'U2'] });
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
  });

  it('takes a files.uploadV2 upload in its three steps and keeps the bytes', async () => {
    const slack = await sim();
    await clientOf(slack).files.uploadV2({ channel_id: 'C1', file: Buffer.from('a,b\n1,2\n'), filename: 'findings.csv', title: 'findings.csv' });
    expect(slack.calls.map((call) => call.method)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(slack.uploads).toEqual([expect.objectContaining({ filename: 'findings.csv', length: 8, completed: true, channelId: 'C1', title: 'findings.csv' })]);
    expect(slack.uploads[0]!.content!.toString()).toBe('a,b\n1,2\n');
  });

  it('answers 429 with Retry-After when switched on, as many times as asked', async () => {
    const slack = await sim();
    slack.rateLimit({ method: 'chat.postMessage', retryAfterSeconds: 7 });
    const client = clientOf(slack, { rejectRateLimitedCalls: true });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 7 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect(slack.callsTo('chat.postMessage').map((call) => call.status)).toEqual([429, 200]);
  });

  it('fails a method on demand with the given error', async () => {
    const slack = await sim();
    slack.failMethod('files.completeUploadExternal', 'not_in_channel');
    await expect(clientOf(slack).files.uploadV2({ channel_id: 'C1', file: Buffer.from('x'), filename: 'x.csv' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
  });
});

describe('response_url', () => {
  it('records each JSON post and takes five, then answers 404 used_url', async () => {
    const slack = await sim();
    const url = slack.newResponseUrl();
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `post ${i}` }) });
      await answer.body.text();
      statuses.push(answer.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.responsesTo(url).map((post) => post.body.text)).toEqual(['post 1', 'post 2', 'post 3', 'post 4', 'post 5', 'post 6']);
  });
});
