import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/cli/progress.js';

function fakeTerminal(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe('the progress bar', () => {
  it('draws a bar with the share read and the products so far on a terminal, for a long catalog', () => {
    const { stream, text } = fakeTerminal(true);
    const progress = createProgressDisplay(stream, { enabled: true });
    progress.update({ bytesRead: 5 * 1024 * 1024, totalBytes: 10 * 1024 * 1024, products: 12_345 });
    progress.stop();
    expect(text()).toMatch(/Auditing \[.*\] 50% \| 12,345 products/);
  });

  it('stays silent when the output is not a terminal (CI, pipes)', () => {
    const { stream, text } = fakeTerminal(false);
    const progress = createProgressDisplay(stream, { enabled: true });
    progress.update({ bytesRead: 5 * 1024 * 1024, totalBytes: 10 * 1024 * 1024, products: 1 });
    progress.stop();
    expect(text()).toBe('');
  });

  it('skips the bar for a catalog small enough to finish at once', () => {
    const { stream, text } = fakeTerminal(true);
    const progress = createProgressDisplay(stream, { enabled: true });
    progress.update({ bytesRead: 1000, totalBytes: 2000, products: 3 });
    progress.stop();
    expect(text()).toBe('');
  });
});
