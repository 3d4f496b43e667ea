import { encodeAction, m, reply, type Button, type MessagePart, type Reply } from '../chat/message.js';
import type { Logger } from '../log.js';
import type { AlertKind, AlertSubscription } from '../store/schema.js';
import type { Listing, Store } from '../store/store.js';

export type { AlertKind };

/** Something a channel may want to hear about. */
export type AlertEvent =
  | { kind: 'listing_rejected'; shop: string; handle: string; productId: string; reasons: string[] }
  | { kind: 'listing_error'; shop: string; handle: string; reason: string }
  | { kind: 'sync_failure'; shop: string; handle: string; listingState: string; blockers: string[] }
  | { kind: 'migration_failed'; shop: string; jobId: string; note: string }
  | { kind: 'recovered'; shop: string; handle: string };

export const ALERT_KINDS: readonly AlertKind[] = ['listing_rejected', 'listing_error', 'sync_failure', 'migration_failed', 'recovered'];

/** Posts a reply in a channel of a platform; each adapter provides one. */
export type ChannelPoster = (channelId: string, reply: Reply) => Promise<void>;

const MUTE_FOR = '24h';

/** The "Mute 24h" button, left out for a handle too long for Discord's 100-character button id. */
function muteButton(handle: string): Button[] {
  const button: Button = { label: `Mute ${MUTE_FOR}`, action: { command: 'alerts', args: { action: 'mute', target: handle, duration: MUTE_FOR } } };
  try {
    encodeAction(button.action);
    return [button];
  } catch {
    return [];
  }
}

const muteRow = (handle: string): MessagePart[] => {
  const buttons = muteButton(handle);
  return buttons.length ? [m.buttons(...buttons)] : [];
};

/** The alert as a chat message, with the buttons that act on it. */
export function alertMessage(event: AlertEvent): Reply {
  switch (event.kind) {
    case 'listing_rejected':
      return reply([
        m.heading(`TikTok Shop rejected ${event.handle}`),
        m.text(event.reasons.length ? event.reasons.map((reason) => `• ${reason}`).join('\n') : 'TikTok gave no reason.'),
        m.text('Fix it in Shopify, then edit the listing on TikTok Shop.'),
        ...muteRow(event.handle),
      ]);
    case 'listing_error':
      return reply([
        m.heading(`${event.handle} could not be listed`),
        m.text(event.reason),
        m.buttons({ label: 'Retry', action: { command: 'failures', args: { retry: event.handle } }, style: 'primary' }, ...muteButton(event.handle)),
      ]);
    case 'sync_failure':
      return reply([
        m.heading(`Sync failure: a Shopify change blocks ${event.handle} (${event.listingState.replace('_', ' ')} on TikTok Shop)`),
        m.text(`The changed product now breaks: ${event.blockers.join(', ')}. The TikTok listing keeps its last good version until the product is fixed.`),
        ...muteRow(event.handle),
      ]);
    case 'migration_failed':
      return reply([m.heading('The migration stopped'), m.text(event.note)]);
    case 'recovered':
      return reply([m.heading(`${event.handle} is live on TikTok Shop`), m.text('It passed review after an earlier failure.')]);
  }
}

/** Sync failures and stopped migrations need someone now; the rest can wait for the next look. */
export const severityOf = (event: AlertEvent): 'normal' | 'high' => (event.kind === 'sync_failure' || event.kind === 'migration_failed' ? 'high' : 'normal');

function reasonsOf(event: AlertEvent): string[] {
  switch (event.kind) {
    case 'listing_rejected':
      return event.reasons;
    case 'listing_error':
      return [event.reason];
    case 'sync_failure':
      return event.blockers;
    case 'migration_failed':
      return [event.note];
    case 'recovered':
      return [];
  }
}

function wants(subscription: AlertSubscription, event: AlertEvent): boolean {
  if (subscription.shop !== event.shop || !subscription.kinds.includes(event.kind)) return false;
  if (subscription.minSeverity === 'high' && severityOf(event) !== 'high') return false;
  const needle = subscription.reasonContains?.toLowerCase();
  return !needle || reasonsOf(event).some((reason) => reason.toLowerCase().includes(needle));
}

/**
 * Sends each alert to the channels subscribed to its kind. A failed post is logged and the other
 * channels still get theirs; grouping, de-duplication and a persistent outbox are still to come.
 */
export function createAlerts(deps: { store: Store; posters: Partial<Record<AlertSubscription['platform'], ChannelPoster>>; log: Logger; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return {
    async raise(event: AlertEvent): Promise<number> {
      if ('handle' in event) {
        const mutedUntil = await deps.store.alerts.mutedUntil(event.shop, event.handle, now());
        if (mutedUntil) {
          deps.log.info({ kind: event.kind, handle: event.handle, mutedUntil }, 'alert held back: the product is muted');
          return 0;
        }
      }
      const subscriptions = (await deps.store.alerts.subscriptions(event.shop)).filter((subscription) => wants(subscription, event));
      let sent = 0;
      for (const subscription of subscriptions) {
        const post = deps.posters[subscription.platform];
        if (!post) continue;
        const message = alertMessage(event);
        const page = subscription.mention && severityOf(event) === 'high' && subscription.platform !== 'console'
          ? { mention: { platform: subscription.platform, id: subscription.mention } }
          : {};
        try {
          await post(subscription.channelId, { ...message, ...page });
          sent++;
        } catch (error) {
          deps.log.error({ err: error, kind: event.kind, platform: subscription.platform, channelId: subscription.channelId }, 'alert not delivered');
        }
      }
      deps.log.info({ kind: event.kind, shop: event.shop, channels: sent }, 'alert raised');
      return sent;
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;

/** The alert a listing's change of state calls for, if any: a rejection, or a recovery after a failure. */
export function alertForStatusChange(change: { before: Listing; after: Listing }): AlertEvent | null {
  const { before, after } = change;
  if (after.state === before.state) return null;
  if (after.state === 'rejected') {
    return { kind: 'listing_rejected', shop: after.shop, handle: after.handle, productId: after.tiktokProductId ?? '', reasons: after.reasons };
  }
  if (after.state === 'live' && (before.state === 'rejected' || before.state === 'error')) return { kind: 'recovered', shop: after.shop, handle: after.handle };
  return null;
}
