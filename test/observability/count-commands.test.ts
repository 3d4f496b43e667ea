import { describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { dispatch } from '../../src/chat/dispatch.js';
import type { AnyCommand, CommandContext } from '../../src/chat/command.js';
import { m, reply } from '../../src/chat/message.js';
import type { ShopshiftServices } from '../../src/chat/services.js';
import { ConfigError, UserInputError } from '../../src/errors.js';
import { countCommands } from '../../src/observability/count-commands.js';
import { captureLogs } from '../support/log-capture.js';

function command(name: string, handler: AnyCommand['handler']): AnyCommand {
  return { name, description: name, examples: [], options: {}, positional: [], permission: 'read', handler };
}

const context = (platform: 'slack' | 'discord'): CommandContext => ({
  user: { id: 'U1', name: 'Ana', platform, isManager: false },
  channelId: 'C1',
  services: {} as ShopshiftServices,
  progress: async () => undefined,
  post: async () => undefined,
  log: captureLogs().log,
  now: () => 0,
});

describe('countCommands', () => {
  it('tells how each command run through dispatch ended, with its platform', async () => {
    const ran: string[] = [];
    const commands = countCommands([
      command('fine', async () => reply([m.text('done')])),
      command('picky', async () => Promise.reject(new UserInputError('Name a store URL.'))),
      command('unset', async () => Promise.reject(new ConfigError('Needs TIKTOK_APP_KEY.'))),
      command('broken', async () => Promise.reject(new Error('bug'))),
    ], (platform, name, outcome) => ran.push(`${platform} ${name} ${outcome}`));
    for (const name of ['fine', 'picky', 'unset', 'broken']) await dispatch({ command: name, args: {} }, context(name === 'fine' ? 'discord' : 'slack'), { commands, root: 'shop' });
    expect(ran).toEqual(['discord fine ok', 'slack picky user_error', 'slack unset user_error', 'slack broken error']);
  });

  it('keeps every command\'s name, options and permission', () => {
    const commands = createCommands('shop');
    const counted = countCommands(commands, () => undefined);
    expect(counted.map(({ name, options, permission, positional }) => ({ name, options, permission, positional }))).toEqual(
      commands.map(({ name, options, permission, positional }) => ({ name, options, permission, positional })),
    );
  });
});
