import type { ProductStatus } from '../catalog/product.js';
import type { SourceIssue } from '../catalog/source.js';
import type { Rule, Severity } from './rule.js';
import type { Finding, ProductResult, Verdict } from './verdict.js';

export interface RuleExample {
  handle: string;
  title: string;
  line: number | null;
  message: string;
}

export interface RuleStats {
  ruleId: string;
  severity: Severity;
  summary: string;
  hint: string;
  fact: string;
  /** Products with at least one finding of this rule. */
  products: number;
  findings: number;
  examples: RuleExample[];
}

export interface AuditSummary {
  source: { kind: string; label: string };
  region: string;
  sellerType: string;
  /** The currency prices were read in, and whether that was assumed rather than set. */
  currency: { code: string; assumed: boolean };
  startedAt: string;
  durationMs: number;
  products: {
    read: number;
    audited: number;
    skipped: Partial<Record<ProductStatus | 'unknown', number>>;
  } & Record<Verdict, number>;
  variants: number;
  findings: Record<Severity, number>;
  /** Rules that fired, most products affected first. */
  rules: RuleStats[];
  sourceIssues: { count: number; first: SourceIssue[] };
}

const EXAMPLES_PER_RULE = 3;
const ISSUES_KEPT = 50;

export type SummaryHeader = Pick<AuditSummary, 'source' | 'region' | 'sellerType' | 'currency' | 'startedAt'>;

/** Folds product results into counts as they stream past; keeps only a few examples, never the catalog. */
export function createSummaryBuilder(rules: readonly Rule[], header: SummaryHeader) {
  const rulesById = new Map(rules.map((rule) => [rule.id, rule]));
  const stats = new Map<string, RuleStats>();
  const products = { read: 0, audited: 0, skipped: {} as AuditSummary['products']['skipped'], ready: 0, warnings: 0, blocked: 0 };
  const findings = { blocker: 0, warning: 0 };
  const issues: SourceIssue[] = [];
  let issueCount = 0;
  let variants = 0;
  const started = performance.now();

  function statsFor(finding: Finding): RuleStats {
    const { ruleId } = finding;
    let entry = stats.get(ruleId);
    if (!entry) {
      // Findings from outside the rule list (TikTok's listing_check answers in deep mode) describe themselves.
      const rule = rulesById.get(ruleId) ?? { severity: finding.severity, summary: 'Reported by TikTok Shop', hint: finding.hint, fact: 'TikTok Shop’s listing_check (tiktok-shop.md §5), not a local rule' };
      entry = { ruleId, severity: rule.severity, summary: rule.summary, hint: rule.hint, fact: rule.fact, products: 0, findings: 0, examples: [] };
      stats.set(ruleId, entry);
    }
    return entry;
  }

  return {
    addResult(result: ProductResult): void {
      products.read++;
      products.audited++;
      products[result.verdict]++;
      variants += result.variants;
      let previousRule = '';
      for (const finding of result.findings) {
        findings[finding.severity]++;
        const entry = statsFor(finding);
        entry.findings++;
        // A product's findings arrive grouped by rule, so a change of rule id is a new product for that rule.
        if (finding.ruleId !== previousRule) {
          entry.products++;
          if (entry.examples.length < EXAMPLES_PER_RULE) {
            entry.examples.push({ handle: result.handle, title: result.title, line: finding.line ?? result.line, message: finding.message });
          }
        }
        previousRule = finding.ruleId;
      }
    },
    addSkipped(status: ProductStatus | null): void {
      products.read++;
      const key = status ?? 'unknown';
      products.skipped[key] = (products.skipped[key] ?? 0) + 1;
    },
    addIssue(issue: SourceIssue): void {
      issueCount++;
      if (issues.length < ISSUES_KEPT) issues.push(issue);
    },
    finish(): AuditSummary {
      const ranked = [...stats.values()].sort(
        (a, b) => Number(b.severity === 'blocker') - Number(a.severity === 'blocker') || b.products - a.products || a.ruleId.localeCompare(b.ruleId),
      );
      return {
        ...header,
        durationMs: Math.round(performance.now() - started),
        products,
        variants,
        findings,
        rules: ranked,
        sourceIssues: { count: issueCount, first: issues },
      };
    },
  };
}
