import {
  emptyStoreData, type AuditRun, type CategoryMapping, type Listing, type ListingState, type MigrationJob, type StoreData, type Verdict, type AlertSubscription, type AlertMute, type SummarySchedule,
  type Incident, type OutboxMessage, type DayStats, type ActivityEntry, type SealedSecret, type CategorySuggestion, type CategoryRequirements,
} from './schema.js';
import { DuplicateSellerSkuError } from './store.js';

/** One change to the store; the journal holds these, one per line, and replaying them rebuilds the state. */
export type StoreOperation =
  | { op: 'listing'; value: Listing }
  | { op: 'audit'; value: AuditRun }
  | { op: 'audit-verdict'; shop: string; handle: string; verdict: Verdict }
  | { op: 'mapping'; value: CategoryMapping }
  | { op: 'mapping-removed'; shop: string; key: string }
  | { op: 'job'; value: MigrationJob }
  | { op: 'webhook'; id: string }
  | { op: 'subscription'; value: AlertSubscription }
  | { op: 'subscription-removed'; shop: string; platform: string; channelId: string }
  | { op: 'mute'; value: AlertMute }
  | { op: 'summary'; value: SummarySchedule }
  | { op: 'summary-removed'; shop: string; platform: string; channelId: string }
  | { op: 'incident'; value: Incident }
  | { op: 'outbox'; value: OutboxMessage }
  | { op: 'day'; shop: string; date: string; byState: Record<string, number> }
  | { op: 'activity'; value: ActivityEntry }
  | { op: 'secret'; value: SealedSecret }
  | { op: 'suggestion'; value: CategorySuggestion }
  | { op: 'category-requirements'; value: CategoryRequirements }
  /** Several changes that must land together (one journal line). */
  | { op: 'batch'; ops: StoreOperation[] };

const COUNT_OF = { ready: 'ready', warnings: 'warnings', blocked: 'blocked' } as const satisfies Record<Verdict, keyof AuditRun['counts']>;
const LISTING_STATES: readonly ListingState[] = ['pending', 'submitting', 'in_review', 'live', 'rejected', 'error', 'deactivated'];
const AUDITS_KEPT_PER_SHOP = 5;
export const WEBHOOK_IDS_KEPT = 10_000;
/** Resolved incidents, finished outbox messages and day stats older than this are dropped from the snapshot. */
export const HISTORY_KEPT_MS = 30 * 86_400_000;
/** How long the activity log is kept unless the store is told otherwise (ACTIVITY_KEEP_DAYS). */
export const ACTIVITY_KEPT_MS = 90 * 86_400_000;

export interface StoreStateOptions {
  /** Activity older than this is never returned, and is dropped when the snapshot is written. */
  activityKeptMs?: number;
}

const key = (shop: string, part: string) => `${shop}\u0000${part}`;
/** "Tea  Towels " and "tea towels" are one product type. */
export const suggestionKey = (typeKey: string): string => typeKey.trim().replace(/\s+/g, ' ').toLowerCase();
/** Subscriptions and summary schedules are one per channel of a platform, per shop. */
const channelKey = (shop: string, platform: string, channelId: string) => key(shop, `${platform}:${channelId}`);

/**
 * The store's data in memory with the indexes its queries need. Operations are idempotent (a put
 * replaces), so replaying a journal over a snapshot that already holds some of it is safe.
 */
export function createStoreState(initial: StoreData = emptyStoreData(), { activityKeptMs = ACTIVITY_KEPT_MS }: StoreStateOptions = {}) {
  const listings = new Map<string, Listing>();
  const bySku = new Map<string, string>();
  const byProductId = new Map<string, string>();
  let audits: AuditRun[] = [];
  const mappings = new Map<string, CategoryMapping>();
  const jobs = new Map<string, MigrationJob>();
  const webhookIds = new Set<string>();
  const subscriptions = new Map<string, AlertSubscription>();
  const mutes = new Map<string, AlertMute>();
  const summaries = new Map<string, SummarySchedule>();
  const incidents = new Map<string, Incident>();
  const openIncidents = new Map<string, Set<string>>();
  const outbox = new Map<string, OutboxMessage>();
  const unfinished = new Set<string>();
  const days = new Map<string, DayStats>();
  // Keyed by id, so replaying a journal over a snapshot that holds some of its entries adds none twice.
  const activity = new Map<string, ActivityEntry>();
  const secrets = new Map<string, SealedSecret>();
  const suggestions = new Map<string, CategorySuggestion>();
  const categoryRequirements = new Map<string, CategoryRequirements>();

  function putIncident(incident: Incident): void {
    incidents.set(incident.id, incident);
    const subject = key(incident.shop, incident.subject);
    const open = openIncidents.get(subject) ?? new Set<string>();
    if (incident.resolvedAt === null) open.add(incident.id);
    else open.delete(incident.id);
    if (open.size) openIncidents.set(subject, open);
    else openIncidents.delete(subject);
  }

  function putOutbox(message: OutboxMessage): void {
    outbox.set(message.id, message);
    if (message.state === 'pending' || message.state === 'sending') unfinished.add(message.id);
    else unfinished.delete(message.id);
  }

  function day(shop: string, date: string): DayStats {
    const id = key(shop, date);
    let stats = days.get(id);
    if (!stats) days.set(id, (stats = { shop, date, byState: {}, auditsFinishedAt: [] }));
    return stats;
  }

  function assertSkusFree(listing: Listing): void {
    const id = key(listing.shop, listing.handle);
    for (const sku of listing.sellerSkus) {
      const holder = bySku.get(key(listing.shop, sku));
      if (holder !== undefined && holder !== id) throw new DuplicateSellerSkuError(listing.shop, sku, listings.get(holder)?.handle ?? holder);
    }
  }

  function putListing(listing: Listing): void {
    assertSkusFree(listing);
    const id = key(listing.shop, listing.handle);
    const previous = listings.get(id);
    if (previous) {
      for (const sku of previous.sellerSkus) bySku.delete(key(previous.shop, sku));
      if (previous.tiktokProductId) byProductId.delete(key(previous.shop, previous.tiktokProductId));
    }
    listings.set(id, listing);
    for (const sku of listing.sellerSkus) bySku.set(key(listing.shop, sku), id);
    if (listing.tiktokProductId) byProductId.set(key(listing.shop, listing.tiktokProductId), id);
  }

  function apply(operation: StoreOperation): void {
    switch (operation.op) {
      case 'listing':
        putListing(operation.value);
        break;
      case 'audit': {
        const run = operation.value;
        const sameShop = audits.filter((other) => other.shop === run.shop && other.id !== run.id);
        // Only the latest runs are read; older verdict maps would only grow the file.
        const kept = new Set(sameShop.slice(-(AUDITS_KEPT_PER_SHOP - 1)).map((other) => other.id));
        audits = [...audits.filter((other) => other.shop !== run.shop || kept.has(other.id)), run];
        const stats = day(run.shop, run.finishedAt.slice(0, 10));
        if (!stats.auditsFinishedAt.includes(run.finishedAt)) stats.auditsFinishedAt.push(run.finishedAt);
        break;
      }
      case 'audit-verdict': {
        const run = audits.findLast((other) => other.shop === operation.shop);
        if (!run) break;
        // In place: a run's verdict map can hold 100k handles. Replaying the same op changes nothing.
        const before = run.verdicts[operation.handle];
        if (before === operation.verdict) break;
        if (before === undefined) run.counts.audited++;
        else run.counts[COUNT_OF[before]]--;
        run.counts[COUNT_OF[operation.verdict]]++;
        run.verdicts[operation.handle] = operation.verdict;
        break;
      }
      case 'mapping':
        mappings.set(key(operation.value.shop, operation.value.key.toLowerCase()), operation.value);
        break;
      case 'mapping-removed':
        mappings.delete(key(operation.shop, operation.key.toLowerCase()));
        break;
      case 'job':
        jobs.set(operation.value.id, operation.value);
        break;
      case 'webhook':
        webhookIds.add(operation.id);
        if (webhookIds.size > WEBHOOK_IDS_KEPT) webhookIds.delete(webhookIds.values().next().value!);
        break;
      case 'subscription':
        subscriptions.set(channelKey(operation.value.shop, operation.value.platform, operation.value.channelId), operation.value);
        break;
      case 'subscription-removed':
        subscriptions.delete(channelKey(operation.shop, operation.platform, operation.channelId));
        break;
      case 'mute':
        mutes.set(key(operation.value.shop, operation.value.handle), operation.value);
        break;
      case 'summary':
        summaries.set(channelKey(operation.value.shop, operation.value.platform, operation.value.channelId), operation.value);
        break;
      case 'summary-removed':
        summaries.delete(channelKey(operation.shop, operation.platform, operation.channelId));
        break;
      case 'incident':
        putIncident(operation.value);
        break;
      case 'outbox':
        putOutbox(operation.value);
        break;
      case 'day':
        day(operation.shop, operation.date).byState = operation.byState;
        break;
      case 'secret':
        secrets.set(operation.value.name, operation.value);
        break;
      case 'activity':
        activity.set(operation.value.id, operation.value);
        break;
      case 'suggestion':
        suggestions.set(key(operation.value.shop, suggestionKey(operation.value.key)), operation.value);
        break;
      case 'category-requirements':
        categoryRequirements.set(key(operation.value.shop, operation.value.categoryId), operation.value);
        break;
      case 'batch':
        operation.ops.forEach(apply);
        break;
    }
  }

  initial.listings.forEach(putListing);
  initial.audits.forEach((value) => apply({ op: 'audit', value }));
  initial.mappings.forEach((value) => apply({ op: 'mapping', value }));
  initial.jobs.forEach((value) => apply({ op: 'job', value }));
  initial.processedWebhooks.forEach((id) => apply({ op: 'webhook', id }));
  initial.subscriptions.forEach((value) => apply({ op: 'subscription', value }));
  initial.mutes.forEach((value) => apply({ op: 'mute', value }));
  initial.summaries.forEach((value) => apply({ op: 'summary', value }));
  initial.days.forEach((stats) => days.set(key(stats.shop, stats.date), { ...stats, auditsFinishedAt: [...stats.auditsFinishedAt] }));
  initial.incidents.forEach(putIncident);
  initial.outbox.forEach(putOutbox);
  initial.activity.forEach((value) => activity.set(value.id, value));
  initial.secrets.forEach((value) => secrets.set(value.name, value));
  initial.suggestions.forEach((value) => apply({ op: 'suggestion', value }));
  initial.categoryRequirements.forEach((value) => apply({ op: 'category-requirements', value }));

  const recent = (at: string | null) => at === null || Date.parse(at) > Date.now() - HISTORY_KEPT_MS;
  const activityFrom = () => Date.now() - activityKeptMs;

  return {
    apply,
    /** Throws before anything changes when the listing would break seller-SKU uniqueness. */
    checkListing: assertSkusFree,
    listing: (shop: string, handle: string) => listings.get(key(shop, handle)),
    listingBySku: (shop: string, sku: string) => {
      const id = bySku.get(key(shop, sku));
      return id === undefined ? undefined : listings.get(id);
    },
    listingByProductId: (shop: string, productId: string) => {
      const id = byProductId.get(key(shop, productId));
      return id === undefined ? undefined : listings.get(id);
    },
    listings: (shop: string, states?: readonly ListingState[]) =>
      [...listings.values()].filter((listing) => listing.shop === shop && (!states || states.includes(listing.state))),
    countByState(shop: string): Record<ListingState, number> {
      const counts = Object.fromEntries(LISTING_STATES.map((state) => [state, 0])) as Record<ListingState, number>;
      for (const listing of listings.values()) if (listing.shop === shop) counts[listing.state]++;
      return counts;
    },
    latestAudit: (shop: string) => audits.findLast((run) => run.shop === shop),
    mappings: (shop: string) => [...mappings.values()].filter((mapping) => mapping.shop === shop),
    hasMapping: (shop: string, mappingKey: string) => mappings.has(key(shop, mappingKey.toLowerCase())),
    job: (id: string) => jobs.get(id),
    currentJob: (shop: string) => [...jobs.values()].findLast((job) => job.shop === shop && (job.status === 'running' || job.status === 'paused')),
    hasWebhook: (id: string) => webhookIds.has(id),
    snapshot: (): StoreData => ({
      version: 1,
      listings: [...listings.values()],
      audits,
      mappings: [...mappings.values()],
      jobs: [...jobs.values()],
      processedWebhooks: [...webhookIds],
      subscriptions: [...subscriptions.values()],
      // A mute that has run out has no effect; it is dropped when the snapshot is written.
      mutes: [...mutes.values()].filter((mute) => Date.parse(mute.until) > Date.now()),
      summaries: [...summaries.values()],
      incidents: [...incidents.values()].filter((incident) => recent(incident.resolvedAt)),
      outbox: [...outbox.values()].filter((message) => unfinished.has(message.id) || recent(message.updatedAt)),
      days: [...days.values()].filter((stats) => recent(`${stats.date}T23:59:59.999Z`)),
      activity: [...activity.values()].filter((entry) => Date.parse(entry.at) >= activityFrom()),
      secrets: [...secrets.values()],
      suggestions: [...suggestions.values()],
      categoryRequirements: [...categoryRequirements.values()],
    }),
    mute: (shop: string, handle: string) => mutes.get(key(shop, handle)),
    summaries: (shop: string) => [...summaries.values()].filter((schedule) => schedule.shop === shop),
    summary: (shop: string, platform: string, channelId: string) => summaries.get(channelKey(shop, platform, channelId)),
    subscriptions: (shop: string) => [...subscriptions.values()].filter((subscription) => subscription.shop === shop),
    subscription: (shop: string, platform: string, channelId: string) => subscriptions.get(channelKey(shop, platform, channelId)),
    incident: (id: string) => incidents.get(id),
    openIncidents: (shop: string, subject?: string): Incident[] => {
      if (subject !== undefined) return [...(openIncidents.get(key(shop, subject)) ?? [])].map((id) => incidents.get(id)!);
      return [...openIncidents.values()].flatMap((ids) => [...ids].map((id) => incidents.get(id)!)).filter((incident) => incident.shop === shop);
    },
    incidents: (shop: string, since: number): Incident[] => [...incidents.values()].filter((incident) => incident.shop === shop && Date.parse(incident.openedAt) >= since),
    incidentsPostedIn: (outboxId: string): Incident[] => [...incidents.values()].filter((incident) => incident.posts.includes(outboxId)),
    outboxMessage: (id: string) => outbox.get(id),
    unfinishedOutbox: (): OutboxMessage[] => [...unfinished].map((id) => outbox.get(id)!),
    suggestion: (shop: string, typeKey: string) => suggestions.get(key(shop, suggestionKey(typeKey))),
    suggestions: (shop: string) => [...suggestions.values()].filter((suggestion) => suggestion.shop === shop),
    categoryRequirements: (shop: string, categoryId: string) => categoryRequirements.get(key(shop, categoryId)),
    secret: (name: string) => secrets.get(name),
    secrets: () => [...secrets.values()],
    activity: (shop: string, since: number): ActivityEntry[] => {
      const from = Math.max(since, activityFrom());
      return [...activity.values()].filter((entry) => entry.shop === shop && Date.parse(entry.at) >= from).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    },
    days: (shop: string, from: string): DayStats[] => [...days.values()].filter((stats) => stats.shop === shop && stats.date >= from).sort((a, b) => a.date.localeCompare(b.date)),
  };
}

export type StoreState = ReturnType<typeof createStoreState>;
