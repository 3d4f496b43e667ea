import { describe, expect, it } from 'vitest';
import { createCommands } from '../../../commands/index.js';
import { defineCommand, opt, reply, type AnyCommand } from '../../../src/chat/command.js';
import { COMMAND_LIMITS, CommandJsonError, diffCommands, shopCommandJson } from '../../../src/chat/discord/commands-json.js';

const commands = createCommands('shop');
const wanted = shopCommandJson(commands, 'shop');

const fixture = (definition: Partial<AnyCommand> & Pick<AnyCommand, 'options'>): AnyCommand =>
  defineCommand({
    name: 'fixture', description: 'A fixture', examples: [], positional: [], permission: 'read', handler: async () => reply([]), ...definition,
  }) as unknown as AnyCommand;

type Option = { type: number; name: string; description: string; required?: boolean; [key: string]: unknown };
const subcommand = (name: string) => (wanted.options ?? []).find((option) => option.name === name) as Option & { options: Option[] };

/** What Discord answers for our PUT: our fields plus ids, a version and its own defaults, without `required: false`. */
function asRegistered(command: typeof wanted): Record<string, unknown> {
  const strip = (option: Option): Option => {
    const { required, options, ...rest } = option;
    return { ...rest, ...(required ? { required } : {}), ...(Array.isArray(options) ? { options: (options as Option[]).map(strip) } : {}) };
  };
  return {
    ...command, options: (command.options as Option[]).map(strip), id: '1180000000000009001', application_id: '1180000000000000001', version: '1180000000000009002',
    guild_id: '1180000000000000002', default_member_permissions: null, dm_permission: true, nsfw: false,
  };
}

describe('shopCommandJson', () => {
  it('makes one chat-input command named after the root, with one subcommand per definition in order', () => {
    expect(wanted).toMatchObject({ type: 1, name: 'shop', contexts: [0], integration_types: [0] });
    expect((wanted.options ?? []).map((option) => [option.type, option.name])).toEqual(commands.map((command) => [1, command.name]));
  });

  it('takes descriptions from the definitions', () => {
    expect(subcommand('audit').description).toBe('Check the catalog against TikTok Shop listing rules');
    expect(subcommand('audit').options.find((option) => option.name === 'source')?.description).toBe('A store URL, a URL of a CSV export, or "shopify" (default: the configured catalog)');
  });

  it('turns a choice into STRING with choices, an integer into INTEGER with bounds, a flag into BOOLEAN, text into STRING with a length cap', () => {
    const migration = subcommand('migration').options;
    expect(migration.find((option) => option.name === 'action')).toMatchObject({
      type: 3, required: true, choices: ['status', 'plan', 'start', 'pause', 'resume'].map((value) => ({ name: value, value })),
    });
    expect(migration.find((option) => option.name === 'limit')).toMatchObject({ type: 4, required: false, min_value: 1, max_value: 100_000 });
    expect(migration.find((option) => option.name === 'dry-run')).toMatchObject({ type: 5, required: false });
    expect(subcommand('failures').options.find((option) => option.name === 'reason')).toMatchObject({ type: 3, min_length: 1, max_length: 100 });
  });

  it('puts required options first, as Discord demands, and keeps the order otherwise', () => {
    const json = shopCommandJson([fixture({ options: { a: opt.string('A'), b: opt.integer('B', { required: true }), c: opt.flag('C'), d: opt.choice(['x'], 'D', { required: true }) } })], 'shop');
    expect((json.options?.[0] as unknown as { options: Option[] }).options.map((option) => option.name)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('clips descriptions to 100 characters', () => {
    const json = shopCommandJson([fixture({ description: 'x'.repeat(150), options: { long: opt.string('y'.repeat(120)) } })], 'shop');
    const sub = json.options?.[0] as unknown as Option & { options: Option[] };
    expect(sub.description).toHaveLength(COMMAND_LIMITS.description);
    expect(sub.description.endsWith('…')).toBe(true);
    expect(sub.options[0]?.description).toHaveLength(COMMAND_LIMITS.description);
  });

  it('keeps a choice list longer than 25 as free text, which dispatch still checks', () => {
    const choices = Array.from({ length: 30 }, (_, index) => `c${index}`);
    const json = shopCommandJson([fixture({ options: { pick: opt.choice(choices, 'Pick one') } })], 'shop');
    const option = (json.options?.[0] as unknown as { options: Option[] }).options[0];
    expect(option).toMatchObject({ type: 3, name: 'pick' });
    expect(option).not.toHaveProperty('choices');
  });

  it('refuses names Discord would refuse, and more than 25 options', () => {
    expect(() => shopCommandJson([fixture({ name: 'Fixture', options: {} })], 'shop')).toThrow(CommandJsonError);
    expect(() => shopCommandJson([fixture({ options: { 'two words': opt.flag('x') } })], 'shop')).toThrow(/not a valid Discord command name/);
    expect(() => shopCommandJson([fixture({ options: {} })], 'Shop!')).toThrow(CommandJsonError);
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, index) => [`o${index}`, opt.flag('x')]));
    expect(() => shopCommandJson([fixture({ options: many })], 'shop')).toThrow(/26 options; Discord allows 25/);
  });

  it('refuses a tree over Discord’s 8,000 characters of names, descriptions and choices', () => {
    const options = Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`option-${index}`, opt.flag('d'.repeat(100))]));
    const many = Array.from({ length: 5 }, (_, index) => fixture({ name: `fixture-${index}`, options }));
    expect(() => shopCommandJson(many, 'shop')).toThrow(/characters of names and descriptions; Discord allows 8000/);
  });
});

describe('diffCommands', () => {
  it('sees no change when Discord echoes our command with its own ids, version and defaults', () => {
    expect(diffCommands([wanted], [asRegistered(wanted)])).toBe(false);
  });

  it('sees a change when nothing is registered yet', () => expect(diffCommands([wanted], [])).toBe(true));

  it('sees a changed description', () => {
    const registered = asRegistered({ ...wanted, description: 'Old text' });
    expect(diffCommands([wanted], [registered])).toBe(true);
  });

  it('sees a subcommand added or an option that changed', () => {
    const fewer = shopCommandJson(commands.filter((command) => command.name !== 'map'), 'shop');
    expect(diffCommands([wanted], [asRegistered(fewer)])).toBe(true);
    const other = shopCommandJson(commands.map((command) => (command.name === 'migration' ? { ...command, options: { ...command.options, limit: opt.integer('Push at most this many products in this run', { min: 1, max: 500 }) } } : command)), 'shop');
    expect(diffCommands([wanted], [asRegistered(other)])).toBe(true);
  });

  it('sees an extra registered command, which the overwrite would remove', () => {
    expect(diffCommands([wanted], [asRegistered(wanted), { id: '1', name: 'ping', description: 'Ping', type: 1 }])).toBe(true);
  });

  it('sees subcommands in another order', () => {
    const reversed = { ...wanted, options: [...(wanted.options ?? [])].reverse() };
    expect(diffCommands([wanted], [asRegistered(reversed)])).toBe(true);
  });

  it('takes an unreadable registered entry as a change', () => expect(diffCommands([wanted], [{ nonsense: true }])).toBe(true));
});
