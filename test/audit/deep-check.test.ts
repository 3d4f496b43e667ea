import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Papa from 'papaparse';
import { afterEach, describe, expect, it } from 'vitest';
import { createCategoryMapper } from '../../src/audit/category-map.js';
import { createDeepCheck, foldListingCheck } from '../../src/audit/deep-check.js';
import { toProductBody } from '../../src/migration/product-body.js';
import type { ProductBody, TikTokShopClient } from '../../src/tiktok/api.js';
import type { ProductResult } from '../../src/audit/verdict.js';
import { renderText, type MessagePart, type Reply } from '../../src/chat/message.js';
import { auditCommand } from '../../src/cli/audit-command.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { SIM_CATEGORY, startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { chatHarness } from '../support/chat.js';
import { captureLogs } from '../support/log-capture.js';

/** [handle, title, product type, price, image] */
type Row = [string, string, string, string, string];

// Every product passes the local rules except `gizmo` (unmapped) and `no-price-mug` (price 0); the sim's
// default tree wants a size chart for T-Shirts (12052673) and prohibits Knives (12052220).
const CATALOG: Row[] = [
  ['stoneware-mug', 'Stoneware Mug', 'Mugs', '12.00', 'https://cdn.example/mug.jpg'],
  ['linen-tee', 'Linen T-Shirt', 'T-Shirts', '25.00', 'https://cdn.example/tee.jpg'],
  ['chef-knife', 'Chef Knife', 'Knives', '40.00', 'https://cdn.example/knife.jpg'],
  ['porcelain-mug', 'Porcelain Mug', 'Mugs', '9.00', 'https://cdn.example/mug2.jpg'],
  ['gizmo', 'Flux Capacitor', 'Gizmos', '10.00', 'https://cdn.example/gizmo.jpg'],
  ['no-price-mug', 'Mug Without Price', 'Mugs', '0', 'https://cdn.example/mug3.jpg'],
];

/** A valid EAN-13 per product (GB asks for a barcode). */
function ean13(n: number): string {
  const digits = `501234${String(n).padStart(6, '0')}`;
  const sum = [...digits].reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 1 : 3), 0);
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

async function writeFiles(rows: Row[]) {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-deep-'));
  const catalog = join(dir, 'catalog.csv');
  const header = ['Handle', 'Title', 'Body (HTML)', 'Type', 'Option1 Name', 'Option1 Value', 'Variant SKU', 'Variant Grams', 'Variant Inventory Tracker', 'Variant Inventory Qty', 'Variant Price', 'Variant Barcode', 'Image Src', 'Status'];
  await writeFile(catalog, Papa.unparse([header, ...rows.map(([handle, title, type, price, image], index) => [
    handle, title, `<p>${title}, made with care.</p>`, type, 'Title', 'Default Title', handle.toUpperCase(), '400', 'shopify', '5', price, ean13(index), image, 'active',
  ])], { newline: '\n' }));
  const map = join(dir, 'map.csv');
  await writeFile(map, `type,id\nMugs,${SIM_CATEGORY.mugs}\nT-Shirts,${SIM_CATEGORY.tShirts}\nKnives,${SIM_CATEGORY.knives}\n`);
  return { catalog, map };
}

const sims: TikTokShopSim[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.close();
});

async function tiktokEnv(qps = '100'): Promise<{ sim: TikTokShopSim; env: NodeJS.ProcessEnv }> {
  const sim = await startTikTokShopSim();
  sims.push(sim);
  return {
    sim,
    env: {
      TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey, TIKTOK_APP_SECRET: sim.appSecret,
      TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken, TIKTOK_REFRESH_TOKEN: sim.refreshToken,
      TIKTOK_WAREHOUSE_ID: 'WH-1', TIKTOK_QPS: qps, TIKTOK_MAX_RETRIES: '1',
    },
  };
}

// The category rules fetched from TikTok would block the tee and the knife before listing_check is asked:
// these specs are about listing_check, so they audit with the local rules only (one spec below layers both).
const BASE_ENV = { TIKTOK_REGION: 'GB', PACKAGE_DEFAULT_DIMENSIONS: '20 x 15 x 10 cm', AUDIT_CATEGORY_RULES: 'off' };

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  let opened: Promise<Store> | null = null;
  const store = () => (opened ??= mkdtemp(join(tmpdir(), 'shopshift-data-')).then((dir) => openLowdbStore({ dir })));
  const io = { stdout, stderr, config: loadConfig({ ...BASE_ENV, ...env }), log: captureLogs().log, store };
  const status = await auditCommand([...args, '--no-progress'], io);
  return { status, out, err, store: await store() };
}

interface JsonReport {
  products: ProductResult[];
  summary: { products: { ready: number; warnings: number; blocked: number }; rules: { ruleId: string; products: number }[] };
}

const checks = (sim: TikTokShopSim) => sim.requests.filter((request) => request.path === '/product/202309/products/listing_check');
const byHandle = (report: JsonReport) => new Map(report.products.map((product) => [product.handle, product]));

describe('audit --deep', () => {
  it('folds TikTok’s listing_check failures into the findings with their codes, and the verdict follows', async () => {
    const { env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { status, out } = await cli([catalog, '--categories', map, '--deep', '--format', 'json'], env);
    const report = JSON.parse(out) as JsonReport;
    const products = byHandle(report);
    expect(status).toBe(1);
    expect(products.get('linen-tee')).toMatchObject({
      verdict: 'blocked',
      findings: [{ ruleId: 'tiktok:12052673', severity: 'blocker', message: 'Product sizechart image is required', hint: expect.stringContaining('size chart') }],
    });
    expect(products.get('chef-knife')?.findings.map((finding) => finding.ruleId)).toEqual(['tiktok:12052220']);
    expect(products.get('chef-knife')?.verdict).toBe('blocked');
    expect(products.get('stoneware-mug')).toMatchObject({ verdict: 'ready', findings: [] });
    expect(report.summary.rules).toContainEqual(expect.objectContaining({ ruleId: 'tiktok:12052673', products: 1 }));
    expect(report.summary.products).toMatchObject({ ready: 2, blocked: 4 });
  });

  it('with the categories’ own rules live, blocks what they forbid before listing_check is asked', async () => {
    const { sim, env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { out } = await cli([catalog, '--categories', map, '--deep', '--format', 'json'], { ...env, AUDIT_CATEGORY_RULES: 'live' });
    const products = byHandle(JSON.parse(out) as JsonReport);
    expect(products.get('linen-tee')?.findings.map((finding) => finding.ruleId)).toEqual(['category-size-chart-required']);
    expect(products.get('chef-knife')?.findings.map((finding) => finding.ruleId)).toEqual(['category-prohibited']);
    expect(checks(sim)).toHaveLength(2);
  });

  it('asks only about products the migration would push: not the locally blocked, not the unmapped', async () => {
    const { sim, env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { out, err } = await cli([catalog, '--categories', map, '--deep', '--format', 'json'], env);
    expect(checks(sim)).toHaveLength(4);
    expect(sim.products.size).toBe(0);
    const products = byHandle(JSON.parse(out) as JsonReport);
    expect(products.get('gizmo')?.findings.map((finding) => finding.ruleId)).not.toContain(expect.stringMatching(/^tiktok:/));
    expect(products.get('no-price-mug')?.findings.every((finding) => !finding.ruleId.startsWith('tiktok:'))).toBe(true);
    // The JSON on stdout stays JSON; the counts go beside it.
    expect(err).toContain("TikTok's listing_check: 4 checked, 2 with issues.");
  });

  it('prints the counts under the text report and records the deep verdicts for the migration', async () => {
    const { env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { out, store } = await cli([catalog, '--categories', map, '--deep'], env);
    expect(out).toContain('tiktok:12052220');
    expect(out).toMatch(/TikTok's listing_check: 4 checked, 2 with issues\. Images were sent as the store’s URLs/);
    const run = await store.audits.latest(env.TIKTOK_SHOP_CIPHER!);
    expect(run?.verdicts).toMatchObject({ 'stoneware-mug': 'ready', 'linen-tee': 'blocked', 'chef-knife': 'blocked' });
  });

  it('paces the checks at TIKTOK_QPS however many are in flight', async () => {
    const { sim, env } = await tiktokEnv('8');
    const rows = Array.from({ length: 6 }, (_, index): Row => [`mug-${index}`, `Mug ${index}`, 'Mugs', '10.00', `https://cdn.example/m${index}.jpg`]);
    const { catalog, map } = await writeFiles(rows);
    await cli([catalog, '--categories', map, '--deep'], { ...env, MIGRATION_CONCURRENCY: '6' });
    const times = checks(sim).map((request) => request.at);
    expect(times).toHaveLength(6);
    const gaps = times.slice(1).map((at, index) => at - times[index]!);
    // 125 ms apart at 8 per second; a few ms of scheduling slack.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(115);
  });

  it('notes a product whose check failed after the retries, and carries on', async () => {
    const { sim, env } = await tiktokEnv();
    sim.setFault({ kind: 'server-error', times: 10, paths: /listing_check/, httpStatus: 503 });
    const { catalog, map } = await writeFiles(CATALOG.slice(0, 1));
    const { status, out } = await cli([catalog, '--categories', map, '--deep', '--format', 'json'], env);
    const mug = byHandle(JSON.parse(out) as JsonReport).get('stoneware-mug');
    expect(status).toBe(0);
    expect(mug).toMatchObject({ verdict: 'warnings', findings: [{ ruleId: 'tiktok:check-not-run', severity: 'warning' }] });
    expect(mug?.findings[0]?.message).toMatch(/^TikTok's listing_check could not run for this product: /);
  });

  it('without TikTok settings says which are missing and runs the local checks only', async () => {
    const { catalog, map } = await writeFiles(CATALOG);
    const { status, out } = await cli([catalog, '--categories', map, '--deep'], {});
    expect(status).toBe(1);
    expect(out).toContain('Blocked    2');
    expect(out).toContain(
      'Deep mode needs TikTok Shop settings (TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_SHOP_CIPHER, TIKTOK_ACCESS_TOKEN, TIKTOK_REFRESH_TOKEN, TIKTOK_WAREHOUSE_ID missing); ran the local checks only.',
    );
  });
});

describe('foldListingCheck', () => {
  const ready: ProductResult = { handle: 'mug', title: 'Mug', line: 2, variants: 1, verdict: 'ready', findings: [] };

  it('makes TikTok’s warnings warnings, and leaves a product ready when TikTok passed it', () => {
    expect(foldListingCheck(ready, { passed: true, failures: [], warnings: [] })).toBe(ready);
    const folded = foldListingCheck(ready, { passed: true, failures: [], warnings: [{ message: 'brand_id cleared' }] });
    expect(folded).toMatchObject({ verdict: 'warnings', findings: [{ ruleId: 'tiktok:warning', severity: 'warning', message: 'brand_id cleared' }] });
  });

  it('ignores the unknown-image-URI failure a URL causes, and names code-less failures listing-check', () => {
    const folded = foldListingCheck(ready, {
      passed: false,
      failures: [{ code: '12052722', message: 'The image URI does not exist' }, { code: null, message: 'Something else' }],
      warnings: [],
    });
    expect(folded.findings.map((finding) => [finding.ruleId, finding.severity])).toEqual([['tiktok:listing-check', 'blocker']]);
    expect(folded.verdict).toBe('blocked');
  });
});

describe('createDeepCheck', () => {
  it('sends the migration’s create body, with the store’s image URLs and without the create’s idempotency key', async () => {
    const image = (src: string) => ({ src, position: null, alt: '', width: null, height: null });
    const product = makeProduct({
      handle: 'mug', title: ' Stoneware Mug ', productType: 'Mugs',
      images: [image('https://cdn.example/a.jpg'), image('https://cdn.example/a.jpg'), image('https://cdn.example/b.jpg')],
      variants: [makeVariant({ sku: 'MUG-1', price: '12.00', weightGrams: 400, inventoryQuantity: 3 })],
    });
    const sent: ProductBody[] = [];
    const client = { listingCheck: async (body: ProductBody) => {
      sent.push(body);
      return { passed: true, failures: [], warnings: [] };
    } } as unknown as TikTokShopClient;
    const body = { currency: 'GBP', warehouseId: 'WH-1', defaultPackage: null, packageMetafield: 'shopshift.package_dimensions' };
    const check = createDeepCheck({ client, categories: createCategoryMapper(new Map([['Mugs', '910101']]), null), body, log: captureLogs().log });
    await check.refine(product, { handle: 'mug', title: 'Mug', line: 2, variants: 1, verdict: 'ready', findings: [] });
    const { idempotency_key: key, ...created } = toProductBody(product, ['https://cdn.example/a.jpg', 'https://cdn.example/b.jpg'], { ...body, categoryId: '910101', idempotencyKey: 'k' });
    expect(key).toBe('k');
    expect(sent).toEqual([created]);
    expect(check.counts()).toEqual({ checked: 1, withIssues: 0, notRun: 0 });
  });
});

describe('/shop audit deep', () => {
  const partsOf = <K extends MessagePart['kind']>(reply: Reply, kind: K) => reply.parts.filter((part): part is Extract<MessagePart, { kind: K }> => part.kind === kind);

  it('posts the deep verdicts and the listing_check counts', async () => {
    const { sim, env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { run, progress } = await chatHarness({ ...BASE_ENV, ...env, CATALOG_SOURCE: catalog, CATEGORY_MAP_FILE: map });
    const answer = await run('audit deep');
    expect(progress[0]).toBe('Auditing the catalog, then asking TikTok Shop about each ready product…');
    expect(partsOf(answer, 'heading')[0]?.text).toBe('Audit: 4 of 6 products are blocked');
    expect(renderText(answer.parts)).toContain("TikTok's listing_check: 4 checked, 2 with issues.");
    expect(partsOf(answer, 'table')[0]?.rows.map((row) => row[0])).toEqual(expect.arrayContaining(['tiktok:12052220', 'tiktok:12052673']));
    expect(checks(sim)).toHaveLength(4);
  });

  it('runs the local checks only, and says why, without TikTok settings', async () => {
    const { catalog, map } = await writeFiles(CATALOG);
    const { run } = await chatHarness({ ...BASE_ENV, CATALOG_SOURCE: catalog, CATEGORY_MAP_FILE: map });
    const answer = await run('audit deep');
    expect(partsOf(answer, 'heading')[0]?.text).toBe('Audit: 2 of 6 products are blocked');
    expect(renderText(answer.parts)).toContain('Deep mode needs TikTok Shop settings (TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_SHOP_CIPHER, TIKTOK_ACCESS_TOKEN, TIKTOK_REFRESH_TOKEN, TIKTOK_WAREHOUSE_ID missing); ran the local checks only.');
  });

  it('leaves a plain /shop audit local', async () => {
    const { sim, env } = await tiktokEnv();
    const { catalog, map } = await writeFiles(CATALOG);
    const { run } = await chatHarness({ ...BASE_ENV, ...env, CATALOG_SOURCE: catalog, CATEGORY_MAP_FILE: map });
    expect(renderText((await run('audit')).parts)).not.toContain('listing_check');
    expect(checks(sim)).toHaveLength(0);
  });
});
