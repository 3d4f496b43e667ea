import { setTimeout as delay } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { agentFor, retryDelayMs, safeUrlLabel } from '../catalog/http-fetch.js';
import { UpstreamError, UserInputError } from '../errors.js';
import type { Logger } from '../log.js';

/** The Admin API version shopshift is written against (shopify.md §1); pinned, never "latest". */
export const DEFAULT_SHOPIFY_API_VERSION = '2025-10';
/** Shopify refuses a single query whose requested cost is above this (shopify.md §3). */
export const SINGLE_QUERY_COST_LIMIT = 1000;

const SERVICE = 'shopify-admin';
const USER_AGENT = 'shopshift (catalog audit)';

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  /** null on a THROTTLED answer, which ran nothing. */
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface GraphqlErrorInfo {
  message: string;
  code: string | null;
}

/**
 * A failed Admin API call. `userText` names the setting to fix and never holds the token or Shopify's
 * messages (those are in `graphqlErrors`, for the log).
 */
export class ShopifyAdminError extends UpstreamError {
  readonly graphqlErrors: GraphqlErrorInfo[];
  /** The first GraphQL error code (ACCESS_DENIED, MAX_COST_EXCEEDED…), or null for an HTTP failure. */
  readonly graphqlCode: string | null;
  /** Set when the query can never run because it costs more than the bucket holds. */
  readonly requestedQueryCost: number | null;
  readonly maximumAvailable: number | null;

  constructor(
    status: number | null,
    userText: string,
    details: { errors?: GraphqlErrorInfo[]; requestedQueryCost?: number; maximumAvailable?: number; cause?: unknown } = {},
  ) {
    super(SERVICE, status, userText, details.cause === undefined ? undefined : { cause: details.cause });
    this.graphqlErrors = details.errors ?? [];
    this.graphqlCode = this.graphqlErrors[0]?.code ?? null;
    this.requestedQueryCost = details.requestedQueryCost ?? null;
    this.maximumAvailable = details.maximumAvailable ?? null;
  }
}

export interface ShopifyAdminClientOptions {
  /** The store's admin origin, e.g. https://{shop}.myshopify.com. */
  adminUrl: string;
  accessToken: string;
  apiVersion?: string;
  log: Logger;
  timeoutMs?: number;
  /** Retries of HTTP 429/503 (not THROTTLED) and of network failures. */
  maxRetries?: number;
  retryBaseMs?: number;
  /** Consecutive THROTTLED answers to one request before giving up; only another app draining the bucket reaches it. */
  maxThrottledRetries?: number;
  clock?: { now(): number };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  dispatcher?: Dispatcher;
  /**
   * Told after every request (metrics, /healthz): `ok` when Shopify answered with data (a THROTTLED answer
   * included: it is pacing, not a failure), `error` otherwise. A request the caller aborted is not reported.
   */
  onRequest?(outcome: 'ok' | 'error'): void;
}

export interface QueryOptions {
  /** Names the query: the requested cost of its last page paces the next one. */
  costKey?: string;
  /** The caller's estimate of the requested cost, used until Shopify has answered one with this costKey. */
  estimatedCost?: number;
  signal?: AbortSignal;
}

export interface QueryResult<T> {
  data: T;
  cost: QueryCost | null;
}

export interface AdminClientStats {
  requests: number;
  /** THROTTLED answers, every one waited out and retried. */
  throttled: number;
  /** Retries of HTTP 429/503 without a THROTTLED body and of network failures. */
  retries: number;
  /** Time spent waiting for the bucket, before requests and after THROTTLED answers. */
  waitedMs: number;
}

export interface ShopifyAdminClient {
  /** The endpoint without credentials, safe to show. */
  readonly label: string;
  readonly apiVersion: string;
  query<T>(query: string, variables?: Record<string, unknown>, options?: QueryOptions): Promise<QueryResult<T>>;
  /** The bucket as last reported, refilled to now; null before the first answer. */
  throttleStatus(): ThrottleStatus | null;
  readonly stats: AdminClientStats;
}

const throttleStatusSchema = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});

const costSchema = z.object({
  requestedQueryCost: z.number(),
  actualQueryCost: z.number().nullable().default(null),
  throttleStatus: throttleStatusSchema,
});

const errorSchema = z.looseObject({
  message: z.string().default(''),
  extensions: z.looseObject({ code: z.string().optional() }).optional(),
});

const responseSchema = z.looseObject({
  data: z.unknown().optional(),
  // A top-level error can be a bare string ({"errors": "Not Found"}).
  errors: z.union([z.array(errorSchema), z.string()]).optional(),
  extensions: z.looseObject({ cost: costSchema.optional() }).optional(),
});


const realSleep = (ms: number, signal?: AbortSignal) => delay(Math.ceil(ms), undefined, signal ? { signal } : undefined);

/** The GraphQL endpoint for a store origin and a version. */
export function adminGraphqlUrl(adminUrl: string, apiVersion: string): URL {
  let base: URL;
  try {
    base = new URL(adminUrl.trim());
  } catch {
    throw new UserInputError('SHOPIFY_ADMIN_URL is not a web address; give the store address, e.g. https://my-shop.myshopify.com.');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new UserInputError(`SHOPIFY_ADMIN_URL must be an http or https address, not ${base.protocol.replace(/:$/, '')}.`);
  }
  return new URL(`${base.pathname.replace(/\/+$/, '')}/admin/api/${encodeURIComponent(apiVersion)}/graphql.json`, base.origin);
}

function toErrorInfos(errors: z.infer<typeof responseSchema>['errors']): GraphqlErrorInfo[] {
  if (errors === undefined) return [];
  if (typeof errors === 'string') return [{ message: errors, code: null }];
  return errors.map((error) => ({ message: error.message, code: error.extensions?.code ?? null }));
}

type Answer =
  | { kind: 'ok'; status: number; body: z.infer<typeof responseSchema> }
  | { kind: 'retry'; error: ShopifyAdminError; retryAfter?: string | string[] }
  | { kind: 'throttled'; cost: QueryCost | null };

/**
 * A GraphQL Admin API client over undici (shopify.md §1, §3). It keeps a local estimate of the app's
 * cost bucket from `extensions.cost.throttleStatus` and waits before a request until the bucket can
 * hold the request's cost, so THROTTLED answers are rare; one that comes anyway is waited out for
 * exactly (requested − available) / restoreRate seconds and retried, never reported as a failure.
 */
export function createShopifyAdminClient(options: ShopifyAdminClientOptions): ShopifyAdminClient {
  const apiVersion = options.apiVersion ?? DEFAULT_SHOPIFY_API_VERSION;
  const endpoint = adminGraphqlUrl(options.adminUrl, apiVersion);
  const label = safeUrlLabel(endpoint);
  const { log, accessToken } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const maxThrottledRetries = options.maxThrottledRetries ?? 50;
  const clock = options.clock ?? { now: () => Date.now() };
  const sleep = options.sleep ?? realSleep;
  const dispatcher = options.dispatcher ?? agentFor(timeoutMs);
  const stats: AdminClientStats = { requests: 0, throttled: 0, retries: 0, waitedMs: 0 };
  const lastRequestedCost = new Map<string, number>();
  let bucket: (ThrottleStatus & { at: number }) | null = null;
  let warnedVersion = false;
  // Pacing decisions are taken one at a time, so concurrent queries each see the others' reservations.
  let gate: Promise<void> = Promise.resolve();

  function availableAt(now: number): number {
    if (!bucket) return Number.POSITIVE_INFINITY;
    const refilled = bucket.currentlyAvailable + ((now - bucket.at) / 1000) * bucket.restoreRate;
    return Math.min(bucket.maximumAvailable, refilled);
  }

  function remember(cost: QueryCost, costKey: string | undefined): void {
    bucket = { ...cost.throttleStatus, at: clock.now() };
    if (costKey !== undefined) lastRequestedCost.set(costKey, cost.requestedQueryCost);
  }

  async function wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    stats.waitedMs += ms;
    await sleep(ms, signal);
  }

  /** Waits until the estimated bucket holds `cost`, then reserves it until Shopify reports the real level. */
  function pace(cost: number, signal?: AbortSignal): Promise<void> {
    const turn = gate.then(async () => {
      if (!bucket || cost <= 0) return;
      const needed = Math.min(cost, bucket.maximumAvailable);
      const available = availableAt(clock.now());
      if (available < needed) await wait(((needed - available) / bucket.restoreRate) * 1000, signal);
      const now = clock.now();
      bucket = { ...bucket, currentlyAvailable: availableAt(now) - cost, at: now };
    });
    gate = turn.catch(() => undefined);
    return turn;
  }

  function checkVersion(headers: Record<string, string | string[] | undefined>): void {
    const header = headers['x-shopify-api-version'];
    const answered = Array.isArray(header) ? header[0] : header;
    if (answered && answered !== apiVersion && !warnedVersion) {
      warnedVersion = true;
      log.warn({ asked: apiVersion, answered }, 'Shopify answered with another API version than the pinned one');
    }
  }

  function statusError(status: number): ShopifyAdminError {
    if (status === 401) {
      return new ShopifyAdminError(401, `Shopify refused the access token (HTTP 401): check SHOPIFY_ACCESS_TOKEN and that the app is still installed on the store.`);
    }
    if (status === 403) {
      return new ShopifyAdminError(403, `Shopify refused access (HTTP 403): the app needs the read_products scope.`);
    }
    if (status === 404) {
      return new ShopifyAdminError(404, `There is no Admin API at ${label} (HTTP 404): check SHOPIFY_ADMIN_URL and SHOPIFY_API_VERSION.`);
    }
    return new ShopifyAdminError(status, `The Shopify Admin API answered HTTP ${status}.`);
  }

  async function send(body: string, signal: AbortSignal | undefined): Promise<Answer> {
    try {
      const answer = await sendOnce(body, signal);
      const usable = answer.kind === 'throttled' || (answer.kind === 'ok' && toErrorInfos(answer.body.errors).length === 0 && answer.body.data != null);
      options.onRequest?.(usable ? 'ok' : 'error');
      return answer;
    } catch (error) {
      if (!signal?.aborted) options.onRequest?.('error');
      throw error;
    }
  }

  async function sendOnce(body: string, signal: AbortSignal | undefined): Promise<Answer> {
    const deadline = AbortSignal.timeout(timeoutMs);
    stats.requests++;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(endpoint, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': USER_AGENT,
          'x-shopify-access-token': accessToken,
        },
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        dispatcher,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const code = (error as { code?: string } | null)?.code ?? '';
      const text = deadline.aborted || code.includes('TIMEOUT')
        ? `The Shopify Admin API at ${label} did not answer within ${timeoutMs / 1000} s.`
        : `Could not reach the Shopify Admin API at ${label}${code ? ` (${code})` : ''}.`;
      if (code === 'ENOTFOUND') throw new ShopifyAdminError(null, `There is no such host as ${endpoint.host}: check SHOPIFY_ADMIN_URL.`, { cause: error });
      return { kind: 'retry', error: new ShopifyAdminError(null, text, { cause: error }) };
    }
    checkVersion(response.headers);
    const status = response.statusCode;
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { kind: 'retry', error: new ShopifyAdminError(status, `The Shopify Admin API at ${label} broke off its answer.`, { cause: error }) };
    }
    let parsed: z.infer<typeof responseSchema> | null = null;
    try {
      const result = responseSchema.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
    } catch {
      parsed = null;
    }
    const errors = toErrorInfos(parsed?.errors);
    if (parsed && errors.some((error) => error.code === 'THROTTLED')) {
      return { kind: 'throttled', cost: parsed.extensions?.cost ?? null };
    }
    if (status === 429 || status === 503) {
      const reason = status === 429 ? 'is rate-limiting us (HTTP 429)' : 'is unavailable (HTTP 503)';
      return { kind: 'retry', error: new ShopifyAdminError(status, `The Shopify Admin API ${reason}; try again in a few minutes.`), retryAfter: response.headers['retry-after'] };
    }
    if (status < 200 || status >= 300) throw statusError(status);
    if (!parsed) throw new ShopifyAdminError(status, `The Shopify Admin API at ${label} answered something that is not a GraphQL response.`);
    return { kind: 'ok', status, body: parsed };
  }

  async function query<T>(queryText: string, variables: Record<string, unknown> = {}, queryOptions: QueryOptions = {}): Promise<QueryResult<T>> {
    const { costKey, signal } = queryOptions;
    const body = JSON.stringify({ query: queryText, variables });
    let retries = 0;
    let throttledInARow = 0;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const estimate = (costKey === undefined ? undefined : lastRequestedCost.get(costKey)) ?? queryOptions.estimatedCost ?? 0;
      await pace(estimate, signal);
      const answer = await send(body, signal);
      if (answer.kind === 'retry') {
        if (retries >= maxRetries) throw answer.error;
        await wait(retryDelayMs(answer.retryAfter, retries, retryBaseMs, clock.now()), signal);
        retries++;
        stats.retries++;
        continue;
      }
      if (answer.kind === 'throttled') {
        stats.throttled++;
        throttledInARow++;
        const cost = answer.cost;
        if (cost) remember(cost, costKey);
        if (cost && cost.requestedQueryCost > cost.throttleStatus.maximumAvailable) {
          throw new ShopifyAdminError(
            200,
            `A catalog query costs ${cost.requestedQueryCost} points, more than this store's ${cost.throttleStatus.maximumAvailable}-point bucket holds; lower SHOPIFY_PAGE_SIZE.`,
            { errors: [{ message: 'Throttled', code: 'THROTTLED' }], requestedQueryCost: cost.requestedQueryCost, maximumAvailable: cost.throttleStatus.maximumAvailable },
          );
        }
        if (throttledInARow > maxThrottledRetries) {
          throw new ShopifyAdminError(200, 'Shopify kept throttling shopshift: another app may be using up the same API budget. Try again later.');
        }
        const waitMs = cost
          ? (Math.max(0, cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable) / cost.throttleStatus.restoreRate) * 1000
          : retryBaseMs;
        log.debug({ requested: cost?.requestedQueryCost, available: cost?.throttleStatus.currentlyAvailable, waitMs }, 'shopify throttled; waiting');
        // The bucket estimate already says what Shopify said; waiting here is the exact refill time.
        await wait(waitMs, signal);
        continue;
      }
      const cost = answer.body.extensions?.cost ?? null;
      if (cost) remember(cost, costKey);
      const errors = toErrorInfos(answer.body.errors);
      if (errors.length > 0) {
        const codes = [...new Set(errors.map((error) => error.code ?? 'ERROR'))].join(', ');
        log.warn({ errors, costKey }, 'shopify rejected a query');
        const userText = errors.some((error) => error.code === 'ACCESS_DENIED')
          ? 'Shopify denied access to the catalog (ACCESS_DENIED): the app needs the read_products scope.'
          : `Shopify rejected shopshift's catalog query (${codes}).`;
        throw new ShopifyAdminError(answer.status, userText, { errors });
      }
      if (answer.body.data === undefined || answer.body.data === null) {
        throw new ShopifyAdminError(answer.status, 'The Shopify Admin API answered without data.');
      }
      return { data: answer.body.data as T, cost };
    }
  }

  return {
    label,
    apiVersion,
    query,
    throttleStatus() {
      if (!bucket) return null;
      return { maximumAvailable: bucket.maximumAvailable, restoreRate: bucket.restoreRate, currentlyAvailable: availableAt(clock.now()) };
    },
    stats,
  };
}
