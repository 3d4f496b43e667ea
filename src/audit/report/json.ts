import type { AuditSummary } from '../summary.js';
import type { ProductResult } from '../verdict.js';

/**
 * The JSON report is written as it streams: `{"products":[ … ],"summary":{…}}`, so a 100k-product audit
 * never holds every result at once.
 */
export function createJsonReportWriter(write: (text: string) => void | Promise<void>) {
  let count = 0;
  return {
    async start(): Promise<void> {
      await write('{"products":[\n');
    },
    async product(result: ProductResult): Promise<void> {
      await write(`${count++ === 0 ? '' : ',\n'}${JSON.stringify(result)}`);
    },
    async finish(summary: AuditSummary): Promise<void> {
      await write(`\n],\n"summary":${JSON.stringify(summary, null, 2)}}\n`);
    },
  };
}
