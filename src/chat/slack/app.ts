import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { App, LogLevel, RespondError, webApi, type BlockAction, type Logger as BoltLogger, type RespondArguments, type RespondFn } from '@slack/bolt';
import { Agent, request } from 'undici';
import type { Config } from '../../config.js';
import { ConfigError, newRef, toUserText } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AnyCommand, ChatUser, CommandContext } from '../command.js';
import { dispatch, parseCommandText, type Invocation } from '../dispatch.js';
import { decodeAction, m, reply, type Reply } from '../message.js';
import type { ShopshiftServices } from '../services.js';
import type { ChannelDelivery } from '../../alerts/outbox.js';
import { slackDelivery } from './delivery.js';
import { escapeMrkdwn, renderSlack, type SlackFile } from './render.js';

/** An extra HTTP route served on the Slack port (TikTok webhooks, health), handed to Bolt as a custom route. */
export interface SlackRoute {
  method: string;
  path: string;
  handler(req: IncomingMessage, res: ServerResponse): void;
}

export type SlackSettings = Pick<Config, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_SOCKET_MODE' | 'SLACK_API_URL' | 'SLACK_MANAGERS' | 'PORT'>;

export interface SlackAppOptions {
  settings: SlackSettings;
  commands: readonly AnyCommand[];
  /** The root command's name: the app listens for `/${root}`. */
  root: string;
  services: ShopshiftServices;
  log: Logger;
  now(): number;
  routes?: readonly SlackRoute[];
  /** The interface HTTP mode listens on; every interface when unset. */
  host?: string;
  /** Web API retries; unset keeps Bolt's default (ten over about half an hour). Tests pass 0. */
  apiRetries?: number;
  /** Least time between two progress edits of one reply (default 3 s). */
  progressIntervalMs?: number;
}

export interface SlackApp {
  app: App;
  /** Checks the token (auth.test), then listens (HTTP mode) or connects (Socket Mode). */
  start(): Promise<void>;
  /** Stops taking requests and waits (up to ten seconds) for commands already acknowledged to answer. */
  stop(): Promise<void>;
  /** The HTTP port in use, once started; null in Socket Mode without extra routes. */
  port(): number | null;
  /** Messages not in answer to anyone (alerts, summaries), for the outbox. */
  delivery: ChannelDelivery;
}

const MANAGER_CACHE_MS = 5 * 60_000;
const PROGRESS_INTERVAL_MS = 3_000;
// A response_url takes five posts: progress gets two, leaving the reply, clearing the progress line and one follow-up.
const PROGRESS_POSTS = 2;
const STOP_WAIT_MS = 10_000;
const TOKEN_PATTERN = /\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]+/g;

/** What the answer code needs of respond(): our replies are always objects. */
type Respond = (message: RespondArguments) => Promise<unknown>;

/**
 * respond() for one response_url, over the app's own kept-alive pool. Bolt's respond() posts with Node 20's global
 * fetch, which costs more CPU per post than undici.request; under a burst of commands those posts run
 * between the acks of the requests still arriving (bench/slack-ack.ts: ack p99 about 43 ms with fetch, 31 ms without).
 * A refused post throws Bolt's RespondError, as Bolt's respond() does. Bolt's own is kept when there is no response_url.
 */
function responder(pool: Agent, responseUrl: string | undefined, fallback: RespondFn): Respond {
  if (!responseUrl) return fallback;
  return async (message) => {
    const answer = await request(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), dispatcher: pool });
    await answer.body.dump();
    if (answer.statusCode < 200 || answer.statusCode > 299) throw new RespondError(`Failed to respond to the response_url: ${answer.statusCode}`, answer.statusCode);
  };
}

/** Bolt's and the Web API client's log lines, into pino; tokens are blanked even inside message text. */
function boltLogger(log: Logger): BoltLogger {
  const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
  let level = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  const write = (at: LogLevel, method: 'debug' | 'info' | 'warn' | 'error') => (...message: unknown[]) => {
    if (order.indexOf(at) < order.indexOf(level)) return;
    child[method](format(...message).replace(TOKEN_PATTERN, '[redacted]'));
  };
  return {
    debug: write(LogLevel.DEBUG, 'debug'), info: write(LogLevel.INFO, 'info'), warn: write(LogLevel.WARN, 'warn'), error: write(LogLevel.ERROR, 'error'),
    setLevel: (next) => void (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** A Slack error as a short code for logs and decisions: never a response body. */
function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  if (data && typeof data.error === 'string') return data.error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}

/** SLACK_MANAGERS holds user ids and user-group ids (S…); group members are looked up and cached for a few minutes. */
function createManagerCheck(client: webApi.WebClient, managers: readonly string[], log: Logger, now: () => number) {
  const users = new Set(managers.filter((id) => !id.startsWith('S')));
  const groups = managers.filter((id) => id.startsWith('S'));
  const cache = new Map<string, { at: number; members: Promise<ReadonlySet<string>> }>();
  const membersOf = (group: string): Promise<ReadonlySet<string>> => {
    const cached = cache.get(group);
    if (cached && now() - cached.at < MANAGER_CACHE_MS) return cached.members;
    const members = client.usergroups.users.list({ usergroup: group }).then((answer) => new Set(answer.users ?? []));
    const entry = { at: now(), members };
    cache.set(group, entry);
    members.catch((error: unknown) => {
      // A failed lookup is not cached: the next command asks again.
      if (cache.get(group) === entry) cache.delete(group);
      log.warn({ group, error: slackErrorCode(error) }, 'slack user group lookup failed; its members are not treated as managers');
    });
    return members;
  };
  return async (userId: string): Promise<boolean> => {
    if (users.has(userId)) return true;
    for (const group of groups) {
      try {
        if ((await membersOf(group)).has(userId)) return true;
      } catch {
        // Logged above; not a manager through this group.
      }
    }
    return false;
  };
}

interface Answerer {
  progress(text: string): Promise<void>;
  finish(reply: Reply): Promise<void>;
}

interface AnswerDeps {
  respond: Respond;
  client: webApi.WebClient;
  channelId: string;
  /** A slash command's reply can be edited in place; a button's message holds the buttons, so it is left alone. */
  kind: 'command' | 'action';
  log: Logger;
  now(): number;
  progressIntervalMs: number;
}

function uploadFailureText(file: SlackFile, code: string, ref: string): string {
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return `I could not attach ${file.name}: I am not in this channel. Invite me (/invite) and run the command again.`;
  }
  return `I could not attach ${file.name}; Slack refused the upload (ref ${ref}). The summary above is complete.`;
}

/** Uploads file parts to the channel; returns the ones that failed with the text to show for each. */
async function uploadFiles(client: webApi.WebClient, channelId: string, files: readonly SlackFile[], log: Logger): Promise<string[]> {
  const failures: string[] = [];
  for (const file of files) {
    try {
      await client.files.uploadV2({ channel_id: channelId, file: file.data, filename: file.name, title: file.name });
    } catch (error) {
      const ref = newRef();
      const code = slackErrorCode(error);
      log.warn({ ref, file: file.name, channelId, error: code }, 'slack file upload failed');
      failures.push(uploadFailureText(file, code, ref));
    }
  }
  return failures;
}

/** What a person sees: throttled progress edits through response_url, then the reply, then its files. */
function createAnswerer({ respond, client, channelId, kind, log, now, progressIntervalMs }: AnswerDeps): Answerer {
  let pending: Promise<void> = Promise.resolve();
  let posts = 0;
  let lastAt: number | null = null;
  let shown = false;
  let finished = false;
  const send = async (message: RespondArguments, what: string): Promise<boolean> => {
    try {
      await respond(message);
      return true;
    } catch (error) {
      log.warn({ error: slackErrorCode(error), what }, 'slack respond failed');
      return false;
    }
  };
  return {
    async progress(text) {
      if (finished || posts >= PROGRESS_POSTS || (lastAt !== null && now() - lastAt < progressIntervalMs)) return;
      lastAt = now();
      posts++;
      const message: RespondArguments = kind === 'command' ? { replace_original: true, text: escapeMrkdwn(text) } : { response_type: 'ephemeral', replace_original: false, text: escapeMrkdwn(text) };
      pending = pending.then(async () => {
        if (await send(message, 'progress')) shown = true;
      });
      await pending;
    },
    async finish(answer) {
      finished = true;
      await pending;
      const message = renderSlack(answer);
      const inChannel = answer.visibility === 'channel';
      // An ephemeral progress line cannot become a channel message, so it is removed and the reply posted anew.
      if (kind === 'command' && shown && inChannel) await send({ delete_original: true }, 'clear progress');
      const replaceProgress = kind === 'command' && shown && !inChannel;
      const base: RespondArguments = { response_type: inChannel ? 'in_channel' : 'ephemeral', replace_original: replaceProgress };
      // Blocks Slack refuses must not cost the answer: the plain text goes on its own; a channel reply whose
      // response_url has expired (30 minutes, five posts) is posted as a new message instead.
      const delivered = (await send({ ...base, text: message.text, blocks: message.blocks }, 'reply')) || (await send({ ...base, text: message.text }, 'reply as text'));
      if (!delivered && inChannel) {
        await client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks }).catch((error: unknown) =>
          log.error({ channelId, error: slackErrorCode(error) }, 'slack reply lost: response_url and chat.postMessage both failed'),
        );
      }
      if (message.files.length === 0) return;
      if (!inChannel) {
        await send({ response_type: 'ephemeral', replace_original: false, text: `Files are attached to channel replies only (${message.files.map((file) => file.name).join(', ')}).` }, 'file note');
        return;
      }
      const failures = await uploadFiles(client, channelId, message.files, log);
      if (failures.length > 0) await send({ response_type: 'ephemeral', replace_original: false, text: failures.join('\n') }, 'upload failure');
    },
  };
}

function requireSlackSettings(settings: SlackSettings): { token: string; signingSecret?: string; appToken?: string } {
  if (!settings.SLACK_BOT_TOKEN) throw new ConfigError('Slack needs SLACK_BOT_TOKEN (xoxb-…). See .env.example.');
  if (settings.SLACK_SOCKET_MODE) {
    if (!settings.SLACK_APP_TOKEN) throw new ConfigError('Slack Socket Mode needs SLACK_APP_TOKEN (xapp-…). See .env.example.');
    return { token: settings.SLACK_BOT_TOKEN, appToken: settings.SLACK_APP_TOKEN };
  }
  if (!settings.SLACK_SIGNING_SECRET) throw new ConfigError('Slack in HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_SOCKET_MODE=true with SLACK_APP_TOKEN). See .env.example.');
  return { token: settings.SLACK_BOT_TOKEN, signingSecret: settings.SLACK_SIGNING_SECRET };
}

/**
 * The Slack adapter: `/${root}` and the reply buttons, through Bolt. Every request is acknowledged first;
 * then the text is parsed and `dispatch` runs the command, and the reply goes back through response_url.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { settings, commands, root, services, log, now } = options;
  const credentials = requireSlackSettings(settings);
  const routes = [...(options.routes ?? [])];
  const progressIntervalMs = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const slackLog = log.child({ platform: 'slack' });
  const app = new App({
    token: credentials.token,
    ...(settings.SLACK_SOCKET_MODE ? { socketMode: true, appToken: credentials.appToken! } : { signingSecret: credentials.signingSecret!, port: settings.PORT }),
    ...(routes.length > 0 ? { customRoutes: routes.map((route) => ({ method: route.method, path: route.path, handler: route.handler })) } : {}),
    clientOptions: { slackApiUrl: settings.SLACK_API_URL, ...(options.apiRetries === undefined ? {} : { retryConfig: { retries: options.apiRetries } }) },
    logger: boltLogger(slackLog),
    logLevel: slackLog.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO,
    // auth.test runs in start(), not in the constructor, so building the app touches no network.
    deferInitialization: true,
    convoStore: false,
  });
  const isManager = createManagerCheck(app.client, settings.SLACK_MANAGERS, slackLog, now);
  const inFlight = new Set<Promise<void>>();
  // Connections to response_url hosts (hooks.slack.com), kept alive between replies.
  const responsePool = new Agent({ connections: 64 });
  let server: Server | null = null;
  let started = false;

  /** Runs the work after the ack; whatever escapes becomes a logged error with a ref and a private reply. */
  const afterAck = (respond: Respond, fields: Record<string, unknown>, work: () => Promise<void>) => {
    // The work starts on the next turn of the event loop, so under a burst the acks of requests already read go out first.
    const running = new Promise<void>((resolve) => setImmediate(resolve)).then(work).catch(async (error: unknown) => {
      const ref = newRef();
      slackLog.error({ err: error, ref, ...fields }, 'slack request failed');
      await respond({ response_type: 'ephemeral', replace_original: false, text: escapeMrkdwn(toUserText(error, ref)) }).catch((failure: unknown) =>
        slackLog.warn({ ref, error: slackErrorCode(failure) }, 'slack respond failed'),
      );
    });
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
    return running;
  };

  const run = async (invocation: Invocation, who: { id: string; name: string }, channelId: string, answer: Answerer, client: webApi.WebClient): Promise<Reply> => {
    const user: ChatUser = { id: who.id, name: who.name, platform: 'slack', isManager: await isManager(who.id) };
    const context: CommandContext = {
      user,
      channelId,
      services,
      log: slackLog.child({ command: invocation.command, userId: who.id }),
      progress: (text) => answer.progress(text),
      async post(next) {
        const message = renderSlack(next);
        await client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks });
        await uploadFiles(client, channelId, message.files, slackLog);
      },
      now,
    };
    return dispatch(invocation, context, { commands, root });
  };

  const ackFirst = async (ack: () => Promise<void>, fields: Record<string, unknown>) => {
    try {
      await ack();
    } catch (error) {
      slackLog.warn({ ...fields, error: slackErrorCode(error) }, 'slack ack failed');
    }
  };

  app.command(`/${root}`, async ({ ack, command, respond: boltRespond, client }) => {
    const respond = responder(responsePool, command.response_url, boltRespond);
    await ackFirst(ack, { userId: command.user_id });
    await afterAck(respond, { userId: command.user_id, channelId: command.channel_id }, async () => {
      const answer = createAnswerer({ respond, client, channelId: command.channel_id, kind: 'command', log: slackLog, now, progressIntervalMs });
      const invocation = parseCommandText(command.text ?? '', commands, root);
      if ('error' in invocation) return answer.finish(invocation.error);
      await answer.finish(await run(invocation, { id: command.user_id, name: command.user_name }, command.channel_id, answer, client));
    });
  });

  app.action<BlockAction>(/^shopshift:/, async ({ ack, body, action, respond: boltRespond, client }) => {
    const respond = responder(responsePool, body.response_url, boltRespond);
    await ackFirst(ack, { userId: body.user.id });
    const channelId = body.channel?.id ?? String((body.container as { channel_id?: unknown } | undefined)?.channel_id ?? '');
    await afterAck(respond, { userId: body.user.id, channelId }, async () => {
      const answer = createAnswerer({ respond, client, channelId, kind: 'action', log: slackLog, now, progressIntervalMs });
      const decoded = action.type === 'button' && action.value ? decodeAction(action.value) : null;
      if (!decoded) return answer.finish(reply([m.text(`That button no longer works; run the command again (/${root} help).`)], 'ephemeral'));
      await answer.finish(await run({ command: decoded.command, args: decoded.args }, { id: body.user.id, name: body.user.username ?? body.user.name ?? body.user.id }, channelId, answer, client));
    });
  });

  app.error(async (error) => {
    slackLog.error({ code: error.code, error: slackErrorCode(error), message: error.message.replace(TOKEN_PATTERN, '[redacted]') }, 'slack app error');
  });

  const slackApp: SlackApp = {
    app,
    async start() {
      await app.init();
      if (settings.SLACK_SOCKET_MODE) {
        await app.start();
      } else {
        server = (await app.start(options.host === undefined ? settings.PORT : { port: settings.PORT, host: options.host })) as Server;
      }
      started = true;
      slackLog.info({ mode: settings.SLACK_SOCKET_MODE ? 'socket' : 'http', port: slackApp.port(), command: `/${root}` }, 'slack app started');
    },
    async stop() {
      if (!started) return;
      started = false;
      await app.stop();
      server = null;
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([Promise.allSettled([...inFlight]).then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS)))]);
      clearTimeout(timer);
      await (settled ? responsePool.close() : responsePool.destroy());
    },
    port() {
      if (server) return (server.address() as AddressInfo | null)?.port ?? null;
      return settings.SLACK_SOCKET_MODE && routes.length > 0 ? settings.PORT : null;
    },
    // Its own client: the outbox retries itself, after checking the channel's history, so a post whose
    // answer was lost is not repeated blindly by the client; a 429 comes back with its Retry-After.
    delivery: slackDelivery(
      new webApi.WebClient(credentials.token, {
        slackApiUrl: settings.SLACK_API_URL, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: boltLogger(slackLog), logLevel: LogLevel.INFO,
      }),
      slackLog,
    ),
  };
  return slackApp;
}
