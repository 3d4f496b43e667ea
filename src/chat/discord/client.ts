import { once } from 'node:events';
import {
  ApplicationCommandOptionType, Client, Events, GatewayIntentBits, GuildMember, MessageFlags, RESTEvents,
  type ButtonInteraction, type ChatInputCommandInteraction, type ClientOptions, type Interaction,
} from 'discord.js';
import type { ChannelDelivery } from '../../alerts/outbox.js';
import type { Config } from '../../config.js';
import { ConfigError, newRef, toUserText } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AnyCommand, ChatUser, CommandContext } from '../command.js';
import { dispatch, type Invocation } from '../dispatch.js';
import { decodeAction, m, reply, type Reply } from '../message.js';
import type { ShopshiftServices } from '../services.js';
import { discordDelivery } from './delivery.js';
import { DISCORD_LIMITS, NO_MENTIONS, payload, renderDiscord } from './render.js';

export type DiscordSettings = Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_API_URL' | 'DISCORD_MANAGER_ROLES'> & Partial<Pick<Config, 'DISCORD_SHARDS' | 'DISCORD_SHARD_COUNT'>>;

export interface DiscordBotOptions {
  settings: DiscordSettings;
  commands: readonly AnyCommand[];
  root: string;
  services: ShopshiftServices;
  log: Logger;
  now(): number;
  /** Commands whose reply is always private, so the deferral is ephemeral at once. Default: help. */
  privateCommands?: readonly string[];
  /** Least time between two progress edits of one reply. Default 1,500 ms. */
  progressIntervalMs?: number;
  /** Passed to discord.js over ours (tests: a short `waitGuildTimeout`, `rest.retries`). */
  clientOptions?: Partial<ClientOptions>;
}

export interface DiscordBot {
  client: Client;
  /** Logs in and resolves once the gateway is ready and the guilds are cached. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Messages not in answer to anyone (alerts, summaries), for the outbox. */
  delivery: ChannelDelivery;
}

/** An interaction token lasts 15 minutes; past this, a reply goes to the channel instead. */
const TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

/** How one interaction is answered: acknowledged first, then progress edits, then the final reply. */
interface Responder {
  progress(text: string): Promise<void>;
  finish(answer: Reply): Promise<void>;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}


/**
 * Sends progress at most once per interval: the first text at once, later ones coalesced into one edit
 * at the end of the interval. `close` drops what is pending and waits for the edit in flight, so the
 * final reply is always the last thing sent.
 */
function throttled(send: (text: string) => Promise<void>, intervalMs: number, now: () => number, log: Logger) {
  let last = Number.NEGATIVE_INFINITY;
  let pending: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let chain = Promise.resolve();
  const flush = () => {
    timer = undefined;
    if (closed || pending === null) return;
    const text = pending;
    pending = null;
    last = now();
    chain = chain.then(() => send(text)).catch((error: unknown) => log.warn({ err: error }, 'discord progress edit failed'));
  };
  return {
    async push(text: string): Promise<void> {
      if (closed) return;
      pending = text;
      if (timer) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      await chain;
    },
  };
}

/**
 * The Discord adapter: discord.js over the gateway, one `/root` chat-input command whose subcommands are
 * the definitions, and buttons whose custom_id is an encoded action. Every interaction is acknowledged
 * first (Discord allows 3 s), then runs through `dispatch` like any other platform.
 *
 * Ephemerality is fixed by the deferral, but a reply's visibility is only known once it is built. So a
 * command is deferred publicly unless it is listed in `privateCommands` (help), and a reply whose
 * visibility differs from the deferral deletes the deferred message and is sent as a follow-up. The
 * delete comes first: Discord turns the first follow-up after a deferral into the deferred message
 * itself, keeping the deferral's visibility. Buttons are acknowledged with a deferred update (the message
 * with the buttons stays as it is) and answered with a follow-up.
 */
export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const { settings, commands, root, services, now } = options;
  const baseLog = options.log.child({ platform: 'discord' });
  const privateCommands = new Set(options.privateCommands ?? ['help']);
  const progressIntervalMs = options.progressIntervalMs ?? 1_500;
  const managerRoles = new Set(settings.DISCORD_MANAGER_ROLES);
  const { rest: restOptions, ...clientOptions } = options.clientOptions ?? {};
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    // Several processes share the gateway by shards: each connects its own, and Discord sends a guild's interactions to one.
    ...(settings.DISCORD_SHARDS?.length ? { shards: settings.DISCORD_SHARDS } : {}),
    ...(settings.DISCORD_SHARD_COUNT !== undefined ? { shardCount: settings.DISCORD_SHARD_COUNT } : {}),
    ...clientOptions,
    // Node's fetch, not @discordjs/rest's bundled undici: that undici hands multipart bodies (attachments) to
    // whatever undici dispatcher was installed globally first, and another undici version there cannot read them.
    rest: { makeRequest: fetch, ...restOptions, api: settings.DISCORD_API_URL },
  });

  client.on(Events.Error, (error) => baseLog.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => baseLog.warn({ detail: message }, 'discord client warning'));
  // @discordjs/rest waits out a 429 and retries; it reports one only as a response. Routes are logged
  // as buckets ("/webhooks/:id/:token/…"), never as paths, which carry the interaction token.
  client.rest.on(RESTEvents.Response, (request, response) => {
    if (response.status !== 429) return;
    baseLog.warn({
      route: request.route, method: request.method.toUpperCase(), retryAfterS: Number(response.headers.get('retry-after')),
      global: response.headers.has('x-ratelimit-global'), scope: response.headers.get('x-ratelimit-scope'),
    }, 'discord rate limited');
  });
  client.rest.on(RESTEvents.RateLimited, (info) =>
    baseLog.debug({ route: info.route, method: info.method, waitMs: info.timeToReset, global: info.global }, 'discord rate limit wait'));

  function chatUser(interaction: ChatInputCommandInteraction | ButtonInteraction): ChatUser {
    const { member, user } = interaction;
    // A cached member (the guild came in GUILD_CREATE) has its roles resolved; otherwise the interaction carries the raw ids.
    const roleIds: readonly string[] = member instanceof GuildMember ? [...member.roles.cache.keys()] : (member?.roles ?? []);
    const name = member instanceof GuildMember ? member.displayName : (member?.nick ?? user.globalName ?? user.username);
    return { id: user.id, name, platform: 'discord', isManager: roleIds.some((id) => managerRoles.has(id)) };
  }

  async function post(interaction: ChatInputCommandInteraction | ButtonInteraction, answer: Reply): Promise<void> {
    const channel = interaction.channel ?? (interaction.channelId ? await client.channels.fetch(interaction.channelId) : null);
    if (!channel?.isSendable()) throw new Error(`cannot post in channel ${interaction.channelId}`);
    await channel.send(payload(renderDiscord(answer)));
  }

  async function answerCommand(interaction: ChatInputCommandInteraction, ephemeralAtOnce: boolean, log: Logger): Promise<Responder> {
    await interaction.deferReply(ephemeralAtOnce ? { flags: MessageFlags.Ephemeral } : {});
    const startedAt = now();
    let original: 'deferred' | 'deleted' = 'deferred';
    const progress = throttled(async (text) => void (await interaction.editReply({ content: clip(text, DISCORD_LIMITS.content), allowedMentions: NO_MENTIONS })), progressIntervalMs, now, log);
    return {
      progress: progress.push,
      async finish(answer) {
        await progress.close();
        if (now() - startedAt > TOKEN_LIFETIME_MS) return lateReply(interaction, answer, log);
        const message = renderDiscord(answer, { maxFileBytes: interaction.attachmentSizeLimit || undefined });
        const ephemeral = message.flags === MessageFlags.Ephemeral;
        if (original === 'deferred' && ephemeral === ephemeralAtOnce) {
          await interaction.editReply(payload(message));
          return;
        }
        if (original === 'deferred') {
          await interaction.deleteReply();
          original = 'deleted';
        }
        await interaction.followUp({ ...payload(message), flags: ephemeral ? MessageFlags.Ephemeral : undefined });
      },
    };
  }

  async function answerButton(interaction: ButtonInteraction, log: Logger): Promise<Responder> {
    await interaction.deferUpdate();
    const startedAt = now();
    let progressMessageId: string | null = null;
    const progress = throttled(async (text) => {
      const content = clip(text, DISCORD_LIMITS.content);
      if (progressMessageId) await interaction.editReply({ message: progressMessageId, content, allowedMentions: NO_MENTIONS });
      else progressMessageId = (await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS })).id;
    }, progressIntervalMs, now, log);
    return {
      progress: progress.push,
      async finish(answer) {
        await progress.close();
        if (now() - startedAt > TOKEN_LIFETIME_MS) return lateReply(interaction, answer, log);
        const message = renderDiscord(answer, { maxFileBytes: interaction.attachmentSizeLimit || undefined });
        await interaction.followUp({ ...payload(message), flags: message.flags === MessageFlags.Ephemeral ? MessageFlags.Ephemeral : undefined });
        if (progressMessageId) {
          const id = progressMessageId;
          progressMessageId = null;
          await interaction.deleteReply(id).catch((error: unknown) => log.warn({ err: error }, 'discord progress message not deleted'));
        }
      },
    };
  }

  /** The token has expired: a channel reply is posted as a new message; a private one cannot be delivered. */
  async function lateReply(interaction: ChatInputCommandInteraction | ButtonInteraction, answer: Reply, log: Logger): Promise<void> {
    if (answer.visibility === 'ephemeral') {
      log.warn({ interactionId: interaction.id }, 'discord private reply dropped: the interaction token expired');
      return;
    }
    await post(interaction, answer);
  }

  async function run(interaction: ChatInputCommandInteraction | ButtonInteraction, invocation: Invocation | null, responderFor: (log: Logger) => Promise<Responder>): Promise<void> {
    const log = baseLog.child({ command: invocation?.command ?? null, userId: interaction.user.id, interactionId: interaction.id });
    let responder: Responder | null = null;
    try {
      responder = await responderFor(log);
      const answer = invocation
        ? await dispatch(invocation, {
          user: chatUser(interaction),
          channelId: interaction.channelId ?? '',
          services,
          log,
          now,
          progress: responder.progress,
          post: (message) => post(interaction, message),
        } satisfies CommandContext, { commands, root })
        : reply([m.text(`That button no longer works; run /${root} help.`)], 'ephemeral');
      await responder.finish(answer);
    } catch (error) {
      const ref = newRef();
      log.error({ err: error, ref }, 'discord interaction failed');
      const answer = reply([m.text(toUserText(error, ref))], 'ephemeral');
      try {
        if (responder) await responder.finish(answer);
        else if (!interaction.deferred && !interaction.replied) await interaction.reply({ content: toUserText(error, ref), flags: MessageFlags.Ephemeral });
      } catch (failure) {
        log.warn({ err: failure, ref }, 'discord error reply failed');
      }
    }
  }

  function invocationOf(interaction: ChatInputCommandInteraction): Invocation {
    // Discord sends typed values (string, integer, boolean) for the subcommand's options; dispatch checks them.
    const subcommand = interaction.options.data.find((option) => option.type === ApplicationCommandOptionType.Subcommand);
    const args: Record<string, unknown> = {};
    for (const option of subcommand?.options ?? []) args[option.name] = option.value;
    return { command: subcommand?.name ?? 'help', args };
  }

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (interaction.isChatInputCommand() && interaction.commandName === root) {
      const invocation = invocationOf(interaction);
      void run(interaction, invocation, (log) => answerCommand(interaction, privateCommands.has(invocation.command), log));
    } else if (interaction.isButton()) {
      const action = decodeAction(interaction.customId);
      void run(interaction, action && { command: action.command, args: action.args }, (log) => answerButton(interaction, log));
    }
  });

  return {
    client,
    async start() {
      if (!settings.DISCORD_TOKEN) throw new ConfigError('The Discord bot needs DISCORD_TOKEN. See .env.example.');
      const ready = once(client, Events.ClientReady);
      ready.catch(() => undefined); // A failed login rejects below; this only keeps the waiter from being unhandled.
      await client.login(settings.DISCORD_TOKEN);
      await ready;
      baseLog.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord bot ready');
    },
    async stop() {
      await client.destroy();
    },
    delivery: discordDelivery(client),
  };
}
