import {
  ApplicationCommandOptionType, ApplicationCommandType, ApplicationIntegrationType, InteractionContextType,
  type APIApplicationCommandBasicOption, type APIApplicationCommandSubcommandOption, type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import type { AnyCommand } from '../command.js';
import type { OptionSpec } from '../options.js';

/** Application command limits (chat-platforms.md §9). */
export const COMMAND_LIMITS = {
  name: 32,
  description: 100,
  options: 25,
  choices: 25,
  choiceValue: 100,
  maxLength: 6000,
  /** Combined characters of names, descriptions and choice values in one command. */
  totalChars: 8000,
} as const;

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export type ShopCommandJson = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** A definition that cannot become a Discord command; a programming error, found before anything is sent. */
export class CommandJsonError extends Error {
  override name = 'CommandJsonError';
}

function checkName(name: string, what: string): string {
  if (!NAME.test(name) || name !== name.toLowerCase()) throw new CommandJsonError(`${what} "${name}" is not a valid Discord command name (1-32 lower-case letters, digits, - or _).`);
  return name;
}

function describe(text: string): string {
  const trimmed = text.trim() || '-';
  return trimmed.length <= COMMAND_LIMITS.description ? trimmed : `${trimmed.slice(0, COMMAND_LIMITS.description - 1)}…`;
}

function optionJson(name: string, spec: OptionSpec): APIApplicationCommandBasicOption {
  const base = { name: checkName(name, 'Option'), description: describe(spec.description), required: spec.required };
  switch (spec.kind) {
    case 'string':
      return { ...base, type: ApplicationCommandOptionType.String, min_length: 1, max_length: Math.min(spec.maxLength, COMMAND_LIMITS.maxLength) };
    case 'choice': {
      // Discord shows at most 25 choices; longer lists stay free text, and dispatch still checks them.
      const fits = spec.choices.length <= COMMAND_LIMITS.choices && spec.choices.every((choice) => choice.length <= COMMAND_LIMITS.choiceValue);
      return { ...base, type: ApplicationCommandOptionType.String, ...(fits ? { choices: spec.choices.map((choice) => ({ name: choice, value: choice })) } : {}) };
    }
    case 'integer':
      return {
        ...base, type: ApplicationCommandOptionType.Integer,
        ...(spec.min === undefined ? {} : { min_value: spec.min }), ...(spec.max === undefined ? {} : { max_value: spec.max }),
      };
    case 'flag':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
  }
}

function subcommandJson(command: AnyCommand): APIApplicationCommandSubcommandOption {
  const entries = Object.entries(command.options);
  if (entries.length > COMMAND_LIMITS.options) throw new CommandJsonError(`/${command.name} has ${entries.length} options; Discord allows ${COMMAND_LIMITS.options}.`);
  const options = entries.map(([name, spec]) => optionJson(name, spec));
  // Discord refuses a required option after an optional one; the sort is stable, so the order is kept otherwise.
  options.sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  return { type: ApplicationCommandOptionType.Subcommand, name: checkName(command.name, 'Command'), description: describe(command.description), options };
}

function countChars(json: ShopCommandJson): number {
  let total = json.name.length + json.description.length;
  const visit = (options: readonly { name: string; description: string; options?: unknown; choices?: unknown }[]) => {
    for (const option of options) {
      total += option.name.length + option.description.length;
      for (const choice of (option.choices ?? []) as { name: string; value: string | number }[]) total += choice.name.length + String(choice.value).length;
      visit((option.options ?? []) as typeof options);
    }
  };
  visit(json.options ?? []);
  return total;
}

/**
 * Every definition as one subcommand of a single `/root` chat-input command (STYLE.md §4). Guild-only:
 * the manager check reads the member's roles, which a DM does not have.
 */
export function shopCommandJson(commands: readonly AnyCommand[], root: string): ShopCommandJson {
  if (commands.length > COMMAND_LIMITS.options) throw new CommandJsonError(`${commands.length} commands; Discord allows ${COMMAND_LIMITS.options} subcommands.`);
  const json: ShopCommandJson = {
    type: ApplicationCommandType.ChatInput,
    name: checkName(root, 'Root command'),
    description: 'shopshift: move a Shopify catalog to TikTok Shop',
    options: commands.map(subcommandJson),
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
  };
  const total = countChars(json);
  if (total > COMMAND_LIMITS.totalChars) throw new CommandJsonError(`/${root} has ${total} characters of names and descriptions; Discord allows ${COMMAND_LIMITS.totalChars}.`);
  return json;
}

// ---------------------------------------------------------------------------------------------------------------
// Diff against what Discord has: its answer adds ids, a version and defaults we never sent.

interface NormalOption {
  type: number;
  name: string;
  description: string;
  required: boolean;
  choices: { name: string; value: string | number }[];
  min_value: number | null;
  max_value: number | null;
  min_length: number | null;
  max_length: number | null;
  autocomplete: boolean;
  channel_types: number[];
  options: NormalOption[];
}

const orNull = z.number().nullish().transform((value) => value ?? null);

const normalOption: z.ZodType<NormalOption, unknown> = z.lazy(() =>
  z.object({
    type: z.number(),
    name: z.string(),
    description: z.string().default(''),
    required: z.boolean().nullish().transform((value) => value ?? false),
    choices: z.array(z.object({ name: z.string(), value: z.union([z.string(), z.number()]) })).nullish().transform((value) => value ?? []),
    min_value: orNull,
    max_value: orNull,
    min_length: orNull,
    max_length: orNull,
    autocomplete: z.boolean().nullish().transform((value) => value ?? false),
    channel_types: z.array(z.number()).nullish().transform((value) => value ?? []),
    options: z.array(normalOption).nullish().transform((value) => value ?? []),
  }),
);

// Unknown keys (id, application_id, version, guild_id, localizations, dm_permission…) are dropped by z.object.
const normalCommand = z.object({
  type: z.number().nullish().transform((value) => value ?? ApplicationCommandType.ChatInput),
  name: z.string(),
  description: z.string().default(''),
  options: z.array(normalOption).nullish().transform((value) => value ?? []),
  default_member_permissions: z.string().nullish().transform((value) => value ?? null),
  nsfw: z.boolean().nullish().transform((value) => value ?? false),
  contexts: z.array(z.number()).nullish().transform((value) => (value ? [...value].sort() : null)),
  integration_types: z.array(z.number()).nullish().transform((value) => [...(value ?? [ApplicationIntegrationType.GuildInstall])].sort()),
});

/**
 * True when the registered commands differ from the wanted ones (so a bulk overwrite is due): another
 * set of names, or any field we set with another value. Fields Discord adds are ignored.
 */
export function diffCommands(wanted: readonly ShopCommandJson[], registered: readonly unknown[]): boolean {
  if (wanted.length !== registered.length) return true;
  const byName = new Map<string, unknown>();
  for (const command of registered) {
    const parsed = normalCommand.safeParse(command);
    if (!parsed.success) return true;
    byName.set(parsed.data.name, parsed.data);
  }
  return wanted.some((command) => {
    const existing = byName.get(command.name);
    return existing === undefined || JSON.stringify(normalCommand.parse(command)) !== JSON.stringify(existing);
  });
}
