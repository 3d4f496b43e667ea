import { afterEach, describe, expect, it } from 'vitest';
import { createShopifyAdminClient } from '../../src/shopify/admin-client.js';
import { createTikTokClient } from '../../src/tiktok/client.js';
import { startShopifyAdminSim } from '../sim/shopify-admin.js';
import { startTikTokShopSim } from '../sim/tiktok-shop.js';
import { captureLogs } from '../support/log-capture.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('onRequest of the TikTok Shop client', () => {
  it('hears every attempt: a 429 retried, then the answer', async () => {
    const sim = await startTikTokShopSim({ reviewDelayMs: 60_000 });
    cleanups.push(() => sim.close());
    const heard: string[] = [];
    const week = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
    const client = createTikTokClient({
      appKey: sim.appKey, appSecret: sim.appSecret, shopCipher: sim.shopCipher, apiUrl: sim.url, authUrl: sim.authUrl, log: captureLogs().log,
      tokenStore: { load: async () => ({ accessToken: sim.accessToken, accessTokenExpiresAt: week, refreshToken: sim.refreshToken, refreshTokenExpiresAt: week }), save: async () => undefined },
      qps: 1000, retryBaseMs: 5, onRequest: (outcome) => heard.push(outcome),
    });
    cleanups.push(() => client.close());
    sim.setFault({ kind: 'rate-limit', times: 1 });
    await client.getCategories();
    expect(heard).toEqual(['error', 'ok']);
  });
});

describe('onRequest of the Shopify Admin client', () => {
  it('hears an answer with data as ok and a refused token as an error', async () => {
    const sim = await startShopifyAdminSim({ products: 3 });
    cleanups.push(() => sim.close());
    const heard: string[] = [];
    const query = 'query { products(first: 1) { nodes { id } } }';
    const client = createShopifyAdminClient({ adminUrl: sim.url, accessToken: sim.accessToken, log: captureLogs().log, onRequest: (outcome) => heard.push(outcome) });
    await client.query(query);
    const refused = createShopifyAdminClient({ adminUrl: sim.url, accessToken: 'shpat_wrong', log: captureLogs().log, onRequest: (outcome) => heard.push(outcome) });
    await expect(refused.query(query)).rejects.toThrow(/401/);
    expect(heard).toEqual(['ok', 'error']);
  });
});
