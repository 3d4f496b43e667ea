import type { AnyCommand } from '../chat/command.js';
import { ShopshiftError } from '../errors.js';
import type { CommandOutcome } from './bot-metrics.js';

/**
 * The same commands, each telling `onRan` how its handler ended. Counting here rather than in each
 * adapter sees every platform alike; argument and permission refusals happen before the handler
 * (in dispatch) and are not counted.
 */
export function countCommands(commands: readonly AnyCommand[], onRan: (platform: string, command: string, outcome: CommandOutcome) => void): AnyCommand[] {
  return commands.map((command) => ({
    ...command,
    async handler(context, args) {
      try {
        const answer = await command.handler(context, args);
        onRan(context.user.platform, command.name, 'ok');
        return answer;
      } catch (error) {
        // dispatch answers these two with their own text; anything else is an unexpected failure.
        const refused = error instanceof ShopshiftError && (error.code === 'USER_INPUT' || error.code === 'CONFIG_INVALID');
        onRan(context.user.platform, command.name, refused ? 'user_error' : 'error');
        throw error;
      }
    },
  }));
}
