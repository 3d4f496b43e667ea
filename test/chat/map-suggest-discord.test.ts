import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { createDiscordBot, type DiscordBot } from '../../src/chat/discord/client.js';
import { createServices } from '../../src/chat/services.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { startDiscordSim, DISCORD_SIM_IDS, type DiscordSim, type SimCall } from '../sim/discord.js';
import { SIM_CATEGORY, startTikTokShopSim, type TikTokShopSim } from '../sim/tiktok-shop.js';
import { captureLogs } from '../support/log-capture.js';

const CATALOG = [
  'Handle,Title,Body (HTML),Type,Status,Variant SKU,Variant Price',
  'mug-1,Stoneware Mug,<p>Mug</p>,Mugs,active,MUG-1,10.00',
  'mug-2,Porcelain Mug,<p>Mug</p>,Mugs,active,MUG-2,10.00',
  'candle-1,Soy Candle,<p>Candle</p>,Candles,active,CANDLE-1,12.00',
].join('\n');

type Body = { content?: string; embeds?: { title?: string; description?: string }[]; components?: { components: { custom_id: string; label: string }[] }[] };
const bodyOf = (call: SimCall) => call.body as Body;
const textOf = (body: Body) => [body.content ?? '', ...(body.embeds ?? []).flatMap((embed) => [embed.title ?? '', embed.description ?? ''])].join('\n');
const isOriginalEdit = (call: SimCall) => call.method === 'PATCH' && call.path.endsWith('/messages/@original');
const isFollowUp = (call: SimCall) => call.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(call.path);

describe('/shop map suggest on Discord, against the TikTok Shop simulator', () => {
  let discord: DiscordSim;
  let tiktok: TikTokShopSim;
  let bot: DiscordBot;
  let store: Store;

  beforeAll(async () => {
    discord = await startDiscordSim();
    tiktok = await startTikTokShopSim();
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-map-discord-'));
    await writeFile(join(dir, 'catalog.csv'), CATALOG);
    const config = loadConfig({
      DATA_DIR: dir, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guildId, DISCORD_MANAGER_ROLES: DISCORD_SIM_IDS.managerRole, CATALOG_SOURCE: join(dir, 'catalog.csv'),
      TIKTOK_API_URL: tiktok.url, TIKTOK_AUTH_URL: tiktok.authUrl, TIKTOK_APP_KEY: tiktok.appKey, TIKTOK_APP_SECRET: tiktok.appSecret,
      TIKTOK_SHOP_CIPHER: tiktok.shopCipher, TIKTOK_ACCESS_TOKEN: tiktok.accessToken, TIKTOK_REFRESH_TOKEN: tiktok.refreshToken, TIKTOK_WAREHOUSE_ID: 'WH-1',
    });
    store = await openLowdbStore({ dir });
    const logs = captureLogs();
    const services = createServices({ config, store, log: logs.log, now: () => Date.now() });
    bot = createDiscordBot({
      settings: config, commands: createCommands(config.SHOP_COMMAND), root: config.SHOP_COMMAND, services, log: logs.log, now: () => Date.now(), clientOptions: { waitGuildTimeout: 500 },
    });
    await bot.start();
  });

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await tiktok?.close();
    await store?.close();
  });

  it('lists the suggestions with Accept buttons, and a manager’s press records the mapping as accepted by them', async () => {
    const list = discord.sendCommand({ subcommand: 'map', options: { action: 'suggest' }, userId: DISCORD_SIM_IDS.member });
    const listed = await list.waitFor((call) => isOriginalEdit(call) && call.status === 200 && /TikTok Shop suggests/.test(textOf(bodyOf(call))));
    expect(textOf(bodyOf(listed))).toMatch(new RegExp(`1  Mugs +2 +${SIM_CATEGORY.mugs} +… > Kitchen & Dining > Mugs & Cups`));
    const buttons = bodyOf(listed).components?.flatMap((row) => row.components) ?? [];
    expect(buttons.map((button) => button.label)).toEqual(['Accept 1: Mugs', 'Accept 2: Candles', 'Accept all']);
    expect(buttons[0]?.custom_id).toMatch(/^map\|action=accept\|type=s[0-9a-f]{8}$/);

    const refused = discord.pressButton({ customId: buttons[0]!.custom_id, userId: DISCORD_SIM_IDS.member });
    const refusal = await refused.waitFor((call) => isFollowUp(call) && call.status === 200);
    expect(bodyOf(refusal).content).toMatch(/^Only the people allowed to manage shopshift can do that/);
    expect(await store.mappings.list(tiktok.shopCipher)).toEqual([]);

    const press = discord.pressButton({ customId: buttons[0]!.custom_id, userId: DISCORD_SIM_IDS.manager });
    const followUp = await press.waitFor((call) => isFollowUp(call) && call.status === 200);
    expect(bodyOf(followUp).content).toMatch(/^1 suggested category accepted by ada\. .*\nMugs → 910101 Home & Living > Kitchen & Dining > Mugs & Cups$/);
    expect(await store.mappings.list(tiktok.shopCipher)).toEqual([expect.objectContaining({ key: 'Mugs', categoryId: SIM_CATEGORY.mugs, origin: 'accepted', by: 'ada' })]);
  });
});
