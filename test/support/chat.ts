import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommands } from '../../commands/index.js';
import type { ChatUser, CommandContext } from '../../src/chat/command.js';
import { dispatch, parseCommandText } from '../../src/chat/dispatch.js';
import { decodeAction, encodeAction, type Button, type Reply } from '../../src/chat/message.js';
import { createServices, type ServiceDeps } from '../../src/chat/services.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { captureLogs } from './log-capture.js';

export const manager: ChatUser = { id: 'U1', name: 'ada', platform: 'console', isManager: true };
export const member: ChatUser = { id: 'U2', name: 'bob', platform: 'console', isManager: false };

/** Runs "/shop …" text through the real parser, dispatch and services, over a fresh store. */
export async function chatHarness(env: NodeJS.ProcessEnv = {}, overrides: Partial<ServiceDeps> = {}) {
  // Catalogs and images in these tests come from local simulators.
  const config = loadConfig({ FETCH_ALLOWED_PRIVATE: '127.0.0.1/32', ...env });
  const store: Store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-chat-')), activityKeptMs: config.ACTIVITY_KEEP_DAYS * 86_400_000 });
  const logs = captureLogs();
  const now = overrides.now ?? (() => Date.now());
  const services = createServices({ config, store, log: logs.log, now, ...overrides });
  const commands = createCommands('shop');
  const progress: string[] = [];
  const posted: Reply[] = [];
  async function run(text: string, user: ChatUser = manager, channelId = 'C1'): Promise<Reply> {
    const invocation = parseCommandText(text, commands, 'shop');
    if ('error' in invocation) return invocation.error;
    const context: CommandContext = {
      user, channelId, services, log: logs.log, now,
      progress: async (text) => void progress.push(text),
      post: async (reply) => void posted.push(reply),
    };
    return dispatch(invocation, context, { commands, root: 'shop' });
  }
  /** Presses a reply's button: its encoded action, decoded as the Slack and Discord adapters do. */
  async function press(button: Button, user: ChatUser = manager, channelId = 'C1'): Promise<Reply> {
    const action = decodeAction(encodeAction(button.action));
    if (!action) throw new Error(`undecodable button ${button.label}`);
    const context: CommandContext = {
      user, channelId, services, log: logs.log, now,
      progress: async (text) => void progress.push(text),
      post: async (reply) => void posted.push(reply),
    };
    return dispatch({ command: action.command, args: action.args }, context, { commands, root: 'shop' });
  }
  return { run, press, store, services, logs, progress, posted, commands };
}
