import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { projectRoot } from '../../src/paths.js';
import { startImageHost } from '../sim/image-host.js';
import { startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { writeTestCatalog } from '../support/catalog-csv.js';

const PRODUCTS = 300;

function shopshift(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['bin/shopshift.js', ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exited };
}

describe('kill -9 in the middle of a migration, then resume', () => {
  let sim: TikTokShopSim;
  let imageHost: Awaited<ReturnType<typeof startImageHost>>;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let catalog: string;

  beforeAll(async () => {
    // A modest QPS so the run is still going when it is killed.
    sim = await startTikTokShopSim({ qps: 60, reviewDelayMs: 5, shops: [{ id: '7494049642642441621', cipher: 'ROW_SimUS', name: 'Kiln US', region: 'US' }] });
    imageHost = await startImageHost();
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-kill-'));
    catalog = join(dir, 'products.csv');
    dataDir = join(dir, 'data');
    await writeTestCatalog(catalog, { products: PRODUCTS, imageHost: imageHost.url });
    await writeFile(join(dir, 'map.csv'), 'type,id\nMugs,910101\n');
    env = {
      PATH: process.env.PATH, DATA_DIR: dataDir, CATEGORY_MAP_FILE: join(dir, 'map.csv'), TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl,
      TIKTOK_APP_KEY: sim.appKey, TIKTOK_APP_SECRET: sim.appSecret, TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken,
      TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1', TIKTOK_QPS: '50', MIGRATION_CONCURRENCY: '6',
      // The image host is a local simulator.
      FETCH_ALLOWED_PRIVATE: '127.0.0.1/32',
    };
  }, 30_000);
  afterAll(async () => {
    await sim.close();
    await imageHost.close();
  });

  it('creates no duplicate listing and finishes every product', async () => {
    const audit = await shopshift(['audit', catalog, '--no-progress'], env).exited;
    expect(audit.code, audit.output).toBe(0);

    const first = shopshift(['migrate', 'start'], env);
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (sim.products.size >= PRODUCTS / 3) {
          clearInterval(poll);
          first.child.kill('SIGKILL');
          resolve();
        } else if (Date.now() - started > 30_000) {
          clearInterval(poll);
          reject(new Error(`the first run created only ${sim.products.size} products in 30 s`));
        }
      }, 5);
    });
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const createdBeforeKill = sim.products.size;
    expect(createdBeforeKill).toBeLessThan(PRODUCTS);
    // The kill caught creates in flight: listings announced as submitting, some perhaps already created.
    const afterKill = await openLowdbStore({ dir: dataDir });
    expect((await afterKill.listings.countByState(sim.shopCipher)).submitting).toBeGreaterThan(0);
    await afterKill.close();

    const resumed = await shopshift(['migrate', 'resume'], env).exited;
    expect(resumed.code, resumed.output).toBe(0);

    expect(sim.products.size).toBe(PRODUCTS);
    const skus = [...sim.products.values()].flatMap((product) => product.skus.map((sku) => sku.seller_sku));
    expect(skus).toHaveLength(PRODUCTS * 2);
    expect(new Set(skus).size).toBe(skus.length);

    const store = await openLowdbStore({ dir: dataDir });
    const counts = await store.listings.countByState(sim.shopCipher);
    // A product the killed run created is adopted with the status TikTok reports, which may be live already.
    expect(counts.in_review + counts.live).toBe(PRODUCTS);
    expect(counts).toMatchObject({ submitting: 0, error: 0, pending: 0, rejected: 0 });
    const ids = (await store.listings.list(sim.shopCipher)).map((listing) => listing.tiktokProductId);
    expect(new Set(ids).size).toBe(PRODUCTS);
    expect(ids.every((id) => id !== null && sim.products.has(id))).toBe(true);
    await store.close();
  }, 120_000);
});
