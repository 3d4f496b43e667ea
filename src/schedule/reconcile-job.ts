import { reauditProduct, type Reaudit, type ReauditDeps } from '../audit/reaudit.js';
import type { FetchLimits } from '../catalog/http-fetch.js';
import type { ShopifyAdminAccess } from '../catalog/open-source.js';
import { shopifyGraphqlSource } from '../catalog/shopify-graphql.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { reconcileListings, type CommitChange, type StatusChange } from '../migration/track.js';
import type { AuditRun, Store } from '../store/store.js';
import type { TikTokShopClient } from '../tiktok/api.js';
import type { RunLedger } from './run-ledger.js';

export interface ReconcileJobDeps {
  store: Store;
  shop: string;
  log: Logger;
  now(): number;
  /** The ledger of the job's runner; it also keeps how far products have been re-audited. */
  ledger: RunLedger;
  owner: string;
  /** TikTok Shop, or null when it is not connected. */
  tiktok: TikTokShopClient | null;
  /** TikTok delivers this shop's product webhooks, so listings in review need no polling. */
  hasTikTokWebhook: boolean;
  /** Each listing state the poll changed, once written; without `commit`, the caller raises the alerts here. */
  onChange(change: StatusChange): void | Promise<void>;
  /** Writes each change with the alerts it raises, as one unit (see CommitChange). */
  commit?: CommitChange;
  /** The store's Admin API (shopifyAccessFrom); without credentials its createClient throws a ConfigError and re-audits are skipped. */
  shopify: ShopifyAdminAccess;
  download: FetchLimits;
  audit: Omit<ReauditDeps, 'store' | 'log'>;
  /** Each re-audited product; its syncFailure or syncRecovered is what the caller raises an alert for. */
  onReaudit?(result: Reaudit): void | Promise<void>;
}

export interface ReconcileCounts {
  listingsChecked: number;
  changes: number;
  productsReaudited: number;
}

export const reconcileJobName = (shop: string): string => `reconcile:${shop}`;
/** Ledger entry for the occurrence up to which changed products were re-audited; moved only after a complete pass. */
const reauditMark = (shop: string): string => `reconcile:${shop}:reaudited`;

/** Where re-auditing starts: the last audit's start (a product changed while it ran may have been read before the change). */
function auditStart(run: AuditRun): number {
  const started = Date.parse(run.startedAt);
  return Number.isNaN(started) ? Date.parse(run.finishedAt) : started;
}

/**
 * The reconcile job: polls the listings in review when TikTok sends no webhooks, and re-audits the
 * Shopify products changed since the last audit or the last pass, whichever is later.
 */
export function reconcileJob(deps: ReconcileJobDeps): (occurrence: Date) => Promise<ReconcileCounts> {
  const { store, shop, log } = deps;

  async function pollListings(): Promise<Pick<ReconcileCounts, 'listingsChecked' | 'changes'>> {
    if (deps.hasTikTokWebhook) return { listingsChecked: 0, changes: 0 };
    if (!deps.tiktok) {
      log.debug({ shop }, 'TikTok Shop not connected; listings not polled');
      return { listingsChecked: 0, changes: 0 };
    }
    const waiting = (await store.listings.list(shop, { states: ['in_review'] })).filter((listing) => listing.tiktokProductId).length;
    const changes = waiting === 0 ? [] : await reconcileListings({ store, client: deps.tiktok, log, now: deps.now, ...(deps.commit ? { commit: deps.commit } : {}) }, shop);
    for (const change of changes) {
      try {
        await deps.onChange(change);
      } catch (error) {
        log.error({ err: error, shop, handle: change.after.handle }, 'listing change not passed on');
      }
    }
    return { listingsChecked: waiting, changes: changes.length };
  }

  async function reauditChanged(occurrence: Date): Promise<number> {
    const latest = await store.audits.latest(shop);
    if (!latest) {
      log.debug({ shop }, 'no audit yet; nothing to re-audit');
      return 0;
    }
    const { createClient, log: sourceLog, ...options } = deps.shopify;
    let client: ReturnType<typeof createClient>;
    try {
      client = createClient();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.debug({ shop }, 'no Shopify Admin credentials; changed products not re-audited');
      return 0;
    }
    const mark = await deps.ledger.lastRun(reauditMark(shop));
    const times = [auditStart(latest), mark?.getTime() ?? Number.NaN].filter(Number.isFinite);
    if (times.length === 0) {
      log.warn({ shop, auditRunId: latest.id }, 'the last audit has no readable time; changed products not re-audited');
      return 0;
    }
    const since = new Date(Math.max(...times));
    const source = shopifyGraphqlSource(client, { ...options, download: deps.download, updatedSince: since, ...(sourceLog ? { log: sourceLog } : {}) });
    let reaudited = 0;
    for await (const product of source.read({ onIssue: (issue) => log.warn({ shop, issue: issue.message }, 'changed product not read') })) {
      const result = await reauditProduct({ store, log, ...deps.audit }, shop, product);
      if (!result) continue;
      reaudited++;
      log.debug({ shop, handle: result.handle, verdict: result.verdict }, 'changed product re-audited');
      try {
        await deps.onReaudit?.(result);
      } catch (error) {
        log.error({ err: error, shop, handle: result.handle }, 're-audit not passed on');
      }
    }
    await deps.ledger.claim(reauditMark(shop), occurrence, deps.owner);
    return reaudited;
  }

  return async (occurrence) => {
    const counts: ReconcileCounts = { ...(await pollListings()), productsReaudited: await reauditChanged(occurrence) };
    const quiet = counts.changes === 0 && counts.productsReaudited === 0;
    log[quiet ? 'debug' : 'info']({ job: reconcileJobName(shop), ...counts }, 'reconcile finished');
    return counts;
  };
}
