import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { defineCommand, m, reply, type AnyCommand } from '../../src/chat/command.js';
import { createDiscordBot, type DiscordBot } from '../../src/chat/discord/client.js';
import { registerCommands } from '../../src/chat/discord/register.js';
import { registerDiscordCommand } from '../../src/cli/register-discord.js';
import { createServices } from '../../src/chat/services.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { startDiscordSim, DISCORD_SIM_IDS, type DiscordSimOptions, type InteractionHandle, type SimCall, type SimMessage } from '../sim/discord.js';
import { captureLogs } from '../support/log-capture.js';
import { makeListing } from '../store/contract.js';

const MANAGER = DISCORD_SIM_IDS.manager;
const MEMBER = DISCORD_SIM_IDS.member;

/** Fixtures beside the real commands: one that fails, one that reports progress and posts to the channel. */
const explode = defineCommand({
  name: 'explode', description: 'Fails on purpose', examples: [], options: {}, positional: [], permission: 'read',
  async handler() {
    throw new Error('kaboom: upstream said 500 with secret body');
  },
});
const chatty = defineCommand({
  name: 'chatty', description: 'Reports progress and posts to the channel', examples: [], options: {}, positional: [], permission: 'read',
  async handler(context) {
    for (let step = 1; step <= 5; step++) await context.progress(`step ${step} of 5`);
    await context.post(reply([m.text('posted in the channel')]));
    return reply([m.text('chatty is done')]);
  },
});

async function startBot(simOptions: DiscordSimOptions = {}) {
  const sim = await startDiscordSim(simOptions);
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-discord-'));
  const config = loadConfig({
    DATA_DIR: dir, DISCORD_TOKEN: sim.token, DISCORD_API_URL: sim.apiUrl, DISCORD_APPLICATION_ID: sim.applicationId,
    DISCORD_GUILD_ID: sim.guildId, DISCORD_MANAGER_ROLES: DISCORD_SIM_IDS.managerRole,
    FETCH_ALLOWED_PRIVATE: '127.0.0.1/32',
  });
  const store: Store = await openLowdbStore({ dir });
  const logs = captureLogs();
  const services = createServices({ config, store, log: logs.log, now: () => Date.now() });
  const commands: AnyCommand[] = [...createCommands(config.SHOP_COMMAND), explode as unknown as AnyCommand, chatty as unknown as AnyCommand];
  const bot: DiscordBot = createDiscordBot({
    settings: config, commands, root: config.SHOP_COMMAND, services, log: logs.log, now: () => Date.now(), clientOptions: { waitGuildTimeout: 500 },
  });
  await bot.start();
  return { sim, bot, store, logs, config };
}

/** Everything a person would read in a message: content, embed titles, descriptions and fields. */
function textOf(message: { content?: unknown; embeds?: unknown } | null | undefined): string {
  if (!message) return '';
  const embeds = (message.embeds ?? []) as { title?: string; description?: string; fields?: { name: string; value: string }[] }[];
  return [String(message.content ?? ''), ...embeds.flatMap((embed) => [embed.title ?? '', embed.description ?? '', ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])])]
    .filter(Boolean).join('\n');
}

const isOriginalEdit = (call: SimCall) => call.method === 'PATCH' && call.path.endsWith('/messages/@original');
const isFollowUp = (call: SimCall) => call.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(call.path);
const bodyOf = (call: SimCall) => call.body as { content?: string; embeds?: { title?: string; description?: string; fields?: unknown[] }[]; flags?: number; components?: { components: { custom_id: string; label: string }[] }[] };

/** The final answer: the edit of the deferred reply that is not a progress line, or a follow-up. */
async function finalEdit(handle: InteractionHandle, text: RegExp): Promise<SimCall> {
  return handle.waitFor((call) => isOriginalEdit(call) && call.status === 200 && text.test(textOf(bodyOf(call))));
}

/** A private answer to a publicly deferred command: the deferred message is deleted and an ephemeral follow-up sent. */
async function privateAnswer(handle: InteractionHandle): Promise<SimMessage> {
  await handle.waitFor((call) => isFollowUp(call) && call.status === 200);
  expect(handle.originalState()).toBe('deleted');
  const [message] = handle.followUps();
  expect(message?.flags).toBe(64);
  return message!;
}

describe('the Discord bot, with discord.js against a local Discord', () => {
  let setup: Awaited<ReturnType<typeof startBot>>;

  beforeAll(async () => {
    setup = await startBot();
  });

  afterAll(async () => {
    await setup?.bot.stop();
    await setup?.sim.close();
    await setup?.store.close();
  });

  describe('command registration', () => {
    it('PUTs the /shop command tree once, and not again while it is unchanged', async () => {
      const { sim, logs, config } = setup;
      const rest = new REST({ api: sim.apiUrl }).setToken(sim.token);
      const options = { rest, applicationId: sim.applicationId, guildId: config.DISCORD_GUILD_ID, commands: createCommands('shop'), root: 'shop', log: logs.log };
      expect(await registerCommands(options)).toEqual({ scope: 'guild', changed: true });
      expect(await registerCommands(options)).toEqual({ scope: 'guild', changed: false });
      const puts = sim.calls.filter((call) => call.method === 'PUT' && call.path === `/applications/${sim.applicationId}/guilds/${sim.guildId}/commands`);
      expect(puts).toHaveLength(1);
      expect(puts[0]?.authorization).toBe(`Bot ${sim.token}`);
      const [shop] = sim.registered(sim.guildId);
      expect(shop).toMatchObject({ name: 'shop', type: 1 });
      expect((shop?.options as { name: string }[]).map((option) => option.name)).toEqual(['audit', 'migration', 'failures', 'map', 'alerts', 'summary', 'activity', 'help']);
    });

    it('PUTs again when a definition changes, and registers globally when no guild is set', async () => {
      const { sim, logs } = setup;
      const rest = new REST({ api: sim.apiUrl }).setToken(sim.token);
      const changed = createCommands('shop').map((command) => (command.name === 'audit' ? { ...command, description: 'Audit the catalog' } : command));
      expect(await registerCommands({ rest, applicationId: sim.applicationId, guildId: sim.guildId, commands: changed, root: 'shop', log: logs.log })).toEqual({ scope: 'guild', changed: true });
      expect(await registerCommands({ rest, applicationId: sim.applicationId, commands: changed, root: 'shop', log: logs.log })).toEqual({ scope: 'global', changed: true });
      expect(sim.registered()).toHaveLength(1);
      expect(sim.calls.filter((call) => call.method === 'PUT' && call.path === `/applications/${sim.applicationId}/commands`)).toHaveLength(1);
    });

    it('is what `npm run register:discord` does, with the settings', async () => {
      const sim = await startDiscordSim();
      try {
        const logs = captureLogs();
        let out = '';
        const stdout = new Writable({ write: (chunk, _encoding, done) => done(void (out += String(chunk))) });
        const config = loadConfig({ DISCORD_TOKEN: sim.token, DISCORD_APPLICATION_ID: sim.applicationId, DISCORD_GUILD_ID: sim.guildId, DISCORD_API_URL: sim.apiUrl });
        expect(await registerDiscordCommand({ stdout, config, log: logs.log })).toBe(0);
        expect(await registerDiscordCommand({ stdout, config, log: logs.log })).toBe(0);
        expect(out).toBe(`Registered /shop in guild ${sim.guildId}.\n/shop is already registered in guild ${sim.guildId}; nothing sent.\n`);
        await expect(registerDiscordCommand({ stdout, config: { ...config, DISCORD_TOKEN: 'wrong' }, log: logs.log })).rejects.toThrow(/Discord refused the command registration \(HTTP 401, code 0\); check DISCORD_TOKEN/);
        await expect(registerDiscordCommand({ stdout, config: { ...config, DISCORD_TOKEN: undefined }, log: logs.log })).rejects.toThrow(/needs DISCORD_TOKEN and DISCORD_APPLICATION_ID/);
      } finally {
        await sim.close();
      }
    });
  });

  it('logs in over the gateway: HELLO, IDENTIFY, READY with the guild unavailable, then its GUILD_CREATE', () => {
    const { sim, bot } = setup;
    expect(sim.calls.find((call) => call.path === '/gateway/bot')).toMatchObject({ method: 'GET', status: 200, authorization: `Bot ${sim.token}` });
    expect(sim.gateway.sent.filter((frame) => frame.op !== 11).slice(0, 3).map((frame) => [frame.op, frame.t])).toEqual([[10, null], [0, 'READY'], [0, 'GUILD_CREATE']]);
    expect(sim.gateway.received.filter((frame) => frame.op !== 1)[0]?.op).toBe(2);
    expect(bot.client.guilds.cache.get(sim.guildId)?.roles.cache.has(DISCORD_SIM_IDS.managerRole)).toBe(true);
  });

  it('defers /shop help privately within the deadline and edits the reply with embeds', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'help', userId: MEMBER });
    const callback = await handle.callback();
    expect(callback).toMatchObject({ status: 204, authorization: null, body: { type: 5, data: { flags: 64 } } });
    expect(callback.at - handle.sentAt).toBeLessThan(3000);
    const edit = await finalEdit(handle, /shopshift commands/);
    expect(bodyOf(edit).embeds?.[0]?.title).toBe('shopshift commands');
    expect(textOf(handle.original())).toContain('**/shop audit**: Check the catalog against TikTok Shop listing rules');
    expect(handle.original()?.flags).toBe(64);
    expect(handle.followUps()).toEqual([]);
  });

  it('edits /shop audit’s reply with the summary embed and attaches the findings CSV', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'audit', userId: MEMBER });
    expect(await handle.callback()).toMatchObject({ status: 204, body: { type: 5, data: { flags: 0 } } });
    await handle.waitFor((call) => isOriginalEdit(call) && bodyOf(call).content === 'Auditing the catalog…');
    const edit = await finalEdit(handle, /^Audit: \d+ of \d+ products are blocked/);
    expect(bodyOf(edit).content).toBe('');
    expect(bodyOf(edit).embeds?.[0]?.fields).toEqual(expect.arrayContaining([{ name: 'Market', value: 'TikTok Shop US', inline: true }]));
    expect(textOf(bodyOf(edit))).toContain('category-unmapped');
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]).toMatchObject({ filename: 'audit-findings.csv' });
    expect(edit.files[0]?.data.toString('utf8')).toMatch(/^handle,title,verdict,line/);
    expect(handle.original()?.attachments).toEqual([expect.objectContaining({ filename: 'audit-findings.csv' })]);
  });

  it('answers a bad argument with a private usage message', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'migration', options: { action: 'status', limit: 0 }, userId: MEMBER });
    const message = await privateAnswer(handle);
    expect(message.content).toMatch(/^limit: must be at least 1\.\nUsage: \/shop migration /);
  });

  it('refuses /shop map action:set to a member without the manager role', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'map', options: { action: 'set', type: 'Mugs', category: '600024' }, userId: MEMBER });
    const message = await privateAnswer(handle);
    expect(message.content).toMatch(/^Only the people allowed to manage shopshift can do that \(\/shop map\)/);
    expect(await setup.store.mappings.list('default')).toEqual([]);
  });

  it('lets a member with the manager role set a mapping', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'map', options: { action: 'set', type: 'Tea Towels', category: '600144' }, userId: MANAGER });
    const edit = await finalEdit(handle, /Tea Towels → 600144/);
    expect(bodyOf(edit).content).toBe('Tea Towels → 600144, set by ada. Audit again to see which products it unblocks.');
    expect(await setup.store.mappings.list('default')).toEqual([expect.objectContaining({ key: 'Tea Towels', categoryId: '600144', by: 'ada' })]);
  });

  it('runs the Retry button of /shop failures', async () => {
    const { sim, store } = setup;
    await store.listings.put(makeListing({ shop: 'default', handle: 'mug-10', idempotencyKey: 'default:mug-10', state: 'error', reasons: ['TikTok Shop timed out'] }));
    const list = sim.sendCommand({ subcommand: 'failures', userId: MEMBER });
    const listed = await finalEdit(list, /listings failed to publish/);
    const button = bodyOf(listed).components?.[0]?.components[0];
    expect(button).toMatchObject({ label: 'Retry mug-10', custom_id: 'failures|retry=mug-10' });

    // A paused migration is under way, so the retry queues the product for it.
    const at = new Date().toISOString();
    await store.jobs.put({ id: 'j1', shop: 'default', status: 'paused', location: 'x.csv', auditRunId: 'a', dryRun: false, limit: null, note: 'paused', startedAt: at, updatedAt: at, heartbeatAt: at, owner: 'h:1' });
    const press = sim.pressButton({ customId: button!.custom_id, userId: MANAGER });
    expect(await press.callback()).toMatchObject({ status: 204, body: { type: 6 } });
    const followUp = await press.waitFor((call) => isFollowUp(call) && call.status === 200);
    expect(bodyOf(followUp).content).toBe('mug-10 is queued; a migration is under way or paused, and its next run ("migration resume") pushes it again.');
    expect(await store.listings.get('default', 'mug-10')).toMatchObject({ state: 'pending', reasons: ['retry asked by ada'] });
  });

  it('answers a handler that throws with a reference, and logs the same reference', async () => {
    const handle = setup.sim.sendCommand({ subcommand: 'explode', userId: MEMBER });
    const message = await privateAnswer(handle);
    const ref = /\(ref (ss-[0-9a-f]{6})\)/.exec(message.content)?.[1];
    expect(ref).toBeDefined();
    expect(message.content).not.toContain('kaboom');
    expect(setup.logs.lines().find((line) => line.ref === ref)).toMatchObject({ msg: 'command failed', command: 'explode', platform: 'discord', userId: MEMBER });
  });

  it('sends the first progress line at once, drops what the final reply supersedes, and posts in the channel', async () => {
    const { sim } = setup;
    const handle = sim.sendCommand({ subcommand: 'chatty', userId: MEMBER });
    await finalEdit(handle, /chatty is done/);
    expect(handle.calls().filter(isOriginalEdit).map((call) => bodyOf(call).content)).toEqual(['step 1 of 5', 'chatty is done']);
    const posted = sim.calls.find((call) => call.method === 'POST' && call.path === `/channels/${sim.channelId}/messages`);
    expect(posted).toMatchObject({ status: 200, authorization: `Bot ${sim.token}`, body: { content: 'posted in the channel' } });
  });

  it('waits out a 429 from Discord and then delivers the reply', async () => {
    const { sim, logs } = setup;
    sim.rateLimit({ method: 'PATCH', path: /\/messages\/@original$/, retryAfterSeconds: 1 });
    const handle = sim.sendCommand({ subcommand: 'map', options: { action: 'list' }, userId: MEMBER });
    const delivered = await finalEdit(handle, /category mappings|No categories mapped yet/);
    const limited = handle.calls().find((call) => isOriginalEdit(call) && call.status === 429);
    expect(limited).toBeDefined();
    expect(delivered.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(logs.lines().find((line) => line.msg === 'discord rate limited')).toMatchObject({ method: 'PATCH', route: '/webhooks/:id/:token/messages/%40original', retryAfterS: 1, global: false });
    expect(logs.text()).not.toContain(handle.token);
  });
});

describe('the Discord bot when the guild is not in its cache', () => {
  it('still reads the manager role from the interaction’s raw role ids', async () => {
    const { sim, bot, store } = await startBot({ announceGuild: false, heartbeatIntervalMs: 100 });
    try {
      expect(sim.gateway.sent.filter((frame) => frame.op === 0).map((frame) => frame.t)).toEqual(['READY']);
      await expect.poll(() => bot.client.ws.ping, { timeout: 2000 }).toBeGreaterThanOrEqual(0);
      expect(sim.gateway.sent.some((frame) => frame.op === 11)).toBe(true);
      expect(bot.client.guilds.cache.size).toBe(0);
      const refused = sim.sendCommand({ subcommand: 'map', options: { action: 'set', type: 'Mugs', category: '600024' }, userId: MEMBER });
      expect((await privateAnswer(refused)).content).toMatch(/^Only the people allowed to manage shopshift/);
      const allowed = sim.sendCommand({ subcommand: 'map', options: { action: 'set', type: 'Mugs', category: '600024' }, userId: MANAGER });
      await finalEdit(allowed, /Mugs → 600024, set by ada/);
    } finally {
      await bot.stop();
      await sim.close();
      await store.close();
    }
  });
});
