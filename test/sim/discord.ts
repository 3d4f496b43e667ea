import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local Discord on 127.0.0.1 for discord.js v14, per shared/reference/chat-platforms.md §8-§13: the REST
 * routes the bot uses under /api/v10 (gateway discovery, command registration, interaction callbacks,
 * webhook follow-ups and edits, channel messages) and a gateway WebSocket (HELLO, IDENTIFY → READY with
 * the guild unavailable, then its GUILD_CREATE with roles, channels and members; heartbeat ACKs).
 *
 * A driver plays the Discord client: `sendCommand` and `pressButton` emit INTERACTION_CREATE with the full
 * shape discord.js needs, and return a handle to await what the bot answers. Every REST call is recorded.
 * The fake enforces what Discord enforces and a bot can get wrong: the 3-second callback deadline, a
 * single acknowledgement, message and command limits (400 50035), the first follow-up after a deferral
 * replacing the "thinking" message, Bot auth on bot routes; and it can be told to answer 429.
 *
 * Channel messages honour an enforced nonce (a resend within the window returns the message already made),
 * replies by message_reference, and edits by PATCH. Two faults are switchable: a per-channel route bucket
 * for message creates (429 with the headers @discordjs/rest reads, §11) and a connection dropped after a
 * message is created, so a resend with the same nonce can be tested.
 */

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface SimRole {
  id: string;
  name: string;
}

export interface SimMember {
  id: string;
  username: string;
  roleIds?: string[];
}

export interface DiscordSimOptions {
  token?: string;
  applicationId?: string;
  guildId?: string;
  channelId?: string;
  /** Roles besides @everyone (whose id is the guild's). */
  roles?: SimRole[];
  /** People in the guild's GUILD_CREATE (the bot is always added). */
  members?: SimMember[];
  /** List the guild in READY and send its GUILD_CREATE (default true). False: a guild discord.js never caches. */
  announceGuild?: boolean;
  /** Callbacks later than this after INTERACTION_CREATE answer 404 10062 Unknown interaction (default 3000). */
  callbackDeadlineMs?: number;
  /** The root command's name in interactions (default shop). */
  root?: string;
  heartbeatIntervalMs?: number;
  /** More text channels in the guild besides `channelId`. */
  extraChannelIds?: string[];
  /**
   * How long an enforced nonce is remembered (default 5 minutes; Discord says "the past few minutes" [U]).
   */
  nonceWindowMs?: number;
  /**
   * Where a nonce must be unique: per channel (default), or across the author's messages as Discord's wording
   * ("another message was created by the same author with the same nonce") could also be read [U].
   */
  nonceScope?: 'channel' | 'author';
  /** Starts with the per-channel message bucket on (see `limitChannelPosts`). */
  channelPostLimit?: ChannelPostLimit;
}

/** A fixed-window route bucket for POST /channels/{id}/messages, one per channel (its major parameter). */
export interface ChannelPostLimit {
  perWindow: number;
  windowMs: number;
}

/** A successful PATCH /channels/{id}/messages/{message_id}. */
export interface SimEdit {
  channelId: string;
  messageId: string;
  body: Json;
  files: SimFile[];
  at: number;
}

export interface SimFile {
  field: string;
  filename: string;
  contentType: string | null;
  data: Buffer;
}

export interface SimCall {
  method: string;
  /** Path after /api/v10, URL-decoded (`@original`, not `%40original`). */
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  /** JSON body, or a multipart request's `payload_json`. */
  body: unknown;
  files: SimFile[];
  status: number;
  /** The interaction token in the path, for callback and webhook routes. */
  token: string | null;
  at: number;
}

export type Json = Record<string, unknown>;

/** A message as Discord returns it. */
export interface SimMessage extends Json {
  id: string;
  channel_id: string;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: Json[];
  flags: number;
  /** As sent with the message; absent when none was. */
  nonce?: string | number;
  /** For a reply (type 19): `{type: 0, message_id, channel_id, guild_id}`. */
  message_reference?: Json;
}

export interface InteractionHandle {
  id: string;
  token: string;
  /** When INTERACTION_CREATE went out (ms since the epoch). */
  sentAt: number;
  /** REST calls made with this interaction's token, in order. */
  calls(): SimCall[];
  /** The first call (already made or to come) of this interaction that matches. */
  waitFor(match: (call: SimCall) => boolean, timeoutMs?: number): Promise<SimCall>;
  /** The interaction callback (the acknowledgement). */
  callback(timeoutMs?: number): Promise<SimCall>;
  /** The response message as it stands (a deferred one while "thinking"), null if none or deleted. */
  original(): SimMessage | null;
  originalState(): 'none' | 'loading' | 'sent' | 'deleted';
  /** Messages created by follow-ups (not the one that replaced the "thinking" message). */
  followUps(): SimMessage[];
  /** Files attached to a message, by its id. */
  filesOf(messageId: string): SimFile[];
}

export interface CommandInput {
  subcommand: string;
  options?: Record<string, string | number | boolean>;
  userId?: string;
  /** Overrides the member's roles for this interaction. */
  roleIds?: string[];
  channelId?: string;
}

export interface ButtonInput {
  customId: string;
  /** The message carrying the button; by default the latest one that has it. */
  messageId?: string;
  userId?: string;
  roleIds?: string[];
  channelId?: string;
}

export interface RateLimitFault {
  /** How many matching requests get a 429 (default 1). */
  times?: number;
  retryAfterSeconds?: number;
  global?: boolean;
  method?: string;
  /** Matched against the decoded path after /api/v10. */
  path?: RegExp;
}

export interface DiscordSim {
  /** For discord.js `rest.api` (it appends /v10). */
  apiUrl: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  botUserId: string;
  guildId: string;
  channelId: string;
  calls: SimCall[];
  /** What is registered: global, or in a guild. */
  registered(guildId?: string): Json[];
  /** Messages created through POST /channels/{id}/messages (edits applied, `nonce` and `message_reference` kept), oldest first. */
  channelMessages(channelId?: string): SimMessage[];
  /** Every successful PATCH /channels/{id}/messages/{message_id}, in order. */
  edits: SimEdit[];
  /**
   * Turns the per-channel message bucket on, or off with null. Beyond it, POST /channels/{id}/messages answers
   * 429 with Retry-After and X-RateLimit-* (scope user); answers within it carry X-RateLimit-* as Discord's do.
   */
  limitChannelPosts(limit: ChannelPostLimit | null): void;
  /** POST /channels/{id}/messages answered 429 by the channel bucket, of one channel or all. */
  rateLimitedPosts(channelId?: string): number;
  /**
   * The next `times` (default 1) POST /channels/{id}/messages that create a message drop the connection instead
   * of answering: closed (the client sees "other side closed"), or reset (ECONNRESET, which @discordjs/rest retries).
   */
  failAfterPosting(times?: number, options?: { reset?: boolean }): void;
  /** Gateway sessions that identified. */
  sessions(): number;
  /** Gateway frames, by opcode and event name: what the bot sent and what the fake sent. */
  gateway: { received: { op: number; t: string | null }[]; sent: { op: number; t: string | null }[] };
  sendCommand(input: CommandInput): InteractionHandle;
  pressButton(input: ButtonInput): InteractionHandle;
  rateLimit(fault: RateLimitFault): void;
  waitForCall(match: (call: SimCall) => boolean, timeoutMs?: number): Promise<SimCall>;
  close(): Promise<void>;
}

/** Fixed ids (17-19 digits, as @discordjs/rest expects of snowflakes). */
export const DISCORD_SIM_IDS = {
  application: '1180000000000000001',
  guild: '1180000000000000002',
  channel: '1180000000000000003',
  managerRole: '1180000000000000004',
  manager: '1180000000000000101',
  member: '1180000000000000102',
} as const;

export const DISCORD_SIM_TOKEN = 'sim.discord-bot.token';

// ---------------------------------------------------------------------------------------------------------------
// Limits Discord checks (chat-platforms.md §9, §10)

const EPHEMERAL = 64;
const LOADING = 128;
const FILE_LIMIT = 10 * 1024 * 1024;
const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const DISCORD_EPOCH = 1_420_070_400_000n;

function rec(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}
function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

class Invalid extends Error {
  constructor(readonly field: string, message: string, readonly status = 400, readonly code = 50035, readonly errorCode = 'BASE_TYPE_INVALID') {
    super(message);
  }
}

function checkMessage(body: Json, files: readonly SimFile[], creating: boolean): void {
  const content = str(body.content);
  if (content.length > 2000) throw new Invalid('content', `Must be 2000 or fewer in length. (${content.length})`);
  const embeds = list(body.embeds).map((embed) => rec(embed) ?? {});
  if (embeds.length > 10) throw new Invalid('embeds', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((embed, index) => {
    const title = str(embed.title);
    const description = str(embed.description);
    const fields = list(embed.fields).map((field) => rec(field) ?? {});
    const footer = str(rec(embed.footer)?.text);
    if (title.length > 256) throw new Invalid(`embeds.${index}.title`, 'Must be 256 or fewer in length.');
    if (description.length > 4096) throw new Invalid(`embeds.${index}.description`, 'Must be 4096 or fewer in length.');
    if (fields.length > 25) throw new Invalid(`embeds.${index}.fields`, 'Must be 25 or fewer in length.');
    if (footer.length > 2048) throw new Invalid(`embeds.${index}.footer.text`, 'Must be 2048 or fewer in length.');
    total += title.length + description.length + footer.length;
    fields.forEach((field, at) => {
      const name = str(field.name);
      const value = str(field.value);
      if (name.length === 0 || name.length > 256) throw new Invalid(`embeds.${index}.fields.${at}.name`, 'Must be between 1 and 256 in length.');
      if (value.length === 0 || value.length > 1024) throw new Invalid(`embeds.${index}.fields.${at}.value`, 'Must be between 1 and 1024 in length.');
      total += name.length + value.length;
    });
  });
  if (total > 6000) throw new Invalid('embeds', `Embed size exceeds maximum size of 6000 (${total})`);
  const rows = list(body.components).map((row) => rec(row) ?? {});
  if (rows.length > 5) throw new Invalid('components', 'Must be 5 or fewer in length.');
  const customIds = new Set<string>();
  rows.forEach((row, index) => {
    const buttons = list(row.components).map((button) => rec(button) ?? {});
    if (row.type !== 1) throw new Invalid(`components.${index}.type`, 'Value must be one of {1}.');
    if (buttons.length === 0 || buttons.length > 5) throw new Invalid(`components.${index}.components`, 'Must be between 1 and 5 in length.');
    buttons.forEach((button, at) => {
      const label = str(button.label);
      const customId = str(button.custom_id);
      if (label.length > 80) throw new Invalid(`components.${index}.components.${at}.label`, 'Must be 80 or fewer in length.');
      if (button.style !== 5 && (customId.length === 0 || customId.length > 100)) throw new Invalid(`components.${index}.components.${at}.custom_id`, 'Must be between 1 and 100 in length.');
      if (customIds.has(customId)) throw new Invalid(`components.${index}.components.${at}.custom_id`, 'Component custom id cannot be duplicated');
      customIds.add(customId);
    });
  });
  for (const file of files) {
    if (file.data.length > FILE_LIMIT) throw new Invalid('files', 'Request entity too large', 413, 40005);
  }
  if (creating && !content && embeds.length === 0 && files.length === 0 && rows.length === 0 && list(body.attachments).length === 0) {
    throw new Invalid('content', 'Cannot send an empty message', 400, 50006);
  }
}

function checkOptions(options: readonly Json[], path: string, depth: number): void {
  if (options.length > 25) throw new Invalid(`${path}.options`, 'Must be 25 or fewer in length.');
  const names = new Set<string>();
  let optionalSeen = false;
  options.forEach((option, index) => {
    const at = `${path}.options.${index}`;
    const name = str(option.name);
    const type = Number(option.type);
    if (!COMMAND_NAME.test(name) || name !== name.toLowerCase()) throw new Invalid(`${at}.name`, 'Command name is invalid');
    if (names.has(name)) throw new Invalid(`${at}.name`, 'Application command option names must be unique');
    names.add(name);
    const description = str(option.description);
    if (description.length < 1 || description.length > 100) throw new Invalid(`${at}.description`, 'Must be between 1 and 100 in length.');
    if (type === 1 || type === 2) {
      if (depth >= 2 || (type === 2 && depth >= 1)) throw new Invalid(`${at}.type`, 'Subcommands cannot be nested this deep');
      checkOptions(list(option.options).map((child) => rec(child) ?? {}), at, depth + 1);
      return;
    }
    if (option.required === true && optionalSeen) throw new Invalid(`${at}.required`, 'Required options must be placed before non-required options');
    if (option.required !== true) optionalSeen = true;
    const choices = list(option.choices).map((choice) => rec(choice) ?? {});
    if (choices.length > 25) throw new Invalid(`${at}.choices`, 'Must be 25 or fewer in length.');
    for (const choice of choices) {
      if (str(choice.name).length < 1 || str(choice.name).length > 100) throw new Invalid(`${at}.choices`, 'Choice name must be between 1 and 100 in length.');
      if (typeof choice.value === 'string' && choice.value.length > 100) throw new Invalid(`${at}.choices`, 'Choice value must be 100 or fewer in length.');
    }
    if (option.max_length !== undefined && (Number(option.max_length) < 1 || Number(option.max_length) > 6000)) throw new Invalid(`${at}.max_length`, 'Must be between 1 and 6000.');
  });
}

function checkCommands(body: unknown): Json[] {
  if (!Array.isArray(body)) throw new Invalid('_', 'Expected an array of commands');
  const commands = body.map((command) => rec(command) ?? {});
  const names = new Set<string>();
  commands.forEach((command, index) => {
    const name = str(command.name);
    if (!COMMAND_NAME.test(name) || name !== name.toLowerCase()) throw new Invalid(`${index}.name`, 'Command name is invalid');
    if (names.has(name)) throw new Invalid(`${index}.name`, 'Application command names must be unique');
    names.add(name);
    const description = str(command.description);
    if ((command.type ?? 1) === 1 && (description.length < 1 || description.length > 100)) throw new Invalid(`${index}.description`, 'Must be between 1 and 100 in length.');
    checkOptions(list(command.options).map((option) => rec(option) ?? {}), String(index), 0);
  });
  return commands;
}

/** What Discord stores: our fields plus its own; a `required: false` is not echoed back. */
function storedOption(option: Json): Json {
  const { required, options, ...rest } = option;
  return { ...rest, ...(required === true ? { required: true } : {}), ...(Array.isArray(options) ? { options: options.map((child) => storedOption(rec(child) ?? {})) } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Multipart (discord.js sends payload_json and files[n])

function parseMultipart(body: Buffer, contentType: string): { payload: unknown; files: SimFile[] } {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundaryText = match?.[1] ?? match?.[2];
  if (!boundaryText) throw new Invalid('_', 'multipart body without a boundary');
  const separator = Buffer.from(`--${boundaryText}`);
  const files: SimFile[] = [];
  let payload: unknown = {};
  let at = body.indexOf(separator);
  while (at >= 0) {
    at += separator.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) break;
    const headers = body.toString('utf8', at, headerEnd);
    const next = body.indexOf(Buffer.from(`\r\n--${boundaryText}`), headerEnd + 4);
    if (next < 0) break;
    const data = body.subarray(headerEnd + 4, next);
    const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null;
    if (name === 'payload_json') payload = JSON.parse(data.toString('utf8'));
    else if (filename !== undefined) files.push({ field: name, filename, contentType: type, data: Buffer.from(data) });
    at = next + 2;
  }
  return { payload, files };
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator

interface InteractionState {
  id: string;
  token: string;
  kind: 'command' | 'component';
  sentAt: number;
  channelId: string;
  acked: boolean;
  original: 'none' | 'loading' | 'sent' | 'deleted';
  /** The response message; for a component, the message carrying the component. */
  message: SimMessage | null;
  followUps: SimMessage[];
}

interface Session {
  socket: WebSocket;
  identified: boolean;
  seq: number;
  /** [shard id, shard count] from IDENTIFY; [0, 1] when the client sent none. */
  shard: [number, number];
}

/** Which shard receives a guild's events: (guild_id >> 22) % shard_count, as Discord documents. */
const shardOf = (guildId: string, count: number) => Number((BigInt(guildId) >> 22n) % BigInt(count));

interface Waiter {
  match: (call: SimCall) => boolean;
  resolve: (call: SimCall) => void;
}

export async function startDiscordSim(options: DiscordSimOptions = {}): Promise<DiscordSim> {
  const token = options.token ?? DISCORD_SIM_TOKEN;
  const applicationId = options.applicationId ?? DISCORD_SIM_IDS.application;
  const botUserId = applicationId;
  const guildId = options.guildId ?? DISCORD_SIM_IDS.guild;
  const channelId = options.channelId ?? DISCORD_SIM_IDS.channel;
  const root = options.root ?? 'shop';
  const announceGuild = options.announceGuild ?? true;
  const deadlineMs = options.callbackDeadlineMs ?? 3000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
  const roles: SimRole[] = [{ id: guildId, name: '@everyone' }, ...(options.roles ?? [{ id: DISCORD_SIM_IDS.managerRole, name: 'Shop managers' }])];
  const members: SimMember[] = options.members ?? [
    { id: DISCORD_SIM_IDS.manager, username: 'ada', roleIds: [DISCORD_SIM_IDS.managerRole] },
    { id: DISCORD_SIM_IDS.member, username: 'bob', roleIds: [] },
  ];
  const botUser = { id: botUserId, username: 'shopshift', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 };

  const calls: SimCall[] = [];
  const waiters = new Set<Waiter>();
  const faults: { fault: RateLimitFault; left: number }[] = [];
  const interactions = new Map<string, InteractionState>();
  const commandSets = new Map<string, Json[]>();
  const channelMessages = new Map<string, SimMessage[]>();
  const filesByMessage = new Map<string, SimFile[]>();
  const sessions = new Set<Session>();
  const gateway: DiscordSim['gateway'] = { received: [], sent: [] };
  const extraChannels = new Set(options.extraChannelIds ?? []);
  const nonceWindowMs = options.nonceWindowMs ?? 5 * 60_000;
  const nonceScope = options.nonceScope ?? 'channel';
  const nonces = new Map<string, { message: SimMessage; at: number }>();
  const edits: SimEdit[] = [];
  let postLimit: ChannelPostLimit | null = options.channelPostLimit ?? null;
  const postWindows = new Map<string, { start: number; count: number }>();
  const limitedPosts = new Map<string, number>();
  const drops = { left: 0, reset: false };
  let sequence = 0;
  let baseUrl = '';

  const snowflake = (): string => (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | BigInt(++sequence & 0x3fffff)).toString();
  const joinedAt = new Date().toISOString();

  function roleOf(member: SimMember): string[] {
    return member.roleIds ?? [];
  }

  function userObject(id: string): Json {
    const member = members.find((candidate) => candidate.id === id);
    return { id, username: member?.username ?? `user${id.slice(-4)}`, discriminator: '0', global_name: member?.username ?? null, avatar: null };
  }

  function memberObject(id: string, roleIds: readonly string[], user: Json = userObject(id)): Json {
    return {
      user, nick: null, avatar: null, roles: [...roleIds], joined_at: joinedAt, premium_since: null, deaf: false, mute: false, flags: 0, pending: false,
      communication_disabled_until: null,
    };
  }

  function channelObject(id: string): Json {
    return {
      id, type: 0, guild_id: guildId, name: id === channelId ? 'shopshift' : `channel-${id.slice(-4)}`, position: 0, permission_overwrites: [],
      parent_id: null, topic: null, nsfw: false, last_message_id: null, rate_limit_per_user: 0, flags: 0,
    };
  }

  function guildObject(): Json {
    return {
      id: guildId, name: 'Shopshift Sim', icon: null, splash: null, discovery_splash: null, banner: null, description: null,
      owner_id: members[0]?.id ?? botUserId, afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
      explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0, premium_subscription_count: 0, premium_progress_bar_enabled: false,
      application_id: null, system_channel_id: null, system_channel_flags: 0, rules_channel_id: null, public_updates_channel_id: null,
      safety_alerts_channel_id: null, preferred_locale: 'en-US', vanity_url_code: null, max_members: 500_000, max_video_channel_users: 25,
      features: [], emojis: [], stickers: [], joined_at: joinedAt, large: false, unavailable: false, member_count: members.length + 1,
      roles: roles.map((role, position) => ({
        id: role.id, name: role.name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, hoist: false,
        icon: null, unicode_emoji: null, position, permissions: role.id === guildId ? '2248473465835073' : '0', managed: false, mentionable: false, flags: 0,
      })),
      channels: [channelId, ...extraChannels].map(channelObject),
      members: [memberObject(botUserId, [], botUser), ...members.map((member) => memberObject(member.id, roleOf(member)))],
      threads: [], presences: [], voice_states: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
    };
  }

  // ----- recording --------------------------------------------------------------------------------------------

  function record(call: SimCall): void {
    calls.push(call);
    for (const waiter of [...waiters]) {
      if (waiter.match(call)) {
        waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
  }

  function waitForCall(match: (call: SimCall) => boolean, timeoutMs = 5000): Promise<SimCall> {
    const found = calls.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`discord sim: no matching call within ${timeoutMs} ms; calls so far:\n${calls.map((call) => `${call.method} ${call.path} → ${call.status}`).join('\n')}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  // ----- messages ---------------------------------------------------------------------------------------------

  function attachmentsFor(files: readonly SimFile[], messageId: string): Json[] {
    return files.map((file) => {
      const id = snowflake();
      return {
        id, filename: file.filename, size: file.data.length, content_type: file.contentType ?? 'application/octet-stream',
        url: `${baseUrl}/attachments/${messageId}/${id}/${file.filename}`, proxy_url: `${baseUrl}/attachments/${messageId}/${id}/${file.filename}`,
      };
    });
  }

  function newMessage(body: Json, files: readonly SimFile[], inChannel: string, type: number, flags: number): SimMessage {
    const id = snowflake();
    filesByMessage.set(id, [...files]);
    return {
      id, type, channel_id: inChannel, guild_id: guildId, author: botUser, content: str(body.content), embeds: list(body.embeds) as Json[],
      components: list(body.components) as Json[], attachments: attachmentsFor(files, id), timestamp: new Date().toISOString(), edited_timestamp: null,
      flags, tts: false, mention_everyone: false, mentions: [], mention_roles: [], pinned: false, application_id: applicationId,
      ...(type === 20 || type === 19 ? { webhook_id: applicationId } : {}),
    };
  }

  function editMessage(message: SimMessage, body: Json, files: readonly SimFile[]): void {
    if ('content' in body) message.content = str(body.content);
    if ('embeds' in body) message.embeds = list(body.embeds) as Json[];
    if ('components' in body) message.components = list(body.components) as Json[];
    // `attachments` lists what to keep (existing ids); new files are added.
    const kept = 'attachments' in body
      ? message.attachments.filter((attachment) => list(body.attachments).some((wanted) => rec(wanted)?.id === attachment.id))
      : message.attachments;
    message.attachments = [...kept, ...attachmentsFor(files, message.id)];
    if (files.length) filesByMessage.set(message.id, [...(filesByMessage.get(message.id) ?? []).filter((file) => kept.some((attachment) => attachment.filename === file.filename)), ...files]);
    message.flags &= ~LOADING;
    message.edited_timestamp = new Date().toISOString();
  }

  function allMessages(): SimMessage[] {
    const out: SimMessage[] = [];
    for (const messages of channelMessages.values()) out.push(...messages);
    for (const state of interactions.values()) {
      if (state.message && state.kind === 'command') out.push(state.message);
      out.push(...state.followUps);
    }
    return out;
  }

  // ----- gateway ----------------------------------------------------------------------------------------------

  const wss = new WebSocketServer({ noServer: true });

  function send(session: Session, frame: Json): void {
    gateway.sent.push({ op: Number(frame.op), t: typeof frame.t === 'string' ? frame.t : null });
    session.socket.send(JSON.stringify(frame));
  }

  function dispatchEvent(session: Session, type: string, data: Json): void {
    send(session, { op: 0, t: type, s: ++session.seq, d: data });
  }

  wss.on('connection', (socket) => {
    const session: Session = { socket, identified: false, seq: 0, shard: [0, 1] };
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
    socket.on('message', (raw) => {
      let frame: Json | null;
      try {
        frame = rec(JSON.parse(String(raw)));
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      const data = rec(frame?.d);
      gateway.received.push({ op: Number(frame?.op), t: null });
      switch (frame?.op) {
        case 1:
          send(session, { op: 11, d: null, s: null, t: null });
          break;
        case 2:
          if (data?.token !== token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          if (Array.isArray(data.shard)) {
            const [id, count] = data.shard.map(Number) as [number, number];
            if (!(Number.isInteger(id) && Number.isInteger(count) && count >= 1 && id >= 0 && id < count)) {
              socket.close(4010, 'Invalid shard.');
              return;
            }
            session.shard = [id, count];
          }
          session.identified = true;
          const ownsGuild = announceGuild && shardOf(guildId, session.shard[1]) === session.shard[0];
          dispatchEvent(session, 'READY', {
            v: 10, user: { ...botUser, mfa_enabled: false, verified: true }, guilds: ownsGuild ? [{ id: guildId, unavailable: true }] : [],
            session_id: randomBytes(16).toString('hex'), resume_gateway_url: `${baseUrl.replace(/^http/, 'ws')}/gateway`, shard: session.shard,
            application: { id: applicationId, flags: 0 }, private_channels: [], relationships: [], presences: [], guild_join_requests: [],
            geo_ordered_rtc_regions: [], user_settings: {}, _trace: ['discord-sim'],
          });
          if (ownsGuild) dispatchEvent(session, 'GUILD_CREATE', guildObject());
          break;
        case 6:
          session.identified = true;
          dispatchEvent(session, 'RESUMED', {});
          break;
        default:
          break;
      }
    });
    send(session, { op: 10, d: { heartbeat_interval: heartbeatIntervalMs, _trace: ['discord-sim'] }, s: null, t: null });
  });

  /** A guild's event, to each session on the shard that owns the guild. */
  function broadcast(type: string, data: Json): void {
    const ready = [...sessions].filter((session) => session.identified);
    if (ready.length === 0) throw new Error('discord sim: no gateway session has identified; start the bot first');
    const owners = ready.filter((session) => shardOf(guildId, session.shard[1]) === session.shard[0]);
    if (owners.length === 0) throw new Error(`discord sim: no session holds the shard of guild ${guildId}`);
    for (const session of owners) dispatchEvent(session, type, data);
  }

  function interactionBase(kind: 'command' | 'component', input: { userId?: string; roleIds?: string[]; channelId?: string }) {
    const userId = input.userId ?? members[0]?.id ?? DISCORD_SIM_IDS.manager;
    const member = members.find((candidate) => candidate.id === userId);
    const inChannel = input.channelId ?? channelId;
    const state: InteractionState = {
      id: snowflake(), token: `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`, kind, sentAt: 0, channelId: inChannel,
      acked: false, original: 'none', message: null, followUps: [],
    };
    interactions.set(state.token, state);
    const payload: Json = {
      id: state.id, application_id: applicationId, token: state.token, version: 1, guild_id: guildId,
      guild: { id: guildId, locale: 'en-US', features: [] },
      channel_id: inChannel, channel: { ...channelObject(inChannel), permissions: '2248473465835073' },
      member: { ...memberObject(userId, input.roleIds ?? (member ? roleOf(member) : [])), permissions: '2248473465835073' },
      app_permissions: '2248473465835073', locale: 'en-US', guild_locale: 'en-US',
      entitlements: [], authorizing_integration_owners: { '0': guildId }, context: 0, attachment_size_limit: FILE_LIMIT,
    };
    return { state, payload };
  }

  function handleFor(state: InteractionState): InteractionHandle {
    const mine = (call: SimCall) => call.token === state.token;
    return {
      id: state.id,
      token: state.token,
      sentAt: state.sentAt,
      calls: () => calls.filter(mine),
      waitFor: (match, timeoutMs) => waitForCall((call) => mine(call) && match(call), timeoutMs),
      callback: (timeoutMs) => waitForCall((call) => mine(call) && call.path.endsWith('/callback'), timeoutMs),
      original: () => (state.original === 'none' || state.original === 'deleted' ? null : state.message),
      originalState: () => state.original,
      followUps: () => [...state.followUps],
      filesOf: (messageId) => filesByMessage.get(messageId) ?? [],
    };
  }

  function optionType(value: string | number | boolean): number {
    if (typeof value === 'boolean') return 5;
    if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
    return 3;
  }

  // ----- REST -------------------------------------------------------------------------------------------------

  interface Reply {
    status: number;
    json?: unknown;
    headers?: Record<string, string>;
    /** The message this request created, if any. */
    created?: SimMessage;
  }

  const ok = (json: unknown): Reply => ({ status: 200, json });
  const noContent = (): Reply => ({ status: 204 });
  const problem = (status: number, code: number, message: string): Reply => ({ status, json: { code, message } });
  const unknownMessage = () => problem(404, 10008, 'Unknown Message');

  function route(method: string, segments: string[], query: Record<string, string>, body: unknown, files: SimFile[], authorization: string | null): Reply {
    const needsBot = () => authorization === `Bot ${token}`;
    const [first, ...rest] = segments;
    // GET /gateway/bot
    if (first === 'gateway') {
      if (rest[0] === 'bot') {
        if (!needsBot()) return problem(401, 0, '401: Unauthorized');
        return ok({ url: `${baseUrl.replace(/^http/, 'ws')}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
      }
      return ok({ url: `${baseUrl.replace(/^http/, 'ws')}/gateway` });
    }
    // /applications/{app}/commands, /applications/{app}/guilds/{guild}/commands
    if (first === 'applications') {
      if (!needsBot()) return problem(401, 0, '401: Unauthorized');
      const [app, second, guild, third] = rest;
      const scopeGuild = second === 'guilds' ? guild : undefined;
      const isCommands = second === 'commands' || (second === 'guilds' && third === 'commands');
      if (app !== applicationId) return problem(403, 50001, 'Missing Access');
      if (!isCommands) return problem(404, 0, '404: Not Found');
      if (scopeGuild !== undefined && scopeGuild !== guildId) return problem(403, 50001, 'Missing Access');
      const key = scopeGuild ?? 'global';
      if (method === 'GET') return ok(commandSets.get(key) ?? []);
      if (method === 'PUT') {
        const wanted = checkCommands(body);
        const previous = commandSets.get(key) ?? [];
        const stored = wanted.map((command) => {
          const existing = previous.find((candidate) => candidate.name === command.name);
          const { options: commandOptions, ...fields } = command;
          return {
            type: 1, default_member_permissions: null, nsfw: false, integration_types: [0], contexts: null, dm_permission: true, ...fields,
            options: list(commandOptions).map((option) => storedOption(rec(option) ?? {})),
            id: existing?.id ?? snowflake(), application_id: applicationId, version: snowflake(), ...(scopeGuild ? { guild_id: scopeGuild } : {}),
          };
        });
        commandSets.set(key, stored);
        return ok(stored);
      }
      return problem(405, 0, '405: Method Not Allowed');
    }
    // POST /interactions/{id}/{token}/callback: no auth, the token is the credential.
    if (first === 'interactions') {
      const [id, interactionToken, tail] = rest;
      const state = interactionToken ? interactions.get(interactionToken) : undefined;
      if (method !== 'POST' || tail !== 'callback') return problem(404, 0, '404: Not Found');
      if (!state || state.id !== id) return problem(404, 10062, 'Unknown interaction');
      if (Date.now() - state.sentAt > deadlineMs) return problem(404, 10062, 'Unknown interaction');
      if (state.acked) return problem(400, 40060, 'Interaction has already been acknowledged.');
      const callback = rec(body) ?? {};
      const data = rec(callback.data) ?? {};
      const type = Number(callback.type);
      const componentOnly = type === 6 || type === 7;
      if (componentOnly && state.kind !== 'component') throw new Invalid('type', 'Interaction callback type is only valid for component interactions');
      if (type === 4 || type === 7) checkMessage(data, files, type === 4);
      if (type === 4) {
        state.message = newMessage(data, files, state.channelId, 20, Number(data.flags ?? 0) & EPHEMERAL);
        state.original = 'sent';
      } else if (type === 5) {
        const flags = Number(data.flags ?? 0);
        if (flags & ~EPHEMERAL) throw new Invalid('data.flags', 'Only the EPHEMERAL flag may be set on a deferred response');
        state.message = newMessage({}, [], state.channelId, 20, (flags & EPHEMERAL) | LOADING);
        state.original = 'loading';
      } else if (type === 7 && state.message) {
        editMessage(state.message, data, files);
      } else if (type !== 6 && type !== 9) {
        throw new Invalid('type', `Unsupported callback type ${type}`);
      }
      state.acked = true;
      if (query.with_response === 'true') {
        return ok({ interaction: { id: state.id, type: state.kind === 'command' ? 2 : 3 }, resource: { type, ...(state.message ? { message: state.message } : {}) } });
      }
      return noContent();
    }
    // /webhooks/{app}/{token}[/messages/{@original|id}]: no auth, the interaction token is the credential.
    if (first === 'webhooks') {
      const [app, interactionToken, messages, messageId] = rest;
      const state = interactionToken ? interactions.get(interactionToken) : undefined;
      if (app !== applicationId || !state) return problem(404, 10015, 'Unknown Webhook');
      if (!state.acked) return problem(404, 10015, 'Unknown Webhook');
      if (messages === undefined) {
        if (method !== 'POST') return problem(405, 0, '405: Method Not Allowed');
        const message = rec(body) ?? {};
        checkMessage(message, files, true);
        // Discord turns the first follow-up after a deferral into the deferred message, with the deferral's visibility.
        if (state.kind === 'command' && state.original === 'loading' && state.message) {
          editMessage(state.message, message, files);
          state.original = 'sent';
          return ok(state.message);
        }
        const created = newMessage(message, files, state.channelId, 19, Number(message.flags ?? 0) & EPHEMERAL);
        state.followUps.push(created);
        return query.wait === 'true' ? ok(created) : noContent();
      }
      if (messages !== 'messages' || messageId === undefined) return problem(404, 0, '404: Not Found');
      const isOriginal = messageId === '@original';
      const target = isOriginal
        ? (state.original === 'none' || state.original === 'deleted' ? null : state.message)
        : state.followUps.find((message) => message.id === messageId) ?? (state.message?.id === messageId ? state.message : null);
      if (!target) return unknownMessage();
      if (method === 'GET') return ok(target);
      if (method === 'PATCH') {
        const edit = rec(body) ?? {};
        checkMessage({ ...target, ...edit }, files, false);
        editMessage(target, edit, files);
        if (isOriginal || target === state.message) state.original = 'sent';
        return ok(target);
      }
      if (method === 'DELETE') {
        if (target === state.message && state.kind === 'command') state.original = 'deleted';
        else state.followUps = state.followUps.filter((message) => message !== target);
        return noContent();
      }
      return problem(405, 0, '405: Method Not Allowed');
    }
    // /channels/{id}[/messages[/{message_id}]]
    if (first === 'channels') {
      if (!needsBot()) return problem(401, 0, '401: Unauthorized');
      const [id, tail, messageId, more] = rest;
      if (!id || !isChannel(id)) return problem(404, 10003, 'Unknown Channel');
      if (tail === undefined && method === 'GET') return ok(channelObject(id));
      if (tail !== 'messages' || more !== undefined) return problem(404, 0, '404: Not Found');
      if (messageId === undefined && method === 'POST') return createChannelMessage(id, rec(body) ?? {}, files);
      if (messageId === undefined && method === 'GET') return ok([...(channelMessages.get(id) ?? [])].reverse());
      const target = messageId === undefined ? undefined : messageIn(id, messageId);
      if (!target) return unknownMessage();
      if (method === 'GET') return ok(target);
      if (method === 'PATCH') {
        const edit = rec(body) ?? {};
        checkMessage({ ...target, ...edit }, files, false);
        editMessage(target, edit, files);
        edits.push({ channelId: id, messageId: target.id, body: edit, files, at: Date.now() });
        return ok(target);
      }
      return problem(405, 0, '405: Method Not Allowed');
    }
    return problem(404, 0, '404: Not Found');
  }

  function isChannel(id: string): boolean {
    return id === channelId || extraChannels.has(id) || channelMessages.has(id);
  }

  /** A message anyone in the channel can see (not an ephemeral interaction reply). */
  function messageIn(inChannel: string, id: string): SimMessage | undefined {
    return allMessages().find((message) => message.id === id && message.channel_id === inChannel && !(message.flags & EPHEMERAL));
  }

  function createChannelMessage(inChannel: string, body: Json, files: SimFile[]): Reply {
    checkMessage(body, files, true);
    const nonce = body.nonce;
    const hasNonce = typeof nonce === 'string' || Number.isInteger(nonce);
    if (typeof nonce === 'string' && nonce.length > 25) throw new Invalid('nonce', 'Must be 25 or fewer in length.', 400, 50035, 'BASE_TYPE_MAX_LENGTH');
    if (nonce !== undefined && nonce !== null && !hasNonce) throw new Invalid('nonce', 'Nonce must be an integer or a string.');
    const nonceKey = `${nonceScope === 'channel' ? inChannel : '*'}:${botUserId}:${String(nonce)}`;
    if (body.enforce_nonce === true && hasNonce) {
      const seen = nonces.get(nonceKey);
      // The same author's message with this nonce is answered again, as it is now; nothing is created.
      if (seen && Date.now() - seen.at <= nonceWindowMs) return ok(seen.message);
    }
    const reference = rec(body.message_reference);
    let replyTo: SimMessage | undefined;
    if (reference && (reference.type ?? 0) === 0) {
      const referencedChannel = str(reference.channel_id) || inChannel;
      replyTo = referencedChannel === inChannel ? messageIn(inChannel, str(reference.message_id)) : undefined;
      if (!replyTo && reference.fail_if_not_exists !== false) throw new Invalid('message_reference', 'Unknown message', 400, 50035, 'REPLIES_UNKNOWN_MESSAGE');
    }
    // With fail_if_not_exists false, a reply to a message that is not there is sent as an ordinary message.
    const created = newMessage(body, files, inChannel, replyTo ? 19 : 0, 0);
    delete created.webhook_id; // the bot's own message, not a webhook's (newMessage marks interaction follow-ups, also type 19)
    if (hasNonce) created.nonce = nonce as string | number;
    if (replyTo) {
      const { referenced_message: _nested, ...referenced } = replyTo;
      created.message_reference = { type: 0, message_id: replyTo.id, channel_id: inChannel, guild_id: guildId };
      created.referenced_message = referenced;
    }
    if (body.enforce_nonce === true && hasNonce) nonces.set(nonceKey, { message: created, at: Date.now() });
    channelMessages.set(inChannel, [...(channelMessages.get(inChannel) ?? []), created]);
    return { ...ok(created), created };
  }

  const BUCKET = 'b7f3a5c1e0d94f2a8c6e1d3b5a7f9c0e';

  /** The channel bucket's headers for a POST that may go ahead, or its 429 when the window is used up. */
  function takeChannelSlot(inChannel: string): { headers: Record<string, string> } | { limited: Reply } {
    if (!postLimit) return { headers: {} };
    const now = Date.now();
    let window = postWindows.get(inChannel);
    if (!window || now >= window.start + postLimit.windowMs) {
      window = { start: now, count: 0 };
      postWindows.set(inChannel, window);
    }
    const resetMs = window.start + postLimit.windowMs - now;
    const headers = (remaining: number) => ({
      'x-ratelimit-limit': String(postLimit!.perWindow), 'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': ((window.start + postLimit!.windowMs) / 1000).toFixed(3), 'x-ratelimit-reset-after': (resetMs / 1000).toFixed(3),
      'x-ratelimit-bucket': BUCKET,
    });
    if (window.count >= postLimit.perWindow) {
      limitedPosts.set(inChannel, (limitedPosts.get(inChannel) ?? 0) + 1);
      return {
        limited: {
          status: 429,
          json: { message: 'You are being rate limited.', retry_after: Number((resetMs / 1000).toFixed(3)), global: false },
          headers: { ...headers(0), 'retry-after': String(Math.ceil(resetMs / 1000)), 'x-ratelimit-scope': 'user' },
        },
      };
    }
    window.count++;
    return { headers: headers(postLimit.perWindow - window.count) };
  }

  function tokenIn(segments: readonly string[]): string | null {
    if (segments[0] === 'interactions') return segments[2] ?? null;
    if (segments[0] === 'webhooks') return segments[2] ?? null;
    return null;
  }

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(incoming.url ?? '/', baseUrl);
    const method = incoming.method ?? 'GET';
    const prefix = '/api/v10/';
    const at = Date.now();
    const authorization = incoming.headers.authorization ?? null;
    const send = (reply: Reply, call: SimCall | null) => {
      if (call) record({ ...call, status: reply.status });
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      if (reply.json !== undefined) headers['content-type'] = 'application/json';
      response.writeHead(reply.status, headers);
      response.end(reply.json === undefined ? undefined : JSON.stringify(reply.json));
    };
    if (!url.pathname.startsWith(prefix)) return send(problem(404, 0, '404: Not Found'), null);
    const segments = url.pathname.slice(prefix.length).split('/').filter(Boolean).map((segment) => decodeURIComponent(segment));
    const path = `/${segments.join('/')}`;
    const query = Object.fromEntries(url.searchParams);
    let body: unknown = null;
    let files: SimFile[] = [];
    const contentType = incoming.headers['content-type'] ?? '';
    const call: SimCall = { method, path, query, authorization, body: null, files: [], status: 0, token: tokenIn(segments), at };
    try {
      if (contentType.startsWith('multipart/form-data')) ({ payload: body, files } = parseMultipart(raw, contentType));
      else if (raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(problem(400, 50109, 'The request body contains invalid JSON.'), call);
    }
    call.body = body;
    call.files = files;
    const fault = faults.find(({ fault }) => (!fault.method || fault.method === method) && (!fault.path || fault.path.test(path)));
    if (fault) {
      if (--fault.left <= 0) faults.splice(faults.indexOf(fault), 1);
      const seconds = fault.fault.retryAfterSeconds ?? 1;
      return send({
        status: 429,
        json: { message: 'You are being rate limited.', retry_after: seconds, global: fault.fault.global ?? false },
        headers: {
          'retry-after': String(Math.ceil(seconds)), 'x-ratelimit-scope': fault.fault.global ? 'global' : 'user',
          ...(fault.fault.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
      }, call);
    }
    // The message-create route has a bucket per channel (its major parameter); any request on it counts, valid or not [U].
    const postsTo = method === 'POST' && segments.length === 3 && segments[0] === 'channels' && segments[2] === 'messages' && authorization === `Bot ${token}`
      ? segments[1]! : null;
    let bucketHeaders: Record<string, string> = {};
    if (postsTo !== null && isChannel(postsTo)) {
      const slot = takeChannelSlot(postsTo);
      if ('limited' in slot) return send(slot.limited, call);
      bucketHeaders = slot.headers;
    }
    let reply: Reply;
    try {
      reply = route(method, segments, query, body, files, authorization);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const errors = { [error.field]: { _errors: [{ code: error.errorCode, message: error.message }] } };
      reply = { status: error.status, json: error.code === 50035 ? { code: 50035, message: 'Invalid Form Body', errors } : { code: error.code, message: error.message } };
    }
    if (reply.created && drops.left > 0) {
      drops.left--;
      record({ ...call, status: 0 });
      if (drops.reset) incoming.socket.resetAndDestroy();
      else incoming.socket.destroy();
      return;
    }
    send({ ...reply, headers: { ...bucketHeaders, ...reply.headers } }, call);
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 0, message: `discord sim: ${String(error)}` }));
    });
  });
  server.on('upgrade', (incoming, socket, head) => {
    if (!(incoming.url ?? '').startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(incoming, socket, head, (client) => wss.emit('connection', client, incoming));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/api`,
    gatewayUrl: `${baseUrl.replace(/^http/, 'ws')}/gateway`,
    token,
    applicationId,
    botUserId,
    guildId,
    channelId,
    calls,
    registered: (guild) => [...(commandSets.get(guild ?? 'global') ?? [])],
    channelMessages: (id = channelId) => [...(channelMessages.get(id) ?? [])],
    edits,
    limitChannelPosts(limit) {
      postLimit = limit;
      postWindows.clear();
    },
    rateLimitedPosts: (id) => (id === undefined ? [...limitedPosts.values()].reduce((sum, count) => sum + count, 0) : limitedPosts.get(id) ?? 0),
    failAfterPosting(times = 1, { reset = false } = {}) {
      drops.left += times;
      drops.reset = reset;
    },
    sessions: () => [...sessions].filter((session) => session.identified).length,
    gateway,
    sendCommand(input) {
      const { state, payload } = interactionBase('command', input);
      const registeredCommand = [...(commandSets.get(guildId) ?? []), ...(commandSets.get('global') ?? [])].find((command) => command.name === root);
      const options = Object.entries(input.options ?? {}).map(([name, value]) => ({ type: optionType(value), name, value }));
      payload.type = 2;
      payload.data = {
        id: str(registeredCommand?.id) || snowflake(), name: root, type: 1, guild_id: guildId,
        options: [{ type: 1, name: input.subcommand, ...(options.length ? { options } : {}) }],
      };
      state.sentAt = Date.now();
      broadcast('INTERACTION_CREATE', payload);
      return handleFor(state);
    },
    pressButton(input) {
      const { state, payload } = interactionBase('component', input);
      const carries = (message: SimMessage) => message.components.some((row) => list(row.components).some((button) => rec(button)?.custom_id === input.customId));
      const messages = allMessages();
      const message = (input.messageId ? messages.find((candidate) => candidate.id === input.messageId) : messages.filter(carries).at(-1))
        ?? newMessage({ content: '', components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Button', custom_id: input.customId }] }] }, [], state.channelId, 0, 0);
      state.message = message;
      state.original = 'sent';
      payload.type = 3;
      payload.data = { custom_id: input.customId, component_type: 2 };
      payload.message = message;
      state.sentAt = Date.now();
      broadcast('INTERACTION_CREATE', payload);
      return handleFor(state);
    },
    rateLimit(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    waitForCall,
    async close() {
      for (const session of sessions) session.socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
