// npm run bench: prints every benchmark's figures next to its target. Benchmarks never gate CI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchAlertStorm } from './alert-storm.js';
import { benchMigration } from './migration.js';
import { benchShopify } from './shopify.js';
import { benchSlackAck } from './slack-ack.js';
import { benchProcesses } from './processes.js';
import { benchStore } from './store.js';
import { benchPostgresStore } from './store-postgres.js';
import { writeSyntheticCatalog } from './synthetic-catalog.js';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const outDir = fileURLToPath(new URL('./.out/', import.meta.url));
const csvPath = `${outDir}synthetic-${PRODUCTS}.csv`;

interface Measurement {
  seconds: number;
  peakRssMb: number;
  products?: number;
  variants?: number;
  rows?: number;
  rules?: number;
}

function measure(mode: 'parse' | 'audit'): Measurement {
  const script = fileURLToPath(new URL('./measure.ts', import.meta.url));
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, mode, csvPath], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Measurement;
}

const best = (runs: Measurement[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

mkdirSync(outDir, { recursive: true });
if (!existsSync(csvPath)) {
  process.stdout.write(`generating ${PRODUCTS.toLocaleString('en-US')} synthetic products…\n`);
  const stats = await writeSyntheticCatalog(csvPath, PRODUCTS);
  process.stdout.write(`  ${stats.variants.toLocaleString('en-US')} variants, ${stats.imageRows.toLocaleString('en-US')} image rows\n`);
}
const megabytes = statSync(csvPath).size / 1024 / 1024;

// Best of three for time; the first run warms the page cache.
const parse = best([measure('parse'), measure('parse'), measure('parse')]);
const audit = best([measure('audit'), measure('audit'), measure('audit')]);
const auditRate = audit.products! / audit.seconds;
const parseRate = PRODUCTS / parse.seconds;
const ratio = auditRate / parseRate;

const rows: [string, string, string, boolean][] = [
  ['raw CSV parse (papaparse alone)', `${parse.seconds.toFixed(2)} s, ${Math.round(parseRate).toLocaleString('en-US')} products/s, peak RSS ${Math.round(parse.peakRssMb)} MB`, 'floor', true],
  [`audit (${audit.rules} rules)`, `${audit.seconds.toFixed(2)} s, ${Math.round(auditRate).toLocaleString('en-US')} products/s, ${audit.variants!.toLocaleString('en-US')} variants`, '< 5 s for 100k products', audit.seconds < 5],
  ['audit / raw parse throughput', `${(ratio * 100).toFixed(0)}%`, '>= 50%', ratio >= 0.5],
  ['audit peak RSS', `${Math.round(audit.peakRssMb)} MB`, '< 300 MB', audit.peakRssMb < 300],
];
const QPS = 20;
const migration = await benchMigration(QPS, 150);
const requestRatio = migration.requests / migration.seconds / QPS;
rows.push([
  `migration at ${QPS} QPS (simulator)`,
  `${migration.products} products in ${migration.seconds.toFixed(1)} s: ${(migration.products / migration.seconds).toFixed(1)} products/s, ${(migration.requests / migration.seconds).toFixed(1)} requests/s`,
  'informational', true,
]);
rows.push(['  requests/s as share of QPS limit', `${(requestRatio * 100).toFixed(0)}%, ${migration.throttled} throttled, ${migration.failedListings} failed`, '>= 90%, 0 failed', requestRatio >= 0.9 && migration.failedListings === 0]);

const shopify = await benchShopify(80);
rows.push([
  'shopify admin read (1,000 pts, 50/s)',
  `${shopify.products} products in ${shopify.seconds.toFixed(1)} s: ${shopify.productsPerSecond.toFixed(2)}/s of ${shopify.theoreticalPerSecond.toFixed(2)}/s possible ` +
    `(${shopify.ratio >= 0 ? (shopify.ratio * 100).toFixed(0) : '?'}%, ${shopify.pointsPerProduct.toFixed(1)} pts/product), ${shopify.throttledFailures} throttled failures`,
  '>= 90%, 0 failures', shopify.ratio >= 0.9 && shopify.throttledFailures === 0,
]);

const store = await benchStore(100_000, 10_000);
rows.push([
  `store: status updates, ${store.listings.toLocaleString('en-US')} listings`,
  `${store.msPer1000Updates.toFixed(1)} ms per 1,000 updates (journal); one full rewrite ${store.snapshotMs.toFixed(0)} ms (${store.snapshotMb.toFixed(0)} MB)`,
  '<< 1,000 rewrites', store.msPer1000Updates < store.snapshotMs * 1000,
]);

// PostgreSQL figures need its server programs (or TEST_DATABASE_URL); without them the rows say so.
const postgresMissing = (error: unknown) => (error instanceof Error && /no PostgreSQL server binaries/.test(error.message) ? error.message : null);
try {
  const pgStore = await benchPostgresStore(100_000, 2_000);
  rows.push([
    `store (PostgreSQL): status updates, ${pgStore.listings.toLocaleString('en-US')} listings`,
    `${pgStore.msPer1000Updates.toFixed(0)} ms per 1,000 updates (each a two-statement transaction, one process, one at a time); ${pgStore.listings.toLocaleString('en-US')} listings written by store copy in ${pgStore.copySeconds.toFixed(1)} s`,
    'informational', true,
  ]);
} catch (error) {
  if (!postgresMissing(error)) throw error;
  rows.push(['store (PostgreSQL)', postgresMissing(error)!, 'informational', false]);
}
try {
  const several = await benchProcesses({ processes: 3, failures: 10_000, groupWindowMs: 30_000 });
  rows.push([
    `${several.processes} processes, ${several.failures.toLocaleString('en-US')} failures (PostgreSQL)`,
    `webhooks answered in ${several.acceptSeconds.toFixed(1)} s; ${several.posted} alert + ${several.threadMessages} in thread, ${several.rateLimited} × 429, ` +
      `last delivered after ${several.deliveredSeconds.toFixed(1)} s (${(several.groupWindowMs / 1000).toFixed(0)} s window); ${several.duplicates} duplicates, ${several.lost} lost`,
    '0 duplicates, 0 lost', several.duplicates === 0 && several.lost === 0,
  ]);
} catch (error) {
  if (!postgresMissing(error)) throw error;
  rows.push(['several processes (PostgreSQL)', postgresMissing(error)!, '0 duplicates, 0 lost', false]);
}

const slackAck = await benchSlackAck();
rows.push([
  `slack ack, ${slackAck.perWave} concurrent /shop help`,
  `p50 ${slackAck.p50Ms.toFixed(1)} ms, p99 ${slackAck.p99Ms.toFixed(1)} ms, max ${slackAck.maxMs.toFixed(1)} ms over ${slackAck.samples} requests (${slackAck.waves} waves after ${slackAck.warmupWaves} warm-up; ` +
    `first cold wave p99 ${slackAck.coldP99Ms.toFixed(0)} ms), ${slackAck.non200} not 200, load ${slackAck.loadAverage.toFixed(1)} on ${slackAck.cores} cores`,
  'p99 < 50 ms', slackAck.p99Ms < 50 && slackAck.non200 === 0,
]);

const storm = await benchAlertStorm();
rows.push([
  `alert storm: ${storm.events.toLocaleString('en-US')} failures in one burst`,
  `${storm.channels.map((channel) => `${channel.name}: ${channel.posts} alert + ${channel.threadMessages} in thread, ${channel.rateLimited} × 429`).join('; ')}; ` +
    `last delivered after ${storm.deliveredSeconds.toFixed(1)} s (${(storm.groupWindowMs / 1000).toFixed(0)} s window), ${storm.lost} lost`,
  'a handful per channel, 0 lost', storm.lost === 0 && storm.channels.every((channel) => channel.posts <= 5),
]);

process.stdout.write(`\nshopshift benchmarks; catalog: ${PRODUCTS.toLocaleString('en-US')} products, ${megabytes.toFixed(0)} MB CSV (${csvPath})\n`);
for (const [name, figure, target, met] of rows) {
  process.stdout.write(`  ${name.padEnd(40)} ${figure.padEnd(96)} target ${target.padEnd(24)} ${met ? 'met' : 'NOT MET'}\n`);
}
