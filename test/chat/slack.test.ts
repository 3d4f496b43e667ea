import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { findingsCsvHeader } from '../../src/audit/report/csv.js';
import { decodeAction, m, reply, type MessagePart } from '../../src/chat/message.js';
import { createServices } from '../../src/chat/services.js';
import { createSlackApp, type SlackRoute } from '../../src/chat/slack/app.js';
import { renderSlack, SLACK_LIMITS, splitText, type SlackBlock } from '../../src/chat/slack/render.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { captureLogs } from '../support/log-capture.js';
import { startSlackSim, type ResponsePost, type SlackSim } from '../sim/slack.js';
import { makeListing } from '../store/contract.js';

const SIGNING_SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0OPS';
const MANAGER = 'U0MANAGER';
const GROUP_MEMBER = 'U0GROUPIE';
const MEMBER = 'U0MEMBER';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

// ---------------------------------------------------------------------------------------------------------------
// Rendering

type Section = Extract<SlackBlock, { type: 'section' }>;
const sections = (blocks: SlackBlock[]) => blocks.filter((block): block is Section => block.type === 'section');
const textOf = (block: SlackBlock) => (block.type === 'section' && block.text ? block.text.text : '');
const words = (count: number, seed: string) => Array.from({ length: count }, (_, i) => `${seed}${i}`).join(' ');

describe('renderSlack', () => {
  it('puts the heading in a header block, clipped to 150 characters', () => {
    const { blocks } = renderSlack(reply([m.heading('x'.repeat(200))]));
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect((blocks[0] as Extract<SlackBlock, { type: 'header' }>).text.text).toHaveLength(SLACK_LIMITS.headerText);
  });

  it('splits three long texts into sections of at most 3,000 characters without losing a word', () => {
    const texts = [words(1500, 'alpha'), words(1200, 'beta'), `${words(400, 'gamma')}\n${words(400, 'delta')}`];
    const { blocks } = renderSlack(reply(texts.map((text) => m.text(text))));
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) expect(textOf(block).length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const rendered = blocks.map(textOf).join(' ').split(/\s+/);
    expect(rendered).toEqual(texts.join(' ').split(/\s+/));
  });

  it('never cuts an escaped character in half when splitting', () => {
    const pieces = splitText('&amp;'.repeat(1000), 3000);
    for (const piece of pieces) expect(piece).toMatch(/^(&amp;)+$/);
    expect(pieces.join('')).toBe('&amp;'.repeat(1000));
  });

  it('escapes &, < and > so chat text cannot become a mention or a link', () => {
    const { blocks, text } = renderSlack(reply([m.text('<!channel> & <https://evil.example|click>')]));
    expect(textOf(blocks[0]!)).toBe('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(text).not.toContain('<');
  });

  it('spreads 30 fields over three sections of ten, each field within 2,000 characters', () => {
    const fields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`Field ${i}`, i === 7 ? 'v'.repeat(5000) : `value ${i}`]));
    const { blocks } = renderSlack(reply([m.fields(fields)]));
    expect(blocks).toHaveLength(3);
    for (const block of sections(blocks)) {
      expect(block.fields).toHaveLength(SLACK_LIMITS.fields);
      for (const field of block.fields!) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    expect(sections(blocks)[0]!.fields![0]!.text).toBe('*Field 0*\nvalue 0');
  });

  it('shows a 300-row table as one code block that fits, and says how many rows are in the attached CSV', () => {
    const rows = Array.from({ length: 300 }, (_, i) => [`rule-${i}`, 'error', String(i), 'Shorten the title to 255 characters']);
    const { blocks, files } = renderSlack(reply([m.table(['rule', 'severity', 'products', 'what to do'], rows), m.file('findings.csv', 'a,b\n')]));
    expect(blocks).toHaveLength(1);
    const text = textOf(blocks[0]!);
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text.startsWith('```\nrule')).toBe(true);
    const shown = text.split('```')[1]!.trim().split('\n').length - 1;
    expect(shown).toBeGreaterThan(20);
    expect(text).toMatch(new RegExp(`\`\`\`\\n… and ${300 - shown} more \\(see the attached CSV\\)$`));
    expect(files).toEqual([{ name: 'findings.csv', data: Buffer.from('a,b\n'), contentType: 'text/csv' }]);
  });

  it('shows a table that fits whole, with no summary line', () => {
    const { blocks } = renderSlack(reply([m.table(['a', 'b'], [['1', '2']])]));
    expect(textOf(blocks[0]!)).toBe('```\na  b\n1  2\n```');
  });

  it('shows progress as a bar', () => {
    const { blocks } = renderSlack(reply([m.progress('Submitted', 50, 200)]));
    expect(textOf(blocks[0]!)).toBe('*Submitted*  █████░░░░░░░░░░░░░░░ 25%  (50/200)');
  });

  it('turns buttons into actions blocks of at most 25, with shopshift:<n> ids and the encoded action as value', () => {
    const buttons = Array.from({ length: 30 }, (_, i) => ({ label: `Retry mug-${i} ${'x'.repeat(i === 0 ? 100 : 0)}`, action: { command: 'failures', args: { retry: `mug-${i}` } } }));
    const { blocks } = renderSlack(reply([m.buttons(...buttons)]));
    const actions = blocks.filter((block): block is Extract<SlackBlock, { type: 'actions' }> => block.type === 'actions');
    expect(actions.map((block) => block.elements.length)).toEqual([25, 5]);
    const elements = actions.flatMap((block) => block.elements) as { action_id: string; value: string; text: { text: string } }[];
    expect(elements.map((element) => element.action_id)).toEqual(buttons.map((_, i) => `shopshift:${i}`));
    expect(decodeAction(elements[29]!.value)).toEqual({ command: 'failures', args: { retry: 'mug-29' } });
    expect(elements[0]!.text.text).toHaveLength(SLACK_LIMITS.buttonText);
  });

  it('keeps a message within 50 blocks, with a note where it was cut, and keeps the buttons', () => {
    const parts: MessagePart[] = [...Array.from({ length: 70 }, (_, i) => m.text(`line ${i}`)), m.buttons({ label: 'Retry', action: { command: 'failures', args: {} } })];
    const { blocks } = renderSlack(reply(parts));
    expect(blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(blocks.at(-1)!.type).toBe('actions');
    expect(textOf(blocks.at(-2)!)).toMatch(/22 more sections did not fit/);
  });

  it('returns file parts apart, for upload, and a plain-text fallback of at most 3,000 characters', () => {
    const { blocks, files, text } = renderSlack(reply([m.heading('Audit'), m.text(words(2000, 'w')), m.file('audit.csv', 'x')]));
    expect(blocks.every((block) => block.type !== 'file')).toBe(true);
    expect(files.map((file) => file.name)).toEqual(['audit.csv']);
    expect(text.startsWith('AUDIT\nw0 w1')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The Bolt app against the Slack simulator

interface HarnessOptions {
  socketMode?: boolean;
  routes?: SlackRoute[];
  responseUrlUses?: number;
}

async function harness(options: HarnessOptions = {}) {
  const slack = await startSlackSim({ usergroups: { S0OPS: [GROUP_MEMBER] }, ...(options.responseUrlUses === undefined ? {} : { responseUrlUses: options.responseUrlUses }) });
  cleanups.push(() => slack.close());
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-slack-'));
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl,
    SLACK_MANAGERS: `${MANAGER},S0OPS`, PORT: '0', FETCH_ALLOWED_PRIVATE: '127.0.0.1/32', ...(options.socketMode ? { SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: slack.appToken } : {}),
  });
  const store = await openLowdbStore({ dir: config.DATA_DIR });
  cleanups.push(() => store.close());
  const logs = captureLogs();
  const services = createServices({ config, store, log: logs.log, now: () => Date.now() });
  const bot = createSlackApp({
    settings: config, commands: createCommands('shop'), root: 'shop', services, log: logs.log, now: () => Date.now(), host: '127.0.0.1', apiRetries: 0,
    ...(options.routes ? { routes: options.routes } : {}),
  });
  await bot.start();
  cleanups.push(() => bot.stop());
  const appUrl = `http://127.0.0.1:${bot.port()}/slack/events`;
  const command = (text: string, userId = MEMBER, signing: { timestamp?: number; forgeSignature?: boolean } = {}) =>
    slack.sendSlashCommand(appUrl, { text, userId, channelId: CHANNEL }, { signingSecret: SIGNING_SECRET, ...signing });
  /** The reply (the post with blocks) sent to a response_url. */
  const replyTo = (responseUrl: string) => slack.waitFor(() => slack.responsesTo(responseUrl).find((post) => 'blocks' in post.body));
  return { slack, store, logs, bot, config, appUrl, command, replyTo };
}

const blocksOf = (post: ResponsePost) => post.body.blocks as SlackBlock[];
const allText = (post: ResponsePost) => `${String(post.body.text)}\n${JSON.stringify(post.body.blocks ?? [])}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
const inChannelPosts = (slack: SlackSim) => [...slack.callsTo('chat.postMessage'), ...slack.responses.filter((post) => post.body.response_type === 'in_channel')];

describe('Slack app: /shop', () => {
  it('acknowledges /shop help with an empty 200 and answers privately with the commands as blocks', async () => {
    const { command, replyTo } = await harness();
    const answer = await command('help');
    expect(answer).toMatchObject({ status: 200, body: '' });
    const post = await replyTo(answer.responseUrl);
    expect(post.body.response_type).toBe('ephemeral');
    expect(blocksOf(post)[0]).toMatchObject({ type: 'header', text: { text: 'shopshift commands' } });
    expect(allText(post)).toContain('/shop migration');
  });

  it('treats a bare /shop as help', async () => {
    const { command, replyTo } = await harness();
    const post = await replyTo((await command('')).responseUrl);
    expect(blocksOf(post)[0]).toMatchObject({ type: 'header', text: { text: 'shopshift commands' } });
  });

  it('acknowledges /shop audit at once, shows progress, then posts the summary in the channel and uploads the findings CSV', async () => {
    const { slack, command, replyTo } = await harness();
    const answer = await command('audit');
    expect(answer.status).toBe(200);
    expect(slack.responsesTo(answer.responseUrl).some((post) => 'blocks' in post.body)).toBe(false);
    const post = await replyTo(answer.responseUrl);
    expect(post.body.response_type).toBe('in_channel');
    expect(blocksOf(post)[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^Audit: \d+ of \d+ products are blocked$/) } });
    expect(blocksOf(post).some((block) => block.type === 'section' && block.fields !== undefined)).toBe(true);
    const posts = slack.responsesTo(answer.responseUrl).map((each) => each.body);
    expect(posts[0]).toEqual({ replace_original: true, text: 'Auditing the catalog…' });
    expect(posts[1]).toEqual({ delete_original: true });
    const upload = await slack.waitFor(() => slack.uploads.find((each) => each.completed));
    expect(upload).toMatchObject({ filename: 'audit-findings.csv', channelId: CHANNEL });
    expect(upload.content!.toString('utf8').startsWith(findingsCsvHeader())).toBe(true);
    expect(upload.content!.toString('utf8').split('\n').length).toBeGreaterThan(2);
  });

  it('answers a bad argument with the usage, privately, and posts nothing in the channel', async () => {
    const { slack, command, replyTo } = await harness();
    const post = await replyTo((await command('migration launch', MANAGER)).responseUrl);
    expect(post.body.response_type).toBe('ephemeral');
    expect(allText(post)).toMatch(/action: must be one of status, plan, start, pause, resume\.\\nUsage: \/shop migration/);
    await settle();
    expect(inChannelPosts(slack)).toEqual([]);
    expect(slack.uploads).toEqual([]);
  });

  it('refuses /shop map set to someone who is not a manager and changes nothing', async () => {
    const { command, replyTo, store } = await harness();
    const post = await replyTo((await command('map set "Mugs" 600024', MEMBER)).responseUrl);
    expect(post.body.response_type).toBe('ephemeral');
    expect(allText(post)).toMatch(/Only the people allowed to manage shopshift can do that/);
    expect(await store.mappings.list('default')).toEqual([]);
  });

  it('lets a manager listed by user id set a mapping, under their Slack name', async () => {
    const { command, replyTo, store } = await harness();
    const post = await replyTo((await command('map set "Mugs" 600024', MANAGER)).responseUrl);
    expect(post.body.response_type).toBe('in_channel');
    expect(allText(post)).toContain('Mugs → 600024, set by u0manager');
    expect(await store.mappings.list('default')).toMatchObject([{ key: 'Mugs', categoryId: '600024', by: 'u0manager' }]);
  });

  it('lets a member of a manager user group set a mapping, looking the group up once for a few minutes', async () => {
    const { slack, command, replyTo, store } = await harness();
    await replyTo((await command('map set "Mugs" 600024', GROUP_MEMBER)).responseUrl);
    await replyTo((await command('map set "Tea Towels" 600144', GROUP_MEMBER)).responseUrl);
    expect((await store.mappings.list('default')).map((mapping) => mapping.key).sort()).toEqual(['Mugs', 'Tea Towels']);
    expect(slack.callsTo('usergroups.users.list').map((call) => call.args.usergroup)).toEqual(['S0OPS']);
  });

  it('treats a group member as not a manager when the user-group lookup fails', async () => {
    const { slack, command, replyTo, logs } = await harness();
    slack.failMethod('usergroups.users.list', 'missing_scope');
    const post = await replyTo((await command('map set "Mugs" 600024', GROUP_MEMBER)).responseUrl);
    expect(allText(post)).toMatch(/Only the people allowed to manage shopshift/);
    expect(logs.lines().find((line) => line.msg === 'slack user group lookup failed; its members are not treated as managers')).toMatchObject({ group: 'S0OPS', error: 'missing_scope' });
  });

  it('answers 401 to a forged signature and runs nothing', async () => {
    const { slack, command } = await harness();
    const answer = await command('map set "Mugs" 600024', MANAGER, { forgeSignature: true });
    expect(answer.status).toBe(401);
    await settle();
    expect(slack.responses).toEqual([]);
    expect(slack.calls.map((call) => call.method)).toEqual(['auth.test']);
  });

  it('answers 401 to a timestamp older than five minutes and runs nothing', async () => {
    const { slack, command } = await harness();
    const answer = await command('help', MANAGER, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(answer.status).toBe(401);
    await settle();
    expect(slack.responses).toEqual([]);
  });

  it('still acknowledges when the command fails, and shows a reference that the log carries too', async () => {
    const { command, replyTo, store, logs } = await harness();
    await store.close();
    const answer = await command('map set "Mugs" 600024', MANAGER);
    expect(answer.status).toBe(200);
    const post = await replyTo(answer.responseUrl);
    expect(post.body.response_type).toBe('ephemeral');
    const ref = /\(ref (ss-[0-9a-f]{6})\)/.exec(String(post.body.text))?.[1];
    expect(ref).toBeDefined();
    expect(logs.lines().find((line) => line.ref === ref)).toMatchObject({ msg: 'command failed', command: 'map', userId: MANAGER, platform: 'slack' });
  });

  it('keeps the reply when the file upload fails, and says why in a private follow-up', async () => {
    const { slack, command, replyTo } = await harness();
    slack.failMethod('files.completeUploadExternal', 'not_in_channel');
    const answer = await command('audit');
    const post = await replyTo(answer.responseUrl);
    expect(post.body.response_type).toBe('in_channel');
    const followUp = await slack.waitFor(() => slack.responsesTo(answer.responseUrl).find((each) => String(each.body.text).startsWith('I could not attach')));
    expect(followUp.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('audit-findings.csv: I am not in this channel') });
  });

  it('posts a channel reply as a new message when its response_url takes no more posts', async () => {
    const { slack, command } = await harness({ responseUrlUses: 0 });
    await command('map set "Mugs" 600024', MANAGER);
    const posted = await slack.waitFor(() => slack.callsTo('chat.postMessage')[0]);
    expect(posted.args).toMatchObject({ channel: CHANNEL, text: 'Mugs → 600024, set by u0manager. Audit again to see which products it unblocks.' });
  });

  it('never writes the bot token or the signing secret to the log', async () => {
    const { slack, command, replyTo, logs } = await harness();
    await replyTo((await command('audit', MANAGER)).responseUrl);
    await command('help', MANAGER, { forgeSignature: true });
    expect(logs.text()).not.toContain(slack.botToken);
    expect(logs.text()).not.toContain(SIGNING_SECRET);
  });
});

describe('Slack app: buttons', () => {
  async function failuresWithRetryButton() {
    const setup = await harness();
    await setup.store.listings.put(makeListing({ shop: 'default', handle: 'mug-10', idempotencyKey: 'default:mug-10', state: 'error', reasons: ['TikTok Shop timed out'] }));
    const post = await setup.replyTo((await setup.command('failures')).responseUrl);
    const actions = blocksOf(post).find((block) => block.type === 'actions') as Extract<SlackBlock, { type: 'actions' }>;
    const button = actions.elements[0] as { action_id: string; value: string; text: { text: string } };
    const press = (userId: string) => setup.slack.sendBlockAction(setup.appUrl, { userId, channelId: CHANNEL, actionId: button.action_id, value: button.value, label: button.text.text }, { signingSecret: SIGNING_SECRET });
    return { ...setup, button, press };
  }

  it('runs the action behind Retry on /shop failures for a manager', async () => {
    const { button, press, replyTo, store } = await failuresWithRetryButton();
    expect(button).toMatchObject({ action_id: 'shopshift:0', text: { text: 'Retry mug-10' } });
    // A paused migration is under way, so the retry queues the product for it.
    const at = new Date().toISOString();
    await store.jobs.put({ id: 'j1', shop: 'default', status: 'paused', location: 'x.csv', auditRunId: 'a', dryRun: false, limit: null, note: 'paused', startedAt: at, updatedAt: at, heartbeatAt: at, owner: 'h:1' });
    const answer = await press(MANAGER);
    expect(answer).toMatchObject({ status: 200, body: '' });
    const post = await replyTo(answer.responseUrl);
    expect(post.body).toMatchObject({ response_type: 'in_channel', replace_original: false });
    expect(allText(post)).toContain('mug-10 is queued');
    expect(await store.listings.get('default', 'mug-10')).toMatchObject({ state: 'pending', reasons: ['retry asked by u0manager'] });
  });

  it('checks the permission of whoever presses the button', async () => {
    const { press, replyTo, store } = await failuresWithRetryButton();
    const post = await replyTo((await press(MEMBER)).responseUrl);
    expect(allText(post)).toMatch(/Only the people allowed to manage shopshift/);
    expect(await store.listings.get('default', 'mug-10')).toMatchObject({ state: 'error' });
  });

  it('answers a button whose value cannot be read, privately', async () => {
    const { slack, appUrl, replyTo } = await harness();
    const answer = await slack.sendBlockAction(appUrl, { userId: MANAGER, channelId: CHANNEL, actionId: 'shopshift:0', value: '' }, { signingSecret: SIGNING_SECRET });
    expect(answer.status).toBe(200);
    const post = await replyTo(answer.responseUrl);
    expect(post.body.response_type).toBe('ephemeral');
    expect(allText(post)).toContain('That button no longer works');
  });
});

describe('Slack app: set-up', () => {
  it('serves extra routes (health, webhooks) on the same port', async () => {
    const health: SlackRoute = { method: 'GET', path: '/healthz', handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok') };
    const { bot } = await harness({ routes: [health] });
    const answer = await request(`http://127.0.0.1:${bot.port()}/healthz`);
    expect(answer.statusCode).toBe(200);
    expect(await answer.body.text()).toBe('ok');
  });

  it('runs over Socket Mode: acknowledges the envelope, then responds', async () => {
    const { slack, replyTo, bot } = await harness({ socketMode: true });
    await slack.socketConnected();
    expect(bot.port()).toBeNull();
    const { ack, responseUrl } = await slack.sendSocketSlashCommand({ text: 'help', userId: MEMBER, channelId: CHANNEL });
    expect(ack).toMatchObject({ envelope_id: expect.any(String) });
    expect(blocksOf(await replyTo(responseUrl))[0]).toMatchObject({ type: 'header', text: { text: 'shopshift commands' } });
    expect(slack.callsTo('apps.connections.open')[0]).toMatchObject({ token: slack.appToken });
  });

  it('names the missing setting instead of starting without credentials', () => {
    const { log } = captureLogs();
    const build = (env: NodeJS.ProcessEnv) => () =>
      createSlackApp({ settings: loadConfig(env), commands: [], root: 'shop', services: {} as never, log, now: () => 0 });
    expect(build({})).toThrow(ConfigError);
    expect(build({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(build({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SOCKET_MODE: 'true' })).toThrow(/SLACK_APP_TOKEN/);
  });
});
