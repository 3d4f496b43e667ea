import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local Slack on 127.0.0.1, as shared/reference/chat-platforms.md §13 describes it: the Web API methods
 * shopshift's Bolt app calls (form-encoded, JSON strings inside), the three-step file upload, `response_url`
 * endpoints with Slack's five uses, switchable 429s with Retry-After, and a Socket Mode link. Its driver signs
 * slash commands and button presses exactly as Slack does (§2), so the real Bolt receiver checks them.
 *
 * Channels keep what is posted (threads, message metadata, edits), and conversations.history/replies page
 * through it as Slack does, so the outbox can look for a post it did not see confirmed. Two faults are
 * switchable: a per-channel posting limit (§6: about one message a second, short bursts allowed) and a
 * connection dropped after a post is stored.
 */

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface SlackSimOptions {
  botToken?: string;
  /** Socket Mode app-level token for apps.connections.open. */
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** User-group id (S…) → member user ids, for usergroups.users.list. */
  usergroups?: Record<string, string[]>;
  /** Posts each response_url accepts (Slack: 5 within 30 minutes [U]); later ones get 404 used_url. */
  responseUrlUses?: number;
  /** The conversations that exist; any C…/G…/D… id by default. Others answer channel_not_found. */
  channels?: string[];
  /** Starts with a per-channel posting limit on (see `limitChannelPosts`). */
  channelPostLimit?: ChannelPostLimit;
  /** More tokens of the same bot (as after a token rotation), so calls show which process made them. */
  extraBotTokens?: string[];
  /** chat.postMessage stores the message at once but answers after this long, as a slow network would. */
  postAnswerDelayMs?: number;
}

/** A token bucket per channel for chat.postMessage (Slack: about one message a second per channel, short bursts allowed). */
export interface ChannelPostLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: posts allowed at once from a full bucket. */
  burst: number;
}

/** What Slack keeps of message metadata: `event_type` and `event_payload` as sent. */
export interface SlackMessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message in a channel as the sim holds it, edits applied. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** The parent's ts for a thread reply; null for a top-level message. */
  threadTs: string | null;
  metadata: SlackMessageMetadata | null;
  user: string;
  botId: string;
  /** Set by chat.update. */
  edited: { user: string; ts: string } | null;
  /** Files shared by files.completeUploadExternal, which Slack shows as a message of their own. */
  files: { id: string; name: string; title: string }[];
}

export interface SlackUpdate {
  channel: string;
  ts: string;
  /** As sent; null when the call left it out. */
  text: string | null;
  blocks: unknown[] | null;
  at: number;
}

export interface SlackApiCall {
  method: string;
  /** The form fields, with JSON-string fields (blocks, files, attachments) decoded. */
  args: Record<string, unknown>;
  /** From `Authorization: Bearer` or the form's `token`. */
  token: string | null;
  /** HTTP status the sim answered with; 0 when it dropped the connection instead (`failAfterPosting`). */
  status: number;
  /** `error` of an ok:false answer. */
  error: string | null;
  at: number;
}

export interface ResponsePost {
  /** The response_url that was posted to. */
  url: string;
  body: Record<string, unknown>;
  status: number;
  at: number;
}

export interface SlackUpload {
  fileId: string;
  filename: string;
  /** `length` as declared to files.getUploadURLExternal. */
  length: number;
  /** The bytes posted to the upload URL (null until then). */
  content: Buffer | null;
  completed: boolean;
  channelId: string | null;
  title: string | null;
  /** `thread_ts` of files.completeUploadExternal: the thread the file was shared into. */
  threadTs: string | null;
}

export interface SigningOptions {
  signingSecret: string;
  /** Unix seconds; now by default (Bolt rejects anything older than five minutes). */
  timestamp?: number;
  /** Sends a signature made with the wrong secret. */
  forgeSignature?: boolean;
}

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  userName?: string;
  /** "/shop" by default. */
  command?: string;
  teamId?: string;
}

export interface BlockActionInput {
  userId: string;
  channelId: string;
  /** The button's action_id and value, as rendered. */
  actionId: string;
  value: string;
  userName?: string;
  label?: string;
  messageTs?: string;
  teamId?: string;
}

export interface AppAnswer {
  status: number;
  body: string;
  /** Milliseconds from sending the request to the answer's status line and body. */
  ms: number;
  /** The response_url handed to the app with this request. */
  responseUrl: string;
}

export interface SocketEnvelopeAck {
  envelope_id: string;
  payload?: unknown;
}

export interface SlackSim {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The Web API base to give the app as `slackApiUrl`. */
  apiUrl: string;
  botToken: string;
  appToken: string;
  teamId: string;
  botUserId: string;
  /** Every Web API call, in arrival order. */
  calls: SlackApiCall[];
  /** Every post to a response_url, in arrival order. */
  responses: ResponsePost[];
  uploads: SlackUpload[];
  /** Editable: user-group id → members. */
  usergroups: Map<string, string[]>;
  callsTo(method: string): SlackApiCall[];
  responsesTo(responseUrl: string): ResponsePost[];
  /** A fresh response_url served by the sim. */
  newResponseUrl(): string;
  /** The next `times` (default 1) matching Web API calls get HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(fault: { method?: string | RegExp; retryAfterSeconds: number; times?: number }): void;
  /** The next `times` (default 1) calls of `method` answer `{ok:false, error}`. */
  failMethod(method: string, error: string, times?: number): void;
  /** Messages posted (chat.postMessage, file shares), in order, with thread replies and edits applied; of one channel or all. */
  messages(channel?: string): SlackMessage[];
  /** Every successful chat.update, in order. */
  updates: SlackUpdate[];
  /** Turns the per-channel chat.postMessage token bucket on (429 + Retry-After beyond it), or off with null. */
  limitChannelPosts(limit: ChannelPostLimit | null): void;
  /** chat.postMessage calls answered 429 (by the channel limit or `rateLimit`), of one channel or all. */
  rateLimitedPosts(channel?: string): number;
  /**
   * The next `times` (default 1) successful chat.postMessage calls store the message, then drop the connection
   * without an answer, as a crash or timeout mid-call would look to the client.
   */
  failAfterPosting(times?: number): void;
  /** chat.postMessage calls made with the token whose message is stored and whose answer is still held back (`postAnswerDelayMs`). */
  postsAwaitingAnswer(token: string): number;
  /** Polls until `probe` returns a value (not undefined/false/null), or rejects after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  sendSlashCommand(appUrl: string, command: SlashCommandInput, signing: SigningOptions): Promise<AppAnswer>;
  sendBlockAction(appUrl: string, action: BlockActionInput, signing: SigningOptions): Promise<AppAnswer>;
  /** Socket Mode: delivers a slash command over the open link and resolves with the app's ack frame. */
  sendSocketSlashCommand(command: SlashCommandInput): Promise<{ ack: SocketEnvelopeAck; responseUrl: string }>;
  /** Socket Mode: resolves once an app holds an open link that has been sent hello. */
  socketConnected(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Signing (§2)

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` under the signing secret. */
export function signSlackRequest(signingSecret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The form body Slack posts for a slash command (§1), field order as Slack sends it. */
export function slashCommandBody(fields: {
  token: string; teamId: string; teamDomain: string; channelId: string; channelName: string; userId: string; userName: string;
  command: string; text: string; apiAppId: string; responseUrl: string; triggerId: string;
}): string {
  return new URLSearchParams([
    ['token', fields.token], ['team_id', fields.teamId], ['team_domain', fields.teamDomain], ['channel_id', fields.channelId],
    ['channel_name', fields.channelName], ['user_id', fields.userId], ['user_name', fields.userName], ['command', fields.command],
    ['text', fields.text], ['api_app_id', fields.apiAppId], ['is_enterprise_install', 'false'], ['response_url', fields.responseUrl],
    ['trigger_id', fields.triggerId],
  ]).toString();
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator

const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata', 'file_uploads']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodeForm(body: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (JSON_FIELDS.has(key)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // Kept as sent; the method decides whether that is an error.
      }
    }
    args[key] = value;
  }
  return args;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));

export async function startSlackSim(options: SlackSimOptions = {}): Promise<SlackSim> {
  const botToken = options.botToken ?? 'xoxb-sim-bot-token';
  const extraBotTokens = new Set(options.extraBotTokens ?? []);
  /** chat.postMessage calls stored but not yet answered, by token. */
  const postsUnanswered = new Map<string, number>();
  const appToken = options.appToken ?? 'xapp-sim-app-token';
  const teamId = options.teamId ?? 'T0SIM';
  const botUserId = options.botUserId ?? 'UBOT';
  const botId = options.botId ?? 'BBOT';
  const responseUrlUses = options.responseUrlUses ?? 5;
  const usergroups = new Map(Object.entries(options.usergroups ?? {}));
  const calls: SlackApiCall[] = [];
  const responses: ResponsePost[] = [];
  const uploads: SlackUpload[] = [];
  const responseUrlCount = new Map<string, number>();
  const rateLimits: { method?: string | RegExp; retryAfterSeconds: number; remaining: number }[] = [];
  const failures: { method: string; error: string; remaining: number }[] = [];
  const knownChannels = options.channels ? new Set(options.channels) : null;
  const stored = new Map<string, SlackMessage[]>();
  const updates: SlackUpdate[] = [];
  let postLimit: ChannelPostLimit | null = options.channelPostLimit ?? null;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let dropsLeft = 0;
  let lastMicros = 0;
  let sequence = 0;
  let base = '';

  // A ts is the posting time in microseconds, unique: history's `oldest` filters are real Unix times.
  const nextTs = () => {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const isChannel = (channel: string) => (knownChannels ? knownChannels.has(channel) : /^[CGD][A-Z0-9]+$/.test(channel));
  const find = (channel: string, ts: string) => stored.get(channel)?.find((message) => message.ts === ts);
  const threadOf = (channel: string, ts: string | undefined) => {
    const parent = ts ? find(channel, ts) : undefined;
    return parent ? (parent.threadTs ?? parent.ts) : (ts ?? null);
  };

  function store(message: SlackMessage): SlackMessage {
    stored.set(message.channel, [...(stored.get(message.channel) ?? []), message]);
    return message;
  }

  /** Seconds to wait when the channel's bucket is empty, else 0 (and a token is taken). */
  function takePostToken(channel: string): number {
    if (!postLimit) return 0;
    const now = Date.now();
    const bucket = buckets.get(channel) ?? { tokens: postLimit.burst, at: now };
    bucket.tokens = Math.min(postLimit.burst, bucket.tokens + ((now - bucket.at) / 1000) * postLimit.perSecond);
    bucket.at = now;
    buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / postLimit.perSecond));
  }

  function metadataOf(args: Record<string, unknown>): SlackMessageMetadata | null | 'invalid' {
    if (args.metadata === undefined) return null;
    const metadata = args.metadata as { event_type?: unknown; event_payload?: unknown } | null;
    const payload = metadata?.event_payload;
    if (typeof metadata?.event_type !== 'string' || !metadata.event_type || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'invalid';
    return { event_type: metadata.event_type, event_payload: payload as Record<string, unknown> };
  }

  /** A message as conversations.history/replies and chat.* answers show it. */
  function view(message: SlackMessage, withMetadata: boolean): Record<string, unknown> {
    const replies = message.threadTs === null ? (stored.get(message.channel) ?? []).filter((each) => each.threadTs === message.ts) : [];
    return {
      type: 'message', user: message.user, bot_id: message.botId, app_id: 'A0SIM', text: message.text, blocks: message.blocks, ts: message.ts, team: teamId,
      ...(message.threadTs ? { thread_ts: message.threadTs, parent_user_id: find(message.channel, message.threadTs)?.user ?? botUserId } : {}),
      ...(replies.length > 0
        ? { thread_ts: message.ts, reply_count: replies.length, reply_users_count: 1, reply_users: [botUserId], latest_reply: replies.at(-1)!.ts, is_locked: false, subscribed: false }
        : {}),
      ...(message.edited ? { edited: message.edited } : {}),
      ...(message.files.length > 0 ? { files: message.files, upload: true } : {}),
      ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}),
    };
  }

  /** `oldest`/`latest` (exclusive unless `inclusive`) as a filter on ts, or the error for a malformed one. */
  function timeWindow(args: Record<string, unknown>): ((ts: string) => boolean) | string {
    const micros = (value: unknown): number | null | undefined => {
      if (value === undefined || value === '') return undefined;
      const match = /^(\d+)(?:\.(\d{0,6})\d*)?$/.exec(String(value));
      return match ? Number(match[1]) * 1e6 + Number((match[2] ?? '').padEnd(6, '0')) : null;
    };
    const oldest = micros(args.oldest);
    const latest = micros(args.latest);
    if (oldest === null) return 'invalid_ts_oldest';
    if (latest === null) return 'invalid_ts_latest';
    const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
    return (ts) => {
      const at = micros(ts)!;
      return (oldest === undefined || at > oldest || (inclusive && at === oldest)) && (latest === undefined || at < latest || (inclusive && at === latest));
    };
  }

  /** One page of `messages` (already in answer order) by `limit` and `cursor`, with `has_more` and the next cursor. */
  function page(messages: SlackMessage[], args: Record<string, unknown>, defaultLimit: number, maxLimit: number) {
    const asked = Number(args.limit);
    const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, maxLimit) : defaultLimit;
    let start = 0;
    if (typeof args.cursor === 'string' && args.cursor !== '') {
      const ts = /^next_ts:(\d+\.\d{6})$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'))?.[1];
      start = ts === undefined ? -1 : messages.findIndex((message) => message.ts === ts);
      if (start < 0) return { status: 200, body: { ok: false, error: 'invalid_cursor' } };
    }
    const shown = messages.slice(start, start + limit);
    const next = messages[start + limit];
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true' || args.include_all_metadata === '1';
    return {
      status: 200,
      body: {
        ok: true, messages: shown.map((message) => view(message, withMetadata)), has_more: next !== undefined, pin_count: 0,
        ...(next ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } } : {}),
      },
    };
  }

  function webApi(method: string, args: Record<string, unknown>, token: string | null): { status: number; body: Record<string, unknown>; headers?: Record<string, string> } {
    const limited = rateLimits.find((fault) => fault.remaining > 0 && (fault.method === undefined || (typeof fault.method === 'string' ? fault.method === method : fault.method.test(method))));
    if (limited) {
      limited.remaining--;
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(limited.retryAfterSeconds) } };
    }
    const expectedToken = method === 'apps.connections.open' ? appToken : token !== null && extraBotTokens.has(token) ? token : botToken;
    if (token !== expectedToken) return { status: 200, body: { ok: false, error: token ? 'invalid_auth' : 'not_authed' } };
    const failure = failures.find((fault) => fault.remaining > 0 && fault.method === method);
    if (failure) {
      failure.remaining--;
      return { status: 200, body: { ok: false, error: failure.error } };
    }
    const text = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
    switch (method) {
      case 'auth.test':
        return { status: 200, body: { ok: true, url: 'https://sim.slack.test/', team: 'Sim', user: 'shopshift', team_id: teamId, user_id: botUserId, bot_id: botId } };
      case 'apps.connections.open':
        return { status: 200, body: { ok: true, url: `${base.replace(/^http/, 'ws')}/link` } };
      case 'chat.postMessage': {
        const channel = text('channel');
        if (!channel || !isChannel(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const retryAfter = takePostToken(channel);
        if (retryAfter > 0) return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(retryAfter) } };
        if (!text('text') && !Array.isArray(args.blocks)) return { status: 200, body: { ok: false, error: 'no_text' } };
        const metadata = metadataOf(args);
        if (metadata === 'invalid') return { status: 200, body: { ok: false, error: 'invalid_metadata_format' } };
        let threadTs: string | null = null;
        if (text('thread_ts')) {
          const parent = find(channel, text('thread_ts')!);
          if (!parent) return { status: 200, body: { ok: false, error: 'thread_not_found' } };
          // A reply's ts puts the message in that reply's thread [U].
          threadTs = parent.threadTs ?? parent.ts;
        }
        const message = store({
          channel, ts: nextTs(), text: text('text') ?? '', blocks: Array.isArray(args.blocks) ? args.blocks : [], threadTs, metadata,
          user: botUserId, botId, edited: null, files: [],
        });
        return { status: 200, body: { ok: true, channel, ts: message.ts, message: view(message, true) } };
      }
      case 'chat.update': {
        const channel = text('channel');
        const messageTs = text('ts');
        if (!channel || !isChannel(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const message = messageTs ? find(channel, messageTs) : undefined;
        if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        if (text('text') === undefined && !Array.isArray(args.blocks) && !Array.isArray(args.attachments)) return { status: 200, body: { ok: false, error: 'no_text' } };
        const metadata = metadataOf(args);
        if (metadata === 'invalid') return { status: 200, body: { ok: false, error: 'invalid_metadata_format' } };
        // Slack keeps the old blocks only when neither blocks nor text is given; text alone removes them.
        if (Array.isArray(args.blocks)) message.blocks = args.blocks;
        else if (text('text') !== undefined) message.blocks = [];
        if (text('text') !== undefined) message.text = text('text')!;
        if (metadata) message.metadata = metadata;
        message.edited = { user: botUserId, ts: nextTs() };
        updates.push({ channel, ts: message.ts, text: text('text') ?? null, blocks: Array.isArray(args.blocks) ? args.blocks : null, at: Date.now() });
        return { status: 200, body: { ok: true, channel, ts: message.ts, text: message.text, message: view(message, true) } };
      }
      case 'conversations.history': {
        const channel = text('channel');
        if (!channel || !isChannel(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const window = timeWindow(args);
        if (typeof window === 'string') return { status: 200, body: { ok: false, error: window } };
        const newestFirst = (stored.get(channel) ?? []).filter((message) => message.threadTs === null && window(message.ts)).reverse();
        return page(newestFirst, args, 100, 999);
      }
      case 'conversations.replies': {
        const channel = text('channel');
        if (!channel || !isChannel(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const asked = text('ts') ? find(channel, text('ts')!) : undefined;
        if (!asked) return { status: 200, body: { ok: false, error: 'thread_not_found' } };
        const window = timeWindow(args);
        if (typeof window === 'string') return { status: 200, body: { ok: false, error: window } };
        // Any message of a thread names the whole thread; the parent leads the first page whatever the window [U].
        const parent = asked.threadTs ? find(channel, asked.threadTs)! : asked;
        const replies = (stored.get(channel) ?? []).filter((message) => message.threadTs === parent.ts && window(message.ts));
        return page([parent, ...replies], args, 1000, 1000);
      }
      case 'usergroups.users.list': {
        const members = usergroups.get(text('usergroup') ?? '');
        if (!members) return { status: 200, body: { ok: false, error: 'no_such_subteam' } };
        return { status: 200, body: { ok: true, users: members } };
      }
      case 'files.getUploadURLExternal': {
        const filename = text('filename');
        const length = Number(text('length'));
        if (!filename) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
        if (!Number.isInteger(length) || length <= 0) return { status: 200, body: { ok: false, error: 'invalid_length' } };
        const fileId = `F${String(uploads.length + 1).padStart(4, '0')}`;
        uploads.push({ fileId, filename, length, content: null, completed: false, channelId: null, title: null, threadTs: null });
        return { status: 200, body: { ok: true, upload_url: `${base}/upload/${fileId}`, file_id: fileId } };
      }
      case 'files.completeUploadExternal': {
        const files = args.files;
        if (!Array.isArray(files) || files.length === 0) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
        const channel = text('channel_id');
        if (channel !== undefined && !isChannel(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const done = [];
        for (const file of files as { id?: string; title?: string }[]) {
          const upload = uploads.find((candidate) => candidate.fileId === file.id);
          if (!upload || upload.content === null) return { status: 200, body: { ok: false, error: 'file_not_found' } };
          upload.completed = true;
          upload.channelId = channel ?? null;
          upload.title = file.title ?? upload.filename;
          upload.threadTs = text('thread_ts') ?? null;
          done.push({ id: upload.fileId, name: upload.filename, title: upload.title, size: upload.content.length });
        }
        // Shared files show up in the channel (or thread) as a message carrying them.
        if (channel !== undefined) {
          const parent = threadOf(channel, text('thread_ts'));
          store({
            channel, ts: nextTs(), text: text('initial_comment') ?? '', blocks: [], threadTs: parent, metadata: null, user: botUserId, botId, edited: null,
            files: done.map((file) => ({ id: file.id, name: file.name, title: file.title })),
          });
        }
        return { status: 200, body: { ok: true, files: done } };
      }
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    if (req.method !== 'POST') return void json(res, 405, { ok: false, error: 'method_not_allowed' });

    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (api) {
      const method = api[1]!;
      const type = String(req.headers['content-type'] ?? '');
      const args = type.startsWith('application/json') ? (JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>) : decodeForm(body.toString('utf8'));
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const token = bearer ?? (typeof args.token === 'string' ? args.token : null);
      const answer = webApi(method, args, token);
      if (method === 'chat.postMessage' && answer.body.ok === true && dropsLeft > 0) {
        dropsLeft--;
        calls.push({ method, args, token, status: 0, error: null, at: Date.now() });
        return void req.socket.destroy();
      }
      calls.push({ method, args, token, status: answer.status, error: answer.body.ok === false ? String(answer.body.error) : null, at: Date.now() });
      if (method === 'chat.postMessage' && options.postAnswerDelayMs) {
        const by = token ?? '';
        postsUnanswered.set(by, (postsUnanswered.get(by) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, options.postAnswerDelayMs));
        postsUnanswered.set(by, postsUnanswered.get(by)! - 1);
      }
      return void json(res, answer.status, answer.body, answer.headers);
    }

    const upload = /^\/upload\/(F\d+)$/.exec(path);
    if (upload) {
      const target = uploads.find((candidate) => candidate.fileId === upload[1]);
      if (!target) return void res.writeHead(404).end('not found');
      const type = String(req.headers['content-type'] ?? '');
      if (type.startsWith('multipart/form-data')) {
        const form = await new Response(body, { headers: { 'content-type': type } }).formData();
        const part = form.get('body') ?? [...form.values()][0];
        target.content = part === undefined ? Buffer.alloc(0) : typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
      } else {
        target.content = body;
      }
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${target.content.length}`);
    }

    if (/^\/response\/[\w-]+$/.test(path)) {
      const url = `${base}${path}`;
      const used = (responseUrlCount.get(url) ?? 0) + 1;
      responseUrlCount.set(url, used);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        responses.push({ url, body: { raw: body.toString('utf8') }, status: 400, at: Date.now() });
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      }
      const status = used > responseUrlUses ? 404 : 200;
      responses.push({ url, body: parsed, status, at: Date.now() });
      return void res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'used_url');
    }
    json(res, 404, { ok: false, error: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });

  // Socket Mode (§5, §13): one link at a time; hello on connect; acks matched by envelope id.
  const sockets = new WebSocketServer({ noServer: true });
  let link: WebSocket | null = null;
  const pendingAcks = new Map<string, (ack: SocketEnvelopeAck) => void>();
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== '/link') return void socket.destroy();
    sockets.handleUpgrade(req, socket, head, (ws) => {
      link = ws;
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as SocketEnvelopeAck;
        pendingAcks.get(frame.envelope_id)?.(frame);
        pendingAcks.delete(frame.envelope_id);
      });
      ws.on('close', () => {
        if (link === ws) link = null;
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0SIM' }, debug_info: {} }));
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Its own connection pool, so a benchmark's hundred concurrent requests are not queued behind a default limit.
  const agent = new Agent({ connections: 256, pipelining: 1 });

  const newResponseUrl = () => `${base}/response/${++sequence}-${randomBytes(3).toString('hex')}`;

  async function post(appUrl: string, body: string, signing: SigningOptions, responseUrl: string): Promise<AppAnswer> {
    const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = signSlackRequest(signing.forgeSignature ? `${signing.signingSecret}-forged` : signing.signingSecret, timestamp, body);
    const started = performance.now();
    const answer = await request(appUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
      body,
    });
    const text = await answer.body.text();
    return { status: answer.statusCode, body: text, ms: performance.now() - started, responseUrl };
  }

  function commandFields(command: SlashCommandInput, responseUrl: string) {
    return {
      token: 'legacy-verification-token', teamId: command.teamId ?? teamId, teamDomain: 'sim', channelId: command.channelId, channelName: 'ops',
      userId: command.userId, userName: command.userName ?? command.userId.toLowerCase(), command: command.command ?? '/shop', text: command.text,
      apiAppId: 'A0SIM', responseUrl, triggerId: `${sequence}.${Date.now()}.${randomBytes(4).toString('hex')}`,
    };
  }

  return {
    url: base,
    apiUrl: `${base}/api/`,
    botToken, appToken, teamId, botUserId,
    calls, responses, uploads, usergroups,
    callsTo: (method) => calls.filter((call) => call.method === method),
    responsesTo: (url) => responses.filter((response) => response.url === url),
    newResponseUrl,
    rateLimit: ({ method, retryAfterSeconds, times = 1 }) => void rateLimits.push({ ...(method === undefined ? {} : { method }), retryAfterSeconds, remaining: times }),
    failMethod: (method, error, times = 1) => void failures.push({ method, error, remaining: times }),
    messages: (channel) => (channel === undefined ? [...stored.values()].flat().sort((a, b) => a.ts.localeCompare(b.ts)) : [...(stored.get(channel) ?? [])])
      .map((message) => ({ ...message, blocks: [...message.blocks], files: [...message.files] })),
    updates,
    limitChannelPosts(limit) {
      postLimit = limit;
      buckets.clear();
    },
    rateLimitedPosts: (channel) => calls.filter((call) => call.method === 'chat.postMessage' && call.status === 429 && (channel === undefined || call.args.channel === channel)).length,
    postsAwaitingAnswer: (token) => postsUnanswered.get(token) ?? 0,
    failAfterPosting(times = 1) {
      dropsLeft += times;
    },
    async waitFor(probe, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== null && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`slack sim: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async sendSlashCommand(appUrl, command, signing) {
      const responseUrl = newResponseUrl();
      return post(appUrl, slashCommandBody(commandFields(command, responseUrl)), signing, responseUrl);
    },
    async sendBlockAction(appUrl, action, signing) {
      const responseUrl = newResponseUrl();
      const messageTs = action.messageTs ?? nextTs();
      const payload = {
        type: 'block_actions',
        user: { id: action.userId, username: action.userName ?? action.userId.toLowerCase(), name: action.userName ?? action.userId.toLowerCase(), team_id: action.teamId ?? teamId },
        api_app_id: 'A0SIM',
        token: 'legacy-verification-token',
        container: { type: 'message', message_ts: messageTs, channel_id: action.channelId, is_ephemeral: false },
        trigger_id: `${sequence}.${Date.now()}.${randomBytes(4).toString('hex')}`,
        team: { id: action.teamId ?? teamId, domain: 'sim' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: action.channelId, name: 'ops' },
        message: { type: 'message', ts: messageTs, text: '', bot_id: botId, user: botUserId },
        state: { values: {} },
        response_url: responseUrl,
        actions: [{
          type: 'button', block_id: 'b1', action_id: action.actionId, action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
          value: action.value, text: { type: 'plain_text', text: action.label ?? 'button', emoji: true },
        }],
      };
      return post(appUrl, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), signing, responseUrl);
    },
    async sendSocketSlashCommand(command) {
      const open = link as WebSocket | null;
      if (!open) throw new Error('slack sim: no Socket Mode link is open');
      const responseUrl = newResponseUrl();
      const fields = commandFields(command, responseUrl);
      const envelopeId = `e${++sequence}`;
      const acked = new Promise<SocketEnvelopeAck>((resolve) => pendingAcks.set(envelopeId, resolve));
      const payload = Object.fromEntries(new URLSearchParams(slashCommandBody(fields)));
      open.send(JSON.stringify({ envelope_id: envelopeId, type: 'slash_commands', payload, accepts_response_payload: true }));
      return { ack: await acked, responseUrl };
    },
    async socketConnected(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!link) {
        if (Date.now() > deadline) throw new Error('slack sim: no Socket Mode connection');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await agent.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
