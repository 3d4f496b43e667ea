import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCommands } from '../../commands/index.js';
import { parseCommandText, tokenize, usageOf } from '../../src/chat/dispatch.js';
import { renderText, type Reply } from '../../src/chat/message.js';
import { chatHarness, member } from '../support/chat.js';

const commands = createCommands('shop');

describe('tokenize', () => {
  it('keeps quoted phrases together, straight or curly as Slack sends them', () => {
    expect(tokenize('map set "Tea Towels" 600144')).toEqual(['map', 'set', 'Tea Towels', '600144']);
    expect(tokenize('map set “Tea Towels” 600144')).toEqual(['map', 'set', 'Tea Towels', '600144']);
    expect(tokenize('failures reason:"text overlay"')).toEqual(['failures', 'reason:text overlay']);
  });
  it('keeps an apostrophe inside a word', () => expect(tokenize("map set Men's 600001")).toEqual(['map', 'set', "Men's", '600001']));
  it('reports a quote left open', () => expect(tokenize('map set "Tea Towels 600144')).toEqual({ error: 'a quote (") is not closed' }));
});

describe('parseCommandText', () => {
  it('fills positional options in order and reads name:value, --name value and --flag', () => {
    expect(parseCommandText('migration start --limit 5 --dry-run', commands, 'shop')).toEqual({ command: 'migration', args: { action: 'start', limit: '5', 'dry-run': true } });
    expect(parseCommandText('audit region:GB', commands, 'shop')).toEqual({ command: 'audit', args: { region: 'GB' } });
  });
  it('treats an empty text as help', () => expect(parseCommandText('', commands, 'shop')).toEqual({ command: 'help', args: {} }));
  it('answers an unknown command with a pointer to help, privately', () => {
    const result = parseCommandText('launch', commands, 'shop');
    expect(result).toMatchObject({ error: { visibility: 'ephemeral' } });
    expect(renderText((result as { error: Reply }).error.parts)).toBe('There is no "launch" command.\nTry /shop help.');
  });
  it('names an unknown option and shows the usage', () => {
    const result = parseCommandText('migration start --force', commands, 'shop') as { error: Reply };
    expect(renderText(result.error.parts)).toMatch(/^"force" is not an option of migration\.\nUsage: \/shop migration status\|plan\|start\|pause\|resume/);
  });
  it('never throws, whatever is typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = parseCommandText(text, commands, 'shop');
        expect('error' in result || typeof result.command === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('dispatch', () => {
  it('answers a bad value with the argument’s name and the usage, privately', async () => {
    const { run } = await chatHarness();
    const answer = await run('migration launch');
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toBe(`action: must be one of status, plan, start, pause, resume.\n${usageOf(commands.find((c) => c.name === 'migration')!, 'shop')}`);
  });

  it('refuses a state-changing command to someone not allowed to manage, and lets them read', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('map set Mugs 600024', member)).parts)).toMatch(/^Only the people allowed to manage shopshift can do that/);
    expect((await run('map list', member)).visibility).toBe('channel');
  });

  it('turns an unexpected failure into a reply with a reference that the log carries too', async () => {
    const { run, store, logs } = await chatHarness();
    await store.close();
    const answer = renderText((await run('map set Mugs 600024')).parts);
    const ref = /\(ref (ss-[0-9a-f]{6})\)/.exec(answer)?.[1];
    expect(ref).toBeDefined();
    expect(logs.lines().find((line) => line.ref === ref)).toMatchObject({ msg: 'command failed', command: 'map' });
  });

  it('never crashes on random command text and always answers', async () => {
    const { run } = await chatHarness();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('audit', 'migration', 'map', 'failures', 'help', 'set', 'status', '--limit', 'x', '"', '0', '-1', 'region:ZZ', '--dry-run', 'since:3q'), { maxLength: 6 }), async (words) => {
        const answer = await run(words.join(' '));
        expect(answer.parts.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});
