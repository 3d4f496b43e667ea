import { defineCommand, m, reply } from '../src/chat/command.js';
import { usageOf } from '../src/chat/dispatch.js';
import type { AnyCommand } from '../src/chat/command.js';

/** Built from the other definitions, so it can never fall out of date. */
export function helpCommand(root: string, commands: () => readonly AnyCommand[]) {
  return defineCommand({
    name: 'help',
    description: 'Every command with an example',
    examples: [''],
    options: {},
    positional: [],
    permission: 'read',
    async handler() {
      const sections = commands().filter((command) => command.name !== 'help').map((command) => `*/${root} ${command.name}*: ${command.description}\n${usageOf(command, root)}`);
      return reply([m.heading('shopshift commands'), ...sections.map((section) => m.text(section))], 'ephemeral');
    },
  });
}
