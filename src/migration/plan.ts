import type { CategoryMapper } from '../audit/category-map.js';
import type { CatalogSource } from '../catalog/source.js';
import type { AuditRun, Store } from '../store/store.js';
import { formatQuotaReset, quotaDaysNeeded, quotaUse, type ListingQuota } from './quota.js';

export type PlanReason = 'blocked-by-audit' | 'not-in-audit' | 'unmapped' | 'already-listed' | 'rejected-needs-edit';

export interface MigrationPlan {
  /** Products a run would create (or retry after an error). */
  toCreate: number;
  skipped: Record<PlanReason, number>;
  /** A few handles per reason, to show. */
  examples: Partial<Record<PlanReason, string[]>>;
  /** With a listing quota: the quota days the creates need, and how many the shop's total cap leaves room for. */
  quota?: {
    daily: number;
    total: number;
    usedToday: number;
    usedTotal: number;
    /** Quota days (today, if it has room left, counts as one) the creates need at `daily` a day; 0 when nothing is to create. */
    days: number;
    /** Creates the total cap still allows; null without one. */
    totalLeft: number | null;
    reset: string;
  };
}

const EXAMPLES = 5;

/** What a migration would do with each product of the audited catalog, and why it leaves some out. */
export async function planMigration(
  deps: { store: Store; categories: CategoryMapper; openSource(location: string): CatalogSource; quota?: ListingQuota; clock?: { now(): number } },
  audit: AuditRun,
): Promise<MigrationPlan> {
  const plan: MigrationPlan = {
    toCreate: 0,
    skipped: { 'blocked-by-audit': 0, 'not-in-audit': 0, unmapped: 0, 'already-listed': 0, 'rejected-needs-edit': 0 },
    examples: {},
  };
  const skip = (reason: PlanReason, handle: string) => {
    plan.skipped[reason]++;
    const examples = (plan.examples[reason] ??= []);
    if (examples.length < EXAMPLES) examples.push(handle);
  };
  for await (const product of deps.openSource(audit.location).read()) {
    const verdict = audit.verdicts[product.handle];
    if (verdict === undefined) skip('not-in-audit', product.handle);
    else if (verdict === 'blocked') skip('blocked-by-audit', product.handle);
    else if (!deps.categories.lookup(product)) skip('unmapped', product.handle);
    else {
      const listing = await deps.store.listings.get(audit.shop, product.handle);
      if (listing?.state === 'rejected') skip('rejected-needs-edit', product.handle);
      else if (listing && listing.state !== 'pending' && listing.state !== 'submitting' && listing.state !== 'error') skip('already-listed', product.handle);
      else plan.toCreate++;
    }
  }
  if (deps.quota) {
    const use = await quotaUse(deps.store, audit.shop, deps.quota, deps.clock?.now() ?? Date.now());
    // Beyond the total cap nothing is created, so only what fits counts towards the days.
    const creatable = use.totalLeft === null ? plan.toCreate : Math.min(plan.toCreate, use.totalLeft);
    plan.quota = {
      daily: use.daily, total: use.total, usedToday: use.usedToday, usedTotal: use.usedTotal,
      days: quotaDaysNeeded(creatable, use), totalLeft: use.totalLeft, reset: formatQuotaReset(deps.quota.reset),
    };
  }
  return plan;
}
