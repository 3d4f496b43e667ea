import type { Logger } from '../log.js';
import type { FairUseCost } from './fair-use.js';
import type { Reply } from './message.js';
import type { ArgsOf, OptionSpecs } from './options.js';
import type { ShopshiftServices } from './services.js';

export { m, reply } from './message.js';
export { opt } from './options.js';

export type Platform = 'slack' | 'discord' | 'console';

/** Who runs a command; `isManager` comes from the configured Slack users/groups or Discord roles. */
export interface ChatUser {
  id: string;
  name: string;
  platform: Platform;
  isManager: boolean;
}

/** Everything a command can see. Commands never touch a platform object. */
export interface CommandContext {
  user: ChatUser;
  channelId: string;
  services: ShopshiftServices;
  /** Replaces the acknowledged reply's text while a long command works. */
  progress(text: string): Promise<void>;
  /** Posts a new message in the channel: for updates after the interaction token expires. */
  post(reply: Reply): Promise<void>;
  log: Logger;
  now(): number;
}

export interface CommandDefinition<O extends OptionSpecs = OptionSpecs> {
  /** The /shop subcommand: lower case, 1-32 characters. */
  name: string;
  description: string;
  /** Argument texts after "/shop <name>", shown by help and in usage errors. */
  examples: readonly string[];
  options: O;
  /** Options that may be given without a name, in this order ("migration start" → action=start). */
  positional: readonly (keyof O & string)[];
  /** 'manage' commands change state; some commands need it only for some of their arguments. */
  permission: 'read' | 'manage' | ((args: ArgsOf<O>) => 'read' | 'manage');
  /** What a run with these arguments counts against the fair-use limits; nothing when absent or null. */
  cost?: (args: ArgsOf<O>) => FairUseCost | null;
  /**
   * Whether a run with these arguments goes into the activity log. Without it, the runs that need
   * 'manage' do; a command says otherwise for a change anyone may make or a 'manage' run that changes nothing.
   */
  records?: (args: ArgsOf<O>) => boolean;
  handler(context: CommandContext, args: ArgsOf<O>): Promise<Reply>;
}

export function defineCommand<const O extends OptionSpecs>(definition: CommandDefinition<O>): CommandDefinition<O> {
  return definition;
}

// Commands are stored without their option types once listed together.
export type AnyCommand = CommandDefinition<OptionSpecs>;
