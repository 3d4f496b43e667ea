import type { Product, ProductStatus } from '../catalog/product.js';
import type { CatalogSource, SourceIssue, SourceProgress } from '../catalog/source.js';
import type { AuditContext, ProductCheck, Rule, RuleHit } from './rule.js';
import { createSummaryBuilder, type AuditSummary } from './summary.js';
import { verdictOf, type Finding, type ProductResult } from './verdict.js';

export interface AuditOptions {
  rules: readonly Rule[];
  context: AuditContext;
  /** Products whose Shopify status is not listed are counted as skipped; a product without a status is audited. */
  statuses: ReadonlySet<ProductStatus>;
  /** Receives each product's result as soon as it is known (to stream a CSV or JSON report). */
  onResult?(result: ProductResult): void | Promise<void>;
  onIssue?(issue: SourceIssue): void;
  onProgress?(progress: SourceProgress): void;
  signal?: AbortSignal;
  /**
   * Runs on each result before it is counted (deep mode asks TikTok Shop here); up to `refineConcurrency`
   * (default 1) at once, results still counted in catalog order. It must not throw: a failure is a finding.
   */
  refine?(product: Product, result: ProductResult): Promise<ProductResult>;
  refineConcurrency?: number;
}

interface PreparedRule {
  rule: Rule;
  check: ProductCheck;
}

function toFindings(prepared: PreparedRule, product: Product, hits: RuleHit[], into: Finding[]): void {
  const { rule } = prepared;
  for (const hit of hits) {
    into.push({
      ruleId: rule.id,
      severity: rule.severity,
      message: hit.message,
      hint: hit.hint ?? rule.hint,
      line: hit.variant?.line ?? product.line,
      variantSku: hit.variant ? hit.variant.sku || null : null,
      variantPosition: hit.variant?.position ?? null,
    });
  }
}

/** Checks one product against every prepared rule. */
export function auditProduct(product: Product, prepared: readonly PreparedRule[]): ProductResult {
  const findings: Finding[] = [];
  for (const entry of prepared) {
    const result = entry.check(product);
    if (result === undefined) continue;
    toFindings(entry, product, typeof result === 'string' ? [{ message: result }] : Array.isArray(result) ? result : [result], findings);
  }
  return { handle: product.handle, title: product.title, line: product.line, variants: product.variants.length, verdict: verdictOf(findings), findings };
}

export function prepareRules(rules: readonly Rule[], context: AuditContext): PreparedRule[] {
  return rules.map((rule) => ({ rule, check: rule.createCheck(context) }));
}

/**
 * Streams the source through the rules. Knows no rule by name: the verdicts, counts and examples come
 * from what the rules return. Memory stays flat; only the summary's counters and examples are kept.
 */
export async function runAudit(source: CatalogSource, options: AuditOptions): Promise<AuditSummary> {
  const { context, statuses, onResult } = options;
  const prepared = prepareRules(options.rules, context);
  const summary = createSummaryBuilder(options.rules, {
    source: { kind: source.kind, label: source.label },
    region: context.region.code,
    sellerType: context.sellerType,
    currency: { code: context.catalogCurrency ?? context.region.currency, assumed: context.catalogCurrency === null },
    startedAt: new Date().toISOString(),
  });
  const products = source.read({
    onIssue(issue) {
      summary.addIssue(issue);
      options.onIssue?.(issue);
    },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const emit = async (result: ProductResult): Promise<void> => {
    summary.addResult(result);
    if (onResult) {
      const pending = onResult(result);
      if (pending) await pending;
    }
  };
  const refining: Promise<ProductResult>[] = [];
  const refineConcurrency = Math.max(1, options.refineConcurrency ?? 1);
  for await (const product of products) {
    if (product.status !== null && !statuses.has(product.status)) {
      summary.addSkipped(product.status);
      continue;
    }
    const result = auditProduct(product, prepared);
    if (!options.refine) {
      await emit(result);
      continue;
    }
    const refined = options.refine(product, result);
    // Awaited in order below; marked handled so a later one failing first is no unhandled rejection.
    refined.catch(() => undefined);
    refining.push(refined);
    if (refining.length >= refineConcurrency) await emit(await refining.shift()!);
  }
  while (refining.length > 0) await emit(await refining.shift()!);
  return summary.finish();
}
