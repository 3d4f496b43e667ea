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
});
export type MigrationJob = z.infer<typeof migrationJobSchema>;

export const alertKindSchema = z.enum(['listing_rejected', 'listing_error', 'sync_failure', 'migration_failed', 'recovered']);
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
});
export type StoreData = z.infer<typeof storeDataSchema>;

export const emptyStoreData = (): StoreData => ({ version: 1, listings: [], audits: [], mappings: [], jobs: [], processedWebhooks: [], subscriptions: [], mutes: [], summaries: [] });
