import { afterEach, describe, expect, it } from 'vitest';
import { adminGraphqlUrl, createShopifyAdminClient, ShopifyAdminError, type ShopifyAdminClientOptions } from '../../src/shopify/admin-client.js';
import { startShopifyAdminSim, type ShopifyAdminSim, type ShopifyAdminSimOptions } from '../sim/shopify-admin.js';
import { captureLogs } from '../support/log-capture.js';

const PAGE = 'query Page($first: Int!) { products(first: $first) { nodes { id title variants(first: 5) { nodes { id sku } } } } }';

let sim: ShopifyAdminSim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

/** A clock both sides read, advanced only by the client's sleeps: waits are exact and instant. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function setUp(simOptions: ShopifyAdminSimOptions = {}, clientOptions: Partial<ShopifyAdminClientOptions> = {}) {
  const time = fakeTime();
  sim = await startShopifyAdminSim({ products: 20, clock: time.now, ...simOptions });
  const logs = captureLogs();
  const client = createShopifyAdminClient({
    adminUrl: sim.url, accessToken: sim.accessToken, log: logs.log, clock: time, sleep: time.sleep, retryBaseMs: 10, ...clientOptions,
  });
  return { sim, client, logs, time };
}

describe('the Shopify Admin GraphQL client', () => {
  it('posts to /admin/api/{version}/graphql.json of the store, with the pinned version', () => {
    expect(adminGraphqlUrl('https://my-shop.myshopify.com/', '2025-10').toString()).toBe('https://my-shop.myshopify.com/admin/api/2025-10/graphql.json');
  });

  it('answers the data and the cost Shopify reported', async () => {
    const { client } = await setUp();
    const { data, cost } = await client.query<{ products: { nodes: unknown[] } }>(PAGE, { first: 3 });
    expect(data.products.nodes).toHaveLength(3);
    expect(cost).toMatchObject({ requestedQueryCost: 2 + 3 * (1 + 2 + 5), throttleStatus: { maximumAvailable: 1000, restoreRate: 50 } });
    expect(client.apiVersion).toBe('2025-10');
  });

  it('logs the version Shopify answered with when it is not the pinned one', async () => {
    const { client, logs } = await setUp({ supportedVersions: ['2026-01'], fallbackVersion: '2026-01' });
    await client.query(PAGE, { first: 1 });
    await client.query(PAGE, { first: 1 });
    const warnings = logs.lines().filter((line) => line.msg === 'Shopify answered with another API version than the pinned one');
    expect(warnings).toEqual([expect.objectContaining({ asked: '2025-10', answered: '2026-01' })]);
  });

  it('turns a refused token into a clear error that names the setting and never holds the token', async () => {
    const { sim: server, logs } = await setUp();
    const client = createShopifyAdminClient({ adminUrl: server.url, accessToken: 'shpat_wrong_secret_token', log: logs.log });
    const error = await client.query(PAGE, { first: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShopifyAdminError);
    expect(error).toMatchObject({ status: 401, code: 'UPSTREAM_FAILED' });
    expect((error as ShopifyAdminError).userText).toMatch(/SHOPIFY_ACCESS_TOKEN/);
    expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toContain('shpat_wrong_secret_token');
    expect(logs.text()).not.toContain('shpat_wrong_secret_token');
  });

  it('turns GraphQL errors into a clear error with their codes, keeping the messages for the log', async () => {
    const { client } = await setUp();
    const error = (await client.query('{ products(first: 300) { nodes { id } } }').catch((caught: unknown) => caught)) as ShopifyAdminError;
    expect(error).toBeInstanceOf(ShopifyAdminError);
    expect(error.userText).toBe("Shopify rejected shopshift's catalog query (BAD_REQUEST).");
    expect(error.graphqlErrors[0]?.message).toMatch(/cannot exceed 250/);
  });

  it('refuses a query over the 1,000-point single query limit as MAX_COST_EXCEEDED', async () => {
    const { client } = await setUp();
    const error = (await client.query('{ products(first: 250) { nodes { id variants(first: 10) { nodes { id } } } } }').catch((caught: unknown) => caught)) as ShopifyAdminError;
    expect(error.graphqlCode).toBe('MAX_COST_EXCEEDED');
  });

  it.each([200, 429] as const)('waits out a THROTTLED answer (HTTP %i) for exactly (requested − available) / restoreRate, then retries', async (status) => {
    const { sim: server, client, time } = await setUp({ throttleStatus: status, restoreRate: 40 });
    server.drain(990);
    const { data } = await client.query<{ products: { nodes: unknown[] } }>(PAGE, { first: 10 });
    expect(data.products.nodes).toHaveLength(10);
    const throttled = server.requests.filter((request) => request.throttled);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]?.status).toBe(status);
    const requested = 2 + 10 * 8;
    expect(time.sleeps[0]).toBeCloseTo(((requested - 10) / 40) * 1000, 6);
    expect(client.stats).toMatchObject({ throttled: 1, retries: 0 });
  });

  it('paces requests by the bucket so that no request is throttled', async () => {
    const { sim: server, client, time } = await setUp({ maximumAvailable: 200, restoreRate: 10 });
    for (let i = 0; i < 6; i++) await client.query(PAGE, { first: 20 }, { costKey: 'page' });
    expect(server.requests.every((request) => !request.throttled)).toBe(true);
    // Each page asks for 162 points and uses 2 + 20 × (1 + 2 + 3.5 variants); the wait is the refill of what the last one used.
    expect(time.sleeps.length).toBeGreaterThan(0);
    const used = server.requests.reduce((sum, request) => sum + (request.actual ?? 0), 0);
    const waitedSeconds = time.sleeps.reduce((sum, ms) => sum + ms, 0) / 1000;
    const last = server.requests.at(-1)!;
    // Everything beyond the first full bucket was refilled at 10 points a second, plus what the last page kept in reserve.
    expect(waitedSeconds).toBeCloseTo((used - 200 + (last.requested - last.actual!)) / 10, 0);
  });

  it('paces a query it has not sent before by the caller’s estimate, and without one learns from a THROTTLED answer', async () => {
    const { sim: server, client } = await setUp({ maximumAvailable: 100, restoreRate: 10 });
    await client.query(PAGE, { first: 10 }, { costKey: 'a' });
    await client.query(PAGE, { first: 10 }, { costKey: 'b', estimatedCost: 82 });
    expect(server.requests.filter((request) => request.throttled)).toHaveLength(0);
    await client.query(PAGE, { first: 10 }, { costKey: 'c' });
    expect(server.requests.filter((request) => request.throttled)).toHaveLength(1);
    expect(client.stats.throttled).toBe(1);
  });

  it('retries HTTP 503 and 429 honouring Retry-After', async () => {
    const { sim: server, client, time } = await setUp();
    server.setFault({ kind: 'status', status: 503, retryAfter: '2' });
    server.setFault({ kind: 'status', status: 429, retryAfter: '0.5' });
    await client.query(PAGE, { first: 1 });
    expect(time.sleeps).toEqual([2000, 500]);
    expect(client.stats.retries).toBe(2);
  });

  it('gives up on HTTP 429 after the retries it is allowed', async () => {
    const { sim: server, client } = await setUp({}, { maxRetries: 2 });
    server.setFault({ kind: 'status', status: 429, retryAfter: '1' }, 3);
    await expect(client.query(PAGE, { first: 1 })).rejects.toMatchObject({ status: 429, userText: expect.stringMatching(/rate-limiting/) });
  });
});
