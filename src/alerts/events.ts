import type { AlertKind, AlertSubscription, Incident } from '../store/schema.js';

export type { AlertKind };

/** Something a channel may want to hear about. */
export type AlertEvent =
  | { kind: 'listing_rejected'; shop: string; handle: string; productId: string; reasons: string[] }
  | { kind: 'listing_error'; shop: string; handle: string; reason: string }
  | { kind: 'sync_failure'; shop: string; handle: string; listingState: string; blockers: string[] }
  | { kind: 'migration_failed'; shop: string; jobId: string; note: string }
  /** In TikTok's review for longer than REVIEW_STUCK_AFTER_HOURS; `since` is when it entered review (ISO). */
  | { kind: 'stuck_in_review'; shop: string; handle: string; productId: string; since: string; hours: number }
  /** The product is fine again: it went live (every failure), or a Shopify fix unblocked it (`of` the sync failure only). */
  | { kind: 'recovered'; shop: string; handle: string; of?: readonly AlertKind[] };

export type FailureEvent = Exclude<AlertEvent, { kind: 'recovered' }>;

export const ALERT_KINDS: readonly AlertKind[] = ['listing_rejected', 'listing_error', 'sync_failure', 'migration_failed', 'stuck_in_review', 'recovered'];

/** Sync failures and stopped migrations need someone now; the rest can wait for the next look. */
export const severityOf = (event: AlertEvent | Incident): 'normal' | 'high' =>
  event.kind === 'sync_failure' || event.kind === 'migration_failed' ? 'high' : 'normal';

export function reasonsOf(event: FailureEvent): string[] {
  switch (event.kind) {
    case 'listing_rejected':
      return event.reasons;
    case 'listing_error':
      return [event.reason];
    case 'sync_failure':
      return event.blockers;
    case 'migration_failed':
      return [event.note];
    case 'stuck_in_review':
      return [`In review since ${event.since.slice(0, 16).replace('T', ' ')} UTC (TikTok product ${event.productId || 'id unknown'})`];
  }
}

/** The product (handle) a failure is about; a stopped migration is about its job. */
export const subjectOf = (event: AlertEvent): string => (event.kind === 'migration_failed' ? `job:${event.jobId || 'current'}` : event.handle);

/**
 * What makes two failures "the same" for de-duplication: the kind and the reasons, without the case,
 * spacing and digits that vary between two reports of one problem (ids, counts, timestamps).
 */
export function fingerprintOf(event: FailureEvent): string {
  const reasons = reasonsOf(event).map((reason) => reason.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim());
  return `${event.kind}:${[...new Set(reasons)].sort().join('|')}`;
}

/** The one-line headline of a failure, as the alert's title. */
export function headlineOf(event: FailureEvent): string {
  switch (event.kind) {
    case 'listing_rejected':
      return `TikTok Shop rejected ${event.handle}`;
    case 'listing_error':
      return `${event.handle} could not be listed`;
    case 'sync_failure':
      return `Sync failure: a Shopify change blocks ${event.handle} (${event.listingState.replace('_', ' ')} on TikTok Shop)`;
    case 'migration_failed':
      return 'The migration stopped';
    case 'stuck_in_review':
      return `${event.handle} has been in review for ${event.hours} h`;
  }
}

/** Whether a channel's subscription wants this incident (kind, severity and reason filters). */
export function wants(subscription: AlertSubscription, incident: Pick<Incident, 'shop' | 'kind' | 'severity' | 'reasons'>): boolean {
  if (subscription.shop !== incident.shop || !subscription.kinds.includes(incident.kind)) return false;
  if (subscription.minSeverity === 'high' && incident.severity !== 'high') return false;
  const needle = subscription.reasonContains?.toLowerCase();
  return !needle || incident.reasons.some((reason) => reason.toLowerCase().includes(needle));
}
