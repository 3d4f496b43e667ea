import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { SourceProgress } from '../catalog/source.js';

export interface ProgressDisplay {
  update(progress: SourceProgress): void;
  stop(): void;
}

const MB = 1024 * 1024;
// Small catalogs finish before a bar would be read.
const MIN_BYTES_FOR_BAR = 2 * MB;

/** A progress bar on a terminal for long catalogs; nothing when the output is not a terminal (CI, pipes). */
export function createProgressDisplay(stream: Writable & { isTTY?: boolean }, { enabled }: { enabled: boolean }): ProgressDisplay {
  if (!enabled || !stream.isTTY) return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | null = null;
  return {
    update({ bytesRead, totalBytes, products }) {
      if (!bar) {
        if (totalBytes !== null && totalBytes < MIN_BYTES_FOR_BAR) return;
        bar = new cliProgress.SingleBar(
          {
            stream: stream as NodeJS.WriteStream,
            format: totalBytes === null
              ? 'Auditing {products} products, {mb} MB read'
              : 'Auditing [{bar}] {percentage}% | {products} products | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalBytes ?? 0, 0, { products: 0, mb: '0' });
      }
      bar.update(totalBytes === null ? 0 : bytesRead, { products: products.toLocaleString('en-US'), mb: (bytesRead / MB).toFixed(1) });
    },
    stop() {
      bar?.stop();
    },
  };
}
