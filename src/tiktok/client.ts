import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, FormData, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { ConfigError, UpstreamError, type ShopshiftError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  auditFailedReasonSchema,
  productStatusSchema,
  type CategoryRecommendation,
  type CategoryAttribute,
  type CategoryRules,
  type CreatedProduct,
  type ImageUseCase,
  type ListingCheckResult,
  type ProductBody,
  type ProductDetail,
  type ProductSummary,
  type SearchProductsQuery,
  type TikTokCategory,
  type TikTokShopClient,
  type UploadedImage,
} from './api.js';
import { TIKTOK_SERVICE, TikTokApiError } from './errors.js';
import { createRateLimiter, realSleep, systemClock, type Clock, type Sleep } from './rate-limiter.js';
import { signRequest } from './signing.js';
import { parseJsonKeepingBigIntegers, tiktokIdSchema } from './webhook.js';

export const TIKTOK_API_URL = 'https://open-api.tiktokglobalshop.com';
export const TIKTOK_AUTH_URL = 'https://auth.tiktok-shops.com';

/** Expiry times are Unix seconds, as TikTok's token endpoints return them (§1). */
export interface TikTokTokens {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

/** Where a shop's tokens live; the client saves every refreshed pair before using it. */
export interface TokenStore {
  load(): Promise<TikTokTokens | null>;
  save(tokens: TikTokTokens): Promise<void>;
  /**
   * Runs a refresh while no other process sharing the tokens refreshes (a refresh token may be good for one
   * use); the work reads and saves through the token store it is given.
   */
  exclusive?<T>(work: (tokens: Pick<TokenStore, 'load' | 'save'>) => Promise<T>): Promise<T>;
}

export interface TikTokClientOptions {
  appKey: string;
  appSecret: string;
  shopCipher: string;
  tokenStore: TokenStore;
  log: Logger;
  /** Open API base URL; TIKTOK_API_URL by default. */
  apiUrl?: string;
  /** Token host base URL; TIKTOK_AUTH_URL by default. */
  authUrl?: string;
  /** Requests per second this client sends at most (TikTok publishes no number, §4). Default 5. */
  qps?: number;
  /** Retries after a rate-limit, 5xx or network failure. Default 5. */
  maxRetries?: number;
  /** First backoff ceiling; doubles per retry up to retryMaxMs, with full jitter. Default 500. */
  retryBaseMs?: number;
  /** Default 30 000. */
  retryMaxMs?: number;
  /** Per attempt: connecting, waiting for headers, reading the body. Default 30 000. */
  timeoutMs?: number;
  clock?: Clock;
  sleep?: Sleep;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
  /** Told after every attempt (metrics, /healthz): `ok` when TikTok's answer was usable, `error` otherwise (429s and network failures included). */
  onRequest?(outcome: 'ok' | 'error'): void;
}

export interface TikTokClient extends TikTokShopClient {
  /** Closes this client's connections. */
  close(): Promise<void>;
}

const API_VERSION = '202309';
const REFRESH_MARGIN_MS = 5 * 60_000;
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_RESPONSE_BYTES = 16 * 1_048_576;
const ACTIVATION_BATCH = 20;
const DEFAULT_PAGE_SIZE = 20;

// §1: these calls are not scoped to a shop and fail with 36009004 when `shop_cipher` is sent.
const NO_CIPHER_PATHS = [/^\/product\/\d+\/global_products(\/|$)/, /^\/product\/\d+\/(images|files)\/upload$/, /^\/authorization\/\d+\//, /^\/seller\/\d+\//];

export function needsShopCipher(method: string, path: string): boolean {
  if (method === 'POST' && /^\/product\/\d+\/brands$/.test(path)) return false;
  return !NO_CIPHER_PATHS.some((pattern) => pattern.test(path));
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface ApiCall<T> {
  method: Method;
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  /** Multipart body, built anew for every attempt (a sent FormData stream cannot be replayed). */
  form?: () => FormData;
  data: z.ZodType<T>;
}

type Outcome<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'failed'; error: ShopshiftError; retryable: boolean; retryAfterMs: number | null };

const envelopeSchema = z.looseObject({
  code: z.number().int(),
  message: z.string().default(''),
  request_id: z.string().nullish(),
  data: z.unknown(),
});

const skuRefSchema = z.looseObject({ id: tiktokIdSchema, seller_sku: z.string().default('') });
const skuRefs = z.array(skuRefSchema).default([]);
const toSkus = (skus: z.output<typeof skuRefSchema>[]): { id: string; sellerSku: string }[] => skus.map((sku) => ({ id: sku.id, sellerSku: sku.seller_sku }));

const tokenDataSchema = z.looseObject({
  access_token: z.string().min(1),
  access_token_expire_in: z.number().int(),
  refresh_token: z.string().min(1),
  refresh_token_expire_in: z.number().int(),
});

const categoriesDataSchema = z.looseObject({
  categories: z
    .array(
      z.looseObject({
        id: tiktokIdSchema,
        parent_id: z.union([tiktokIdSchema, z.literal('')]).default('0'),
        local_name: z.string().optional(),
        name: z.string().optional(),
        is_leaf: z.boolean(),
        permission_statuses: z.array(z.string()).nullish(),
      }),
    )
    .default([]),
});

const recommendDataSchema = z.looseObject({
  leaf_category_id: z.union([tiktokIdSchema, z.literal('')]).nullish(),
  categories: z
    .array(z.looseObject({ id: tiktokIdSchema, name: z.string().default(''), local_name: z.string().optional(), level: z.number().int().optional(), is_leaf: z.boolean().default(false) }))
    .nullish(),
});

const requiredFlag = z.looseObject({ is_required: z.boolean().default(false) }).nullish();
const categoryRulesDataSchema = z.looseObject({
  product_certifications: z
    .array(z.looseObject({ id: tiktokIdSchema, name: z.string().default(''), is_required: z.boolean().default(false) }))
    .nullish(),
  size_chart: requiredFlag,
  package_dimension: requiredFlag,
});

const attributesDataSchema = z.looseObject({
  attributes: z
    .array(
      z.looseObject({
        id: tiktokIdSchema,
        name: z.string().default(''),
        type: z.enum(['PRODUCT_PROPERTY', 'SALES_PROPERTY']).catch('PRODUCT_PROPERTY'),
        // TikTok spells it `is_requried`; the correct spelling is read too, should they fix it.
        is_requried: z.boolean().nullish(),
        is_required: z.boolean().nullish(),
        values: z.array(z.looseObject({ id: tiktokIdSchema, name: z.string().default('') })).nullish(),
        is_customizable: z.boolean().default(false),
        is_multiple_selection: z.boolean().default(false),
      }),
    )
    .default([]),
});

const brandsDataSchema = z.looseObject({
  brands: z.array(z.looseObject({ id: tiktokIdSchema, name: z.string() })).default([]),
  next_page_token: z.string().nullish(),
});

const imageDataSchema = z.looseObject({
  uri: z.string().min(1),
  url: z.string(),
  width: z.number(),
  height: z.number(),
});

const createdDataSchema = z.looseObject({
  product_id: tiktokIdSchema,
  skus: skuRefs,
  warnings: z.array(z.looseObject({ message: z.string() })).nullish(),
});

const listingCheckDataSchema = z.looseObject({
  check_result: z.string().nullish(),
  fail_reasons: z
    .array(z.looseObject({ code: z.union([z.number().int(), z.string()]).nullish(), message: z.string().default('') }))
    .nullish(),
  warnings: z.array(z.looseObject({ message: z.string().default('') })).nullish(),
});

const productDataSchema = z.looseObject({
  id: tiktokIdSchema,
  status: productStatusSchema,
  audit: z.looseObject({ status: z.string() }).nullish(),
  audit_failed_reasons: z.array(auditFailedReasonSchema).nullish(),
  skus: skuRefs,
});

const searchDataSchema = z.looseObject({
  products: z.array(z.looseObject({ id: tiktokIdSchema, status: productStatusSchema, skus: skuRefs })).default([]),
  next_page_token: z.string().nullish(),
  total_count: z.number().int().default(0),
});

// Batch calls answer code 0 and list the ids they could not change (e.g. 12052901 wrong status).
const batchDataSchema = z
  .looseObject({
    errors: z
      .array(
        z.looseObject({
          code: z.number().int(),
          message: z.string().default(''),
          detail: z.looseObject({ product_id: tiktokIdSchema.optional() }).nullish(),
        }),
      )
      .nullish(),
  })
  .nullish();

const anyDataSchema = z.unknown();

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After in seconds or as an HTTP date, in ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value.trim());
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

async function readCapped(body: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function joinUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}${path}`);
}

/**
 * A TikTok Shop Open API client for one shop: signs every attempt (§2), keeps the access token fresh,
 * paces requests at `qps`, retries rate limits, 5xx and network failures, and parses every answer with zod.
 */
export function createTikTokClient(options: TikTokClientOptions): TikTokClient {
  const {
    appKey, appSecret, shopCipher, tokenStore, log,
    apiUrl = TIKTOK_API_URL, authUrl = TIKTOK_AUTH_URL,
    qps = 5, maxRetries = 5, retryBaseMs = 500, retryMaxMs = 30_000, timeoutMs = 30_000,
    clock = systemClock, sleep = realSleep, random = Math.random,
  } = options;
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const limiter = createRateLimiter({ qps, clock, sleep });
  let tokens: TikTokTokens | null = null;
  let refreshing: Promise<TikTokTokens> | null = null;
  let requestSeq = 0;

  function backoffMs(retry: number, retryAfterMs: number | null): number {
    if (retryAfterMs !== null) return retryAfterMs;
    return Math.floor(random() * Math.min(retryMaxMs, retryBaseMs * 2 ** retry));
  }

  type Target = { url: URL; method: Method; headers: Record<string, string>; body?: string | FormData };

  async function exchange<T>(target: Target, dataSchema: z.ZodType<T>, requestLog: Logger): Promise<Outcome<T>> {
    const outcome = await exchangeOnce(target, dataSchema, requestLog);
    options.onRequest?.(outcome.kind === 'ok' ? 'ok' : 'error');
    return outcome;
  }

  async function exchangeOnce<T>(target: Target, dataSchema: z.ZodType<T>, requestLog: Logger): Promise<Outcome<T>> {
    const started = clock.now();
    let response: Dispatcher.ResponseData;
    let raw: Buffer | null;
    try {
      response = await request(target.url, {
        method: target.method,
        headers: target.headers,
        body: target.body,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      raw = await readCapped(response.body, MAX_RESPONSE_BYTES);
    } catch (cause) {
      const code = (cause as { code?: string } | null)?.code;
      const timedOut = (cause as { name?: string } | null)?.name === 'TimeoutError' || /TIMEOUT/.test(code ?? '');
      requestLog.debug({ ms: clock.now() - started, networkError: timedOut ? 'timeout' : (code ?? 'unknown') }, 'tiktok request failed');
      const text = timedOut
        ? `TikTok Shop did not answer within ${timeoutMs / 1000} s.`
        : `Could not reach TikTok Shop: the connection failed${code ? ` (${code})` : ''}.`;
      return { kind: 'failed', error: new UpstreamError(TIKTOK_SERVICE, null, text, { cause }), retryable: true, retryAfterMs: null };
    }
    const httpStatus = response.statusCode;
    const retryAfterMs = parseRetryAfter(headerText(response.headers['retry-after']), clock.now());
    if (raw === null) {
      return { kind: 'failed', error: new UpstreamError(TIKTOK_SERVICE, httpStatus, 'TikTok Shop sent an answer too large to read.'), retryable: false, retryAfterMs };
    }
    let envelope: z.output<typeof envelopeSchema> | null = null;
    try {
      const parsed = envelopeSchema.safeParse(parseJsonKeepingBigIntegers(raw.toString('utf8')));
      if (parsed.success) envelope = parsed.data;
    } catch {
      // Not JSON: judged by the HTTP status below.
    }
    const facts = { ms: clock.now() - started, httpStatus, apiCode: envelope?.code ?? null, requestId: envelope?.request_id ?? null };
    requestLog.debug(facts, 'tiktok answered');
    if (envelope === null || envelope.code !== 0 || httpStatus < 200 || httpStatus > 299) {
      const error = new TikTokApiError({
        apiCode: envelope === null || envelope.code === 0 ? null : envelope.code,
        apiMessage: envelope?.message,
        requestId: envelope?.request_id ?? null,
        httpStatus,
      });
      return { kind: 'failed', error, retryable: error.isRateLimited() || error.isRetryableServerError(), retryAfterMs };
    }
    const data = dataSchema.safeParse(envelope.data);
    if (!data.success) {
      requestLog.warn({ ...facts, issues: describeIssues(data.error) }, 'tiktok answer has an unexpected shape');
      const error = new UpstreamError(TIKTOK_SERVICE, httpStatus, 'TikTok Shop answered in a shape shopshift does not understand; it may have changed its API.');
      return { kind: 'failed', error, retryable: false, retryAfterMs: null };
    }
    return { kind: 'ok', data: data.data };
  }

  async function withRetries<T>(requestLog: Logger, attempt: () => Promise<Outcome<T>>, onExpiredToken?: () => Promise<boolean>): Promise<T> {
    let retries = 0;
    for (;;) {
      const outcome = await attempt();
      if (outcome.kind === 'ok') return outcome.data;
      const { error } = outcome;
      if (error instanceof TikTokApiError && error.isExpiredToken() && onExpiredToken && (await onExpiredToken())) continue;
      if (!outcome.retryable || retries >= maxRetries) throw error;
      const waitMs = backoffMs(retries, outcome.retryAfterMs);
      retries++;
      requestLog.debug({ retry: retries, waitMs }, 'tiktok retry');
      await sleep(waitMs);
    }
  }

  async function loadTokens(): Promise<TikTokTokens> {
    tokens ??= await tokenStore.load();
    if (tokens === null) throw new ConfigError('This shop is not connected to TikTok Shop yet; authorize the app for the shop first.');
    return tokens;
  }

  async function fetchNewTokens(current: TikTokTokens, saveTo: Pick<TokenStore, 'save'> = tokenStore): Promise<TikTokTokens> {
    if (current.refreshTokenExpiresAt * 1000 <= clock.now()) {
      throw new UpstreamError(TIKTOK_SERVICE, null, 'The TikTok Shop authorization has expired; authorize the app for the shop again.');
    }
    const path = '/api/v2/token/refresh';
    const requestLog = log.child({ tiktok: { seq: ++requestSeq, method: 'GET', path } });
    const url = joinUrl(authUrl, path);
    url.search = new URLSearchParams({ app_key: appKey, app_secret: appSecret, refresh_token: current.refreshToken, grant_type: 'refresh_token' }).toString();
    const data = await withRetries(requestLog, () => exchange({ url, method: 'GET', headers: { accept: 'application/json' } }, tokenDataSchema, requestLog));
    const fresh: TikTokTokens = {
      accessToken: data.access_token,
      accessTokenExpiresAt: data.access_token_expire_in,
      refreshToken: data.refresh_token,
      refreshTokenExpiresAt: data.refresh_token_expire_in,
    };
    await saveTo.save(fresh);
    requestLog.info({ accessTokenExpiresAt: fresh.accessTokenExpiresAt }, 'tiktok access token refreshed');
    return fresh;
  }

  /** One refresh at a time; a caller holding an already-replaced token just gets the new one. */
  function refreshTokens(staleAccessToken: string): Promise<TikTokTokens> {
    if (refreshing) return refreshing;
    if (tokens !== null && tokens.accessToken !== staleAccessToken) return Promise.resolve(tokens);
    const alone = tokenStore.exclusive?.bind(tokenStore) ?? (<T>(work: (tokens: TokenStore) => Promise<T>) => work(tokenStore));
    refreshing = alone(async (locked) => {
      // Another process sharing the store may have refreshed already.
      const stored = await locked.load();
      if (stored !== null && stored.accessToken !== staleAccessToken && stored.accessTokenExpiresAt * 1000 - clock.now() > REFRESH_MARGIN_MS) return stored;
      return fetchNewTokens(stored ?? (await loadTokens()), locked);
    })
      .then((fresh) => {
        tokens = fresh;
        return fresh;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function usableAccessToken(): Promise<string> {
    const current = await loadTokens();
    if (current.accessTokenExpiresAt * 1000 - clock.now() > REFRESH_MARGIN_MS) return current.accessToken;
    return (await refreshTokens(current.accessToken)).accessToken;
  }

  async function call<T>(spec: ApiCall<T>): Promise<T> {
    const requestLog = log.child({ tiktok: { seq: ++requestSeq, method: spec.method, path: spec.path } });
    const bodyText = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    const withCipher = needsShopCipher(spec.method, spec.path);
    let refreshedAfterExpiry = false;
    let sentToken = '';
    const attempt = async (): Promise<Outcome<T>> => {
      await limiter.acquire();
      sentToken = await usableAccessToken();
      const query: Record<string, string> = {};
      for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined) query[key] = value;
      query.app_key = appKey;
      query.timestamp = String(Math.floor(clock.now() / 1000));
      if (withCipher) query.shop_cipher = shopCipher;
      const sign = signRequest({ path: spec.path, query, body: spec.form ? undefined : bodyText, appSecret });
      const url = joinUrl(apiUrl, spec.path);
      url.search = new URLSearchParams({ ...query, sign }).toString();
      const headers: Record<string, string> = { 'x-tts-access-token': sentToken, accept: 'application/json' };
      let body: string | FormData | undefined;
      if (spec.form) body = spec.form();
      else {
        headers['content-type'] = 'application/json';
        body = bodyText;
      }
      return exchange({ url, method: spec.method, headers, body }, spec.data, requestLog);
    };
    const onExpiredToken = async (): Promise<boolean> => {
      if (refreshedAfterExpiry) return false;
      refreshedAfterExpiry = true;
      requestLog.debug('tiktok token expired; refreshing');
      await refreshTokens(sentToken);
      return true;
    };
    return withRetries(requestLog, attempt, onExpiredToken);
  }

  const productPath = (productId: string, suffix = ''): string => `/product/${API_VERSION}/products/${encodeURIComponent(productId)}${suffix}`;

  /** Sends every batch even when one has refusals, then throws one error naming all refused ids. */
  async function changeStatus(action: 'activate' | 'deactivate', productIds: string[]): Promise<void> {
    const refusals: { code: number; message: string; productId: string | null }[] = [];
    for (const batch of chunk(productIds, ACTIVATION_BATCH)) {
      const data = await call({ method: 'POST', path: `/product/${API_VERSION}/products/${action}`, json: { product_ids: batch }, data: batchDataSchema });
      for (const refusal of data?.errors ?? []) refusals.push({ code: refusal.code, message: refusal.message, productId: refusal.detail?.product_id ?? null });
    }
    const first = refusals[0];
    if (first === undefined) return;
    const refusedIds = refusals.flatMap((refusal) => (refusal.productId === null ? [] : [refusal.productId]));
    throw new TikTokApiError({ apiCode: first.code, apiMessage: first.message, httpStatus: 200, productIds: refusedIds });
  }

  return {
    async getCategories(query = {}): Promise<TikTokCategory[]> {
      const data = await call({
        method: 'GET',
        path: `/product/${API_VERSION}/categories`,
        ...(query.includeProhibited ? { query: { include_prohibited_categories: 'true' } } : {}),
        data: categoriesDataSchema,
      });
      return data.categories.map((category) => ({
        id: category.id,
        parentId: category.parent_id,
        name: category.local_name ?? category.name ?? '',
        isLeaf: category.is_leaf,
        permissionStatuses: category.permission_statuses ?? null,
      }));
    },

    async getCategoryRules(categoryId: string): Promise<CategoryRules> {
      const data = await call({ method: 'GET', path: `/product/${API_VERSION}/categories/${encodeURIComponent(categoryId)}/rules`, data: categoryRulesDataSchema });
      return {
        certifications: (data.product_certifications ?? []).map((c) => ({ id: c.id, name: c.name, isRequired: c.is_required })),
        sizeChartRequired: data.size_chart?.is_required ?? false,
        packageDimensionRequired: data.package_dimension?.is_required ?? false,
      };
    },

    async getAttributes(categoryId: string): Promise<CategoryAttribute[]> {
      const data = await call({ method: 'GET', path: `/product/${API_VERSION}/categories/${encodeURIComponent(categoryId)}/attributes`, data: attributesDataSchema });
      return data.attributes.map((attribute) => ({
        id: attribute.id,
        name: attribute.name,
        type: attribute.type,
        isRequired: attribute.is_requried ?? attribute.is_required ?? false,
        values: (attribute.values ?? []).map((value) => ({ id: value.id, name: value.name })),
        isCustomizable: attribute.is_customizable,
        isMultipleSelection: attribute.is_multiple_selection,
      }));
    },

    async recommendCategory({ title, description, images }): Promise<CategoryRecommendation> {
      const json = { product_title: title, ...(description ? { description } : {}), ...(images?.length ? { images } : {}) };
      const data = await call({ method: 'POST', path: `/product/${API_VERSION}/categories/recommend`, json, data: recommendDataSchema });
      const levels = [...(data.categories ?? [])].sort((a, b) => (a.level ?? 0) - (b.level ?? 0));
      const leafCategoryId = data.leaf_category_id || levels.findLast((category) => category.is_leaf)?.id || null;
      return {
        leafCategoryId,
        path: leafCategoryId === null ? [] : levels.map((category) => ({ id: category.id, name: (category.local_name ?? category.name).trim(), isLeaf: category.is_leaf })),
      };
    },

    async getBrands(query = {}) {
      const data = await call({
        method: 'GET',
        path: `/product/${API_VERSION}/brands`,
        query: { page_size: String(query.pageSize ?? 100), page_token: query.pageToken, brand_name: query.brandName },
        data: brandsDataSchema,
      });
      return { brands: data.brands.map(({ id, name }) => ({ id, name })), nextPageToken: data.next_page_token || null };
    },

    async uploadImage(image, useCase: ImageUseCase = 'MAIN_IMAGE'): Promise<UploadedImage> {
      const form = (): FormData => {
        const formData = new FormData();
        formData.append('data', new Blob([Buffer.from(image.data)], { type: image.contentType }), image.fileName);
        formData.append('use_case', useCase);
        return formData;
      };
      const data = await call({ method: 'POST', path: `/product/${API_VERSION}/images/upload`, form, data: imageDataSchema });
      return { uri: data.uri, url: data.url, width: data.width, height: data.height };
    },

    async createProduct(body: ProductBody): Promise<CreatedProduct> {
      // Retries after a dropped connection must not create the product twice.
      const json: ProductBody = { ...body, idempotency_key: body.idempotency_key ?? randomUUID() };
      const data = await call({ method: 'POST', path: `/product/${API_VERSION}/products`, json, data: createdDataSchema });
      return { productId: data.product_id, skus: toSkus(data.skus), warnings: (data.warnings ?? []).map((w) => w.message) };
    },

    async listingCheck(body: ProductBody): Promise<ListingCheckResult> {
      const data = await call({ method: 'POST', path: `/product/${API_VERSION}/products/listing_check`, json: body, data: listingCheckDataSchema });
      const failures = (data.fail_reasons ?? []).map((reason) => ({ code: reason.code === null || reason.code === undefined ? null : String(reason.code), message: reason.message }));
      return { passed: data.check_result !== 'FAILED' && failures.length === 0, failures, warnings: (data.warnings ?? []).map((w) => ({ message: w.message })) };
    },

    async editProduct(productId: string, body: ProductBody): Promise<void> {
      await call({ method: 'PUT', path: productPath(productId), json: body, data: anyDataSchema });
    },

    async getProduct(productId: string): Promise<ProductDetail> {
      const data = await call({ method: 'GET', path: productPath(productId), data: productDataSchema });
      return {
        id: data.id,
        status: data.status,
        auditStatus: data.audit?.status ?? null,
        auditFailedReasons: data.audit_failed_reasons ?? [],
        skus: toSkus(data.skus),
      };
    },

    async searchProducts(query: SearchProductsQuery) {
      const data = await call({
        method: 'POST',
        path: `/product/${API_VERSION}/products/search`,
        query: { page_size: String(query.pageSize ?? DEFAULT_PAGE_SIZE), page_token: query.pageToken },
        json: { status: query.status, seller_skus: query.sellerSkus },
        data: searchDataSchema,
      });
      const products: ProductSummary[] = data.products.map((p) => ({ id: p.id, status: p.status, skus: toSkus(p.skus) }));
      return { products, nextPageToken: data.next_page_token || null, totalCount: data.total_count };
    },

    activateProducts: (productIds) => changeStatus('activate', productIds),
    deactivateProducts: (productIds) => changeStatus('deactivate', productIds),

    async close() {
      await agent.close();
    },
  };
}
