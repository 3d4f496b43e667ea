import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** A real pino logger writing into memory, so specs can assert on the fields and on what never appears. */
export function captureLogs(level: 'info' | 'debug' = 'info'): { log: Logger; lines(): Record<string, unknown>[]; text(): string } {
  let buffer = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      buffer += chunk.toString();
      done();
    },
  });
  const log = createLogger({ level, destination });
  return {
    log,
    text: () => buffer,
    lines: () => buffer.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
