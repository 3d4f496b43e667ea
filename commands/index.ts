import type { AnyCommand } from '../src/chat/command.js';
import activity from './activity.js';
import alerts from './alerts.js';
import audit from './audit.js';
import failures from './failures.js';
import { helpCommand } from './help.js';
import map from './map.js';
import migration from './migration.js';
import summary from './summary.js';

/** Every /shop subcommand; listed here (not discovered) so the compiler sees them all. */
export function createCommands(root: string): AnyCommand[] {
  const commands: AnyCommand[] = [audit, migration, failures, map, alerts, summary, activity].map((command) => command as unknown as AnyCommand);
  commands.push(helpCommand(root, () => commands) as unknown as AnyCommand);
  return commands;
}
