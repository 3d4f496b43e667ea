import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Events } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { createDiscordBot, type DiscordBot } from '../../src/chat/discord/client.js';
import { createServices } from '../../src/chat/services.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { DISCORD_SIM_IDS, startDiscordSim, type DiscordSim } from '../sim/discord.js';
import { captureLogs } from '../support/log-capture.js';

/** Discord's rule: a guild's events go to shard (guild_id >> 22) % shard_count. */
const shardOf = (guildId: string, count: number) => Number((BigInt(guildId) >> 22n) % BigInt(count));

describe('Discord over several processes, one gateway shard each', () => {
  let sim: DiscordSim;
  const bots: { bot: DiscordBot; store: Store; shard: number; interactions: number }[] = [];

  beforeAll(async () => {
    sim = await startDiscordSim();
    for (const shard of [0, 1]) {
      const dir = await mkdtemp(join(tmpdir(), 'shopshift-shards-'));
      const config = loadConfig({
        DATA_DIR: dir, DISCORD_TOKEN: sim.token, DISCORD_API_URL: sim.apiUrl, DISCORD_APPLICATION_ID: sim.applicationId, DISCORD_GUILD_ID: sim.guildId,
        DISCORD_MANAGER_ROLES: DISCORD_SIM_IDS.managerRole, DISCORD_SHARDS: String(shard), DISCORD_SHARD_COUNT: '2',
      });
      const store = await openLowdbStore({ dir });
      const logs = captureLogs();
      const services = createServices({ config, store, log: logs.log, now: () => Date.now() });
      const bot = createDiscordBot({
        settings: config, commands: createCommands(config.SHOP_COMMAND), root: config.SHOP_COMMAND, services, log: logs.log, now: () => Date.now(),
        clientOptions: { waitGuildTimeout: 500 },
      });
      const entry = { bot, store, shard, interactions: 0 };
      bot.client.on(Events.InteractionCreate, () => void entry.interactions++);
      await bot.start();
      bots.push(entry);
    }
  }, 30_000);
  afterAll(async () => {
    for (const { bot, store } of bots) {
      await bot.stop();
      await store.close();
    }
    await sim?.close();
  });

  it('connects each process with its own shard of the count, and only the owner of the guild’s shard sees the guild', () => {
    const owner = shardOf(sim.guildId, 2);
    for (const { bot, shard } of bots) {
      expect(bot.client.options.shards).toEqual([shard]);
      expect(bot.client.options.shardCount).toBe(2);
      expect(bot.client.guilds.cache.has(sim.guildId)).toBe(shard === owner);
    }
  });

  it('answers a command once, from the process whose shard owns the guild', async () => {
    const handle = sim.sendCommand({ subcommand: 'help', userId: DISCORD_SIM_IDS.manager });
    await handle.callback();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handle.calls().filter((call) => call.path.endsWith('/callback'))).toHaveLength(1);
    expect(bots.map(({ shard, interactions }) => [shard, interactions])).toEqual([[0, shardOf(sim.guildId, 2) === 0 ? 1 : 0], [1, shardOf(sim.guildId, 2) === 1 ? 1 : 0]]);
  });
});
