import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Reply } from '../chat/message.js';
import type { AlertSubscription, ChannelRef, Incident, Listing, OutboxMessage, Store } from '../store/store.js';
import { fingerprintOf, headlineOf, reasonsOf, severityOf, subjectOf, wants, type AlertEvent, type AlertKind, type FailureEvent } from './events.js';
import { alertMessage, csvMessage, recoveryMessage, reminderMessage } from './messages.js';
import { newOutboxId, outboxMessage, type Outbox } from './outbox.js';

export { ALERT_KINDS, type AlertEvent, type AlertKind } from './events.js';
export type { ChannelPoster } from './outbox.js';

export interface AlertSettings {
  /** Failures arriving within this time of a channel's first pending one share one message. */
  groupWindowMs: number;
  /** Reminder in the alert's thread while it is open and unacknowledged; 0 for none. */
  remindEveryMs: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { groupWindowMs: 30_000, remindEveryMs: 4 * 3_600_000 };

const MAINTENANCE_EVERY_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const sameChannel = (a: ChannelRef, b: ChannelRef) => a.platform === b.platform && a.channelId === b.channelId;
const channelKey = (ref: ChannelRef) => `${ref.platform}:${ref.channelId}`;

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

/**
 * Failure alerts in the manner of an alert manager: each failure opens an incident (the same product
 * failing for the same reason again only counts), incidents are grouped per channel over a short window
 * into one message (a CSV in its thread lists them all), reminders repeat while nobody acknowledges,
 * and a recovery is told in the alert's thread while the original message is updated. Every message
 * goes through the outbox, saved together with the incidents it concerns.
 */
export function createAlerts(deps: {
  store: Store;
  outbox: Pick<Outbox, 'wake'>;
  log: Logger;
  now?: () => number;
  settings?: Partial<AlertSettings>;
  /** Shops whose pending alerts are looked after at start-up (others are picked up as they raise). */
  shops?: readonly string[];
}) {
  const now = deps.now ?? Date.now;
  const settings = { ...DEFAULT_ALERT_SETTINGS, ...deps.settings };
  const shops = new Set(deps.shops ?? []);
  const working = new Set<Promise<unknown>>();
  /**
   * Raises waiting for their shop's lock, recorded together in one change when their turn comes: under a
   * burst that is one transaction for many failures instead of one each.
   */
  const gathering = new Map<string, { work: LockedWork<unknown>; resolve(result: unknown): void; reject(error: unknown): void }[]>();
  let flushTimer: NodeJS.Timeout | null = null;
  let maintenanceTimer: NodeJS.Timeout | null = null;

  /**
   * One change to a shop's alerts at a time, across every process on the store: two reports of one failure
   * arriving together must still open one incident, and two processes' flushes must not both post a group.
   * The outbox is woken once the change is committed.
   */
  function serial<T>(shop: string, work: (steps: AlertSteps) => Promise<T>): Promise<T> {
    let queued = false;
    const run = deps.store.exclusive(`alerts:${shop}`, (store) => work(alertSteps(store, () => (queued = true))));
    const tracked = run.then((result) => {
      if (queued) void deps.outbox.wake();
      return result;
    });
    working.add(tracked);
    void tracked.catch(() => undefined).finally(() => working.delete(tracked));
    return tracked;
  }

  type AlertSteps = ReturnType<typeof alertSteps>;

  /** The steps of a change, reading and writing through the store the lock gave. */
  function alertSteps(store: Store, queued: () => void) {

    // Read once per change: a batch of raises under one lock sees one set of subscriptions.
    const subscriptionsOf = new Map<string, Promise<AlertSubscription[]>>();
    async function channelsFor(incident: Pick<Incident, 'shop' | 'kind' | 'severity' | 'reasons'>): Promise<ChannelRef[]> {
      if (!subscriptionsOf.has(incident.shop)) subscriptionsOf.set(incident.shop, store.alerts.subscriptions(incident.shop));
      return (await subscriptionsOf.get(incident.shop)!)
        .filter((subscription) => wants(subscription, incident))
        .map(({ platform, channelId }) => ({ platform, channelId }));
    }

    async function save(incidents: readonly Incident[], outbox: readonly OutboxMessage[] = []): Promise<void> {
      await store.saveAlerts({ incidents, outbox });
      if (outbox.length) queued();
    }

    /**
     * The open incidents of each product as the events of one change leave them: read from the store once
     * per product, kept in step as events apply, and saved together at the end.
     */
    function eventsChange() {
      const openBy = new Map<string, Incident[]>();
      const changed = new Map<string, Incident>();
      const keyOf = (shop: string, subject: string) => `${shop}\u0000${subject}`;
      return {
        async open(shop: string, subject: string): Promise<Incident[]> {
          const key = keyOf(shop, subject);
          if (!openBy.has(key)) openBy.set(key, await store.incidents.open(shop, subject));
          return openBy.get(key)!;
        },
        put(incident: Incident): void {
          const key = keyOf(incident.shop, incident.subject);
          const others = (openBy.get(key) ?? []).filter((other) => other.id !== incident.id);
          openBy.set(key, incident.resolvedAt === null ? [...others, incident] : others);
          changed.set(incident.id, incident);
        },
        save: () => save([...changed.values()]),
      };
    }
    type EventsChange = ReturnType<typeof eventsChange>;

    async function openIncident(event: FailureEvent, change: EventsChange): Promise<'opened' | 'repeat' | 'held'> {
      const subject = subjectOf(event);
      const fingerprint = fingerprintOf(event);
      const at = iso(now());
      const same = (await change.open(event.shop, subject)).find((incident) => incident.fingerprint === fingerprint);
      if (same) {
        change.put({ ...same, occurrences: same.occurrences + 1, lastSeenAt: at });
        return 'repeat';
      }
      const mutedUntil = event.kind === 'migration_failed' ? null : await store.alerts.mutedUntil(event.shop, subject, now());
      const base = { shop: event.shop, kind: event.kind, severity: severityOf(event), reasons: reasonsOf(event) };
      change.put({
        id: `i${randomBytes(6).toString('base64url')}`, ...base, subject, fingerprint, headline: headlineOf(event),
        openedAt: at, lastSeenAt: at, occurrences: 1, resolvedAt: null, acknowledgedBy: null, acknowledgedAt: null,
        pending: mutedUntil ? [] : await channelsFor(base), posts: [], notifiedAt: null, heldUntil: mutedUntil, recoveryPending: false,
      });
      if (mutedUntil) deps.log.info({ kind: event.kind, subject, mutedUntil }, 'alert held back: the product is muted');
      return mutedUntil ? 'held' : 'opened';
    }

    async function resolve(shop: string, subject: string, kinds: readonly AlertKind[] | undefined, change: EventsChange): Promise<number> {
      const open = (await change.open(shop, subject)).filter((incident) => !kinds || kinds.includes(incident.kind));
      const at = iso(now());
      for (const incident of open) change.put({ ...incident, resolvedAt: at, pending: [], recoveryPending: incident.posts.length > 0 });
      return open.length;
    }

    /** Each event's outcome, the incidents they changed saved in one write. */
    async function apply(events: readonly AlertEvent[]): Promise<RaiseOutcome[]> {
      const change = eventsChange();
      const outcomes: RaiseOutcome[] = [];
      for (const event of events) {
        outcomes.push(event.kind === 'recovered'
          ? (await resolve(event.shop, event.handle, event.of, change)) > 0 ? 'resolved' : 'nothing to resolve'
          : await openIncident(event, change));
      }
      await change.save();
      return outcomes;
    }

    /** Mutes that ran out release the incidents they held; a new mute holds them longer. */
    async function releaseHeld(shop: string): Promise<void> {
      const held = (await store.incidents.open(shop)).filter((incident) => incident.heldUntil !== null && Date.parse(incident.heldUntil) <= now());
      const released: Incident[] = [];
      for (const incident of held) {
        const mutedUntil = await store.alerts.mutedUntil(shop, incident.subject, now());
        released.push(mutedUntil ? { ...incident, heldUntil: mutedUntil } : { ...incident, heldUntil: null, pending: await channelsFor(incident) });
      }
      if (released.length) await save(released);
    }

    /** One message per channel for the incidents waiting on it, once the channel's window has passed. */
    async function announce(shop: string, subscriptions: readonly AlertSubscription[]): Promise<number> {
      const waiting = (await store.incidents.open(shop)).filter((incident) => incident.pending.length > 0);
      const changed = new Map<string, Incident>();
      const latest = (incident: Incident) => changed.get(incident.id) ?? incident;
      const outbox: OutboxMessage[] = [];
      const channels = groupBy(waiting.flatMap((incident) => incident.pending.map((ref) => ({ ref, incident }))), ({ ref }) => channelKey(ref));
      for (const entries of channels.values()) {
        const { ref } = entries[0]!;
        const firstAt = Math.min(...entries.map(({ incident }) => Date.parse(incident.openedAt)));
        if (firstAt + settings.groupWindowMs > now()) continue;
        const subscription = subscriptions.find((candidate) => sameChannel(candidate, ref));
        const id = newOutboxId();
        const incidents = entries.map(({ incident }) => incident);
        for (const incident of incidents) {
          const current = latest(incident);
          changed.set(incident.id, {
            ...current,
            pending: current.pending.filter((other) => !sameChannel(other, ref)),
            ...(subscription ? { posts: [...current.posts, id], notifiedAt: iso(now()) } : {}),
          });
        }
        // Unsubscribed since the failure: nothing to post there.
        if (!subscription) continue;
        const message = alertMessage(incidents.map(latest), id);
        const page = subscription.mention && subscription.platform !== 'console' && incidents.some((incident) => incident.severity === 'high')
          ? { mention: { platform: subscription.platform, id: subscription.mention } }
          : {};
        outbox.push(outboxMessage({ ...ref, id, reply: { ...message, ...page } }, now()));
        if (incidents.length > 1) outbox.push(outboxMessage({ ...ref, mode: 'thread', target: id, reply: csvMessage(incidents, iso(firstAt)) }, now()));
      }
      await save([...changed.values()], outbox);
      return outbox.filter((message) => message.mode === 'post').length;
    }

    /** The messages (not given up) that announced these incidents, each with the incidents among them it announced. */
    async function byPost(incidents: readonly Incident[]): Promise<{ post: OutboxMessage; incidents: Incident[] }[]> {
      const found: { post: OutboxMessage; incidents: Incident[] }[] = [];
      for (const [postId, entries] of groupBy(incidents.flatMap((incident) => incident.posts.map((post) => ({ post, incident }))), ({ post }) => post)) {
        const post = await store.outbox.get(postId);
        if (post && post.state !== 'failed') found.push({ post, incidents: entries.map(({ incident }) => incident) });
      }
      return found;
    }

    const about = (post: OutboxMessage, mode: 'thread' | 'update', reply: Reply) =>
      outboxMessage({ platform: post.platform, channelId: post.channelId, mode, target: post.id, reply }, now());

    /**
     * A new version of each of these messages, with the changed incidents as they are about to be saved, so
     * the incidents and the updates that show them are written together.
     */
    async function updatesOf(posts: readonly { post: OutboxMessage }[], changed: readonly Incident[]): Promise<OutboxMessage[]> {
      const latest = new Map(changed.map((incident) => [incident.id, incident]));
      const updates: OutboxMessage[] = [];
      for (const { post } of posts) {
        const incidents = (await store.incidents.postedIn(post.id)).map((incident) => latest.get(incident.id) ?? incident);
        updates.push(about(post, 'update', alertMessage(incidents, post.id)));
      }
      return updates;
    }

    /** Recoveries told in the threads of the messages that announced them, and those messages updated. */
    async function tellRecoveries(shop: string, subscriptions: readonly AlertSubscription[]): Promise<void> {
      const recovered = (await store.incidents.openedSince(shop, 0)).filter((incident) => incident.recoveryPending);
      if (recovered.length === 0) return;
      const posts = await byPost(recovered);
      const notes = posts
        .filter(({ post }) => subscriptions.some((subscription) => sameChannel(subscription, post) && subscription.kinds.includes('recovered')))
        .map(({ post, incidents }) => about(post, 'thread', recoveryMessage(incidents)));
      const done = recovered.map((incident) => ({ ...incident, recoveryPending: false }));
      await save(done, [...notes, ...(await updatesOf(posts, done))]);
    }

    async function remind(shop: string): Promise<void> {
      if (settings.remindEveryMs <= 0) return;
      const due: Incident[] = [];
      for (const incident of await store.incidents.open(shop)) {
        if (incident.acknowledgedBy !== null || incident.posts.length === 0 || incident.notifiedAt === null) continue;
        if (Date.parse(incident.notifiedAt) + settings.remindEveryMs > now()) continue;
        if (await store.alerts.mutedUntil(shop, incident.subject, now())) continue;
        due.push(incident);
      }
      const reminders = (await byPost(due)).map(({ post, incidents }) =>
        about(post, 'thread', reminderMessage(incidents, incidents.map((incident) => incident.openedAt).sort()[0]!, post.id)));
      await save(due.map((incident) => ({ ...incident, notifiedAt: iso(now()) })), reminders);
    }

    return {
      store, apply, releaseHeld, announce, byPost, updatesOf, tellRecoveries, remind, save,
    };
  }

  function flushSoon(): void {
    if (flushTimer || maintenanceTimer === null) return;
    flushTimer = setTimeout(() => {
      flushTimer = null;
      void flush().catch((error: unknown) => deps.log.error({ err: error }, 'alert flush failed'));
    }, settings.groupWindowMs);
    flushTimer.unref();
  }

  /** Everything that is due: held alerts released, groups announced, recoveries told, reminders sent. */
  async function flush(): Promise<number> {
    let posted = 0;
    for (const shop of [...shops]) {
      const waiting = await serial(shop, async (steps) => {
        const subscriptions = await steps.store.alerts.subscriptions(shop);
        await steps.releaseHeld(shop);
        posted += await steps.announce(shop, subscriptions);
        await steps.tellRecoveries(shop, subscriptions);
        await steps.remind(shop);
        return (await steps.store.incidents.open(shop)).some((incident) => incident.pending.length > 0);
      });
      // A group whose window has not passed yet needs another look.
      if (waiting) flushSoon();
    }
    return posted;
  }

  /**
   * Work on a shop's alerts under its lock, across processes: it gets the locked store and a way to record
   * events in the same change, so what it writes and the alerts it raises are kept together or not at all.
   * Works waiting for the lock go together, in one change, when their turn comes (one transaction for many
   * under a burst); if that change fails, each of them fails.
   */
  function withLock<T>(shop: string, work: LockedWork<T>): Promise<T> {
    shops.add(shop);
    return new Promise<T>((resolve, reject) => {
      const entry = { work: work as LockedWork<unknown>, resolve: resolve as (result: unknown) => void, reject };
      const open = gathering.get(shop);
      if (open) return void open.push(entry);
      const batch = [entry];
      gathering.set(shop, batch);
      serial(shop, async (steps) => {
        // Works arriving from now on wait for the next turn at the lock, as one batch.
        gathering.delete(shop);
        const results: unknown[] = [];
        for (const { work: next } of batch) results.push(await next(steps.store, steps.apply));
        return results;
      }).then(
        (results) => batch.forEach((waiting, i) => waiting.resolve(results[i])),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      ).finally(() => {
        // A change that failed before its turn came leaves no batch for later works to join.
        if (gathering.get(shop) === batch) gathering.delete(shop);
        flushSoon();
      });
    });
  }

  return {
    /** Records the event: opens, repeats or resolves incidents. Messages follow at the next flush. */
    raise(event: AlertEvent): Promise<RaiseOutcome> {
      return withLock(event.shop, async (_store, record) => (await record([event]))[0]!);
    },
    withLock,
    flush,
    /** Stops the reminders of the incidents a message announced and updates it everywhere; the number acknowledged. */
    async acknowledge(postId: string, by: string): Promise<number> {
      const shop = (await deps.store.incidents.postedIn(postId))[0]?.shop;
      if (shop === undefined) return 0;
      return serial(shop, async (steps) => {
        const open = (await steps.store.incidents.postedIn(postId)).filter((incident) => incident.resolvedAt === null && incident.acknowledgedBy === null);
        if (open.length === 0) return 0;
        const at = iso(now());
        const acknowledged = open.map((incident) => ({ ...incident, acknowledgedBy: by, acknowledgedAt: at }));
        await steps.save(acknowledged, await steps.updatesOf(await steps.byPost(acknowledged), acknowledged));
        return open.length;
      });
    },
    /** Flushes on a timer from now on (the group window after a failure, and a periodic look for reminders and mutes). */
    start(): void {
      if (maintenanceTimer) return;
      maintenanceTimer = setInterval(() => void flush().catch((error: unknown) => deps.log.error({ err: error }, 'alert maintenance failed')), MAINTENANCE_EVERY_MS);
      maintenanceTimer.unref();
      flushSoon();
    },
    async stop(): Promise<void> {
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      if (flushTimer) clearTimeout(flushTimer);
      maintenanceTimer = flushTimer = null;
      await Promise.allSettled([...working]);
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
export type RaiseOutcome = 'opened' | 'repeat' | 'held' | 'resolved' | 'nothing to resolve';
/** Work under a shop's alert lock: the locked store, and `record` to raise events in the same change. */
export type LockedWork<T> = (store: Store, record: (events: readonly AlertEvent[]) => Promise<RaiseOutcome[]>) => Promise<T>;

/** The alert a listing's change of state calls for, if any: a rejection, or a recovery once it is live. */
export function alertForStatusChange(change: { before: Listing; after: Listing }): AlertEvent | null {
  const { before, after } = change;
  if (after.state === before.state) return null;
  if (after.state === 'rejected') {
    return { kind: 'listing_rejected', shop: after.shop, handle: after.handle, productId: after.tiktokProductId ?? '', reasons: after.reasons };
  }
  if (after.state === 'live') return { kind: 'recovered', shop: after.shop, handle: after.handle };
  return null;
}

/** Every alert a listing's change of state calls for: leaving review other than live also ends its "stuck in review", first. */
export function alertsForStatusChange(change: { before: Listing; after: Listing }): AlertEvent[] {
  const { before, after } = change;
  const leftReview = before.state === 'in_review' && after.state !== 'in_review' && after.state !== 'live';
  const event = alertForStatusChange(change);
  return [
    ...(leftReview ? [{ kind: 'recovered', shop: after.shop, handle: after.handle, of: ['stuck_in_review'] } as const] : []),
    ...(event ? [event] : []),
  ];
}
