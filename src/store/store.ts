import type {
  CategoryRequirements, CategorySuggestion, ActivityEntry, AlertMute, AlertSubscription, AuditRun, SealedSecret, ChannelRef, DayStats, Incident, OutboxMessage, SummarySchedule, CategoryMapping, Listing, ListingState, MigrationJob, Verdict,
} from './schema.js';

export type {
  CategoryRequirements, CategorySuggestion, ActivityEntry, AlertMute, AlertSubscription, AuditRun, SealedSecret, ChannelRef, DayStats, Incident, OutboxMessage, SummarySchedule, CategoryMapping, Listing, ListingState, MigrationJob, Verdict,
};

/**
 * Where shopshift keeps its state. The embedded implementation is lowdb with a journal; another engine
 * (PostgreSQL) implements the same contract. Every write is durable when its promise resolves.
 */
export interface Store {
  listings: {
    get(shop: string, handle: string): Promise<Listing | undefined>;
    findBySellerSku(shop: string, sellerSku: string): Promise<Listing | undefined>;
    findByProductId(shop: string, productId: string): Promise<Listing | undefined>;
    /** Inserts or replaces by (shop, handle). Throws when another listing of the shop holds one of its seller SKUs. */
    put(listing: Listing): Promise<void>;
    list(shop: string, filter?: { states?: readonly ListingState[] }): Promise<Listing[]>;
    countByState(shop: string): Promise<Record<ListingState, number>>;
  };
  audits: {
    save(run: AuditRun): Promise<void>;
    latest(shop: string): Promise<AuditRun | undefined>;
    /**
     * Records a product's new verdict (after a Shopify webhook re-audited it) in the shop's latest run,
     * keeping its counts in step; false when the shop has no audit run.
     */
    setVerdict(shop: string, handle: string, verdict: Verdict): Promise<boolean>;
  };
  mappings: {
    list(shop: string): Promise<CategoryMapping[]>;
    set(mapping: CategoryMapping): Promise<void>;
    remove(shop: string, key: string): Promise<boolean>;
  };
  /** TikTok's category suggestions per Shopify type or category, keyed by shop and the key without regard to case or spacing. */
  suggestions: {
    get(shop: string, key: string): Promise<CategorySuggestion | undefined>;
    /** Inserts or replaces by (shop, key). */
    put(suggestion: CategorySuggestion): Promise<void>;
    /** Several at once, kept together or not at all. */
    putMany(suggestions: readonly CategorySuggestion[]): Promise<void>;
    list(shop: string): Promise<CategorySuggestion[]>;
  };
  /** TikTok's requirements per category, cached per shop and category id; the caller judges freshness by `fetchedAt`. */
  categoryRequirements: {
    get(shop: string, categoryId: string): Promise<CategoryRequirements | undefined>;
    /** Inserts or replaces by (shop, categoryId). */
    put(requirements: CategoryRequirements): Promise<void>;
  };
  jobs: {
    get(id: string): Promise<MigrationJob | undefined>;
    put(job: MigrationJob): Promise<void>;
    /** The shop's running or paused job, if any. */
    current(shop: string): Promise<MigrationJob | undefined>;
  };
  alerts: {
    /** Replaces the channel's subscription (one per channel and shop). */
    subscribe(subscription: AlertSubscription): Promise<void>;
    unsubscribe(shop: string, platform: string, channelId: string): Promise<boolean>;
    subscriptions(shop: string): Promise<AlertSubscription[]>;
    /** Holds back alerts about a product until a time; a later mute replaces an earlier one. */
    mute(mute: AlertMute): Promise<void>;
    /** The product's mute, if one is still in force at `now`. */
    mutedUntil(shop: string, handle: string, now: number): Promise<string | null>;
  };
  incidents: {
    get(id: string): Promise<Incident | undefined>;
    /** Open incidents of the shop, or of one product (subject) of it. */
    open(shop: string, subject?: string): Promise<Incident[]>;
    /** Incidents opened since a time, open or resolved (kept for 30 days after they resolve). */
    openedSince(shop: string, since: number): Promise<Incident[]>;
    /** The incidents an outbox message announced. */
    postedIn(outboxId: string): Promise<Incident[]>;
  };
  outbox: {
    get(id: string): Promise<OutboxMessage | undefined>;
    /** Messages not yet delivered or given up on, oldest first. */
    unfinished(): Promise<OutboxMessage[]>;
    /**
     * Takes messages to deliver, for one owner (a process) at a time: of each channel only its oldest
     * unfinished message, and only once it is due (`nextAttemptAt`), the channel's pacing has passed since
     * its last claim, and no claim of another call still holds it. A claim holds until `now + claimMs` or
     * until released; so of several processes only one sends a given message, and each channel's
     * messages go out in order.
     */
    claim(request: OutboxClaimRequest): Promise<OutboxClaim>;
    /** Ends the owner's claims on these messages (after saving their new state), so a retry can take them when due. */
    release(ids: readonly string[], owner: string): Promise<void>;
  };
  /**
   * Writes incidents and outbox messages together: either all of them are kept or none, so a message
   * is never queued without its incidents knowing, nor the other way round.
   */
  saveAlerts(change: { incidents?: readonly Incident[]; outbox?: readonly OutboxMessage[] }): Promise<void>;
  days: {
    /** Records the shop's listing counts for a UTC day (the last one of the day wins). */
    record(shop: string, date: string, byState: Record<string, number>): Promise<void>;
    /** Days from `from` (YYYY-MM-DD) on, oldest first; the audits that finished on a day are counted there. */
    since(shop: string, from: string): Promise<DayStats[]>;
  };
  summaries: {
    /** Replaces the channel's daily summary schedule (one per channel and shop). */
    set(schedule: SummarySchedule): Promise<void>;
    remove(shop: string, platform: string, channelId: string): Promise<boolean>;
    list(shop: string): Promise<SummarySchedule[]>;
  };
  secrets: {
    /** A sealed secret by name (e.g. "tiktok-tokens:<shop>"); the store never sees it in clear. */
    get(name: string): Promise<SealedSecret | undefined>;
    put(sealed: SealedSecret): Promise<void>;
    list(): Promise<SealedSecret[]>;
  };
  activity: {
    /** Appends a state-changing action to the shop's activity log; the store gives it its id. */
    record(entry: Omit<ActivityEntry, 'id'>): Promise<void>;
    /**
     * The shop's actions at or after `sinceMs`, oldest first. Actions older than the store's keep time
     * are never returned, and are dropped when the snapshot is written.
     */
    since(shop: string, sinceMs: number): Promise<ActivityEntry[]>;
  };
  webhooks: {
    /** Records a delivery id; false when it was processed before (a duplicate). */
    markProcessed(id: string): Promise<boolean>;
  };
  /**
   * Runs `work` holding the named lock, which every process on this store respects. The work reads and
   * writes through the store it is given (a call to `exclusive` on it runs at once, under the same lock):
   * on PostgreSQL that is one transaction, rolled back if the work throws or one of its statements failed
   * (even if the work caught that), and the given store refuses calls once the work has ended; on lowdb,
   * which serves one process, the works of one lock run in turn.
   */
  exclusive<T>(lock: string, work: (store: Store) => Promise<T>): Promise<T>;
  /** Writes everything pending to disk now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface OutboxClaimRequest {
  /** Who claims: this process ("host:pid"). */
  owner: string;
  /** The platforms the owner can deliver to; messages for others stay for a process that can. */
  platforms: readonly OutboxMessage['platform'][];
  now: number;
  /** How long a claim holds unless released: longer than a delivery call can take. */
  claimMs: number;
  /** Least time between two claims in one channel, per platform (Slack: about one message per second per channel). */
  pacingMs: Partial<Record<OutboxMessage['platform'], number>>;
  /** At most this many messages (so at most this many channels). */
  limit: number;
}

export interface OutboxClaim {
  messages: OutboxMessage[];
  /**
   * When the next message (of the owner's platforms) not taken now becomes claimable through time alone
   * (its next attempt, the channel's pacing, another claim running out); null when none is waiting.
   * Messages queued after the claim are not counted.
   */
  nextDueAt: number | null;
}

export class DuplicateSellerSkuError extends Error {
  constructor(readonly shop: string, readonly sellerSku: string, readonly heldBy: string) {
    super(`Seller SKU ${sellerSku} already belongs to listing "${heldBy}" in shop ${shop}.`);
    this.name = 'DuplicateSellerSkuError';
  }
}
