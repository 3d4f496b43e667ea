import type { AuditSummary, RuleStats } from '../summary.js';

const SOURCE_NAMES: Record<string, string> = {
  'shopify-csv': 'Shopify CSV export',
  'products-json': 'storefront products.json',
  'shopify-graphql': 'Shopify Admin API',
};

const number = (value: number) => value.toLocaleString('en-US');

function percent(part: number, whole: number): string {
  return whole === 0 ? '' : ` (${Math.round((part / whole) * 100)}%)`;
}

function ruleSection(title: string, rules: RuleStats[], limit: number): string[] {
  if (rules.length === 0) return [];
  const lines = ['', `${title}, by products affected`];
  for (const rule of rules.slice(0, limit)) {
    lines.push(`  ${number(rule.products).padStart(7)}  ${rule.ruleId.padEnd(32)} ${rule.summary}`);
    lines.push(`           fix: ${rule.hint}`);
    for (const example of rule.examples.slice(0, 2)) {
      const where = example.line === null ? '' : ` line ${example.line}`;
      lines.push(`           e.g. ${example.handle}${where}: ${example.message}`);
    }
  }
  if (rules.length > limit) lines.push(`  … and ${rules.length - limit} more rules (see the CSV or JSON report)`);
  return lines;
}

/** The terminal report: what is ready, what is blocked, why, and how to fix it. */
export function renderTextReport(summary: AuditSummary, options: { topRules?: number } = {}): string {
  const limit = options.topRules ?? 10;
  const { products } = summary;
  const skipped = Object.entries(products.skipped).map(([status, count]) => `${number(count ?? 0)} ${status}`);
  const currency = summary.currency.assumed
    ? `prices assumed to be in ${summary.currency.code} (set CATALOG_CURRENCY if not)`
    : `prices in ${summary.currency.code}`;
  const lines = [
    `shopshift audit: ${summary.source.label} (${SOURCE_NAMES[summary.source.kind] ?? summary.source.kind})`,
    `Target: TikTok Shop ${summary.region}, ${summary.sellerType} seller; ${currency}`,
    '',
    `Products   ${number(products.read)} read, ${number(products.audited)} audited${skipped.length ? `, skipped by status: ${skipped.join(', ')}` : ''}`,
    `Ready      ${number(products.ready)}${percent(products.ready, products.audited)}`,
    `Warnings   ${number(products.warnings)}${percent(products.warnings, products.audited)} can be listed, but should be looked at`,
    `Blocked    ${number(products.blocked)}${percent(products.blocked, products.audited)} would be rejected as they are`,
    `Variants   ${number(summary.variants)} audited; ${number(summary.findings.blocker)} blocking and ${number(summary.findings.warning)} warning findings`,
    ...ruleSection('Blockers', summary.rules.filter((rule) => rule.severity === 'blocker'), limit),
    ...ruleSection('Warnings', summary.rules.filter((rule) => rule.severity === 'warning'), limit),
  ];
  if (summary.sourceIssues.count > 0) {
    lines.push('', `Rows the source could not read: ${number(summary.sourceIssues.count)} (skipped, listed here so nothing is lost silently)`);
    for (const issue of summary.sourceIssues.first.slice(0, 10)) {
      const where = issue.line !== null ? `line ${issue.line}` : issue.page !== undefined ? `page ${issue.page}` : 'source';
      lines.push(`  ${where}: ${issue.message}`);
    }
    if (summary.sourceIssues.count > 10) lines.push(`  … and ${number(summary.sourceIssues.count - 10)} more (see the JSON report)`);
  }
  lines.push('', `Audited in ${(summary.durationMs / 1000).toFixed(1)} s.`);
  return `${lines.join('\n')}\n`;
}
