import { newRef, ShopshiftError, toUserText } from '../errors.js';
import { recordRun } from './activity.js';
import type { AnyCommand, CommandContext } from './command.js';
import { m, reply, type Reply } from './message.js';
import { schemaFor, type OptionSpec } from './options.js';

/** What a person asked for, before it is checked: from Slack or terminal text, a Discord interaction or a button. */
export interface Invocation {
  command: string;
  args: Record<string, unknown>;
}

const QUOTES = /["“”'‘’]/;

/** Splits command text into words, keeping "quoted phrases" together (Slack sends curly quotes too). */
export function tokenize(text: string): string[] | { error: string } {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let inWord = false;
  const closing: Record<string, string> = { '"': '"', '“': '”', '”': '”', "'": "'", '‘': '’', '’': '’' };
  for (const char of text.trim()) {
    if (quote) {
      if (char === closing[quote] || (quote === '“' && char === '"')) quote = null;
      else current += char;
      continue;
    }
    if (QUOTES.test(char) && (!inWord || current.endsWith(':') || current.endsWith('='))) {
      quote = char;
      inWord = true;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += char;
    inWord = true;
  }
  if (quote) return { error: `a quote (${quote}) is not closed` };
  if (inWord) words.push(current);
  return words;
}

export function usageOf(command: AnyCommand, root: string): string {
  const names = Object.entries(command.options).map(([name, spec]) => {
    const positional = command.positional.includes(name);
    const shape = spec.kind === 'flag' ? `--${name}` : spec.kind === 'choice' ? (positional ? spec.choices.join('|') : `--${name} ${spec.choices.join('|')}`) : positional ? `<${name}>` : `--${name} <${spec.kind === 'integer' ? 'n' : name}>`;
    return spec.required ? shape : `[${shape}]`;
  });
  const examples = command.examples.map((example) => `/${root} ${command.name} ${example}`.trimEnd());
  return [`Usage: /${root} ${command.name} ${names.join(' ')}`.trimEnd(), ...(examples.length ? [`Examples: ${examples.join('  ·  ')}`] : [])].join('\n');
}

function bad(message: string, command: AnyCommand | null, root: string): { error: Reply } {
  const usage = command ? `\n${usageOf(command, root)}` : `\nTry /${root} help.`;
  return { error: reply([m.text(`${message}${usage}`)], 'ephemeral') };
}

/** Reads "/shop <command> …" text: positional words, name:value, --name value, --name=value and --flag. */
export function parseCommandText(text: string, commands: readonly AnyCommand[], root: string): Invocation | { error: Reply } {
  const words = tokenize(text);
  if ('error' in words) return bad(`I could not read that: ${words.error}.`, null, root);
  const [name = 'help', ...rest] = words;
  const command = commands.find((candidate) => candidate.name === name.toLowerCase());
  if (!command) return bad(`There is no "${name}" command.`, null, root);
  const args: Record<string, unknown> = {};
  const positional = [...command.positional];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const named = /^--([a-z][\w-]*)(?:=(.*))?$/i.exec(word) ?? /^([a-z][\w-]*):(.*)$/i.exec(word);
    if (named) {
      const key = named[1]!.toLowerCase();
      const spec: OptionSpec | undefined = command.options[key];
      if (!spec) return bad(`"${key}" is not an option of ${name}.`, command, root);
      if (named[2] !== undefined) args[key] = named[2];
      else if (spec.kind === 'flag') args[key] = true;
      else if (i + 1 < rest.length) args[key] = rest[++i];
      else return bad(`--${key} needs a value.`, command, root);
      positional.splice(positional.indexOf(key), positional.includes(key) ? 1 : 0);
      continue;
    }
    const next = positional.shift();
    if (!next) return bad(`I did not expect "${word}".`, command, root);
    args[next] = word;
  }
  return { command: command.name, args };
}

const schemas = new WeakMap<AnyCommand, ReturnType<typeof schemaFor>>();

/** A command's schema, built once: dispatch sits on the path to every acknowledgement's follow-up. */
function schemaOf(command: AnyCommand) {
  let schema = schemas.get(command);
  if (!schema) {
    schema = schemaFor(command.options);
    schemas.set(command, schema);
  }
  return schema;
}

export interface DispatchOptions {
  commands: readonly AnyCommand[];
  /** The root command's name, "shop" by default. */
  root: string;
}

/**
 * The one place commands run: checks the arguments with the command's schema, then the permission,
 * then fair use, then runs the handler and records a state-changing run in the activity log. Whatever
 * goes wrong becomes a reply; an unexpected error is logged with a reference the person can quote.
 */
export async function dispatch(invocation: Invocation, context: CommandContext, { commands, root }: DispatchOptions): Promise<Reply> {
  const command = commands.find((candidate) => candidate.name === invocation.command);
  if (!command) return bad(`There is no "${invocation.command}" command.`, null, root).error;
  const parsed = schemaOf(command).safeParse(invocation.args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? '');
    const message = issue.code === 'unrecognized_keys' ? `"${issue.keys.join('", "')}" is not an option of ${command.name}` : `${name}: ${issue.message}`;
    return bad(`${message}.`, command, root).error;
  }
  const args = parsed.data as never;
  const permission = typeof command.permission === 'function' ? command.permission(args) : command.permission;
  if (permission === 'manage' && !context.user.isManager) {
    return reply([m.text(`Only the people allowed to manage shopshift can do that (/${root} ${command.name}). Ask one of them, or ask an admin to add you.`)], 'ephemeral');
  }
  const cost = command.cost?.(args) ?? null;
  const admission = cost ? context.services.fairUse.admit({ cost, user: context.user, channelId: context.channelId }) : null;
  if (admission && !admission.ok) {
    context.log.info({ command: command.name, cost, userId: context.user.id, channelId: context.channelId, platform: context.user.platform, waitMs: admission.waitMs }, 'fair use limit reached');
    return reply([m.text(admission.message)], 'ephemeral');
  }
  const records = command.records ? command.records(args) : permission === 'manage';
  try {
    const answer = await command.handler(context, args);
    if (records) await recordRun(context, command, args, true);
    return answer;
  } catch (error) {
    if (records) await recordRun(context, command, args, false);
    const ref = newRef();
    if (error instanceof ShopshiftError && (error.code === 'USER_INPUT' || error.code === 'CONFIG_INVALID')) {
      return reply([m.text(error.userText)], 'ephemeral');
    }
    context.log.error({ err: error, ref, command: command.name, userId: context.user.id, platform: context.user.platform }, 'command failed');
    return reply([m.text(toUserText(error, ref))], 'ephemeral');
  } finally {
    admission?.release();
  }
}
