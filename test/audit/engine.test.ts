import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { runAudit } from '../../src/audit/engine.js';
import { findingsCsvHeader, findingsCsvRows } from '../../src/audit/report/csv.js';
import { createJsonReportWriter } from '../../src/audit/report/json.js';
import { renderTextReport } from '../../src/audit/report/text.js';
import { descriptionMissing } from '../../src/audit/rules/description.js';
import { titleDuplicate, titleEmoji, titlePromotional } from '../../src/audit/rules/title.js';
import type { ProductResult } from '../../src/audit/verdict.js';
import { stringTextInput } from '../../src/catalog/file-input.js';
import { shopifyCsvSource } from '../../src/catalog/shopify-csv.js';
import { testContext } from '../support/rules.js';

const CATALOG = [
  'Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,Status',
  'mug,Stoneware Mug,<p>Big</p>,Title,Default Title,MUG-1,12.00,active',
  'candle,Candle 🔥,<p>Fig</p>,Title,Default Title,CND-1,20.00,active',
  'towel,Tea Towel SALE,,Size,S,TT-S,9.00,active',
  'towel,,,,M,TT-M,9.00,',
  'plate,Stoneware Mug,<p>Flat</p>,Title,Default Title,PL-1,9.00,active',
  'draft-thing,Later,<p>x</p>,Title,Default Title,D-1,1.00,draft',
  'broken,row',
].join('\n');

const rules = [titleEmoji, titlePromotional, titleDuplicate, descriptionMissing];

async function audit() {
  const results: ProductResult[] = [];
  const summary = await runAudit(shopifyCsvSource(stringTextInput(CATALOG, 'shop.csv')), {
    rules,
    context: testContext(),
    statuses: new Set(['active']),
    onResult: (result) => {
      results.push(result);
    },
  });
  return { summary, results };
}

describe('runAudit', () => {
  it('gives every audited product a verdict from its findings', async () => {
    const { results } = await audit();
    expect(results.map((r) => [r.handle, r.verdict])).toEqual([
      ['mug', 'ready'],
      ['candle', 'blocked'],
      ['towel', 'blocked'],
      ['plate', 'warnings'],
    ]);
  });

  it('places findings in the catalog: rule, severity, hint and line', async () => {
    const { results } = await audit();
    const towel = results.find((r) => r.handle === 'towel')!;
    expect(towel.findings).toEqual([
      expect.objectContaining({ ruleId: 'title-promotional', severity: 'warning', line: 4, hint: titlePromotional.hint }),
      expect.objectContaining({ ruleId: 'description-missing', severity: 'blocker', line: 4, message: 'The product has no description.' }),
    ]);
  });

  it('counts verdicts, skipped statuses, variants and findings', async () => {
    const { summary } = await audit();
    expect(summary.products).toEqual({ read: 5, audited: 4, skipped: { draft: 1 }, ready: 1, warnings: 1, blocked: 2 });
    expect(summary.variants).toBe(5);
    expect(summary.findings).toEqual({ blocker: 2, warning: 2 });
  });

  it('ranks rules blockers first, then by products affected, with examples', async () => {
    const { summary } = await audit();
    expect(summary.rules.map((r) => [r.ruleId, r.products])).toEqual([
      ['description-missing', 1],
      ['title-emoji', 1],
      ['title-duplicate', 1],
      ['title-promotional', 1],
    ]);
    expect(summary.rules[1]?.examples).toEqual([{ handle: 'candle', title: 'Candle 🔥', line: 3, message: 'The title "Candle 🔥" contains emoji.' }]);
  });

  it('keeps the rows the source could not read in the summary', async () => {
    const { summary } = await audit();
    expect(summary.sourceIssues).toEqual({ count: 1, first: [{ line: 8, message: 'Broken row skipped: it has 2 fields where the header has 8.' }] });
  });
});

describe('reports', () => {
  it('the findings CSV has one row per finding that a spreadsheet reads back', async () => {
    const { results } = await audit();
    const csv = findingsCsvHeader() + results.map(findingsCsvRows).join('');
    const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ handle: 'candle', verdict: 'blocked', line: '3', variant_sku: '', rule: 'title-emoji', severity: 'blocker' });
  });

  it('the findings CSV defuses cells a spreadsheet would run as formulas', () => {
    const csv = findingsCsvRows({
      handle: '=cmd', title: '+1', line: 2, variants: 1, verdict: 'blocked',
      findings: [{ ruleId: 'x', severity: 'blocker', message: '@SUM(A1)', hint: 'h', line: 2, variantSku: '-5', variantPosition: 1 }],
    });
    expect(Papa.parse<string[]>(csv).data[0]).toEqual(["'=cmd", "'+1", 'blocked', '2', "'-5", '1', 'x', 'blocker', "'@SUM(A1)", 'h']);
  });

  it('the JSON report streams products and ends with the summary, as valid JSON', async () => {
    const { summary, results } = await audit();
    let text = '';
    const writer = createJsonReportWriter((chunk) => {
      text += chunk;
    });
    await writer.start();
    for (const result of results) await writer.product(result);
    await writer.finish(summary);
    const parsed = JSON.parse(text);
    expect(parsed.products.map((p: ProductResult) => p.handle)).toEqual(['mug', 'candle', 'towel', 'plate']);
    expect(parsed.summary.products.blocked).toBe(2);
  });

  it('the text report says what is ready, what is blocked, why and how to fix it', async () => {
    const { summary } = await audit();
    const text = renderTextReport(summary);
    expect(text).toContain('Ready      1 (25%)');
    expect(text).toContain('Blocked    2 (50%)');
    expect(text).toContain('skipped by status: 1 draft');
    expect(text).toContain(`fix: ${descriptionMissing.hint}`);
    expect(text).toContain('e.g. candle line 3: The title "Candle 🔥" contains emoji.');
    expect(text).toContain('line 8: Broken row skipped');
  });
});
