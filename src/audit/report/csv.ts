import Papa from 'papaparse';
import type { ProductResult } from '../verdict.js';

export const FINDINGS_CSV_HEADER = ['handle', 'title', 'verdict', 'line', 'variant_sku', 'variant_position', 'rule', 'severity', 'message', 'hint'];

// A cell starting with = + - @ is run as a formula by spreadsheets; product data is untrusted.
function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function findingsCsvHeader(): string {
  return Papa.unparse([FINDINGS_CSV_HEADER], { newline: '\n' }) + '\n';
}

/** One CSV row per finding of the product; '' for a product with none. */
export function findingsCsvRows(result: ProductResult): string {
  if (result.findings.length === 0) return '';
  const rows = result.findings.map((finding) => [
    safeCell(result.handle), safeCell(result.title), result.verdict, finding.line ?? '', safeCell(finding.variantSku ?? ''),
    finding.variantPosition ?? '', finding.ruleId, finding.severity, safeCell(finding.message), finding.hint,
  ]);
  return Papa.unparse(rows, { newline: '\n' }) + '\n';
}
