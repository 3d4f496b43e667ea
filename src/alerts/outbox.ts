import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Reply } from '../chat/message.js';
import type { Logger } from '../log.js';
import type { OutboxMessage, Store } from '../store/store.js';

export type Platform = OutboxMessage['platform'];

/** Posts a reply in a channel of a platform (the daily summary's way out: through the outbox). */
export type ChannelPoster = (channelId: string, reply: Reply) => Promise<void>;

/** What an adapter does for the outbox; each call is one message on the platform. */
export interface ChannelDelivery {
  /** Posts a message (in the thread of `threadRef` when given); returns the platform's reference to it. `key` is unique per message. */
  post(channelId: string, reply: Reply, options: { key: string; threadRef?: string }): Promise<string>;
  update(channelId: string, ref: string, reply: Reply): Promise<void>;
  /**
   * The reference of a message posted with `key` since a time, if the platform can tell: used for a
   * message whose post was in flight when the process stopped, so it is not posted twice.
   */
  findPosted?(channelId: string, key: string, options: { since: number; threadRef?: string }): Promise<string | null>;
  /** A failure retrying cannot mend (unknown channel, no access): the message is given up at once. */
  isPermanent(error: unknown): boolean;
  /**
   * The platform answered and refused, so nothing was posted. Any other failure (a dropped connection,
   * a timeout) may have posted it: the retry looks for it first.
   */
  wasRefused(error: unknown): boolean;
  /** How long the platform asked to wait, when it did (a 429 the client did not absorb). */
  retryAfterMs?(error: unknown): number | null;
}

export interface OutboxSettings {
  /** Least time between two messages to one channel, per platform (Slack: about one per second per channel). */
  pacingMs: Partial<Record<Platform, number>>;
  maxAttempts: number;
  /** First retry delay; doubled on each attempt up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** How long this process's claim on a message holds if it stops answering: longer than any delivery call. */
  claimMs: number;
  /** How often to look for messages other processes queued (this process's own wake it at once). */
  pollMs: number;
  /** Channels delivered to side by side. */
  parallelChannels: number;
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = {
  pacingMs: { slack: 1100 }, maxAttempts: 8, retryBaseMs: 2_000, maxRetryDelayMs: 5 * 60_000, claimMs: 2 * 60_000, pollMs: 1_000, parallelChannels: 16,
};

export const newOutboxId = (): string => `o${randomBytes(6).toString('base64url')}`;

/** A message ready to be saved with the incidents it announces (see Store.saveAlerts). */
export function outboxMessage(
  input: { platform: Platform; channelId: string; reply: Reply; mode?: OutboxMessage['mode']; target?: string | null; id?: string },
  now: number,
): OutboxMessage {
  const at = new Date(now).toISOString();
  return {
    id: input.id ?? newOutboxId(), platform: input.platform, channelId: input.channelId, mode: input.mode ?? 'post', target: input.target ?? null,
    body: input.reply, state: 'pending', attempts: 0, nextAttemptAt: at, ref: null, error: null, createdAt: at, updatedAt: at,
  };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * Delivers what the store's outbox holds, one channel at a time in the order it was queued, paced per
 * platform, retried with backoff, and resumed after a restart: a message that was being sent when the
 * process stopped is looked up on the platform before it is sent again. Each message is claimed in the
 * store first, so of several processes on one store only one sends it.
 */
export function createOutbox(deps: {
  store: Store;
  deliveries: Partial<Record<Platform, ChannelDelivery>>;
  log: Logger;
  now?: () => number;
  settings?: Partial<OutboxSettings>;
  /** Names this process in its claims; unique per outbox. */
  owner?: string;
  /** Told when a message is delivered (metrics). */
  onDelivered?(message: OutboxMessage): void;
  /** Told after each failed attempt (metrics); `givenUp` when it will not be retried, `attempted` when the platform was called. */
  onFailed?(message: OutboxMessage, detail: { givenUp: boolean; attempted: boolean }): void;
}) {
  const now = deps.now ?? Date.now;
  const settings = { ...DEFAULT_OUTBOX_SETTINGS, ...deps.settings };
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const inFlight = new Map<string, Promise<void>>();
  let pumping: Promise<void> | null = null;
  let nudge: (() => void) | null = null;
  let nudged = false;
  let stopped = false;

  const connected = () => (Object.keys(deps.deliveries) as Platform[]).filter((platform) => deps.deliveries[platform]);

  /** Sleeps until `ms` have passed or something changed (a message queued here, a delivery finished, stop). */
  const rest = (ms: number) => new Promise<void>((resolve) => {
    if (nudged || stopped) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      nudge = null;
      resolve();
    }
    nudge = done;
  });
  const poke = () => {
    nudged = true;
    nudge?.();
  };

  // The hooks only count: one that throws must not change what happens to the message (a retry would post it twice).
  const tell = (hook: () => void) => {
    try {
      hook();
    } catch (error) {
      deps.log.warn({ err: error }, 'outbox hook failed');
    }
  };
  async function save(message: OutboxMessage, change: Partial<OutboxMessage>): Promise<OutboxMessage> {
    const next = { ...message, ...change, updatedAt: new Date(now()).toISOString() };
    await deps.store.saveAlerts({ outbox: [next] });
    return next;
  }

  /** The platform reference of the message a thread reply or update points at; null while it is not delivered. */
  async function targetRef(message: OutboxMessage): Promise<{ ref: string | null; gone: boolean }> {
    if (message.target === null) return { ref: null, gone: false };
    const target = await deps.store.outbox.get(message.target);
    if (!target || target.state === 'failed') return { ref: null, gone: true };
    return { ref: target.ref, gone: false };
  }

  async function deliver(message: OutboxMessage, delivery: ChannelDelivery): Promise<void> {
    const target = await targetRef(message);
    if (message.mode === 'update' && target.gone) {
      const failed = await save(message, { state: 'failed', body: null, error: 'the message to update was never delivered' });
      tell(() => deps.onFailed?.(failed, { givenUp: true, attempted: false }));
      return;
    }
    // A thread reply whose parent never made it is posted on its own rather than lost.
    const threadRef = message.mode === 'thread' && target.ref ? target.ref : undefined;
    if (message.state === 'sending' && message.mode !== 'update' && delivery.findPosted) {
      const ref = await delivery.findPosted(message.channelId, message.id, { since: Date.parse(message.createdAt) - 60_000, ...(threadRef ? { threadRef } : {}) });
      if (ref) {
        const delivered = await save(message, { state: 'delivered', ref, body: null });
        tell(() => deps.onDelivered?.(delivered));
        deps.log.info({ outboxId: message.id, channelId: message.channelId }, 'outbox message found already posted; not sent again');
        return;
      }
    }
    const sending = await save(message, { state: 'sending', attempts: message.attempts + 1 });
    const reply = message.body as Reply;
    try {
      let ref: string | null = null;
      if (message.mode === 'update') await delivery.update(message.channelId, target.ref!, reply);
      else ref = await delivery.post(message.channelId, reply, { key: message.id, ...(threadRef ? { threadRef } : {}) });
      const delivered = await save(sending, { state: 'delivered', ref, body: null, error: null });
      tell(() => deps.onDelivered?.(delivered));
    } catch (error) {
      const permanent = delivery.isPermanent(error) || sending.attempts >= settings.maxAttempts;
      const wait = delivery.retryAfterMs?.(error) ?? Math.min(settings.retryBaseMs * 2 ** (sending.attempts - 1), settings.maxRetryDelayMs);
      const failed = await save(sending, {
        state: permanent ? 'failed' : delivery.wasRefused(error) ? 'pending' : 'sending',
        error: errorText(error), nextAttemptAt: new Date(now() + wait).toISOString(), ...(permanent ? { body: null } : {}),
      });
      tell(() => deps.onFailed?.(failed, { givenUp: permanent, attempted: true }));
      deps.log[permanent ? 'error' : 'warn'](
        { outboxId: message.id, platform: message.platform, channelId: message.channelId, attempt: sending.attempts, err: error },
        permanent ? 'message given up' : 'message not delivered; will retry',
      );
    }
  }

  /** Delivers a claimed message, then lets go of it so a retry (here or elsewhere) can take it when due. */
  async function settle(message: OutboxMessage): Promise<void> {
    try {
      await deliver(message, deps.deliveries[message.platform]!);
    } catch (error) {
      deps.log.error({ err: error, outboxId: message.id }, 'outbox delivery failed');
    } finally {
      await deps.store.outbox.release([message.id], owner).catch((error: unknown) => deps.log.warn({ err: error, outboxId: message.id }, 'outbox claim not released'));
      inFlight.delete(message.id);
      poke();
    }
  }

  async function pump(): Promise<void> {
    while (!stopped) {
      nudged = false;
      let nextDueAt: number | null = null;
      const platforms = connected();
      const room = settings.parallelChannels - inFlight.size;
      if (platforms.length > 0 && room > 0) {
        try {
          const claim = await deps.store.outbox.claim({ owner, platforms, now: now(), claimMs: settings.claimMs, pacingMs: settings.pacingMs, limit: room });
          for (const message of claim.messages) inFlight.set(message.id, settle(message));
          if (claim.messages.length > 0) continue;
          nextDueAt = claim.nextDueAt;
        } catch (error) {
          deps.log.error({ err: error }, 'outbox claim failed; trying again');
        }
      }
      await rest(Math.max(0, Math.min(settings.pollMs, nextDueAt === null ? Infinity : nextDueAt - now())));
    }
  }

  function wake(): Promise<void> {
    if (stopped) return Promise.resolve();
    poke();
    pumping ??= pump().finally(() => {
      pumping = null;
    });
    return Promise.resolve();
  }

  return {
    /** Starts delivering what is queued (after saving new messages, and once at start-up for what a restart left); after that it also looks every `pollMs`. */
    wake,
    /** Queues one message and starts its delivery. */
    async send(input: Parameters<typeof outboxMessage>[0]): Promise<string> {
      const message = outboxMessage(input, now());
      await deps.store.saveAlerts({ outbox: [message] });
      void wake();
      return message.id;
    },
    /** Resolves when every message this process can deliver is delivered or given up (waiting out retries and pacing). */
    async idle(): Promise<void> {
      for (;;) {
        if (stopped) return;
        const platforms = connected();
        const left = (await deps.store.outbox.unfinished()).some((message) => platforms.includes(message.platform));
        if (!left && inFlight.size === 0) return;
        // Waits on a timer even when nothing is in flight: the next message may be waiting out its pacing.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    /** Stops after the calls in flight; what is left stays queued for the next start. */
    async stop(): Promise<void> {
      stopped = true;
      nudge?.();
      await pumping;
      await Promise.allSettled(inFlight.values());
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
