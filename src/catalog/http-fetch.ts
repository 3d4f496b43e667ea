import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { SourceError, UpstreamError, UserInputError, type ShopshiftError } from '../errors.js';
import { addressRefusal, isAllowedHost, parseAllowList, type AllowList, type RefusalReason } from './address-guard.js';

export interface FetchLimits {
  /** Bounds connecting, waiting for headers, each silence in the body, and each attempt as a whole. */
  timeoutMs: number;
  maxBytes: number;
  maxRetries: number;
  retryBaseMs: number;
  /**
   * FETCH_ALLOWED_PRIVATE: CIDRs and host names that may be fetched although they are loopback, private,
   * link-local, …; every other such address is refused before connecting. Empty or absent: none.
   */
  allowedPrivate?: readonly string[];
}

export interface FetchOptions {
  /** Names the far side in UpstreamError (`service`). */
  service?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Replaces the guarded agent, and with it the address check: for tests only. */
  dispatcher?: Dispatcher;
}

export interface FetchedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentLength: number | null;
  /** Raw bytes, cut off with a SourceError past `maxBytes`; the caller reads or destroys it. */
  body: Readable;
}

const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 30_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUSES = new Set([429, 503]);
const PERMANENT_NETWORK_CODES = new Set(['ENOTFOUND', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const USER_AGENT = 'shopshift (catalog audit)';

export function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new UserInputError('That is not a web address; give the full URL, starting with https://.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UserInputError(`Only http and https addresses can be read, not ${parsed.protocol.replace(/:$/, '')}.`);
  }
  return parsed;
}

/** The URL without credentials, query or fragment: safe to show in chat and logs. */
export function safeUrlLabel(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the given address';
  }
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}

export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1_048_576;
  return megabytes >= 10 ? String(Math.round(megabytes)) : String(Number(megabytes.toPrecision(2)));
}

export function tooLargeError(maxBytes: number): SourceError {
  return new SourceError('SOURCE_UNREADABLE', `The catalog is larger than the ${formatMegabytes(maxBytes)} MB limit (FETCH_MAX_BYTES).`);
}

/** Retry-After in seconds or as an HTTP date, capped; otherwise exponential backoff with equal jitter. */
export function retryDelayMs(retryAfter: string | string[] | undefined, attempt: number, retryBaseMs: number, now = Date.now()): number {
  const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  if (header !== undefined && header.trim() !== '') {
    const seconds = Number(header.trim());
    const fromHeader = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
    if (Number.isFinite(fromHeader)) return Math.min(Math.max(fromHeader, 0), MAX_RETRY_AFTER_MS);
  }
  const ceiling = Math.min(retryBaseMs * 2 ** attempt, MAX_RETRY_AFTER_MS);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const agents = new Map<number, Agent>();

/**
 * One undici Agent per connect timeout, shared: the timeout can only be set on an agent. It connects
 * anywhere: only for endpoints the operator configured (Shopify Admin API), never for a URL a user typed.
 */
export function agentFor(timeoutMs: number): Agent {
  let agent = agents.get(timeoutMs);
  if (!agent) {
    agent = new Agent({ connect: { timeout: timeoutMs } });
    agents.set(timeoutMs, agent);
  }
  return agent;
}

/** Connecting to `host` was refused because of the address it is or resolves to; raised before any socket connects. */
export class AddressRefusedError extends Error {
  readonly code = 'ESHOPSHIFT_ADDRESS_REFUSED';

  constructor(readonly host: string, readonly reason: RefusalReason, readonly literal: boolean) {
    super(`${host}: ${reason} address refused`);
    this.name = 'AddressRefusedError';
  }
}

/**
 * net's lookup hook: resolves the name and passes on only the addresses that may be fetched, so the
 * check is on the address the socket then connects to (a second, different answer cannot slip past it).
 */
export function guardedLookup(allow: AllowList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const refusals = addresses.map((entry) => addressRefusal(entry.address, allow, hostname));
      const allowed = addresses.filter((_entry, index) => refusals[index] === null);
      const first = allowed[0];
      if (first === undefined) {
        callback(new AddressRefusedError(hostname, refusals.find((reason) => reason !== null) ?? 'private', false), []);
      } else if (options.all) {
        callback(null, allowed);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

const guardedAgents = new Map<string, Agent>();

/**
 * The agent fetchWithLimits uses: every connection, including each redirect hop, checks its address
 * first: a literal IP before connecting, a name through the lookup hook as it resolves.
 */
export function guardedAgentFor(timeoutMs: number, allowedPrivate: readonly string[] = []): Agent {
  const key = `${timeoutMs}|${allowedPrivate.join(',')}`;
  let agent = guardedAgents.get(key);
  if (!agent) {
    const allow = parseAllowList(allowedPrivate);
    const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(allow) });
    const connectUnchecked = buildConnector({ timeout: timeoutMs });
    agent = new Agent({
      connect: (options, callback) => {
        const host = options.hostname;
        if (isIP(host) !== 0) {
          const reason = addressRefusal(host, allow);
          if (reason !== null) {
            callback(new AddressRefusedError(host, reason, true), null);
            return;
          }
        } else if (isAllowedHost(host, allow)) {
          // Allowed by name: resolve without the check.
          connectUnchecked(options, callback);
          return;
        }
        connect(options, callback);
      },
    });
    guardedAgents.set(key, agent);
  }
  return agent;
}

function refusalError(error: AddressRefusedError, { label, redirected }: Attempt): SourceError {
  const verb = error.literal ? 'is' : 'resolves to';
  const article = /^[aeiou]/.test(error.reason) ? 'an' : 'a';
  const what = `${verb} ${article} ${error.reason} address; shopshift does not fetch those (FETCH_ALLOWED_PRIVATE).`;
  return new SourceError('SOURCE_UNREADABLE', redirected ? `${label} redirected to ${error.host}, which ${what}` : `${error.host} ${what}`, { cause: error });
}

function basicAuthorization(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function withoutCredentials(url: URL): URL {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  copy.hash = '';
  return copy;
}

interface Attempt {
  url: URL;
  authorization: string | null;
  label: string;
  /** True after a redirect: a refusal then names where it led. */
  redirected: boolean;
  limits: FetchLimits;
  options: FetchOptions;
}

type AttemptOutcome =
  | { kind: 'response'; response: Dispatcher.ResponseData; deadline: AbortSignal }
  | { kind: 'retry'; error: ShopshiftError; retryAfter?: string | string[] };

function describeNetworkFailure(error: unknown, { label, limits, options }: Attempt, deadline: AbortSignal): ShopshiftError {
  const service = options.service ?? 'http';
  const code = (error as { code?: string } | null)?.code ?? '';
  if (deadline.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new UpstreamError(service, null, `${label} did not answer within ${limits.timeoutMs / 1000} s.`, { cause: error });
  }
  if (code === 'ENOTFOUND') return new UpstreamError(service, null, `There is no such host as ${new URL(label).host}; check the address.`, { cause: error });
  return new UpstreamError(service, null, `Could not read ${label}: the connection failed${code ? ` (${code})` : ''}.`, { cause: error });
}

async function attemptRequest(attempt: Attempt): Promise<AttemptOutcome> {
  const { url, authorization, limits, options } = attempt;
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', accept: options.accept ?? '*/*' };
  if (authorization) headers.authorization = authorization;
  try {
    const response = await request(url, {
      method: 'GET',
      headers,
      signal,
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
      dispatcher: options.dispatcher ?? guardedAgentFor(limits.timeoutMs, limits.allowedPrivate),
    });
    if (!RETRY_STATUSES.has(response.statusCode)) return { kind: 'response', response, deadline };
    await response.body.dump().catch(() => undefined);
    const reason = response.statusCode === 429 ? 'is rate-limiting us (HTTP 429)' : 'is unavailable (HTTP 503)';
    const error = new UpstreamError(options.service ?? 'http', response.statusCode, `${attempt.label} ${reason}; try again in a few minutes.`);
    return { kind: 'retry', error, retryAfter: response.headers['retry-after'] };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof AddressRefusedError) throw refusalError(error, attempt);
    const failure = describeNetworkFailure(error, attempt, deadline);
    if (PERMANENT_NETWORK_CODES.has((error as { code?: string } | null)?.code ?? '')) throw failure;
    return { kind: 'retry', error: failure };
  }
}

function limitBody(body: Readable, maxBytes: number, describeFailure: (error: unknown) => Error): Readable {
  let bytes = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
  body.on('error', (error) => limited.destroy(describeFailure(error)));
  limited.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  body.pipe(limited);
  return limited;
}

function contentLengthOf(headers: FetchedResponse['headers']): number | null {
  const header = headers['content-length'];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return header !== undefined && Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * GETs `url` with undici: refuses loopback, private, link-local and similar addresses (on every hop,
 * checked on the address connected to) unless `allowedPrivate` lets them through, follows up to 5 redirects, retries 429, 503 and network failures up to
 * `maxRetries` times, and refuses bodies over `maxBytes`. Any other status is returned for the caller
 * to judge. Errors name the URL without its credentials or query, never the response body.
 */
export async function fetchWithLimits(url: string, limits: FetchLimits, options: FetchOptions = {}): Promise<FetchedResponse> {
  const target = parseHttpUrl(url);
  const label = safeUrlLabel(target);
  let current = withoutCredentials(target);
  let authorization = basicAuthorization(target);
  let redirects = 0;
  let retries = 0;
  for (;;) {
    const attempt: Attempt = { url: current, authorization, label, redirected: redirects > 0, limits, options };
    const outcome = await attemptRequest(attempt);
    if (outcome.kind === 'retry') {
      if (retries >= limits.maxRetries) throw outcome.error;
      await sleep(retryDelayMs(outcome.retryAfter, retries, limits.retryBaseMs), undefined, { signal: options.signal }).catch((error: unknown) => {
        throw options.signal?.aborted ? options.signal.reason : error;
      });
      retries++;
      continue;
    }
    const { response, deadline } = outcome;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(response.statusCode) && typeof location === 'string') {
      await response.body.dump().catch(() => undefined);
      if (++redirects > MAX_REDIRECTS) {
        throw new UpstreamError(options.service ?? 'http', response.statusCode, `${label} redirected more than ${MAX_REDIRECTS} times.`);
      }
      const next = parseRedirect(location, current, label);
      // Credentials were given for the first host only.
      if (next.origin !== current.origin) authorization = null;
      current = next;
      continue;
    }
    const contentLength = contentLengthOf(response.headers);
    const isSuccess = response.statusCode >= 200 && response.statusCode < 300;
    if (isSuccess && contentLength !== null && contentLength > limits.maxBytes) {
      response.body.destroy();
      throw tooLargeError(limits.maxBytes);
    }
    const describeFailure = (error: unknown): Error => {
      if (options.signal?.aborted) return options.signal.reason as Error;
      return describeNetworkFailure(error, attempt, deadline);
    };
    return {
      status: response.statusCode,
      headers: response.headers,
      contentLength,
      body: limitBody(response.body, limits.maxBytes, describeFailure),
    };
  }
}

function parseRedirect(location: string, from: URL, label: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new UpstreamError('http', null, `${label} redirected to an address that is not a URL.`);
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    throw new UpstreamError('http', null, `${label} redirected to a ${next.protocol.replace(/:$/, '')} address, which cannot be read.`);
  }
  return withoutCredentials(next);
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The start of an error body, for matching known upstream messages; never for showing. */
export async function readErrorText(body: Readable, capBytes = 65_536): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes >= capBytes) break;
    }
  } catch {
    // A failure here only loses the hint the body might have given.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function headerValue(headers: FetchedResponse['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** A generic error for a final status the caller did not expect. */
export function unexpectedStatusError(status: number, label: string, service = 'http'): ShopshiftError {
  if (status === 401) return new SourceError('SOURCE_UNREADABLE', `${label} asks for a login (HTTP 401); shopshift can only read public addresses.`);
  if (status === 403) return new SourceError('SOURCE_UNREADABLE', `${label} refused access (HTTP 403).`);
  if (status === 404) return new SourceError('SOURCE_UNREADABLE', `Nothing was found at ${label} (HTTP 404); check the address.`);
  return new UpstreamError(service, status, `${label} answered HTTP ${status}.`);
}
