import { z } from 'zod';

/**
 * What shopshift keeps: listings, audit runs, category mappings, migration jobs and processed webhook
 * ids. Every record is validated with these schemas when the store is loaded.
 */

export const listingStateSchema = z.enum([
  /** Planned, nothing sent yet. */
  'pending',
  /** The create call is (or was, before a crash) in flight: reconcile by seller SKU before creating again. */
  'submitting',
  'in_review',
  'live',
  'rejected',
  /** The create call failed after its retries; the reason says why. */
  'error',
  'deactivated',
]);
export type ListingState = z.infer<typeof listingStateSchema>;

export const listingSchema = z.object({
  shop: z.string(),
  handle: z.string(),
  title: z.string(),
  sellerSkus: z.array(z.string()),
  tiktokProductId: z.string().nullable(),
  state: listingStateSchema,
  /** TikTok's review reasons for a rejection, or the error that stopped the create. */
  reasons: z.array(z.string()),
  /** TikTok's raw product status, when known (ACTIVATE, FAILED…). */
  tiktokStatus: z.string().nullable(),
  attempts: z.number().int(),
  runId: z.string().nullable(),
  idempotencyKey: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Listing = z.infer<typeof listingSchema>;

export const verdictSchema = z.enum(['ready', 'warnings', 'blocked']);
export type Verdict = z.infer<typeof verdictSchema>;

export const auditRunSchema = z.object({
  id: z.string(),
  shop: z.string(),
  /** Where the catalog was read from, to read it again for the migration. */
  location: z.string(),
  sourceLabel: z.string(),
  region: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  counts: z.object({ audited: z.number(), ready: z.number(), warnings: z.number(), blocked: z.number(), skipped: z.number() }),
  /** Verdict per product handle: ready, warnings or blocked. */
  verdicts: z.record(z.string(), verdictSchema),
});
export type AuditRun = z.infer<typeof auditRunSchema>;

export const categoryMappingSchema = z.object({
  shop: z.string(),
  /** A Shopify product type or Standard Product Taxonomy category, as typed. */
  key: z.string(),
  categoryId: z.string(),
  origin: z.enum(['manual', 'file', 'suggested', 'accepted']),
  by: z.string().nullable(),
  updatedAt: z.string(),
});
export type CategoryMapping = z.infer<typeof categoryMappingSchema>;

/**
 * TikTok's Recommend Category answer for a Shopify product type or category, cached per shop and
 * normalised key, and the rows `/shop map suggest` last showed (`listedAt`), which `map accept <n>` refers to.
 */
export const categorySuggestionSchema = z.object({
  shop: z.string(),
  /** The type or category as Shopify has it (the mapping's key once accepted). */
  key: z.string(),
  /** Short stable id for buttons: Discord's custom_id holds 100 characters, a type can be 255. */
  id: z.string(),
  /** null: TikTok had no suggestion for it. */
  categoryId: z.string().nullable(),
  /** TikTok's path, top level first ("Kitchenware > Drinkware > Mugs"). */
  path: z.string().nullable(),
  askedAt: z.string(),
  /** Products it covered when last listed. */
  products: z.number().int().nonnegative(),
  listedAt: z.string().nullable(),
});
export type CategorySuggestion = z.infer<typeof categorySuggestionSchema>;

/**
 * What TikTok Shop requires of one category (its rules, attributes and the shop's permission for it), cached per
 * shop and category id for CATEGORY_RULES_TTL_HOURS. Only what the audit checks is kept.
 */
export const categoryRequirementsSchema = z.object({
  shop: z.string(),
  categoryId: z.string(),
  fetchedAt: z.string(),
  /** false: TikTok's category list has no such id (error 12052023). */
  exists: z.boolean(),
  isLeaf: z.boolean(),
  /** From `permission_statuses`: null when TikTok sent none. */
  permission: z.enum(['available', 'restricted', 'not-main-category', 'prohibited']).nullable(),
  /** Required certifications only. */
  certifications: z.array(z.object({ id: z.string(), name: z.string() })),
  sizeChartRequired: z.boolean(),
  packageDimensionsRequired: z.boolean(),
  /** Required product attributes (not sales attributes) only. */
  attributes: z.array(z.object({
    id: z.string(),
    name: z.string(),
    values: z.array(z.object({ id: z.string(), name: z.string() })),
    customizable: z.boolean(),
    multiple: z.boolean(),
  })),
});
export type CategoryRequirements = z.infer<typeof categoryRequirementsSchema>;

export const jobStatusSchema = z.enum(['running', 'paused', 'completed', 'failed']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const migrationJobSchema = z.object({
  id: z.string(),
  shop: z.string(),
  status: jobStatusSchema,
  location: z.string(),
  auditRunId: z.string(),
  dryRun: z.boolean(),
  limit: z.number().int().nullable(),
  /** Why the job paused or failed ("quota reached", "paused by …"). */
  note: z.string().nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** Written while a process works on the job; an old heartbeat means the process died. */
  heartbeatAt: z.string(),
  /** "host:pid" of the process working on it, so a dead one on this host is known at once. */
  owner: z.string().default(''),
  /** The product handles a retry job is limited to; null for the whole catalog. */
  only: z.array(z.string()).nullable().optional(),
});
export type MigrationJob = z.infer<typeof migrationJobSchema>;

export const alertKindSchema = z.enum(['listing_rejected', 'listing_error', 'sync_failure', 'migration_failed', 'stuck_in_review', 'recovered']);
export type AlertKind = z.infer<typeof alertKindSchema>;

/** A channel that wants some kinds of alerts, on Slack, Discord or the terminal. */
export const alertSubscriptionSchema = z.object({
  shop: z.string(),
  platform: z.enum(['slack', 'discord', 'console']),
  channelId: z.string(),
  kinds: z.array(alertKindSchema).min(1),
  /** Only alerts whose reasons contain this text (case-insensitive); null for all. */
  reasonContains: z.string().nullable().default(null),
  /** 'high' keeps sync failures and stopped migrations only. */
  minSeverity: z.enum(['normal', 'high']).default('normal'),
  /** Paged on high-severity alerts: a Slack user-group id (S…) or a Discord role id. */
  mention: z.string().nullable().default(null),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type AlertSubscription = z.infer<typeof alertSubscriptionSchema>;

/** Alerts about one product are held back until `until`. */
export const alertMuteSchema = z.object({
  shop: z.string(),
  handle: z.string(),
  until: z.string(),
  by: z.string(),
});
export type AlertMute = z.infer<typeof alertMuteSchema>;

/** A channel's daily summary: at `time` (HH:MM) in `timezone` (IANA name). */
export const summaryScheduleSchema = z.object({
  shop: z.string(),
  platform: z.enum(['slack', 'discord', 'console']),
  channelId: z.string(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
  timezone: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type SummarySchedule = z.infer<typeof summaryScheduleSchema>;

const channelRefSchema = z.object({ platform: z.enum(['slack', 'discord', 'console']), channelId: z.string() });
export type ChannelRef = z.infer<typeof channelRefSchema>;

/**
 * One product failing for one reason, from the first alert until it recovers: the unit of
 * de-duplication. A repeat of the same failure while it is open only counts an occurrence.
 */
export const incidentSchema = z.object({
  id: z.string(),
  shop: z.string(),
  /** The product handle, or `job:<id>` for a stopped migration. */
  subject: z.string(),
  kind: z.enum(['listing_rejected', 'listing_error', 'sync_failure', 'migration_failed', 'stuck_in_review']),
  /** What makes two failures "the same": the kind and the reasons, normalised. */
  fingerprint: z.string(),
  reasons: z.array(z.string()),
  /** The alert's title, written when it opened ("TikTok Shop rejected mug-10"). */
  headline: z.string(),
  severity: z.enum(['normal', 'high']),
  openedAt: z.string(),
  lastSeenAt: z.string(),
  occurrences: z.number().int(),
  resolvedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  /** Channels that still have to hear about it: filled when it opens, emptied when its group message is queued. */
  pending: z.array(channelRefSchema),
  /** The outbox ids of the messages that announced it, one per channel. */
  posts: z.array(z.string()),
  /** Last announcement or reminder, for the repeat interval. */
  notifiedAt: z.string().nullable(),
  /** Held back by a product mute until this time; announced then if still open. */
  heldUntil: z.string().nullable(),
  /** Its recovery is yet to be told in the threads of its posts. */
  recoveryPending: z.boolean(),
});
export type Incident = z.infer<typeof incidentSchema>;

/**
 * A chat message on its way out: posted, threaded under another outbox message, or replacing one.
 * The body is dropped once delivered; the platform's message reference is kept for threads and updates.
 */
export const outboxMessageSchema = z.object({
  id: z.string(),
  platform: z.enum(['slack', 'discord', 'console']),
  channelId: z.string(),
  /** A new message, a reply in the thread of `target`, or a new version of `target`. */
  mode: z.enum(['post', 'thread', 'update']),
  target: z.string().nullable(),
  /** The Reply as JSON, null once delivered. */
  body: z.unknown().nullable(),
  /** pending → sending (the call may have reached the platform) → delivered | failed. */
  state: z.enum(['pending', 'sending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string(),
  /** The platform's id of the message (Slack ts, Discord message id). */
  ref: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

/** A shop's day (UTC): its listing counts when last looked at that day, and when audits finished that day. The summary's history. */
export const dayStatsSchema = z.object({
  shop: z.string(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  byState: z.record(z.string(), z.number()),
  auditsFinishedAt: z.array(z.string()),
});
export type DayStats = z.infer<typeof dayStatsSchema>;

/** A secret the bot keeps (TikTok Shop tokens), sealed with AES-256-GCM; never stored in clear. */
export const sealedSecretSchema = z.object({
  name: z.string(),
  /** Which key sealed it (a hash prefix, not the key). */
  keyId: z.string(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
  updatedAt: z.string(),
});
export type SealedSecret = z.infer<typeof sealedSecretSchema>;

/** A state-changing chat action: who ran what, where and when, and whether it went through. The activity log. */
export const activityEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  shop: z.string(),
  platform: z.enum(['slack', 'discord', 'console']),
  channelId: z.string(),
  userId: z.string(),
  userName: z.string(),
  /** The command and its action, as typed: "migration start", "map set", "failures". */
  action: z.string(),
  /** The rest of the arguments, as typed (capped): `"Tea Towels" 600144`, `--limit 50`. */
  detail: z.string(),
  /** False when the command failed (the reply named why) and so changed nothing. */
  ok: z.boolean(),
});
export type ActivityEntry = z.infer<typeof activityEntrySchema>;

export const storeDataSchema = z.object({
  version: z.literal(1),
  listings: z.array(listingSchema),
  audits: z.array(auditRunSchema),
  mappings: z.array(categoryMappingSchema),
  jobs: z.array(migrationJobSchema),
  processedWebhooks: z.array(z.string()),
  subscriptions: z.array(alertSubscriptionSchema).default([]),
  mutes: z.array(alertMuteSchema).default([]),
  summaries: z.array(summaryScheduleSchema).default([]),
  incidents: z.array(incidentSchema).default([]),
  outbox: z.array(outboxMessageSchema).default([]),
  days: z.array(dayStatsSchema).default([]),
  activity: z.array(activityEntrySchema).default([]),
  secrets: z.array(sealedSecretSchema).default([]),
  suggestions: z.array(categorySuggestionSchema).default([]),
  categoryRequirements: z.array(categoryRequirementsSchema).default([]),
});
export type StoreData = z.infer<typeof storeDataSchema>;

export const emptyStoreData = (): StoreData => ({ version: 1, listings: [], audits: [], mappings: [], jobs: [], processedWebhooks: [], subscriptions: [], mutes: [], summaries: [], incidents: [], outbox: [], days: [], activity: [], secrets: [], suggestions: [], categoryRequirements: [] });
