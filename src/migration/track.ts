import type { Logger } from '../log.js';
import type { Listing, ListingState, Store } from '../store/store.js';
import type { AuditFailedReason, TikTokShopClient } from '../tiktok/api.js';
import { verifyWebhookSignature } from '../tiktok/signing.js';
import { parseProductEvent, parseWebhook, WEBHOOK_TYPES } from '../tiktok/webhook.js';
import { writeAlone, type CommitWithAlerts } from '../store/commit.js';

/** TikTok's product status (§6) as the listing state shopshift tracks. */
export function listingStateFor(status: string): ListingState {
  switch (status) {
    case 'ACTIVATE':
      return 'live';
    case 'FAILED':
      return 'rejected';
    case 'PENDING':
      return 'in_review';
    case 'DRAFT':
      return 'pending';
    case 'SELLER_DEACTIVATED':
    case 'PLATFORM_DEACTIVATED':
    case 'FREEZE':
    case 'DELETED':
      return 'deactivated';
    default:
      return 'in_review';
  }
}

/** "Main image: text overlay (remove the text)" lines from TikTok's audit failure reasons. */
export function describeAuditFailures(reasons: readonly AuditFailedReason[]): string[] {
  return reasons.flatMap(({ position, reasons: texts, suggestions }) =>
    texts.map((text) => `${position ? `${position}: ` : ''}${text}${suggestions.length ? ` (${suggestions.join('; ')})` : ''}`),
  );
}

export interface StatusChange {
  before: Listing;
  after: Listing;
}

/** Records a new TikTok status on the listing that holds the product; null when shopshift does not know it. */
export async function applyProductStatus(
  store: Store,
  shop: string,
  productId: string,
  update: { status: string; reasons?: string[] },
  now: number,
): Promise<StatusChange | null> {
  const before = await store.listings.findByProductId(shop, productId);
  if (!before) return null;
  const state = listingStateFor(update.status);
  const after: Listing = {
    ...before,
    tiktokStatus: update.status,
    state,
    reasons: state === 'rejected' ? (update.reasons?.length ? update.reasons : before.reasons) : [],
    updatedAt: new Date(now).toISOString(),
  };
  if (after.state === before.state && after.tiktokStatus === before.tiktokStatus && after.reasons.join('\n') === before.reasons.join('\n')) {
    return { before, after: before };
  }
  await store.listings.put(after);
  return { before, after };
}

/** Polls TikTok for listings still in review: the way to learn outcomes for shops without webhooks. */
/** A listing's status change written with the alerts it raises (see CommitWithAlerts). */
export type CommitChange = CommitWithAlerts<StatusChange>;

export async function reconcileListings(
  deps: { store: Store; client: TikTokShopClient; log: Logger; now(): number; commit?: CommitChange }, shop: string,
): Promise<StatusChange[]> {
  const waiting = await deps.store.listings.list(shop, { states: ['in_review'] });
  const commit = deps.commit ?? writeAlone<StatusChange>(deps.store);
  const changes: StatusChange[] = [];
  for (const listing of waiting) {
    if (!listing.tiktokProductId) continue;
    try {
      const product = await deps.client.getProduct(listing.tiktokProductId);
      const update = { status: product.status, reasons: describeAuditFailures(product.auditFailedReasons) };
      const change = await commit(shop, async (store, alert) => {
        const changed = await applyProductStatus(store, shop, product.id, update, deps.now());
        if (changed && changed.after !== changed.before) await alert(changed);
        return changed;
      });
      if (change && change.after !== change.before) changes.push(change);
    } catch (error) {
      deps.log.warn({ err: error, productId: listing.tiktokProductId }, 'reconcile could not read the product');
    }
  }
  return changes;
}

export interface WebhookDeps {
  store: Store;
  appKey: string;
  appSecret: string;
  /** The store's shop key for TikTok's shop_id; null for a shop this bot does not serve. */
  shopFor(shopId: string): string | null;
  /** Reads the product for its audit failure reasons, which the webhook does not carry. */
  client?: TikTokShopClient;
  log: Logger;
  now(): number;
  /**
   * Runs the webhook's writes (its delivery id marked processed, the listing's new state) and `alert` on the
   * change as one unit, so a process that dies midway leaves the delivery unprocessed for TikTok's retry.
   * Without it they run on `store` one by one.
   */
  commit?: CommitChange;
}

export interface WebhookAnswer {
  status: number;
  body: string;
  change?: StatusChange;
}

/**
 * POST /webhooks/tiktok. Verifies the signature on the raw bytes before reading them (§7), ignores a
 * delivery id seen before, and records the product's new state. Answers 200 to anything it has
 * handled or may safely ignore, so TikTok stops retrying; 401 to a forgery, storing nothing.
 */
export async function handleTikTokWebhook(deps: WebhookDeps, rawBody: Buffer, authorization: string | undefined): Promise<WebhookAnswer> {
  if (!verifyWebhookSignature(rawBody, authorization, deps.appKey, deps.appSecret)) {
    deps.log.warn({ bytes: rawBody.length }, 'tiktok webhook with a bad signature refused');
    return { status: 401, body: 'invalid signature' };
  }
  const webhook = parseWebhook(rawBody);
  if (!webhook.ok) return { status: 400, body: 'malformed webhook' };
  const shop = deps.shopFor(webhook.value.shopId);
  if (shop === null) return { status: 200, body: 'unknown shop ignored' };
  const event = parseProductEvent(webhook.value);
  if (!event.ok) return { status: 400, body: 'malformed product event' };
  const { notificationId } = webhook.value;
  if (event.value === null || event.value.type !== WEBHOOK_TYPES.productStatusChange) {
    return (await deps.store.webhooks.markProcessed(notificationId)) ? { status: 200, body: 'ignored' } : { status: 200, body: 'duplicate ignored' };
  }

  // The product is read before anything is written: no call to TikTok is made while the shop's writes are held up.
  const { productId, status, suspendedReason } = event.value;
  let tiktokStatus = status === 'PRODUCT_FIRST_PASS_REVIEW' ? 'ACTIVATE' : status === 'PRODUCT_AUDIT_FAILURE' ? 'FAILED' : null;
  let reasons = suspendedReason ? [suspendedReason] : [];
  if (deps.client && (tiktokStatus === null || tiktokStatus === 'FAILED')) {
    try {
      const product = await deps.client.getProduct(productId);
      tiktokStatus = product.status;
      const detailed = describeAuditFailures(product.auditFailedReasons);
      if (detailed.length) reasons = detailed;
    } catch (error) {
      deps.log.warn({ err: error, productId }, 'could not read the product a webhook named; the reconcile job will');
    }
  }
  const known = tiktokStatus;
  const commit = deps.commit ?? writeAlone<StatusChange>(deps.store);
  return commit(shop, async (store, alert): Promise<WebhookAnswer> => {
    if (!(await store.webhooks.markProcessed(notificationId))) return { status: 200, body: 'duplicate ignored' };
    if (known === null) return { status: 200, body: 'status unknown; left to reconcile' };
    const change = await applyProductStatus(store, shop, productId, { status: known, reasons }, deps.now());
    if (change) await alert(change);
    return { status: 200, body: 'ok', ...(change ? { change } : {}) };
  });
}
