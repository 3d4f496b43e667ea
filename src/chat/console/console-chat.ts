import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../log.js';
import type { AnyCommand, CommandContext } from '../command.js';
import { dispatch, parseCommandText } from '../dispatch.js';
import type { Reply } from '../message.js';
import type { ShopshiftServices } from '../services.js';
import { printReply } from './print-reply.js';

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  commands: readonly AnyCommand[];
  root: string;
  services: ShopshiftServices;
  log: Logger;
  /** Where attachments (the findings CSV) are written, since a terminal cannot show them. */
  filesDir: string;
  now(): number;
  /** Ends the chat as the end of input does (Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * A terminal chat: "/shop audit" typed here runs the same command, through the same dispatch, as on
 * Slack or Discord, and prints the same messages as text. The local operator may manage everything.
 */
export function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { input, output, commands, root, services, log } = options;
  const print = (text: string): void => {
    output.write(`${text}\n`);
  };
  const show = (answer: Reply) => printReply(answer, { print, filesDir: options.filesDir, root });
  const context: CommandContext = {
    user: { id: 'console', name: 'you', platform: 'console', isManager: true },
    channelId: 'console',
    services,
    log,
    now: options.now,
    progress: async (text) => {
      print(`… ${text}`);
    },
    post: show,
  };
  const lines = createInterface({ input, output, terminal: false });
  print(`Type /${root} help, or exit to leave.`);
  return new Promise((resolve) => {
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      queue = queue.then(async () => {
        const text = line.trim();
        if (text === '') return;
        if (text === 'exit' || text === 'quit') {
          lines.close();
          return;
        }
        const prefix = `/${root}`;
        if (!text.startsWith(prefix)) {
          print(`Commands start with ${prefix}, e.g. ${prefix} help.`);
          return;
        }
        const invocation = parseCommandText(text.slice(prefix.length), commands, root);
        await show('error' in invocation ? invocation.error : await dispatch(invocation, context, { commands, root }));
      }).catch((error: unknown) => log.error({ err: error }, 'terminal reply failed'));
    });
    lines.on('close', () => void queue.then(resolve));
    if (options.signal?.aborted) lines.close();
    options.signal?.addEventListener('abort', () => lines.close(), { once: true });
  });
}
