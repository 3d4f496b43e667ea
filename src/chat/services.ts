import { resolve } from 'node:path';
import { categoryRequirementsFrom, createMigrationDeps, createTikTokFromConfig, openSourceFrom, sourceLimitsFrom } from '../app.js';
import { createCategoryMapper, loadCategoryMapping } from '../audit/category-map.js';
import { acceptSuggestions, collectUnmappedTypes, suggestCategories, type AcceptOutcome, type SuggestOutcome } from '../mapping/suggest.js';
import type { TikTokShopClient } from '../tiktok/api.js';
import { auditSettingsFrom, createAuditContext } from '../audit/context.js';
import { createDeepCheck, deepCheckNote, deepModeUnavailableNote, type DeepCheck } from '../audit/deep-check.js';
import { runAudit } from '../audit/engine.js';
import { createVerdictCollector, recordAuditRun } from '../audit/record.js';
import type { RegionCode } from '../audit/regions.js';
import { findingsCsvHeader, findingsCsvRows } from '../audit/report/csv.js';
import { allRules } from '../audit/rules/index.js';
import type { AuditSummary } from '../audit/summary.js';
import { openCatalogSource } from '../catalog/open-source.js';
import { missingTikTokSettings, shopKeyOf, type Config } from '../config.js';
import { newRef, toUserText, UserInputError } from '../errors.js';
import type { AlertEvent } from '../alerts/alerts.js';
import type { Logger } from '../log.js';
import { planMigration, type MigrationPlan } from '../migration/plan.js';
import { migrationProgress, type MigrationProgress } from '../migration/progress.js';
import { listingQuotaFrom } from '../migration/quota.js';
import { pauseMigration, resumeMigration, startMigration, type MigrationDeps } from '../migration/run.js';
import type { AlertKind, AlertSubscription, SummarySchedule } from '../store/schema.js';
import { buildDailySummary } from '../schedule/daily-summary.js';
import type { Reply } from './message.js';
import type { ActivityEntry, CategoryMapping, Listing, Store } from '../store/store.js';
import { createFairUse, fairUseLimitsFrom, type FairUse } from './fair-use.js';

/** What the chat commands can do; built once in the composition root over the domain engines. */
export interface ShopshiftServices {
  audit: {
    /** `deep` also asks TikTok Shop's listing_check about each product the migration would push. */
    run(input: { source?: string; region?: RegionCode; deep?: boolean }, onProgress?: (products: number) => void): Promise<AuditOutcome>;
  };
  migration: {
    plan(): Promise<MigrationPlan & { auditedFrom: string }>;
    progress(): Promise<MigrationProgress>;
    /** Starts in the background; `onUpdate` hears the progress now and then and once at the end. */
    start(options: { dryRun: boolean; limit: number | null }, onUpdate: (progress: MigrationProgress) => void): Promise<void>;
    pause(by: string): Promise<void>;
    resume(onUpdate: (progress: MigrationProgress) => void): Promise<void>;
  };
  mappings: {
    list(): Promise<CategoryMapping[]>;
    set(key: string, categoryId: string, by: string): Promise<void>;
    /**
     * TikTok's suggested category for every unmapped type or category of the catalog (the latest audit's, else
     * the configured one), cached for CATEGORY_SUGGESTION_TTL_DAYS; `onProgress` hears the reading and asking.
     */
    suggest(onProgress?: (text: string) => void): Promise<SuggestOutcome>;
    /** `all`, a row number of the last suggest list, a suggestion id or a type: recorded as accepted by `by`. */
    accept(which: string, by: string): Promise<AcceptOutcome>;
  };
  alerts: {
    list(): Promise<AlertSubscription[]>;
    subscribe(input: {
      platform: AlertSubscription['platform']; channelId: string; kinds: AlertKind[]; reasonContains: string | null; minSeverity: 'normal' | 'high';
      mention: string | null; by: string;
    }): Promise<void>;
    unsubscribe(where: { platform: AlertSubscription['platform']; channelId: string }): Promise<boolean>;
    mute(input: { handle: string; until: number; by: string }): Promise<void>;
    /** Acknowledges the alerts one message announced; how many were still open and unacknowledged. */
    acknowledge(messageId: string, by: string): Promise<number>;
  };
  summary: {
    now(): Promise<Reply>;
    schedule(input: { platform: SummarySchedule['platform']; channelId: string; time: string; timezone: string; by: string }): Promise<void>;
    off(where: { platform: SummarySchedule['platform']; channelId: string }): Promise<boolean>;
  };
  failures: {
    list(filter: { reason?: string; sinceMs?: number }): Promise<Listing[]>;
    /**
     * Re-submits a listing whose create failed: at once in a job of its own when no migration is under way,
     * else it waits for the current one's next run. A rejected one needs an edit instead.
     */
    retry(handle: string, by: string): Promise<{ listing: Listing; resubmitting: boolean }>;
  };
  /** The shop's log of state-changing actions; dispatch records them, /shop activity reads them. */
  activity: {
    record(entry: Omit<ActivityEntry, 'id' | 'shop'>): Promise<void>;
    /** Actions at or after `sinceMs` (and within the kept time), oldest first. */
    since(sinceMs: number): Promise<ActivityEntry[]>;
  };
  /**
   * The process's fair-use limits, which dispatch applies before a costly handler. They live with the
   * services because every adapter already hands those to dispatch, one set per process.
   */
  fairUse: FairUse;
}

export interface AuditOutcome {
  summary: AuditSummary;
  /** Every finding as CSV, cut at `maxCsvBytes` (then `csvTruncated`). */
  findingsCsv: string;
  csvTruncated: boolean;
  /** Deep mode only: the listing_check counts, or why it did not run. */
  deepNote?: string;
}

export interface ServiceDeps {
  config: Config;
  store: Store;
  log: Logger;
  now(): number;
  /** The TikTok Shop client category suggestions ask; by default one from the settings (which says what is missing). */
  tiktok?: () => TikTokShopClient;
  /** Overrides the migration wiring (tests and the sandbox pass their own TikTok client). */
  migrationDeps?: () => Promise<MigrationDeps>;
  maxCsvBytes?: number;
  /** Where a background migration's failures are reported (the alert pipeline); nowhere when unset. */
  raise?(event: AlertEvent): Promise<unknown>;
  /** The alert pipeline's acknowledgement (the Acknowledge button); 0 when there is none. */
  acknowledge?(messageId: string, by: string): Promise<number>;
  /** Told when a channel's summary schedule changed, so the scheduler reloads. */
  onSummariesChanged?(): Promise<unknown>;
  /** Replaces the fair-use limits built from the settings over `now`. */
  fairUse?: FairUse;
}

const UPDATE_EVERY_MS = 10_000;

export function createServices(deps: ServiceDeps): ShopshiftServices {
  const { config, store, log } = deps;
  const shop = shopKeyOf(config);
  const maxCsvBytes = deps.maxCsvBytes ?? 8 * 1024 * 1024;
  const quota = listingQuotaFrom(config);
  const baseMigrationDeps = deps.migrationDeps ?? (() => createMigrationDeps(config, store, log, { dryRun: false }));
  // The listing quota applies to every run started from chat or by the schedule, unless the caller set its own.
  const migrationDeps = async (): Promise<MigrationDeps> => ({ quota, ...(await baseMigrationDeps()) });

  let sharedClient: TikTokShopClient | null = null;
  // One TikTok connection for audits and suggestions, so their calls share one pace.
  const tiktok = () => (deps.tiktok ? deps.tiktok() : (sharedClient ??= createTikTokFromConfig(config, log, { store })));
  const raise = (event: AlertEvent) => void deps.raise?.(event).catch((error: unknown) => log.error({ err: error }, 'alert failed'));

  /**
   * Runs a job in the background, reporting progress at most every ten seconds and once at the end;
   * a listing that could not be created and a job that failed are raised as alerts.
   */
  const inBackground = (run: (onProduct: (listing: Listing) => void) => Promise<unknown>, onUpdate: (progress: MigrationProgress) => void) => {
    let last = deps.now();
    const report = () => void migrationProgress(store, shop, deps.now(), quota).then(onUpdate, (error: unknown) => log.warn({ err: error }, 'progress unavailable'));
    void run((listing) => {
      if (listing.state === 'error') raise({ kind: 'listing_error', shop, handle: listing.handle, reason: listing.reasons[0] ?? 'unknown error' });
      if (deps.now() - last < UPDATE_EVERY_MS) return;
      last = deps.now();
      report();
    })
      // A run that ends without an error mends an earlier stopped migration: its alert recovers.
      .then(() => raise({ kind: 'recovered', shop, handle: 'job:current', of: ['migration_failed'] }))
      .catch((error: unknown) => {
        const ref = newRef();
        log.error({ err: error, shop, ref }, 'migration failed');
        raise({ kind: 'migration_failed', shop, jobId: '', note: toUserText(error, ref) });
      })
      .finally(report);
  };

  return {
    audit: {
      async run({ source, region, deep }, onProgress) {
        const location = source ?? config.CATALOG_SOURCE;
        // People in chat may name URLs or the Admin API, never files on the bot's own disk.
        if (source !== undefined && !/^https?:\/\//i.test(source) && source !== 'shopify') {
          throw new UserInputError('Name a store URL, a URL of a CSV export, or "shopify"; files on the bot’s disk cannot be audited from chat.');
        }
        const settings = auditSettingsFrom(config);
        // With TikTok Shop connected, the mapped categories' own rules join the local ones.
        const connected = config.AUDIT_CATEGORY_RULES === 'live' && (deps.tiktok !== undefined || missingTikTokSettings(config).length === 0);
        const context = await createAuditContext(
          { ...settings, region: region ?? settings.region }, await store.mappings.list(shop), connected ? { requirements: categoryRequirementsFrom(config, store, log, tiktok) } : {},
        );
        let check: DeepCheck | null = null;
        let deepNote: string | undefined;
        if (deep) {
          const missing = deps.migrationDeps || deps.tiktok ? [] : missingTikTokSettings(config);
          if (missing.length > 0) deepNote = deepModeUnavailableNote(missing);
          else {
            const base = deps.migrationDeps
              ? await deps.migrationDeps()
              : await createMigrationDeps(config, store, log, { dryRun: false, client: tiktok() });
            check = createDeepCheck({ ...base, categories: context.categories });
          }
        }
        const verdicts = createVerdictCollector();
        let csv = findingsCsvHeader();
        let csvTruncated = false;
        const summary = await runAudit(openCatalogSource(location, sourceLimitsFrom(config)), {
          rules: allRules,
          context,
          statuses: new Set(config.AUDIT_STATUSES),
          onResult(result) {
            verdicts.add(result);
            const rows = findingsCsvRows(result);
            if (csv.length + rows.length > maxCsvBytes) csvTruncated = true;
            else csv += rows;
          },
          onProgress: (progress) => onProgress?.(progress.products),
          ...(check ? { refine: check.refine, refineConcurrency: check.concurrency } : {}),
        });
        if (check) deepNote = deepCheckNote(check.counts());
        const recorded = /^https?:\/\//i.test(location) || location === 'shopify' ? location : resolve(location);
        await recordAuditRun(store, shop, recorded, summary, verdicts.verdicts);
        return { summary, findingsCsv: csv, csvTruncated, ...(deepNote ? { deepNote } : {}) };
      },
    },
    migration: {
      async plan() {
        const audit = await store.audits.latest(shop);
        if (!audit) throw new UserInputError('Run an audit first: the migration pushes the products the latest audit found ready.');
        const planDeps = { ...(await createMigrationDeps(config, store, log, { dryRun: true })), quota, clock: { now: deps.now } };
        return { ...(await planMigration(planDeps, audit)), auditedFrom: audit.sourceLabel };
      },
      progress: () => migrationProgress(store, shop, deps.now(), quota),
      async start(options, onUpdate) {
        const migration = await migrationDeps();
        // Checks (audit present, no other job) happen before the reply; the run itself continues in the background.
        const audit = await store.audits.latest(shop);
        if (!audit) throw new UserInputError('Run an audit first: the migration pushes the products the latest audit found ready.');
        const current = await store.jobs.current(shop);
        if (current) throw new UserInputError(`A migration is already ${current.status} for this shop; ${current.status === 'paused' ? 'resume it' : 'pause it or wait for it'}.`);
        inBackground((onProduct) => startMigration(migration, { shop, dryRun: options.dryRun, limit: options.limit }, { onProduct }), onUpdate);
      },
      async pause(by) {
        await pauseMigration(store, shop, `paused by ${by}`, deps.now());
      },
      async resume(onUpdate) {
        const migration = await migrationDeps();
        const current = await store.jobs.current(shop);
        if (!current) throw new UserInputError('There is no paused or unfinished migration for this shop; start one.');
        inBackground((onProduct) => resumeMigration(migration, shop, { onProduct }), onUpdate);
      },
    },
    mappings: {
      list: () => store.mappings.list(shop),
      set: (key, categoryId, by) => store.mappings.set({ shop, key, categoryId, origin: 'manual', by, updatedAt: new Date(deps.now()).toISOString() }),
      async suggest(onProgress) {
        // Connected first: without TikTok Shop settings this says which are missing before reading anything.
        const client = tiktok();
        const location = (await store.audits.latest(shop))?.location ?? config.CATALOG_SOURCE;
        const fileMapping = config.CATEGORY_MAP_FILE ? await loadCategoryMapping(config.CATEGORY_MAP_FILE) : new Map<string, string>();
        for (const stored of await store.mappings.list(shop)) fileMapping.set(stored.key, stored.categoryId);
        onProgress?.('Reading the catalog for unmapped product types…');
        const types = await collectUnmappedTypes(openSourceFrom(config, log)(location), createCategoryMapper(fileMapping, null), new Set(config.AUDIT_STATUSES));
        return suggestCategories(
          { store, client, shop, log, now: deps.now, ttlMs: config.CATEGORY_SUGGESTION_TTL_DAYS * 86_400_000 },
          types,
          (done, total) => onProgress?.(`Asking TikTok Shop for categories… ${done} of ${total}`),
        );
      },
      accept: (which, by) => acceptSuggestions({ store, shop, now: deps.now }, which, by),
    },
    alerts: {
      list: () => store.alerts.subscriptions(shop),
      subscribe: ({ platform, channelId, kinds, reasonContains, minSeverity, mention, by }) =>
        store.alerts.subscribe({ shop, platform, channelId, kinds, reasonContains, minSeverity, mention, createdBy: by, createdAt: new Date(deps.now()).toISOString() }),
      unsubscribe: ({ platform, channelId }) => store.alerts.unsubscribe(shop, platform, channelId),
      mute: ({ handle, until, by }) => store.alerts.mute({ shop, handle, until: new Date(until).toISOString(), by }),
      acknowledge: async (messageId, by) => (deps.acknowledge ? deps.acknowledge(messageId, by) : 0),
    },
    summary: {
      now: () => buildDailySummary(store, shop, deps.now()),
      async schedule({ platform, channelId, time, timezone, by }) {
        await store.summaries.set({ shop, platform, channelId, time, timezone, createdBy: by, createdAt: new Date(deps.now()).toISOString() });
        await deps.onSummariesChanged?.();
      },
      async off({ platform, channelId }) {
        const removed = await store.summaries.remove(shop, platform, channelId);
        await deps.onSummariesChanged?.();
        return removed;
      },
    },
    failures: {
      async list({ reason, sinceMs }) {
        const failed = await store.listings.list(shop, { states: ['rejected', 'error'] });
        const needle = reason?.toLowerCase();
        return failed
          .filter((listing) => sinceMs === undefined || Date.parse(listing.updatedAt) >= sinceMs)
          .filter((listing) => !needle || listing.reasons.some((text) => text.toLowerCase().includes(needle)));
      },
      async retry(handle, by) {
        const listing = await store.listings.get(shop, handle);
        if (!listing) throw new UserInputError(`There is no listing for "${handle}".`);
        if (listing.state === 'rejected') {
          throw new UserInputError(`"${handle}" was rejected by TikTok review; fix it in Shopify and edit the listing on TikTok Shop (shopshift does not edit listings yet).`);
        }
        if (listing.state !== 'error') throw new UserInputError(`"${handle}" is ${listing.state.replace('_', ' ')}, not failed.`);
        const underWay = (await store.jobs.current(shop)) !== undefined;
        // Connected first: without TikTok Shop settings the retry says so and changes nothing.
        const migration = underWay ? null : await migrationDeps();
        const queued: Listing = { ...listing, state: 'pending', reasons: [`retry asked by ${by}`], updatedAt: new Date(deps.now()).toISOString() };
        await store.listings.put(queued);
        if (!migration) return { listing: queued, resubmitting: false };
        inBackground((onProduct) => startMigration(migration, { shop, dryRun: false, limit: null, only: [handle] }, { onProduct }), () => undefined);
        return { listing: queued, resubmitting: true };
      },
    },
    activity: {
      record: (entry) => store.activity.record({ ...entry, shop }),
      since: (sinceMs) => store.activity.since(shop, sinceMs),
    },
    fairUse: deps.fairUse ?? createFairUse(fairUseLimitsFrom(config), deps.now),
  };
}
