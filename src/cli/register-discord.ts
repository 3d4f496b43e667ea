import { DiscordAPIError, HTTPError, REST } from 'discord.js';
import { createCommands } from '../../commands/index.js';
import { registerCommands } from '../chat/discord/register.js';
import { ConfigError, UpstreamError } from '../errors.js';
import type { CommandIo } from './audit-command.js';

/** `npm run register:discord`: makes Discord's /shop command match the definitions; sends nothing when it already does. */
export async function registerDiscordCommand(io: Pick<CommandIo, 'stdout' | 'config' | 'log'>): Promise<number> {
  const { config, log } = io;
  if (!config.DISCORD_TOKEN || !config.DISCORD_APPLICATION_ID) {
    throw new ConfigError('Registering the Discord command needs DISCORD_TOKEN and DISCORD_APPLICATION_ID. See .env.example.');
  }
  const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
  const root = config.SHOP_COMMAND;
  try {
    const outcome = await registerCommands({
      rest, applicationId: config.DISCORD_APPLICATION_ID, guildId: config.DISCORD_GUILD_ID, commands: createCommands(root), root, log,
    });
    const where = outcome.scope === 'guild' ? `in guild ${config.DISCORD_GUILD_ID}` : 'globally (Discord may take up to an hour to show changes)';
    io.stdout.write(outcome.changed ? `Registered /${root} ${where}.\n` : `/${root} is already registered ${where}; nothing sent.\n`);
    return 0;
  } catch (error) {
    if (error instanceof DiscordAPIError || error instanceof HTTPError) {
      const hint = error.status === 401 || error.status === 403 ? '; check DISCORD_TOKEN, DISCORD_APPLICATION_ID and DISCORD_GUILD_ID' : '';
      throw new UpstreamError('discord', error.status, `Discord refused the command registration (HTTP ${error.status}${error instanceof DiscordAPIError ? `, code ${error.code}` : ''})${hint}.`, { cause: error });
    }
    throw error;
  }
}
