import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, renderDiscord, toDiscordMarkdown, type DiscordMessage } from '../../../src/chat/discord/render.js';
import { decodeAction, m, reply, type Button, type MessagePart } from '../../../src/chat/message.js';

/** Every limit of chat-platforms.md §10 that a rendered message must keep. */
function expectWithinLimits(message: DiscordMessage): void {
  expect(message.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
  let total = 0;
  for (const embed of message.embeds) {
    expect((embed.title ?? '').length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect((embed.description ?? '').length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect((embed.fields ?? []).length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    if (embed.title !== undefined) expect(embed.title.trim()).not.toBe('');
    if (embed.description !== undefined) expect(embed.description.trim()).not.toBe('');
    total += (embed.title ?? '').length + (embed.description ?? '').length;
    for (const field of embed.fields ?? []) {
      expect(field.name.trim().length).toBeGreaterThan(0);
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.trim().length).toBeGreaterThan(0);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      total += field.name.length + field.value.length;
    }
  }
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
  expect(message.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.rows);
  const ids = new Set<string>();
  for (const row of message.components) {
    expect(row.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
    for (const button of row.components) {
      expect(button.label?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.label);
      expect(button.custom_id.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
      expect(ids.has(button.custom_id)).toBe(false);
      ids.add(button.custom_id);
    }
  }
  for (const file of message.files) expect(file.data.length).toBeLessThanOrEqual(DISCORD_LIMITS.fileBytes);
  expect(message.content.trim() || message.embeds.length || message.files.length || message.components.length).toBeTruthy();
}

const retry = (handle: string): Button => ({ label: `Retry ${handle}`, action: { command: 'failures', args: { retry: handle } } });

describe('renderDiscord', () => {
  it('puts a text-only reply in the content, with no embeds', () => {
    const message = renderDiscord(reply([m.text('mug-10 is queued.'), m.text('Next run pushes it.')]));
    expect(message).toMatchObject({ content: 'mug-10 is queued.\nNext run pushes it.', embeds: [], components: [], files: [], flags: 0 });
  });

  it('flags an ephemeral reply 64 and a channel reply 0', () => {
    expect(renderDiscord(reply([m.text('only you')], 'ephemeral')).flags).toBe(64);
    expect(renderDiscord(reply([m.text('everyone')], 'channel')).flags).toBe(0);
  });

  it('writes our *bold* as Discord’s **bold** and leaves `code` alone', () => {
    expect(toDiscordMarkdown('*/shop audit*: check `now`')).toBe('**/shop audit**: check `now`');
    expect(toDiscordMarkdown('2 * 3 * 4 and **already**')).toBe('2 * 3 * 4 and **already**');
  });

  it('makes a heading the title of an embed, and each further heading a new embed', () => {
    const message = renderDiscord(reply([m.heading('First'), m.text('one'), m.heading('Second'), m.text('two')]));
    expect(message.content).toBe('');
    expect(message.embeds.map((embed) => [embed.title, embed.description])).toEqual([['First', 'one'], ['Second', 'two']]);
  });

  it('clips a long heading to 256 characters', () => {
    const message = renderDiscord(reply([m.heading('h'.repeat(300))]));
    expect(message.embeds[0]?.title).toHaveLength(DISCORD_LIMITS.title);
  });

  it('shows fields inline, and text after them in the next embed because Discord shows descriptions first', () => {
    const message = renderDiscord(reply([m.heading('Audit'), m.fields({ Ready: 3, Blocked: 1200 }), m.text('after the fields')]));
    expect(message.embeds[0]).toMatchObject({ title: 'Audit', fields: [{ name: 'Ready', value: '3', inline: true }, { name: 'Blocked', value: '1,200', inline: true }] });
    expect(message.embeds[0]?.description).toBeUndefined();
    expect(message.embeds[1]?.description).toBe('after the fields');
  });

  it('spreads more than 25 fields over embeds and clips long values to 1,024 characters', () => {
    const fields = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`f${index}`, index === 0 ? 'v'.repeat(2000) : 'v']));
    const message = renderDiscord(reply([m.fields(fields)]));
    expect(message.embeds.map((embed) => embed.fields?.length)).toEqual([25, 5]);
    expect(message.embeds[0]?.fields?.[0]?.value).toHaveLength(DISCORD_LIMITS.fieldValue);
    expectWithinLimits(message);
  });

  it('writes a table as a code block', () => {
    const message = renderDiscord(reply([m.heading('Failures'), m.table(['reason', 'products'], [['timeout', 3], ['watermark', 12]])]));
    expect(message.embeds[0]?.description).toBe(['```', 'reason     products', '─────────  ────────', 'timeout    3', 'watermark  12', '```'].join('\n'));
  });

  it('cuts a long table to fit and points to the attached CSV for the rest', () => {
    const rows = Array.from({ length: 500 }, (_, index) => [`rule-${index}`, 'blocker', index, 'Fix the product in Shopify and audit again']);
    const message = renderDiscord(reply([m.heading('Audit'), m.table(['rule', 'severity', 'products', 'what to do'], rows), m.file('audit-findings.csv', 'handle,rule\n')]));
    const description = message.embeds[0]?.description ?? '';
    const shown = description.split('\n').filter((line) => line.startsWith('rule-')).length;
    expect(shown).toBeGreaterThan(10);
    expect(description).toContain(`… and ${(500 - shown).toLocaleString('en-US')} more (see the attached CSV)`);
    expect(message.files.map((file) => file.name)).toEqual(['audit-findings.csv']);
    expectWithinLimits(message);
  });

  it('says only "… and N more" when no CSV is attached', () => {
    const rows = Array.from({ length: 500 }, (_, index) => [`reason-${index}`, index]);
    const description = renderDiscord(reply([m.table(['reason', 'products'], rows)])).embeds[0]?.description ?? '';
    expect(description).toMatch(/… and \d+ more$/);
  });

  it('keeps a code fence in a cell from ending the block early', () => {
    const description = renderDiscord(reply([m.table(['title'], [['```oops```']])])).embeds[0]?.description ?? '';
    expect(description.match(/```/g)).toHaveLength(2);
  });

  it('stops at 6,000 characters over all embeds and says the reply was cut', () => {
    const parts: MessagePart[] = Array.from({ length: 12 }, (_, index) => [m.heading(`Section ${index}`), m.text('x'.repeat(1500))]).flat();
    const message = renderDiscord(reply(parts));
    expectWithinLimits(message);
    expect(message.embeds.at(-1)?.description).toContain('(the rest did not fit in a Discord message)');
  });

  it('turns buttons into rows of five whose custom_id is the encoded action', () => {
    const message = renderDiscord(reply([m.text('3 failed'), m.buttons(...Array.from({ length: 12 }, (_, index) => retry(`mug-${index}`)))]));
    expect(message.components.map((row) => row.components.length)).toEqual([5, 5, 2]);
    const first = message.components[0]?.components[0];
    expect(first).toMatchObject({ type: 2, style: 2, label: 'Retry mug-0', custom_id: 'failures|retry=mug-0' });
    expect(decodeAction(first?.custom_id ?? '')).toEqual({ command: 'failures', args: { retry: 'mug-0' } });
  });

  it('keeps at most 25 buttons, leaves out duplicates and actions too long for a custom_id, and clips labels to 80', () => {
    const buttons = [
      { label: 'L'.repeat(120), action: { command: 'failures', args: { retry: 'a' } }, style: 'danger' as const },
      retry('a'),
      { label: 'Too long', action: { command: 'failures', args: { retry: 'x'.repeat(120) } } },
      ...Array.from({ length: 40 }, (_, index) => retry(`p-${index}`)),
    ];
    const message = renderDiscord(reply([m.buttons(...buttons)]));
    const all = message.components.flatMap((row) => row.components);
    expect(all).toHaveLength(25);
    expect(all[0]).toMatchObject({ style: 4, custom_id: 'failures|retry=a' });
    expect(all[0]?.label).toHaveLength(DISCORD_LIMITS.label);
    expect(all.filter((button) => button.custom_id === 'failures|retry=a')).toHaveLength(1);
    expectWithinLimits(message);
  });

  it('attaches files as buffers, and names a file over the limit instead of attaching it', () => {
    const small = renderDiscord(reply([m.heading('Audit'), m.file('audit-findings.csv', 'handle,rule\nmug,title-too-long\n')]));
    expect(small.files[0]).toMatchObject({ name: 'audit-findings.csv', contentType: 'text/csv' });
    expect(small.files[0]?.data.toString('utf8')).toBe('handle,rule\nmug,title-too-long\n');

    const big = renderDiscord(reply([m.heading('Audit'), m.file('audit-findings.csv', 'x'.repeat(2048))]), { maxFileBytes: 1024 });
    expect(big.files).toEqual([]);
    expect(big.embeds[0]?.description).toBe('audit-findings.csv (2 KB) is too large to attach on Discord (at most 1 KB a file); run it from the command line for the whole file.');
  });

  it('never sends an empty message', () => expect(renderDiscord(reply([])).content).toBe('Done.'));

  it('keeps every Discord limit, whatever the reply holds', () => {
    const text = fc.string({ maxLength: 3000 });
    const part: fc.Arbitrary<MessagePart> = fc.oneof(
      text.map((value) => m.heading(value)),
      text.map((value) => m.text(value)),
      fc.dictionary(fc.string({ minLength: 0, maxLength: 300 }), fc.string({ maxLength: 1500 }), { maxKeys: 30 }).map((fields) => m.fields(fields)),
      fc.record({ label: fc.string({ maxLength: 50 }), done: fc.nat(1000), total: fc.nat(1000) }).map(({ label, done, total }) => m.progress(label, done, total)),
      fc.array(fc.array(fc.string({ maxLength: 80 }), { minLength: 3, maxLength: 3 }), { maxLength: 300 }).map((rows) => m.table(['a', 'b', 'c'], rows)),
      fc.array(fc.string({ maxLength: 120 }), { maxLength: 40 }).map((labels) => m.buttons(...labels.map((label, index) => ({ label, action: { command: 'failures', args: { retry: `${label.slice(0, 40)}${index}` } } })))),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 14 }), fc.boolean(), (parts, ephemeral) => {
        expectWithinLimits(renderDiscord(reply(parts, ephemeral ? 'ephemeral' : 'channel')));
      }),
      { numRuns: 300 },
    );
  });
});
