import { defineCommand, m, opt, reply } from '../src/chat/command.js';
import { regionCodeSchema } from '../src/audit/regions.js';

export default defineCommand({
  name: 'audit',
  description: 'Check the catalog against TikTok Shop listing rules',
  examples: ['', 'https://your-store.example', 'shopify region:GB', 'deep', 'https://your-store.example mode:deep'],
  options: {
    source: opt.string('A store URL, a URL of a CSV export, or "shopify" (default: the configured catalog)'),
    region: opt.choice(regionCodeSchema.options, 'TikTok Shop market (default: the configured one)'),
    mode: opt.choice(['deep'], 'deep: also ask TikTok Shop’s listing_check about each product a migration would push'),
  },
  positional: ['source', 'region'],
  permission: 'read',
  // A URL is someone's server, read page by page; the configured catalog and "shopify" are the shop's own.
  cost: ({ source }) => (source !== undefined && /^https?:\/\//i.test(source) ? 'audit-external' : 'audit'),
  async handler(context, { source: named, region, mode }) {
    // "/shop audit deep": the first word fills `source`, and no catalog is called "deep".
    const deep = mode === 'deep' || named?.toLowerCase() === 'deep';
    const source = named?.toLowerCase() === 'deep' ? undefined : named;
    await context.progress(deep ? 'Auditing the catalog, then asking TikTok Shop about each ready product…' : 'Auditing the catalog…');
    let lastUpdate = context.now();
    const outcome = await context.services.audit.run({ ...(source ? { source } : {}), ...(region ? { region } : {}), ...(deep ? { deep } : {}) }, (products) => {
      if (context.now() - lastUpdate < 5_000) return;
      lastUpdate = context.now();
      void context.progress(`Auditing the catalog… ${products.toLocaleString('en-US')} products read`);
    });
    const { summary } = outcome;
    const { products } = summary;
    const top = summary.rules.slice(0, 8);
    return reply([
      m.heading(`Audit: ${products.blocked.toLocaleString('en-US')} of ${products.audited.toLocaleString('en-US')} products are blocked`),
      m.fields({ Ready: products.ready, 'Warnings only': products.warnings, Blocked: products.blocked, Market: `TikTok Shop ${summary.region}`, Source: summary.source.label }),
      ...(top.length
        ? [m.table(['rule', 'severity', 'products', 'what to do'], top.map((rule) => [rule.ruleId, rule.severity, rule.products, rule.hint]))]
        : [m.text('Every product is ready for TikTok Shop.')]),
      ...(summary.sourceIssues.count
        ? [m.text(`${summary.sourceIssues.count.toLocaleString('en-US')} rows of the catalog could not be read and were skipped; the first: ${summary.sourceIssues.first[0]?.line === null ? '' : `line ${summary.sourceIssues.first[0]?.line}: `}${summary.sourceIssues.first[0]?.message ?? ''}`)]
        : []),
      ...(outcome.deepNote ? [m.text(outcome.deepNote)] : []),
      m.file('audit-findings.csv', outcome.findingsCsv),
      ...(outcome.csvTruncated ? [m.text('The findings CSV was cut to its first part to fit chat; run the audit from the command line for all of it.')] : []),
    ]);
  },
});
