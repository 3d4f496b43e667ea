// npx tsx scripts/sample-chart.ts: writes docs/sample-summary-chart.png from a made-up fortnight of a 1,200-product migration.
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderSummaryChart, type SummaryChartData } from '../src/schedule/summary-chart.js';

const TOTAL = 1200;
const start = Date.parse('2026-11-18T00:00:00Z');

const days: SummaryChartData['days'] = Array.from({ length: 14 }, (_, i) => {
  const submitted = Math.min(TOTAL, 90 * (i + 1));
  const rejected = Math.round(submitted * 0.06);
  const error = Math.round(submitted * 0.025);
  const inReview = Math.min(submitted - rejected - error, 60 + 5 * i);
  const live = submitted - rejected - error - inReview;
  return { date: new Date(start + i * 86_400_000).toISOString().slice(0, 10), live, inReview, rejected, error, pending: TOTAL - submitted };
});

const failuresByReason: SummaryChartData['failuresByReason'] = [
  { reason: 'Main image has a watermark or text overlay', count: 14 },
  { reason: 'Category requires a certification document (CE, UKCA or FCC) that was not supplied with the product', count: 9 },
  { reason: 'Package dimensions missing', count: 6 },
  { reason: 'Prohibited keyword in title', count: 3 },
  { reason: 'TIKTOK_RATE_LIMITED', count: 1 },
];

const startedMs = performance.now();
const png = await renderSummaryChart({ days, failuresByReason });
const ms = performance.now() - startedMs;
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/sample-summary-chart.png', import.meta.url), png);
console.log(`docs/sample-summary-chart.png  ${png.length} bytes  ${ms.toFixed(0)} ms`);
