import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { SourceError } from '../errors.js';
import type { TextInput } from './shopify-csv.js';

const CHUNK_BYTES = 1 << 16;

export function fileTextInput(path: string): TextInput {
  return {
    label: basename(path),
    async open() {
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        const reason = error.code === 'ENOENT' ? 'no such file' : error.code === 'EACCES' ? 'permission denied' : (error.code ?? 'unreadable');
        throw new SourceError('SOURCE_UNREADABLE', `Cannot read ${path}: ${reason}.`, { cause: error });
      });
      if (info.isDirectory()) throw new SourceError('SOURCE_UNREADABLE', `${path} is a folder, not a catalog file.`);
      // utf8 decoding in the stream keeps characters split across chunks whole.
      return { stream: createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES }), totalBytes: info.size };
    },
  };
}

/** Text already in memory, optionally cut into chunks to exercise chunk boundaries. */
export function stringTextInput(text: string, label = 'catalog.csv', chunkSize = 0): TextInput {
  return {
    label,
    async open() {
      const chunks: string[] = [];
      if (chunkSize > 0) for (let at = 0; at < text.length; at += chunkSize) chunks.push(text.slice(at, at + chunkSize));
      else chunks.push(text);
      return { stream: Readable.from(chunks, { objectMode: false, encoding: 'utf8' }), totalBytes: Buffer.byteLength(text) };
    },
  };
}
