import { randomUUID } from 'node:crypto';
import type { AuditRun, Store } from '../store/store.js';
import type { AuditSummary } from './summary.js';
import type { ProductResult, Verdict } from './verdict.js';

/** Collects each product's verdict while the audit streams, for the migration to pick ready products from. */
export function createVerdictCollector() {
  const verdicts: Record<string, Verdict> = {};
  return {
    add(result: ProductResult): void {
      verdicts[result.handle] = result.verdict;
    },
    verdicts,
  };
}

/** Saves a finished audit as the shop's latest run. */
export async function recordAuditRun(
  store: Store,
  shop: string,
  location: string,
  summary: AuditSummary,
  verdicts: Record<string, Verdict>,
): Promise<AuditRun> {
  const skipped = Object.values(summary.products.skipped).reduce((sum, count) => sum + (count ?? 0), 0);
  const run: AuditRun = {
    id: randomUUID(),
    shop,
    location,
    sourceLabel: summary.source.label,
    region: summary.region,
    startedAt: summary.startedAt,
    finishedAt: new Date(Date.parse(summary.startedAt) + summary.durationMs).toISOString(),
    counts: { audited: summary.products.audited, ready: summary.products.ready, warnings: summary.products.warnings, blocked: summary.products.blocked, skipped },
    verdicts,
  };
  await store.audits.save(run);
  return run;
}
