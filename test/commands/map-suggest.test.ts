import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, describe, expect, it } from 'vitest';
import { renderText, type Button, type MessagePart, type Reply } from '../../src/chat/message.js';
import { SIM_CATEGORY, startTikTokShopSim, type TikTokShopSim, type TikTokShopSimOptions } from '../sim/tiktok-shop.js';
import { chatHarness, manager, member } from '../support/chat.js';

const UK_CATEGORIES = join(process.env.SHOPSHIFT_SHARED_DATA ?? join(import.meta.dirname, '../../../shared/data'), 'tiktok-uk-categories.csv');

/** [handle, title, product type, Shopify category, status] */
type Row = [string, string, string, string, string];

const CATALOG: Row[] = [
  ['mug-1', 'Stoneware Mug, Speckled', 'Mugs', '', 'active'],
  ['mug-2', 'Porcelain Mug, White', 'Mugs', '', 'active'],
  ['mug-3', 'Enamel Camping Mug', 'mugs ', '', 'active'],
  ['candle-1', 'Fig Soy Candle', 'Candles', '', 'active'],
  ['candle-2', 'Cedar Soy Candle', 'Candles', '', 'active'],
  ['towel-1', 'Striped Tea Towels, Set of 2', 'Tea Towels', '', 'active'],
  ['ring-1', 'Silver Band', '', 'Apparel & Accessories > Jewelry > Rings', 'active'],
  ['gizmo-1', 'Flux Capacitor', 'Gizmos', '', 'active'],
  ['draft-1', 'Draft Thing', 'Drafts', '', 'draft'],
];

async function writeCatalog(rows: Row[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'shopshift-suggest-')), 'catalog.csv');
  const header = ['Handle', 'Title', 'Body (HTML)', 'Type', 'Product Category', 'Status', 'Variant SKU', 'Variant Price'];
  await writeFile(path, Papa.unparse([header, ...rows.map(([handle, title, type, category, status]) => [handle, title, `<p>${title}</p>`, type, category, status, handle.toUpperCase(), '10.00'])], { newline: '\n' }));
  return path;
}

const sims: TikTokShopSim[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.close();
});

async function setUp(rows: Row[] = CATALOG, simOptions: TikTokShopSimOptions = {}, env: NodeJS.ProcessEnv = {}) {
  const sim = await startTikTokShopSim(simOptions);
  sims.push(sim);
  let nowMs = Date.parse('2026-11-25T10:00:00Z');
  const harness = await chatHarness({
    CATALOG_SOURCE: await writeCatalog(rows), TIKTOK_API_URL: sim.url, TIKTOK_AUTH_URL: sim.authUrl, TIKTOK_APP_KEY: sim.appKey,
    TIKTOK_APP_SECRET: sim.appSecret, TIKTOK_SHOP_CIPHER: sim.shopCipher, TIKTOK_ACCESS_TOKEN: sim.accessToken,
    TIKTOK_REFRESH_TOKEN: sim.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1', TIKTOK_QPS: '200', ...env,
  }, { now: () => nowMs });
  const recommendCalls = () => sim.requests.filter((request) => request.path.endsWith('/categories/recommend')).length;
  return { ...harness, sim, recommendCalls, advance: (ms: number) => void (nowMs += ms) };
}

const partsOf = <K extends MessagePart['kind']>(reply: Reply, kind: K) => reply.parts.filter((part): part is Extract<MessagePart, { kind: K }> => part.kind === kind);
const buttonsOf = (reply: Reply): Button[] => partsOf(reply, 'buttons').flatMap((part) => part.buttons);

describe('/shop map suggest', () => {
  it('lists every unmapped type with TikTok’s suggested category and the products it covers, most products first', async () => {
    const { run, progress } = await setUp();
    const answer = await run('map suggest', member);
    expect(progress[0]).toBe('Looking for unmapped product types…');
    expect(partsOf(answer, 'heading')[0]?.text).toBe('5 unmapped product types (8 products): TikTok Shop suggests');
    expect(partsOf(answer, 'table')[0]).toEqual({
      kind: 'table',
      columns: ['#', 'Shopify type or category', 'products', 'TikTok id', 'suggested TikTok category'],
      rows: [
        ['1', 'Mugs', '3', SIM_CATEGORY.mugs, '… > Kitchen & Dining > Mugs & Cups'],
        ['2', 'Candles', '2', SIM_CATEGORY.candles, '… > Home Fragrance > Scented Candles'],
        ['3', 'Gizmos', '1', '-', '(no suggestion)'],
        ['4', 'Rings', '1', '-', '(no suggestion)'],
        ['5', 'Tea Towels', '1', SIM_CATEGORY.teaTowels, '… > Kitchen & Dining > Tea Towels'],
      ],
    });
  });

  it('gives each row with a suggestion an Accept button that fits a Discord custom_id, and one Accept all', async () => {
    const { run } = await setUp();
    const buttons = buttonsOf(await run('map suggest'));
    expect(buttons.map((button) => button.label)).toEqual(['Accept 1: Mugs', 'Accept 2: Candles', 'Accept 5: Tea Towels', 'Accept all']);
    expect(buttons[0]?.action).toEqual({ command: 'map', args: { action: 'accept', type: expect.stringMatching(/^s[0-9a-f]{8}$/) } });
    expect(buttons.at(-1)?.action).toEqual({ command: 'map', args: { action: 'accept', type: 'all' } });
  });

  it('asks TikTok once per type and answers from the cache until CATEGORY_SUGGESTION_TTL_DAYS have passed', async () => {
    const { run, recommendCalls, advance } = await setUp(CATALOG, {}, { CATEGORY_SUGGESTION_TTL_DAYS: '7' });
    await run('map suggest');
    expect(recommendCalls()).toBe(5);
    advance(6 * 86_400_000);
    await run('map suggest');
    expect(recommendCalls()).toBe(5);
    advance(2 * 86_400_000);
    await run('map suggest');
    expect(recommendCalls()).toBe(10);
  });

  it('asks once for a type however its products spell it ("Mugs", "mugs ")', async () => {
    const { run, sim } = await setUp(CATALOG.slice(0, 3));
    await run('map suggest');
    const recommend = sim.requests.filter((request) => request.path.endsWith('/categories/recommend'));
    expect(recommend).toHaveLength(1);
    expect(recommend[0]).toMatchObject({ method: 'POST', code: 0 });
  });

  it('says which TikTok Shop settings are missing, and reads nothing', async () => {
    const { run } = await chatHarness({ CATALOG_SOURCE: await writeCatalog(CATALOG) });
    expect(renderText((await run('map suggest')).parts)).toMatch(/^Connecting to TikTok Shop needs TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_SHOP_CIPHER, TIKTOK_ACCESS_TOKEN, TIKTOK_REFRESH_TOKEN, TIKTOK_WAREHOUSE_ID\. See \.env\.example\./);
  });

  it('says so when every type is mapped', async () => {
    const { run } = await setUp([CATALOG[0]!]);
    await run('map set Mugs 910101');
    expect(renderText((await run('map suggest')).parts)).toBe('Every product type and category in the catalog is mapped.');
  });

  it('shows buttons for the first 24 rows only and says how to accept the rest', async () => {
    const rows = Array.from({ length: 30 }, (_, index): Row => [`mug-${index}`, `Mug ${index}`, `Mugs ${String(index).padStart(2, '0')}`, '', 'active']);
    const { run } = await setUp(rows);
    const answer = await run('map suggest');
    expect(buttonsOf(answer)).toHaveLength(25);
    expect(renderText(answer.parts)).toContain('Buttons cover the first 24 rows; use /shop map accept <n> for a row or /shop map accept all.');
  });

  it.skipIf(!existsSync(UK_CATEGORIES))('suggests from TikTok Shop’s real UK category list', async () => {
    const { run } = await setUp(CATALOG, { categoriesCsvPath: UK_CATEGORIES });
    const rows = partsOf(await run('map suggest'), 'table')[0]?.rows ?? [];
    expect(rows.find((row) => row[1] === 'Mugs')?.slice(3)).toEqual(['600042', 'Kitchenware > Drinkware > Mugs']);
    expect(rows.find((row) => row[1] === 'Rings')?.slice(3)).toEqual(['605273', '… Jewellery & Accessories > Rings']);
  });
});

describe('/shop map accept', () => {
  it('records the suggestion of a pressed Accept button as accepted by the person who pressed it', async () => {
    const { run, press, store, sim } = await setUp();
    const [mugs] = buttonsOf(await run('map suggest'));
    const answer = await press(mugs!, manager);
    expect(renderText(answer.parts)).toBe(
      `1 suggested category accepted by ada. Audit again to see which products it unblocks.\nMugs → ${SIM_CATEGORY.mugs} Home & Living > Kitchen & Dining > Mugs & Cups`,
    );
    expect(await store.mappings.list(sim.shopCipher)).toEqual([expect.objectContaining({ key: 'Mugs', categoryId: SIM_CATEGORY.mugs, origin: 'accepted', by: 'ada' })]);
    expect(renderText((await run('map list')).parts)).toContain(`Mugs                      ${SIM_CATEGORY.mugs}           suggested by TikTok Shop, accepted by ada`);
  });

  it('refuses a member without the manage permission', async () => {
    const { run, press, store, sim } = await setUp();
    const [mugs] = buttonsOf(await run('map suggest', member));
    const answer = await press(mugs!, member);
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toMatch(/^Only the people allowed to manage shopshift can do that/);
    expect(await store.mappings.list(sim.shopCipher)).toEqual([]);
  });

  it('accepts a row by its number, and every row with a suggestion with "all", leaving mapped ones alone', async () => {
    const { run, store, sim } = await setUp();
    await run('map suggest');
    expect(renderText((await run('map accept 2')).parts)).toMatch(/^1 suggested category accepted by ada\. .*\nCandles → 910201 /);
    const all = renderText((await run('map accept all')).parts);
    expect(all).toMatch(/^2 suggested categories accepted by ada\./);
    expect(all).toContain('Candles: not changed, already mapped to 910201 (accepted by ada)');
    expect(all).toContain('Gizmos: not changed, TikTok Shop had no suggestion');
    expect((await store.mappings.list(sim.shopCipher)).map((mapping) => mapping.key).sort()).toEqual(['Candles', 'Mugs', 'Tea Towels']);
    const again = await run('map suggest');
    expect(partsOf(again, 'table')[0]?.rows.map((row) => row[1])).toEqual(['Gizmos', 'Rings']);
  });

  it('keeps a button meaning its own type after the list has changed', async () => {
    const { run, press, store, sim } = await setUp();
    const buttons = buttonsOf(await run('map suggest'));
    await run('map set Mugs 910101');
    await run('map suggest');
    await press(buttons.find((button) => button.label.endsWith('Tea Towels'))!);
    expect((await store.mappings.list(sim.shopCipher)).find((mapping) => mapping.key === 'Tea Towels')).toMatchObject({ categoryId: SIM_CATEGORY.teaTowels, origin: 'accepted' });
  });

  it('answers a row that is not in the list privately', async () => {
    const { run } = await setUp();
    await run('map suggest');
    const answer = await run('map accept 9');
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toBe('Row 9 is not in the last /shop map suggest list (1-5).');
  });
});
