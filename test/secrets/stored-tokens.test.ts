import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTikTokFromConfig, vaultFrom } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { resealSecrets, sealedTokenStore, tiktokTokensName } from '../../src/secrets/token-store.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { captureLogs } from '../support/log-capture.js';
import { withTestDatabase } from '../support/postgres.js';

const database = withTestDatabase();

const KEY = Buffer.alloc(32, 3).toString('base64');
const NEW_KEY = Buffer.alloc(32, 4).toString('base64');
const sims: TikTokShopSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function shop(keys: Record<string, string> = { SHOPSHIFT_SECRET_KEY: KEY }) {
  const sim = await startTikTokShopSim();
  sims.push(sim);
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-secrets-'));
  const config = (extra: Record<string, string> = {}) => loadConfig({
    DATA_DIR: dir, TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey, TIKTOK_APP_SECRET: sim.appSecret,
    TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken, TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1',
    // The configured access token is about to expire: the first call refreshes it.
    TIKTOK_ACCESS_TOKEN_EXPIRES_AT: String(Math.floor(Date.now() / 1000) + 60), ...keys, ...extra,
  });
  const refreshes = () => sim.requests.filter((request) => request.path === '/api/v2/token/refresh').length;
  return { sim, dir, config, refreshes };
}

/** Everything the store wrote, as text. */
async function storeFiles(dir: string): Promise<string> {
  const names = await readdir(dir);
  return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('\n');
}

describe('TikTok tokens at rest', () => {
  it('seals a refreshed pair in the store, which the next process uses without refreshing again; no token text on disk or in the log', async () => {
    const { dir, config, refreshes } = await shop();
    const logs = captureLogs('debug');
    const store = await openLowdbStore({ dir });
    await createTikTokFromConfig(config(), logs.log, { store }).getCategories();
    expect(refreshes()).toBe(1);
    const sealed = await store.secrets.get(tiktokTokensName(config().TIKTOK_SHOP_CIPHER!));
    expect(sealed).toBeDefined();
    await store.close();

    const files = await storeFiles(dir);
    const next = await openLowdbStore({ dir });
    const tokens = JSON.parse(vaultFrom(config())!.open((await next.secrets.get(sealed!.name))!)) as { accessToken: string; refreshToken: string };
    for (const secret of [tokens.accessToken, tokens.refreshToken, config().TIKTOK_ACCESS_TOKEN!, config().TIKTOK_APP_SECRET!]) {
      expect(files).not.toContain(secret);
      expect(logs.text()).not.toContain(secret);
    }
    expect((await stat(join(dir, 'shopshift.json'))).mode & 0o777).toBe(0o600);

    // A restart: the stored pair is used as is.
    await createTikTokFromConfig(config(), logs.log, { store: next }).getCategories();
    expect(refreshes()).toBe(1);
    await next.close();
  });

  it('re-seals with a new key after a rotation, and the old key is no longer needed', async () => {
    const { dir, config, refreshes } = await shop();
    const store = await openLowdbStore({ dir });
    await createTikTokFromConfig(config(), captureLogs().log, { store }).getCategories();
    const rotated = config({ SHOPSHIFT_SECRET_KEY: NEW_KEY, SHOPSHIFT_SECRET_KEY_PREVIOUS: KEY });
    expect(await resealSecrets(store, vaultFrom(rotated)!, Date.now())).toBe(1);
    expect(await resealSecrets(store, vaultFrom(rotated)!, Date.now())).toBe(0);
    await createTikTokFromConfig(config({ SHOPSHIFT_SECRET_KEY: NEW_KEY }), captureLogs().log, { store }).getCategories();
    expect(refreshes()).toBe(1);
    await store.close();
  });

  it('without a key, keeps a refreshed pair in memory only and says how to keep it', async () => {
    const { dir, config } = await shop({});
    const logs = captureLogs();
    const store = await openLowdbStore({ dir });
    await createTikTokFromConfig(config(), logs.log, { store }).getCategories();
    expect(await store.secrets.list()).toEqual([]);
    expect(logs.lines().find((line) => String(line.msg).startsWith('SHOPSHIFT_SECRET_KEY is not set'))?.msg).toMatch(/openssl rand -base64 32/);
    await store.close();
  });

  it('lets a new authorization in the settings win over the pair stored from the old one', async () => {
    const { dir, config } = await shop();
    const store = await openLowdbStore({ dir });
    await createTikTokFromConfig(config(), captureLogs().log, { store }).getCategories();
    const tokensFor = (refreshToken: string) => sealedTokenStore({
      store, vault: vaultFrom(config()), shop: config().TIKTOK_SHOP_CIPHER!, log: captureLogs().log, now: Date.now,
      configured: { accessToken: 'configured-access', accessTokenExpiresAt: 0, refreshToken, refreshTokenExpiresAt: 0 },
    });
    // Same authorization as the stored pair descends from: the stored (refreshed) pair.
    expect((await tokensFor(config().TIKTOK_REFRESH_TOKEN!).load())?.accessToken).not.toBe('configured-access');
    // The operator authorized again: the settings' new pair.
    expect((await tokensFor('a-new-refresh-token').load())?.accessToken).toBe('configured-access');
    await store.close();
  });
});

database.describe('TikTok tokens shared by several processes', () => {
  it('are refreshed by one process while the others wait and use its pair', async () => {
    const { config, refreshes } = await shop();
    const stores = await Promise.all([0, 1, 2].map(() => openPostgresStore({ url: database.url })));
    try {
      const clients = stores.map((store) => createTikTokFromConfig(config(), captureLogs().log, { store }));
      await Promise.all(clients.map((client) => client.getCategories()));
      expect(refreshes()).toBe(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
