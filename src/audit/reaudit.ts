import type { Product, ProductStatus } from '../catalog/product.js';
import type { Logger } from '../log.js';
import type { ListingState, Store } from '../store/store.js';
import { auditProduct, prepareRules } from './engine.js';
import type { AuditContext, Rule } from './rule.js';
import { allRules } from './rules/index.js';
import type { Finding, Verdict } from './verdict.js';

/** Listing states in which a product is on TikTok Shop or about to be, so a new blocker there is a sync failure. */
const LISTED_STATES: readonly ListingState[] = ['live', 'in_review'];

export interface ReauditDeps {
  store: Store;
  context: AuditContext;
  rules?: readonly Rule[];
  /** Products in other statuses are not re-audited, as the audit skips them; all are when unset. */
  statuses?: ReadonlySet<ProductStatus>;
  log: Logger;
}

export interface SyncFailure {
  handle: string;
  listingState: ListingState;
  /** Rule ids of the blockers. */
  blockers: string[];
}

export interface Reaudit {
  handle: string;
  verdict: Verdict;
  findings: Finding[];
  /** The product is listed (live or in review) and now has blockers; the alerts route this to chat. */
  syncFailure?: SyncFailure;
  /** The product is listed and not blocked: an open sync failure about it has recovered. */
  syncRecovered?: string;
}

/**
 * Audits one changed product on its own and records its verdict in the shop's latest audit run; null
 * when its Shopify status is one the audit skips.
 */
export async function reauditProduct(deps: ReauditDeps, shop: string, product: Product): Promise<Reaudit | null> {
  if (deps.statuses && product.status !== null && !deps.statuses.has(product.status)) return null;
  // Fresh checks for each product: catalog-wide rules (repeated SKUs…) would otherwise compare it with its own earlier versions.
  const { verdict, findings } = auditProduct(product, prepareRules(deps.rules ?? allRules, deps.context));
  const { handle } = product;
  await deps.store.audits.setVerdict(shop, handle, verdict);
  const result: Reaudit = { handle, verdict, findings };
  const listing = await deps.store.listings.get(shop, handle);
  if (!listing || !LISTED_STATES.includes(listing.state)) return result;
  if (verdict === 'blocked') {
    const blockers = [...new Set(findings.filter((finding) => finding.severity === 'blocker').map((finding) => finding.ruleId))];
    result.syncFailure = { handle, listingState: listing.state, blockers };
    deps.log.warn({ shop, handle, listingState: listing.state, ruleIds: blockers }, 'a Shopify change blocks a product listed on TikTok Shop');
  } else {
    result.syncRecovered = handle;
  }
  return result;
}
