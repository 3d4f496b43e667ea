import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.js';

/** A route gets the raw body bytes: webhook signatures are checked on exactly what was sent. */
export type RawRoute = (request: { body: Buffer; headers: IncomingMessage['headers'] }) => Promise<{ status: number; body: string; contentType?: string }>;

export interface HttpServerOptions {
  routes: Record<string, RawRoute>;
  log: Logger;
  /** Bodies over this are refused with 413 before they are read whole. */
  maxBodyBytes?: number;
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The bot's HTTP endpoints ("POST /webhooks/tiktok" and the like), on node:http. */
export function createHttpServer({ routes, log, maxBodyBytes = 1024 * 1024 }: HttpServerOptions): Server {
  return createServer((request: IncomingMessage, response: ServerResponse) => {
    const answer = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => response.writeHead(status, { 'content-type': contentType }).end(body);
    const route = routes[`${request.method} ${request.url?.split('?')[0]}`];
    if (!route) return answer(404, 'not found');
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) return answer(413, 'body too large');
    readBody(request, maxBodyBytes)
      .then(async (body) => {
        if (body === null) return answer(413, 'body too large');
        const result = await route({ body, headers: request.headers });
        answer(result.status, result.body, result.contentType);
      })
      .catch((error: unknown) => {
        log.error({ err: error, path: request.url }, 'http route failed');
        if (!response.headersSent) answer(500, 'internal error');
      });
  });
}
