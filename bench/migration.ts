// Products pushed per second against the TikTok Shop simulator at a QPS limit, as a share of that limit.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createMigrationDeps } from '../src/app.js';
import { auditSettingsFrom, createAuditContext } from '../src/audit/context.js';
import { runAudit } from '../src/audit/engine.js';
import { createVerdictCollector, recordAuditRun } from '../src/audit/record.js';
import { allRules } from '../src/audit/rules/index.js';
import { fileTextInput } from '../src/catalog/file-input.js';
import { shopifyCsvSource } from '../src/catalog/shopify-csv.js';
import { loadConfig } from '../src/config.js';
import { startMigration } from '../src/migration/run.js';
import { openLowdbStore } from '../src/store/lowdb.js';
import { startImageHost } from '../test/sim/image-host.js';
import { startTikTokShopSim } from '../test/sim/tiktok-shop.js';
import { writeTestCatalog } from '../test/support/catalog-csv.js';

export interface MigrationBench {
  qps: number;
  products: number;
  seconds: number;
  requests: number;
  throttled: number;
  failedListings: number;
}

export async function benchMigration(qps: number, products: number): Promise<MigrationBench> {
  const sim = await startTikTokShopSim({ qps, reviewDelayMs: 1000, shops: [{ id: '1', cipher: 'ROW_Bench', name: 'Bench', region: 'US' }] });
  const images = await startImageHost();
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-bench-'));
  const catalog = join(dir, 'products.csv');
  await writeTestCatalog(catalog, { products, imageHost: images.url });
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'), TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey,
    TIKTOK_APP_SECRET: sim.appSecret, TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken,
    TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1', TIKTOK_QPS: String(qps), MIGRATION_CONCURRENCY: '8',
    // The image host is a local simulator.
    FETCH_ALLOWED_PRIVATE: '127.0.0.1/32',
  });
  const log = pino({ level: 'silent' });
  const store = await openLowdbStore({ dir: config.DATA_DIR });
  await store.mappings.set({ shop: sim.shopCipher, key: 'Mugs', categoryId: '910101', origin: 'manual', by: null, updatedAt: 'now' });
  const context = await createAuditContext(auditSettingsFrom(config), await store.mappings.list(sim.shopCipher));
  const verdicts = createVerdictCollector();
  const summary = await runAudit(shopifyCsvSource(fileTextInput(catalog)), { rules: allRules, context, statuses: new Set(['active']), onResult: verdicts.add });
  await recordAuditRun(store, sim.shopCipher, catalog, summary, verdicts.verdicts);

  const deps = await createMigrationDeps(config, store, log, { dryRun: false });
  const before = sim.requests.length;
  const started = performance.now();
  await startMigration(deps, { shop: sim.shopCipher, dryRun: false, limit: null });
  const seconds = (performance.now() - started) / 1000;
  const requests = sim.requests.slice(before);
  const result = {
    qps, products: sim.products.size, seconds, requests: requests.length,
    throttled: requests.filter((request) => request.code === 36009002).length,
    failedListings: (await store.listings.countByState(sim.shopCipher)).error,
  };
  await store.close();
  await sim.close();
  await images.close();
  return result;
}
