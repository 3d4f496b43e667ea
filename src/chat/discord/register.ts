import { Routes, type REST } from 'discord.js';
import type { Logger } from '../../log.js';
import type { AnyCommand } from '../command.js';
import { diffCommands, shopCommandJson } from './commands-json.js';

export interface RegisterCommandsOptions {
  rest: Pick<REST, 'get' | 'put'>;
  applicationId: string;
  /** Registers in this guild only (instant, for development); global otherwise (may take up to an hour to show). */
  guildId?: string | undefined;
  commands: readonly AnyCommand[];
  root: string;
  log: Logger;
}

export interface RegisterOutcome {
  scope: 'guild' | 'global';
  /** False when Discord already had exactly this command tree, so nothing was sent. */
  changed: boolean;
}

/**
 * Makes Discord's command list for the application (global, or one guild) the single `/root` command.
 * It reads what is registered first and overwrites only on a difference: creates are limited to 200 a
 * day per guild, and an unchanged PUT would still bump every command's version.
 */
export async function registerCommands({ rest, applicationId, guildId, commands, root, log }: RegisterCommandsOptions): Promise<RegisterOutcome> {
  const wanted = [shopCommandJson(commands, root)];
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const scope = guildId ? 'guild' : 'global';
  const registered = await rest.get(route);
  if (!Array.isArray(registered)) throw new Error(`Discord answered GET ${route} with something other than a list`);
  if (!diffCommands(wanted, registered)) {
    log.info({ scope, guildId, command: root, subcommands: commands.length }, 'discord commands up to date');
    return { scope, changed: false };
  }
  await rest.put(route, { body: wanted });
  log.info({ scope, guildId, command: root, subcommands: commands.length, replaced: registered.length }, 'discord commands registered');
  return { scope, changed: true };
}
