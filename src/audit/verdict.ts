import type { Severity } from './rule.js';

export type Verdict = 'ready' | 'warnings' | 'blocked';

/** A finding as reports show it: the rule's hit, placed in the catalog. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  hint: string;
  /** Line in the CSV where the variant's row (or the product's first row) is; null for other sources. */
  line: number | null;
  variantSku: string | null;
  variantPosition: number | null;
}

export interface ProductResult {
  handle: string;
  title: string;
  line: number | null;
  variants: number;
  verdict: Verdict;
  findings: Finding[];
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((finding) => finding.severity === 'blocker')) return 'blocked';
  return findings.length > 0 ? 'warnings' : 'ready';
}
