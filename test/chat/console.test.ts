import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConsoleChat } from '../../src/chat/console/console-chat.js';
import { samplePath } from '../../src/paths.js';
import { chatHarness } from '../support/chat.js';

async function converse(lines: string[]) {
  const { services, commands, logs } = await chatHarness({ CATEGORY_MAP_FILE: samplePath('category-map.csv') });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk) => (text += chunk));
  const filesDir = await mkdtemp(join(tmpdir(), 'shopshift-console-'));
  const done = runConsoleChat({ input, output, commands, root: 'shop', services, log: logs.log, filesDir, now: () => Date.now() });
  input.end(`${lines.join('\n')}\n`);
  await done;
  return { text, filesDir };
}

describe('the terminal chat', () => {
  it('runs /shop commands as the chat platforms do and prints the messages as text', async () => {
    const { text, filesDir } = await converse(['/shop audit', '/shop map list']);
    expect(text).toContain('… Auditing the catalog…');
    expect(text).toContain('AUDIT: 7 OF 10 PRODUCTS ARE BLOCKED');
    expect(text).toContain(`(attachment audit-findings.csv saved to ${join(filesDir, 'audit-findings.csv')})`);
    expect(await readFile(join(filesDir, 'audit-findings.csv'), 'utf8')).toMatch(/^handle,title,verdict,line/);
    expect(text).toContain('No categories mapped yet.');
  });

  it('answers a typo with the usage and keeps going', async () => {
    const { text } = await converse(['/shop migration go', '/shop help', 'hello']);
    expect(text).toContain('action: must be one of status, plan, start, pause, resume.');
    expect(text).toContain('SHOPSHIFT COMMANDS');
    expect(text).toContain('Commands start with /shop, e.g. /shop help.');
  });
});
