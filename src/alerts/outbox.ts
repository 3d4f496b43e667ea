import { randomBytes } from 'node:crypto';
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
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = { pacingMs: { slack: 1100 }, maxAttempts: 8, retryBaseMs: 2_000, maxRetryDelayMs: 5 * 60_000 };

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
 * process stopped is looked up on the platform before it is sent again.
 */
export function createOutbox(deps: {
  store: Store;
  deliveries: Partial<Record<Platform, ChannelDelivery>>;
  log: Logger;
  now?: () => number;
  settings?: Partial<OutboxSettings>;
  /** Told when a message is delivered (metrics). */
  onDelivered?(message: OutboxMessage): void;
  /** Told after each failed attempt (metrics); `givenUp` when it will not be retried, `attempted` when the platform was called. */
  onFailed?(message: OutboxMessage, detail: { givenUp: boolean; attempted: boolean }): void;
}) {
  const now = deps.now ?? Date.now;
  const settings = { ...DEFAULT_OUTBOX_SETTINGS, ...deps.settings };
  const draining = new Map<string, Promise<void>>();
  const lastSentAt = new Map<string, number>();
  const sleepers = new Set<() => void>();
  let waking: Promise<void> = Promise.resolve();
  let stopped = false;

  const channelOf = (message: OutboxMessage) => `${message.platform}:${message.channelId}`;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const wakeUp = () => {
      clearTimeout(timer);
      sleepers.delete(wakeUp);
      resolve();
    };
    const timer = setTimeout(wakeUp, ms);
    sleepers.add(wakeUp);
  });

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

  async function drain(channel: string): Promise<void> {
    while (!stopped) {
      const queued = (await deps.store.outbox.unfinished()).filter((message) => channelOf(message) === channel);
      const next = queued[0];
      if (!next) return;
      const delivery = deps.deliveries[next.platform]!;
      // An update waits for the message it replaces; a thread reply for its parent (queued before it).
      const wait = Math.max(
        Date.parse(next.nextAttemptAt) - now(),
        (lastSentAt.get(channel) ?? -Infinity) + (settings.pacingMs[next.platform] ?? 0) - now(),
      );
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      lastSentAt.set(channel, now());
      await deliver(next, delivery);
    }
  }

  function wake(): Promise<void> {
    if (stopped) return waking;
    waking = waking.then(() => deps.store.outbox.unfinished()).then((messages) => {
      // A platform not connected in this process keeps its messages queued for one that is.
      for (const channel of new Set(messages.filter((message) => deps.deliveries[message.platform]).map(channelOf))) {
        if (draining.has(channel)) continue;
        const run = drain(channel)
          .catch((error: unknown) => deps.log.error({ err: error, channel }, 'outbox drain failed'))
          .finally(() => {
            draining.delete(channel);
            // Something may have been queued for this channel after the drain last looked.
            void deps.store.outbox.unfinished().then((left) => {
              if (left.some((message) => channelOf(message) === channel)) void wake();
            });
          });
        draining.set(channel, run);
      }
    });
    return waking;
  }

  return {
    /** Starts delivering what is queued (after saving new messages, and once at start-up for what a restart left). */
    wake,
    /** Queues one message and starts its delivery. */
    async send(input: Parameters<typeof outboxMessage>[0]): Promise<string> {
      const message = outboxMessage(input, now());
      await deps.store.saveAlerts({ outbox: [message] });
      wake();
      return message.id;
    },
    /** Resolves when everything queued is delivered or given up (waiting out retries and pacing). */
    async idle(): Promise<void> {
      for (;;) {
        await waking;
        await new Promise((resolve) => setImmediate(resolve));
        if (draining.size === 0) return;
        await Promise.all(draining.values());
      }
    },
    /** Stops after the call in flight; what is left stays queued for the next start. */
    async stop(): Promise<void> {
      stopped = true;
      for (const wakeUp of [...sleepers]) wakeUp();
      await Promise.allSettled(draining.values());
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
