import type { CategoryMapper } from '../audit/category-map.js';
import type { CatalogSource } from '../catalog/source.js';
import type { AuditRun, Store } from '../store/store.js';

export type PlanReason = 'blocked-by-audit' | 'not-in-audit' | 'unmapped' | 'already-listed' | 'rejected-needs-edit';

export interface MigrationPlan {
  /** Products a run would create (or retry after an error). */
  toCreate: number;
  skipped: Record<PlanReason, number>;
  /** A few handles per reason, to show. */
  examples: Partial<Record<PlanReason, string[]>>;
}

const EXAMPLES = 5;

/** What a migration would do with each product of the audited catalog, and why it leaves some out. */
export async function planMigration(deps: { store: Store; categories: CategoryMapper; openSource(location: string): CatalogSource }, audit: AuditRun): Promise<MigrationPlan> {
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
  return plan;
}
