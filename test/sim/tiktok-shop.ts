import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Papa from 'papaparse';
import { request } from 'undici';

/**
 * A local TikTok Shop Open API (202309) on 127.0.0.1, speaking the wire format of
 * shared/reference/tiktok-shop.md: signed calls (§2), the `{code, message, request_id, data}` envelope with the
 * documented codes and messages (§3), the product endpoints (§5), statuses and review (§6), signed webhooks with
 * retries (§7), the listing rules that have codes (§8), throttling and a listing quota (§4, §10).
 * The auth host (`/api/v2/token/*`) is served by the same server.
 *
 * Its default category tree, brands and attributes are made up. Real UK categories may be loaded at run time
 * with `categoriesCsvPath` (that data may not be copied into the repository).
 */

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface SimShop {
  id: string;
  cipher: string;
  name: string;
  region: string;
}

export interface SimCategory {
  id: string;
  /** '0' for a top-level category. */
  parentId: string;
  name: string;
  /** Create answers 12052220; hidden from Get Categories unless `include_prohibited_categories=true`. */
  prohibited?: boolean;
  /** Needs Qualification Center approval: Get Categories lists it as INVITE_ONLY and create answers 12052223. */
  restricted?: boolean;
  /** Names of the product attributes (Material, Warranty Period) the category's attributes mark required; create and listing_check without one answer 12052104. */
  requiredAttributes?: string[];
  /** Required certifications (category rules); a product without them fails review. */
  certifications?: { id: string; name: string }[];
  /** Create without `size_chart` answers 12052673. */
  sizeChartRequired?: boolean;
  /** Defaults to the region rule (§8: required for local US, GB, MY, SG). */
  packageDimensionRequired?: boolean;
}

export interface SimBrand {
  id: string;
  name: string;
}

export interface TikTokShopSimOptions {
  appKey?: string;
  appSecret?: string;
  shops?: SimShop[];
  /** The initial access token (valid for `tokenTtlSeconds` from start); later ones come from the auth endpoints. */
  accessToken?: string;
  refreshToken?: string;
  tokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** The auth code `/api/v2/token/get` accepts. */
  authCode?: string;
  /** Accepted API calls per second per app key; more answer 36009002. Unlimited when unset. */
  qps?: number;
  throttleHttpStatus?: 200 | 429;
  reviewDelayMs?: number;
  /** Share (0..1) of reviews that fail with a generic reason, drawn from `seed`. */
  rejectFraction?: number;
  seed?: number;
  /** A title containing one (case-insensitive) fails review. */
  bannedWords?: string[];
  categories?: SimCategory[];
  /** A `category_id,category_path` CSV ('>' between levels) used instead of the default tree; `categories` entries override its rows by id. */
  categoriesCsvPath?: string;
  brands?: SimBrand[];
  /** Products that can be created per shop; the next create answers 12052093. */
  listingQuota?: number;
  /** Products that can be created per shop per quota day (read on `clock`); the next create that day answers 12052093. */
  dailyListingQuota?: number;
  /** When the quota day starts, in minutes after 00:00 UTC (default 0). */
  quotaResetMinuteUtc?: number;
  webhookUrl?: string;
  /** Delays before the 2nd, 3rd… delivery of an unacknowledged webhook (the real schedule is 2 min, 30 min, 3 h, 12 h). */
  webhookRetryDelaysMs?: number[];
  /** Share (0..1) of webhooks delivered a second time with the same `tts_notification_id`, drawn from `seed`. */
  duplicateWebhookFraction?: number;
  /** Webhook types sent on review outcomes: 5 PRODUCT_STATUS_CHANGE and/or 37 PRODUCT_AUDIT_STATUS_CHANGE. */
  webhookTypes?: (5 | 37)[];
  /** Milliseconds since the epoch, for timestamps, token expiry and product times. */
  clock?: () => number;
}

export type SimFaultKind = 'rate-limit' | 'server-error' | 'slow' | 'expired-token' | 'drop-connection';

export interface SimFault {
  kind: SimFaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** For 'slow': delay before the request is handled normally (default 1000). */
  delayMs?: number;
  /** Only requests whose path matches. */
  paths?: RegExp;
  /** For 'server-error' (default 500). */
  httpStatus?: 500 | 502 | 503;
}

export type SimProductStatus =
  | 'DRAFT' | 'PENDING' | 'FAILED' | 'ACTIVATE' | 'SELLER_DEACTIVATED' | 'PLATFORM_DEACTIVATED' | 'FREEZE' | 'DELETED';
export type SimAuditStatus = 'NONE' | 'AUDITING' | 'FAILED' | 'APPROVED';

export interface SimAuditFailedReason {
  position: string;
  reasons: string[];
  suggestions: string[];
  listing_platform: string;
}

export interface SimSku {
  id: string;
  seller_sku: string;
  price: { amount: string; currency: string };
  inventory: { warehouse_id: string; quantity: number }[];
  sales_attributes: { id: string; name: string; value_id: string; value_name: string; sku_img?: { uri: string } }[];
  identifier_code?: Record<string, unknown>;
  external_sku_id?: string;
}

export interface SimProductEvent {
  at: number;
  event: 'created' | 'edited' | 'review-passed' | 'review-failed' | 'activated' | 'deactivated';
  status: SimProductStatus;
  auditStatus: SimAuditStatus;
  reasons?: string[];
}

export interface SimProduct {
  id: string;
  shopId: string;
  shopCipher: string;
  status: SimProductStatus;
  auditStatus: SimAuditStatus;
  auditFailedReasons: SimAuditFailedReason[];
  title: string;
  categoryId: string;
  /** The live (or only) version as sent, minus fields the platform cleared. */
  body: Record<string, unknown>;
  skus: SimSku[];
  /** An edit of a live product waiting for review; the live version keeps selling meanwhile (§6). */
  underReview: { body: Record<string, unknown>; skus: SimSku[] } | null;
  createTime: number;
  updateTime: number;
  idempotencyKey: string | null;
  reviewCount: number;
  history: SimProductEvent[];
}

export interface SimImage {
  uri: string;
  url: string;
  width: number;
  height: number;
  useCase: string;
  contentType: string;
  bytes: Buffer;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The `code` answered; null when the connection was dropped. */
  code: number | null;
  httpStatus: number | null;
  fault?: SimFaultKind;
  at: number;
}

export interface SimWebhookDelivery {
  notificationId: string;
  type: number;
  shopId: string;
  productId: string;
  body: string;
  signature: string;
  /** 1 for the first delivery, 2 for the first retry… */
  attempt: number;
  duplicate: boolean;
  /** The receiver's HTTP status; null when it could not be reached or timed out. */
  status: number | null;
  error?: string;
  at: number;
}

export interface TikTokShopSim {
  /** API base, e.g. http://127.0.0.1:1234 (paths like /product/202309/products). */
  url: string;
  /** Auth host base (same server): /api/v2/token/get, /api/v2/token/refresh. */
  authUrl: string;
  appKey: string;
  appSecret: string;
  shops: readonly SimShop[];
  shopCipher: string;
  shopId: string;
  accessToken: string;
  refreshToken: string;
  authCode: string;
  products: ReadonlyMap<string, SimProduct>;
  images: ReadonlyMap<string, SimImage>;
  requests: SimRequest[];
  webhooks: SimWebhookDelivery[];
  /** Runs every scheduled review now. */
  settleReviews(): Promise<void>;
  /** Waits until no webhook delivery is in flight or waiting for a retry. */
  settleWebhooks(): Promise<void>;
  setFault(fault: SimFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Signing (§2, §7)

export interface SignInput {
  appSecret: string;
  /** Path only, no host or query. */
  path: string;
  query: URLSearchParams | Record<string, string>;
  /** The raw body as sent; leave out for GET and multipart requests. */
  body?: string | Uint8Array | null;
}

/** `hex(HMAC_SHA256(secret, secret + path + sorted(key + value) + body + secret))`, without `sign` and `access_token`. */
export function signTikTokRequest(input: SignInput): string {
  const entries = input.query instanceof URLSearchParams ? [...input.query] : Object.entries(input.query);
  const counts = new Map<string, number>();
  for (const [key] of entries) counts.set(key, (counts.get(key) ?? 0) + 1);
  // Repeated (array-valued) parameters are skipped, as the PHP SDK does.
  const kept = entries.filter(([key]) => key !== 'sign' && key !== 'access_token' && counts.get(key) === 1);
  kept.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hmac = createHmac('sha256', input.appSecret);
  hmac.update(input.appSecret);
  hmac.update(input.path);
  for (const [key, value] of kept) hmac.update(key + value);
  if (input.body !== undefined && input.body !== null) hmac.update(input.body);
  hmac.update(input.appSecret);
  return hmac.digest('hex');
}

/** The webhook `Authorization` header: `hex(HMAC_SHA256(app_secret, app_key + raw_body))`. */
export function signTikTokWebhook(appKey: string, appSecret: string, rawBody: string | Uint8Array): string {
  return createHmac('sha256', appSecret).update(appKey).update(rawBody).digest('hex');
}

export function verifyTikTokWebhook(appKey: string, appSecret: string, rawBody: string | Uint8Array, authorization: string | undefined): boolean {
  if (!authorization) return false;
  return sameText(signTikTokWebhook(appKey, appSecret, rawBody), authorization);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------------------------
// Catalogue data (made up)

/** Ids of the default tree, for tests. */
export const SIM_CATEGORY = {
  homeLiving: '910000',
  kitchen: '910100',
  mugs: '910101',
  teaTowels: '910102',
  candles: '910201',
  tShirts: '920101',
  softToys: '930101',
  knives: '940101',
} as const;

export const SIM_TOY_SAFETY_CERTIFICATION = { id: '7001010', name: 'Toy Safety Certificate (UKCA / CE)' };

export const DEFAULT_SIM_CATEGORIES: readonly SimCategory[] = [
  { id: '910000', parentId: '0', name: 'Home & Living' },
  { id: '910100', parentId: '910000', name: 'Kitchen & Dining' },
  { id: '910101', parentId: '910100', name: 'Mugs & Cups' },
  { id: '910102', parentId: '910100', name: 'Tea Towels' },
  { id: '910200', parentId: '910000', name: 'Home Fragrance' },
  { id: '910201', parentId: '910200', name: 'Scented Candles' },
  { id: '920000', parentId: '0', name: 'Clothing' },
  { id: '920100', parentId: '920000', name: 'Tops' },
  { id: '920101', parentId: '920100', name: 'T-Shirts', sizeChartRequired: true },
  { id: '930000', parentId: '0', name: 'Toys & Games' },
  { id: '930100', parentId: '930000', name: 'Plush & Soft Toys' },
  { id: '930101', parentId: '930100', name: 'Soft Toys', certifications: [SIM_TOY_SAFETY_CERTIFICATION] },
  { id: '940000', parentId: '0', name: 'Restricted Goods' },
  { id: '940100', parentId: '940000', name: 'Blades' },
  { id: '940101', parentId: '940100', name: 'Knives', prohibited: true },
];

export const DEFAULT_SIM_BRANDS: readonly SimBrand[] = [
  { id: '7100000000000000001', name: 'Kiln & Co' },
  { id: '7100000000000000002', name: 'Northwind Home' },
  { id: '7100000000000000003', name: 'Hearth Candles' },
  { id: '7100000000000000004', name: 'Brightside Toys' },
  { id: '7100000000000000005', name: 'Acme Apparel' },
  { id: '7100000000000000006', name: 'Sim Goods' },
  { id: '7100000000000000007', name: 'Linen Lane' },
];

const SALES_ATTRIBUTES = [
  { id: '100000', name: 'Colour', aliases: ['colour', 'color'], values: ['Black', 'White', 'Red', 'Blue', 'Green'] },
  { id: '100007', name: 'Size', aliases: ['size'], values: ['XS', 'S', 'M', 'L', 'XL'] },
];

const PRODUCT_ATTRIBUTES = [
  { id: '100198', name: 'Material', multiple: true, customizable: true, values: ['Cotton', 'Ceramic', 'Stoneware', 'Wax', 'Polyester'] },
  { id: '101400', name: 'Warranty Period', multiple: false, customizable: false, values: ['None', '6 months', '1 year', '2 years'] },
];

/** Reads a `category_id,category_path` CSV and adds the parents its paths imply (ids made up, never colliding). */
export function loadCategoriesCsv(path: string): SimCategory[] {
  const parsed = Papa.parse<string[]>(readFileSync(path, 'utf8'), { skipEmptyLines: true });
  const rows = parsed.data.filter((row) => row.length >= 2 && row[0] !== 'category_id');
  const idByPath = new Map<string, string>();
  const usedIds = new Set<string>();
  for (const row of rows) {
    const id = (row[0] ?? '').trim();
    const parts = splitPath(row[1] ?? '');
    if (id === '' || parts.length === 0) continue;
    idByPath.set(parts.join('>'), id);
    usedIds.add(id);
  }
  let nextParent = 990_000;
  const newId = (): string => {
    while (usedIds.has(String(nextParent))) nextParent++;
    const id = String(nextParent++);
    usedIds.add(id);
    return id;
  };
  const out = new Map<string, SimCategory>();
  for (const row of rows) {
    const parts = splitPath(row[1] ?? '');
    let parentId = '0';
    for (let depth = 1; depth <= parts.length; depth++) {
      const key = parts.slice(0, depth).join('>');
      let id = idByPath.get(key);
      if (id === undefined) {
        id = newId();
        idByPath.set(key, id);
      }
      if (!out.has(id)) out.set(id, { id, parentId, name: parts[depth - 1] ?? '' });
      parentId = id;
    }
  }
  return [...out.values()];
}

function splitPath(path: string): string[] {
  return path.split('>').map((part) => part.trim()).filter((part) => part !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Wire constants (§3, transcribed messages)

const VERSION = '202309';

const MSG = {
  success: 'Success',
  throttled: "Too many requests. You've made too many requests in a short period of time.",
  internal: 'Internal error. Please try again. If the issue persists after multiple attempts, please contact platform support.',
  badAppKey: 'Invalid credentials. Invalid `app_key` query parameter.',
  badToken: 'Invalid credentials. The `x-tts-access-token` header is invalid.',
  expiredToken: 'Expired credentials. The `access_token` or `x-tts-access-token` header has expired.',
  missingSign: 'Missing credentials. The request does not include a required signature in the query.',
  badSign: 'Invalid credentials. The `sign` query parameter is invalid.',
  timestampPast: 'Invalid timestamp. The value of the `timestamp` query parameter must not be earlier than 5 minutes before the current time.',
  timestampFuture: 'Invalid timestamp. The value of the `timestamp` query parameter must not exceed the current time by more than 30 seconds.',
  timestampInvalid: 'Invalid timestamp. The value of the `timestamp` query parameter must not be lesser than 0.',
  missingCipher: 'Missing identifier. The `shop_cipher` query parameter is required to identify the target shop.',
  unexpectedCipher: 'Unexpected identifier. The `shop_cipher` query parameter is not required for this request.',
  badCipher: 'Invalid identifier. The `shop_cipher` query parameter is invalid.',
  badPath: 'Invalid path. The specified path does not match any available endpoint.',
  badMethod: 'Invalid method. The HTTP method used is not supported by this endpoint.',
  badVersion: 'Invalid API version. The `version` value is invalid or unsupported.',
  tooLarge: 'Invalid file size. The uploaded file size exceeds the maximum limit.',
  notJson: 'Invalid request format. The request body format must be `application/json` for structured data or `multipart/form-data` for binary files.',
  notMultipart: 'Invalid request format. The value of the `content-type` header must be `multipart/form-data`.',
  invalidParam: 'invalid param error',
  badAuthCode: 'Invalid auth code.',
  productMissing: 'The product does not exist',
  badStatus: 'The product in its current status is not available for this operation. Change the product status and try again.',
  tooManyIds: 'The number of provided product IDs exceeds the limit.',
  quota: 'Exceeded the product listing limit for the seller.',
  noUnderReview: 'There is no version of this product that is under review. Please obtain the online version.',
  tooManySellerSkus: 'The maximum count of “seller_skus” in the search filter is 10.',
  tooManySkuIds: 'The number of SKU IDs exceeds the limit of 10',
};

const TEXT_FORMAT_RULES =
  'it cannot contain HTML escape characters (e.g.,  ), emojis, or ASCII control characters (e.g., \\u007F). It also cannot consist solely of symbols (e.g., //// or !@#$$$&), nor can it have more than 9 consecutive repeated characters (e.g., aaaaaaaaa or 111111111).';

const CURRENCY: Record<string, string> = { US: 'USD', GB: 'GBP', ID: 'IDR', TH: 'THB', MY: 'MYR', PH: 'PHP', VN: 'VND', SG: 'SGD' };
const PRICE_RANGE: Record<string, [number, number]> = {
  US: [0.01, 7600], GB: [0.01, 5600], ID: [100, 100_000_000], MY: [0.01, 320_000],
  PH: [0.01, 400_000], SG: [0.01, 10_000], TH: [30, 260_000], VN: [1, 180_000_000],
};
const DIMENSIONS_REQUIRED = new Set(['US', 'GB', 'MY', 'SG']);
const STATUSES: readonly SimProductStatus[] = ['DRAFT', 'PENDING', 'FAILED', 'ACTIVATE', 'SELLER_DEACTIVATED', 'PLATFORM_DEACTIVATED', 'FREEZE', 'DELETED'];
const USE_CASES = ['MAIN_IMAGE', 'ATTRIBUTE_IMAGE', 'DESCRIPTION_IMAGE', 'CERTIFICATION_IMAGE', 'SIZE_CHART_IMAGE'];
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

type Json = Record<string, unknown>;

function rec(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}
function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
function paramProblem(name: string, reason: string, expected: string): Problem {
  return { code: 98001004, message: `Parameter ${name} is invalid. Reason: ${reason}. Expected: ${expected}` };
}

interface Problem {
  code: number;
  message: string;
}

interface Answer {
  code: number;
  message: string;
  data: unknown;
  httpStatus: number;
}

function ok(data: unknown): Answer {
  return { code: 0, message: MSG.success, data, httpStatus: 200 };
}
function fail(code: number, message: string, httpStatus = 200): Answer {
  return { code, message, data: {}, httpStatus };
}
function failWith(problem: Problem): Answer {
  return fail(problem.code, problem.message);
}

/** Width and height from a PNG IHDR or a JPEG SOF marker; null when the bytes are neither. */
export function imageSize(bytes: Buffer): { format: 'PNG' | 'JPEG'; width: number; height: number } | null {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { format: 'PNG', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return null;
      const marker = bytes[at + 1] ?? 0;
      if (marker === 0xff) {
        at++;
        continue;
      }
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { format: 'JPEG', height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2;
        continue;
      }
      at += 2 + bytes.readUInt16BE(at + 2);
    }
  }
  return null;
}

function looksLikeOtherImage(bytes: Buffer): boolean {
  const gif = bytes.toString('latin1', 0, 4) === 'GIF8';
  const webp = bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';
  return gif || webp;
}

interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Map<string, Part> | null {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundaryText = match?.[1] ?? match?.[2];
  if (!boundaryText) return null;
  const boundary = Buffer.from(`--${boundaryText}`);
  const separator = Buffer.from(`\r\n--${boundaryText}`);
  const parts = new Map<string, Part>();
  let at = body.indexOf(boundary);
  if (at < 0) return null;
  at += boundary.length;
  for (;;) {
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) return null;
    const headers = body.toString('utf8', at, headerEnd);
    const end = body.indexOf(separator, headerEnd + 4);
    if (end < 0) return null;
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1] ?? null;
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null;
    if (name !== undefined) parts.set(name, { name, filename, contentType: type, data: body.subarray(headerEnd + 4, end) });
    at = end + separator.length;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator

interface CategoryNode extends SimCategory {
  isLeaf: boolean;
}

interface ShopState {
  shop: SimShop;
  currency: string;
  created: number;
  /** Creates in the quota day `quotaDay`. */
  createdToday: number;
  quotaDay: number;
  idempotency: Map<string, { productId: string; response: unknown }>;
}

interface Route {
  module: string;
  method: string;
  pattern: RegExp;
  /** 'shop': shop_cipher required; 'none': shop_cipher rejected. */
  scope: 'shop' | 'none';
  body: 'json' | 'multipart' | 'none';
  handle: (call: Call) => Answer;
}

interface Call {
  url: URL;
  params: string[];
  raw: Buffer;
  json: unknown;
  contentType: string;
  shop: ShopState | null;
}

export async function startTikTokShopSim(options: TikTokShopSimOptions = {}): Promise<TikTokShopSim> {
  const appKey = options.appKey ?? 'sim-app-key';
  const appSecret = options.appSecret ?? 'sim-app-secret';
  const shops = options.shops ?? [{ id: '7494049642642441621', cipher: 'ROW_SimCipher', name: 'Sim Shop', region: 'GB' }];
  if (shops.length === 0) throw new Error('startTikTokShopSim: at least one shop is needed');
  const clock = options.clock ?? Date.now;
  const tokenTtl = options.tokenTtlSeconds ?? 7 * 24 * 3600;
  const refreshTtl = options.refreshTokenTtlSeconds ?? 365 * 24 * 3600;
  const authCode = options.authCode ?? 'sim-auth-code';
  const qps = options.qps !== undefined && options.qps > 0 && Number.isFinite(options.qps) ? options.qps : null;
  const throttleStatus = options.throttleHttpStatus ?? 429;
  const reviewDelayMs = options.reviewDelayMs ?? 50;
  const rejectFraction = options.rejectFraction ?? 0;
  const seed = options.seed ?? 1;
  const bannedWords = (options.bannedWords ?? ['replica', 'counterfeit']).map((word) => word.toLowerCase());
  const brands = options.brands ?? DEFAULT_SIM_BRANDS;
  const listingQuota = options.listingQuota;
  const dailyListingQuota = options.dailyListingQuota;
  const quotaDayOf = (ms: number): number => Math.floor((ms - (options.quotaResetMinuteUtc ?? 0) * 60_000) / 86_400_000);
  const webhookUrl = options.webhookUrl;
  const retryDelays = options.webhookRetryDelaysMs ?? [50, 200, 500];
  const duplicateFraction = options.duplicateWebhookFraction ?? 0;
  const webhookTypes = options.webhookTypes ?? [5];

  const categories = buildTree(options);
  const shopStates = new Map<string, ShopState>(shops.map((shop) => [shop.cipher, {
    shop, currency: CURRENCY[shop.region] ?? 'USD', created: 0, createdToday: 0, quotaDay: quotaDayOf(clock()), idempotency: new Map(),
  }]));
  const products = new Map<string, SimProduct>();
  const images = new Map<string, SimImage>();
  const requests: SimRequest[] = [];
  const webhooks: SimWebhookDelivery[] = [];
  const faults: { fault: SimFault; left: number }[] = [];
  const reviews = new Map<string, NodeJS.Timeout>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const inflight = new Set<Promise<void>>();
  const abort = new AbortController();
  const hits = new Map<string, number[]>();
  const accessTokens = new Map<string, number>();
  const refreshTokens = new Map<string, number>();
  const attributeIds = new Map<string, string>();
  const valueIds = new Map<string, string>();
  let sequence = 0;
  let requestSequence = 0;
  let closed = false;
  let baseUrl = '';

  const nowSeconds = (): number => Math.floor(clock() / 1000);
  const nextId = (prefix: string): string => `${prefix}${String(++sequence).padStart(19 - prefix.length, '0')}`;
  const mintToken = (): string => `TTP_${randomBytes(24).toString('base64url')}`;
  const rand01 = (salt: string): number => createHash('sha256').update(`${seed}:${salt}`).digest().readUInt32BE(0) / 2 ** 32;

  const accessToken = options.accessToken ?? mintToken();
  const refreshToken = options.refreshToken ?? mintToken();
  accessTokens.set(accessToken, nowSeconds() + tokenTtl);
  refreshTokens.set(refreshToken, nowSeconds() + refreshTtl);

  for (const attribute of SALES_ATTRIBUTES) for (const alias of attribute.aliases) attributeIds.set(alias, attribute.id);

  function requestId(): string {
    const stamp = new Date(clock()).toISOString().replace(/\D/g, '').slice(0, 14);
    return `${stamp}${randomBytes(6).toString('hex')}${(++requestSequence).toString(16).padStart(8, '0')}`.toUpperCase();
  }

  // ----- categories -------------------------------------------------------------------------------------------

  function chain(categoryId: string): Json[] {
    const out: Json[] = [];
    let node = categories.get(categoryId);
    while (node && out.length < 16) {
      out.unshift({ id: node.id, parent_id: node.parentId, local_name: node.name, is_leaf: node.isLeaf });
      node = categories.get(node.parentId);
    }
    return out;
  }

  function dimensionsRequired(category: CategoryNode | undefined, shop: ShopState): boolean {
    return category?.packageDimensionRequired ?? DIMENSIONS_REQUIRED.has(shop.shop.region);
  }

  // ----- validation (§8 rules that have codes) ----------------------------------------------------------------

  function imageProblem(uri: unknown, code: number, what: string): Problem | null {
    const value = text(uri);
    if (value !== null && images.has(value)) return null;
    return { code, message: `${what} Note: API users must use the URI generated by the Upload Product Image API. (uri: ${String(value)})` };
  }

  function validate(body: Json, shop: ShopState, self: SimProduct | null): { problems: Problem[]; warnings: string[]; clean: Json } {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const add = (problem: Problem | null): void => {
      if (problem) problems.push(problem);
    };
    const region = shop.shop.region;
    const clean: Json = { ...body };
    delete clean.idempotency_key;

    // Title
    const title = text(body.title);
    if (title === null || title.trim() === '') add({ code: 12052261, message: 'product name is empty' });
    else {
      const min = region === 'US' || region === 'GB' ? 1 : 25;
      const length = [...title].length;
      if (length < min || length > 255) add({ code: 12052051, message: `The product name exceed max limit characters (allowed ${min}-255, got ${length})` });
      if (/\p{Script=Han}/u.test(title)) add({ code: 12052262, message: 'Chinese characters are not supported in product name' });
      if (badTextFormat(title)) add({ code: 12052931, message: `The title must follow these formatting rules: ${TEXT_FORMAT_RULES}` });
    }

    // Description
    const description = text(body.description);
    if (description === null || description.trim() === '') add({ code: 12052015, message: 'The product description is required' });
    else {
      if (description.length > 10_000) add({ code: 12052013, message: 'The product description cannot exceed maximum characters (10000)' });
      if (/\p{Script=Han}/u.test(description)) add({ code: 12052346, message: 'The product description has Chinese characters' });
    }

    // Category
    const categoryId = text(body.category_id) ?? (typeof body.category_id === 'number' ? String(body.category_id) : null);
    const category = categoryId === null ? undefined : categories.get(categoryId);
    if (categoryId === null || categoryId === '') add({ code: 12052002, message: 'Incorrect category format' });
    else if (!category) add({ code: 12052023, message: 'Category does not exist' });
    else if (!category.isLeaf) add({ code: 12052024, message: 'Category is not final category' });
    else if (category.prohibited) add({ code: 12052220, message: 'This category is prohibited or unsupported on TikTok Shop. Select another category.' });
    else if (category.restricted) add({ code: 12052223, message: 'This category is restricted. Apply for it in the Qualification Center first.' });
    if (category?.sizeChartRequired) {
      const chart = rec(body.size_chart);
      const chartImage = rec(chart?.image);
      if (!chart || (!chartImage && !rec(chart.template))) add({ code: 12052673, message: 'Product sizechart image is required' });
      else if (chartImage) add(imageProblem(chartImage.uri, 12052670, 'The size chart image URI is invalid.'));
    }

    // Product attributes (§5): each required one present with a value; a value is one of the attribute's value ids
    // (as Get Attributes hands them out), or a name when the attribute is customizable.
    if (category?.isLeaf) {
      const required = new Set((category.requiredAttributes ?? []).map((name) => name.toLowerCase()));
      const sent = new Map<string, unknown[]>();
      list(body.product_attributes).forEach((raw, index) => {
        const id = text(rec(raw)?.id);
        const attribute = PRODUCT_ATTRIBUTES.find((candidate) => candidate.id === id);
        if (!attribute) add(paramProblem(`product_attributes[${index}].id`, `unknown attribute ${JSON.stringify(id)}`, 'an id from Get Attributes'));
        else sent.set(attribute.id, list(rec(raw)?.values));
      });
      for (const attribute of PRODUCT_ATTRIBUTES) {
        const values = sent.get(attribute.id) ?? [];
        const known = new Set(attribute.values.map((value) => valueIds.get(`${attribute.id}:${value.toLowerCase()}`)));
        for (const raw of values) {
          const id = text(rec(raw)?.id);
          const name = text(rec(raw)?.name)?.trim() ?? '';
          if (id !== null ? !known.has(id) : name === '' || !attribute.customizable) {
            add(paramProblem(`product_attributes[${attribute.name}].values`, `value ${JSON.stringify(id ?? name)} is not allowed`, attribute.customizable ? 'a value id or a name' : 'a value id from Get Attributes'));
          }
        }
        if (!attribute.multiple && values.length > 1) add(paramProblem(`product_attributes[${attribute.name}].values`, 'the attribute takes one value', 'one value'));
        if (required.has(attribute.name.toLowerCase()) && values.length === 0) add({ code: 12052104, message: `The required product attribute is missing: ${attribute.name}` });
      }
    }

    // Main images
    const mainImages = list(body.main_images);
    if (mainImages.length === 0) add({ code: 12052028, message: 'Main product image is required' });
    if (mainImages.length > 9) add({ code: 12052306, message: 'main product images count exceed limit (9)' });
    for (const entry of mainImages) {
      const uri = text(rec(entry)?.uri);
      const image = uri === null ? undefined : images.get(uri);
      if (!image) add({ code: 12052722, message: `The image URI does not exist in TikTok Shop. (uri: ${String(uri)})` });
      else if (image.width < 300 || image.height < 300) add({ code: 12052301, message: `Width and length of main image must be at least 300, check uri ${image.uri}` });
    }

    // SKUs
    const skus = list(body.skus);
    const maxSkus = region === 'US' || region === 'GB' ? 100 : 300;
    if (skus.length === 0) add(paramProblem('skus', 'at least one SKU is required', `1-${maxSkus} SKUs`));
    if (skus.length > maxSkus) add({ code: 12052050, message: `A single product cannot have more than ${maxSkus} different SKUs` });
    const [minPrice, maxPrice] = PRICE_RANGE[region] ?? [0.01, 1_000_000];
    const codes = new Set<string>();
    const attributeSets: string[] = [];
    const combos = new Set<string>();
    const imageAttributes = new Set<string>();
    skus.forEach((entry, index) => {
      const sku = rec(entry) ?? {};
      const sellerSku = text(sku.seller_sku);
      if (sellerSku === null || sellerSku.trim() === '') add({ code: 12019059, message: `seller sku is invalid (skus[${index}])` });
      else if (sellerSku.length > 50) add({ code: 12052054, message: 'The seller SKU text length cannot exceed max limit characters (50)' });
      const price = rec(sku.price);
      const amount = text(price?.amount);
      if (!price || amount === null || amount === '') add({ code: 12052571, message: `Missing price for SKU(s) (skus[${index}])` });
      else if (!/^\d+(\.\d{1,2})?$/.test(amount)) add({ code: 12052012, message: `Incorrect price format (skus[${index}].price.amount "${amount}")` });
      else if (text(price.currency) !== shop.currency) {
        add({ code: 12052084, message: `The provided currency is not available for this shop/region. Expected ${shop.currency}, got ${String(price.currency)}.` });
      } else if (Number(amount) < minPrice || Number(amount) > maxPrice) {
        add({ code: 12052570, message: `product price exceed limit (${minPrice}-${maxPrice} ${shop.currency})` });
      }
      const inventory = list(sku.inventory);
      if (inventory.length === 0) add({ code: 12019022, message: 'SKU must contain a valid warehouse.' });
      for (const stock of inventory) {
        const row = rec(stock) ?? {};
        const warehouse = text(row.warehouse_id);
        if (warehouse === null || warehouse === '') add({ code: 12019022, message: 'SKU must contain a valid warehouse.' });
        const quantity = row.quantity;
        if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0 || quantity > 999_999) {
          add({ code: 12052055, message: 'The SKU inventory quantity for the warehouse must be within allowed limits.' });
        }
      }
      const identifier = rec(sku.identifier_code);
      if (identifier) {
        add(identifierProblem(identifier));
        const code = text(identifier.code);
        if (code !== null) {
          if (codes.has(code)) add({ code: 12052592, message: 'Identifier code already entered, cannot enter the same code twice' });
          codes.add(code);
        }
      }
      const attributes = list(sku.sales_attributes).map((raw) => rec(raw) ?? {});
      const keys: string[] = [];
      const values: string[] = [];
      for (const attribute of attributes) {
        const key = text(attribute.id) ?? text(attribute.name)?.trim().toLowerCase() ?? '';
        const value = text(attribute.value_id) ?? text(attribute.value_name)?.trim() ?? '';
        if (key === '' || value === '') add({ code: 12052241, message: 'attribute name or attribute id is empty.' });
        keys.push(key);
        values.push(`${key}=${value}`);
        const skuImage = rec(attribute.sku_img);
        if (skuImage) {
          imageAttributes.add(key);
          add(imageProblem(skuImage.uri, 12052520, 'product sale property image uri illegal.'));
        }
      }
      attributeSets.push([...keys].sort().join('|'));
      const combo = values.sort().join('|');
      if (combos.has(combo)) add({ code: 12052560, message: 'The SKU contains duplicate sales attribute.' });
      combos.add(combo);
    });
    const distinctKeys = new Set(attributeSets.flatMap((set) => (set === '' ? [] : set.split('|'))));
    if (distinctKeys.size > 3) add({ code: 12052525, message: 'The attribute max num cannot exceed 3.' });
    if (new Set(attributeSets).size > 1) add({ code: 12052550, message: 'SKU property must contain all properties' });
    if (imageAttributes.size > 1) {
      add({ code: 12052528, message: 'You can add images to only 1 product variation, which will serve as the primary variation for display in the product options gallery.' });
    }

    // Package weight and dimensions
    const weight = rec(body.package_weight);
    const weightUnit = text(weight?.unit);
    const weightValue = text(weight?.value) ?? (typeof weight?.value === 'number' ? String(weight.value) : null);
    if (!weight || weightValue === null || !/^\d+(\.\d+)?$/.test(weightValue) || (weightUnit !== 'KILOGRAM' && weightUnit !== 'POUND')) {
      add({ code: 12052006, message: 'Incorrect parcel weight format' });
    } else if (Number(weightValue) <= 0) add({ code: 12052181, message: 'The package weight of the product can not be zero.' });
    else if (weightUnit === 'POUND' && region !== 'US') {
      add({ code: 12019061, message: 'Product weight or dimensions unit does not support the imperial units on non-US local products.' });
    }
    const dimensions = rec(body.package_dimensions);
    if (!dimensions) {
      if (dimensionsRequired(category, shop)) add({ code: 12019012, message: `product package size is invalid (package_dimensions is required for ${region} products)` });
    } else {
      const unit = text(dimensions.unit);
      const sides = [dimensions.length, dimensions.width, dimensions.height];
      if (!sides.every((side) => typeof side === 'string' && /^[1-9]\d*$/.test(side)) || (unit !== 'CENTIMETER' && unit !== 'INCH')) {
        add({ code: 12019012, message: 'product package size is invalid (length, width and height are positive integer strings; unit CENTIMETER or INCH)' });
      } else if (unit === 'INCH' && region !== 'US') {
        add({ code: 12019061, message: 'Product weight or dimensions unit does not support the imperial units on non-US local products.' });
      } else if ((unit === 'INCH') !== (weightUnit === 'POUND')) {
        add({ code: 12052915, message: 'package weight unit and dimension unit miss match.' });
      }
    }

    // Certifications, external id, save mode, brand
    for (const certification of list(body.certifications)) {
      for (const image of list(rec(certification)?.images)) add(imageProblem(rec(image)?.uri, 12052650, 'product qualification image uri illegal.'));
    }
    const externalId = body.external_product_id;
    if (externalId !== undefined) {
      if (typeof externalId !== 'string' || externalId.length > 999) add({ code: 12052369, message: 'external_id length check fail' });
      else {
        for (const other of products.values()) {
          if (other !== self && other.shopCipher === shop.shop.cipher && other.body.external_product_id === externalId) {
            add({ code: 12052996, message: 'external_id duplicated' });
            break;
          }
        }
      }
    }
    const saveMode = body.save_mode;
    if (saveMode !== undefined && saveMode !== 'AS_DRAFT' && saveMode !== 'LISTING') add(paramProblem('save_mode', `unknown value ${JSON.stringify(saveMode)}`, 'AS_DRAFT or LISTING'));
    const brandId = body.brand_id;
    if (brandId !== undefined && brandId !== '' && !brands.some((brand) => brand.id === brandId)) {
      delete clean.brand_id;
      warnings.push(`The [brand_id]:${String(brandId)} field is incorrect and has been automatically cleared by the system. Reason: [Brand does not exist]. You can edit it later.`);
    }
    return { problems, warnings, clean };
  }

  // ----- products ---------------------------------------------------------------------------------------------

  function attributeId(name: string): string {
    const key = name.trim().toLowerCase();
    let id = attributeIds.get(key);
    if (!id) {
      id = String(7_000_000 + attributeIds.size);
      attributeIds.set(key, id);
    }
    return id;
  }

  function valueId(attribute: string, value: string): string {
    const key = `${attribute}:${value.trim().toLowerCase()}`;
    let id = valueIds.get(key);
    if (!id) {
      id = nextId('75');
      valueIds.set(key, id);
    }
    return id;
  }

  function buildSkus(body: Json, previous: SimSku[]): SimSku[] {
    const used = new Set<string>();
    return list(body.skus).map((entry) => {
      const sku = rec(entry) ?? {};
      const sellerSku = text(sku.seller_sku) ?? '';
      const explicit = text(sku.id);
      const reused = previous.find((old) => !used.has(old.id) && (old.id === explicit || (explicit === null && old.seller_sku === sellerSku)));
      const id = reused?.id ?? nextId('1730');
      used.add(id);
      const price = rec(sku.price) ?? {};
      const built: SimSku = {
        id,
        seller_sku: sellerSku,
        price: { amount: text(price.amount) ?? '', currency: text(price.currency) ?? '' },
        inventory: list(sku.inventory).map((stock) => {
          const row = rec(stock) ?? {};
          return { warehouse_id: text(row.warehouse_id) ?? '', quantity: typeof row.quantity === 'number' ? row.quantity : 0 };
        }),
        sales_attributes: list(sku.sales_attributes).map((raw) => {
          const attribute = rec(raw) ?? {};
          const name = text(attribute.name) ?? '';
          const attrId = text(attribute.id) ?? attributeId(name);
          const valueName = text(attribute.value_name) ?? '';
          const image = rec(attribute.sku_img);
          const out: SimSku['sales_attributes'][number] = {
            id: attrId, name, value_id: text(attribute.value_id) ?? valueId(attrId, valueName), value_name: valueName,
          };
          const uri = text(image?.uri);
          if (uri !== null) out.sku_img = { uri };
          return out;
        }),
      };
      const identifier = rec(sku.identifier_code);
      if (identifier) built.identifier_code = identifier;
      const external = text(sku.external_sku_id);
      if (external !== null) built.external_sku_id = external;
      return built;
    });
  }

  function skuIdsView(skus: SimSku[]): Json[] {
    return skus.map((sku) => ({
      id: sku.id,
      seller_sku: sku.seller_sku,
      sales_attributes: sku.sales_attributes.map((attribute) => ({ id: attribute.id, value_id: attribute.value_id })),
      ...(sku.external_sku_id !== undefined ? { external_sku_id: sku.external_sku_id } : {}),
    }));
  }

  function imageView(uri: string): Json {
    const image = images.get(uri);
    return { uri, urls: image ? [image.url] : [], thumb_urls: image ? [image.url] : [], width: image?.width ?? 0, height: image?.height ?? 0 };
  }

  function skuView(sku: SimSku): Json {
    return {
      id: sku.id,
      seller_sku: sku.seller_sku,
      price: { currency: sku.price.currency, tax_exclusive_price: sku.price.amount, sale_price: sku.price.amount },
      inventory: sku.inventory,
      sales_attributes: sku.sales_attributes.map((attribute) => ({
        id: attribute.id, name: attribute.name, value_id: attribute.value_id, value_name: attribute.value_name,
        ...(attribute.sku_img ? { sku_img: imageView(attribute.sku_img.uri) } : {}),
      })),
      ...(sku.identifier_code ? { identifier_code: sku.identifier_code } : {}),
      ...(sku.external_sku_id !== undefined ? { external_sku_id: sku.external_sku_id } : {}),
    };
  }

  function productView(product: SimProduct, version: { body: Json; skus: SimSku[] }): Json {
    const body = version.body;
    const brand = brands.find((candidate) => candidate.id === body.brand_id);
    return {
      id: product.id,
      status: product.status,
      title: body.title,
      description: body.description,
      category_chains: chain(text(body.category_id) ?? ''),
      ...(brand ? { brand: { id: brand.id, name: brand.name } } : {}),
      main_images: list(body.main_images).map((image) => imageView(text(rec(image)?.uri) ?? '')),
      skus: version.skus.map(skuView),
      package_weight: body.package_weight,
      package_dimensions: body.package_dimensions,
      product_attributes: list(body.product_attributes),
      certifications: list(body.certifications),
      size_chart: body.size_chart,
      external_product_id: body.external_product_id,
      is_cod_allowed: false,
      has_draft: product.status === 'DRAFT',
      audit: { status: product.auditStatus },
      audit_failed_reasons: product.auditFailedReasons,
      create_time: product.createTime,
      update_time: product.updateTime,
    };
  }

  function record(product: SimProduct, event: SimProductEvent['event'], reasons?: string[]): void {
    product.updateTime = nowSeconds();
    const entry: SimProductEvent = { at: clock(), event, status: product.status, auditStatus: product.auditStatus };
    if (reasons) entry.reasons = reasons;
    product.history.push(entry);
  }

  function scheduleReview(product: SimProduct): void {
    const previous = reviews.get(product.id);
    if (previous) clearTimeout(previous);
    reviews.set(product.id, setTimeout(() => runReview(product.id), reviewDelayMs));
  }

  function reviewReasons(product: SimProduct, body: Json): SimAuditFailedReason[] {
    const reasons: SimAuditFailedReason[] = [];
    const title = (text(body.title) ?? '').toLowerCase();
    const found = bannedWords.filter((word) => title.includes(word));
    if (found.length > 0) {
      reasons.push({
        position: 'title',
        reasons: found.map((word) => `The product title contains a restricted word: "${word}".`),
        suggestions: ['Remove restricted or misleading words from the title and resubmit.'],
        listing_platform: 'TIKTOK_SHOP',
      });
    }
    const category = categories.get(text(body.category_id) ?? '');
    const supplied = new Set(list(body.certifications).flatMap((entry) => {
      const certification = rec(entry);
      const id = text(certification?.id);
      const hasProof = list(certification?.images).length + list(certification?.files).length > 0;
      return id !== null && hasProof ? [id] : [];
    }));
    for (const certification of category?.certifications ?? []) {
      if (supplied.has(certification.id)) continue;
      reasons.push({
        position: 'certifications',
        reasons: [`The required qualification is missed: ${certification.name}.`],
        suggestions: [`Upload the ${certification.name} (certification id ${certification.id}) and resubmit.`],
        listing_platform: 'TIKTOK_SHOP',
      });
    }
    if (reasons.length === 0 && rejectFraction > 0 && rand01(`review:${product.id}:${product.reviewCount}`) < rejectFraction) {
      reasons.push({
        position: 'product',
        reasons: ['violate listing rules'],
        suggestions: ['The product violates TikTok Shopping listing rules, please check and resubmit.'],
        listing_platform: 'TIKTOK_SHOP',
      });
    }
    return reasons;
  }

  function runReview(productId: string): void {
    const timer = reviews.get(productId);
    if (timer) clearTimeout(timer);
    reviews.delete(productId);
    const product = products.get(productId);
    if (!product || closed) return;
    const editOfLive = product.underReview !== null;
    if (!editOfLive && product.status !== 'PENDING') return;
    const version = product.underReview ?? { body: product.body, skus: product.skus };
    product.reviewCount++;
    const reasons = reviewReasons(product, version.body);
    const passed = reasons.length === 0;
    if (passed) {
      if (editOfLive) applyVersion(product, version);
      if (!editOfLive) product.status = 'ACTIVATE';
      product.auditStatus = 'APPROVED';
      product.auditFailedReasons = [];
    } else {
      if (!editOfLive) product.status = 'FAILED';
      product.auditStatus = 'FAILED';
      product.auditFailedReasons = reasons;
    }
    product.underReview = null;
    const flat = reasons.flatMap((reason) => reason.reasons);
    record(product, passed ? 'review-passed' : 'review-failed', passed ? undefined : flat);
    const shop = shopStates.get(product.shopCipher);
    if (!shop) return;
    if (webhookTypes.includes(5)) {
      emitWebhook(5, shop.shop, product.id, {
        product_id: product.id,
        status: passed ? 'PRODUCT_FIRST_PASS_REVIEW' : 'PRODUCT_AUDIT_FAILURE',
        suspended_reason: flat.join('; '),
        update_time: product.updateTime,
      });
    }
    if (webhookTypes.includes(37)) {
      emitWebhook(37, shop.shop, product.id, {
        product_id: product.id,
        audit: { status: product.auditStatus, pre_approved_reasons: [] },
        update_time: product.updateTime,
      });
    }
  }

  function applyVersion(product: SimProduct, version: { body: Json; skus: SimSku[] }): void {
    product.body = version.body;
    product.skus = version.skus;
    product.title = text(version.body.title) ?? '';
    product.categoryId = text(version.body.category_id) ?? '';
  }

  // ----- webhooks ---------------------------------------------------------------------------------------------

  type Outgoing = Pick<SimWebhookDelivery, 'notificationId' | 'type' | 'shopId' | 'productId' | 'body' | 'signature'>;

  function emitWebhook(type: number, shop: SimShop, productId: string, data: Json): void {
    if (!webhookUrl) return;
    const notificationId = nextId('7327');
    const body = JSON.stringify({ type, tts_notification_id: notificationId, shop_id: shop.id, timestamp: nowSeconds(), data });
    const outgoing: Outgoing = { notificationId, type, shopId: shop.id, productId, body, signature: signTikTokWebhook(appKey, appSecret, body) };
    deliver(outgoing, 1, rand01(`duplicate:${notificationId}`) < duplicateFraction, false);
  }

  function deliver(outgoing: Outgoing, attempt: number, duplicateAfter: boolean, isDuplicate: boolean): void {
    if (!webhookUrl || closed) return;
    const target = webhookUrl;
    const task = (async () => {
      const delivery: SimWebhookDelivery = {
        notificationId: outgoing.notificationId, type: outgoing.type, shopId: outgoing.shopId, productId: outgoing.productId,
        body: outgoing.body, signature: outgoing.signature, attempt, duplicate: isDuplicate, status: null, at: clock(),
      };
      try {
        const response = await request(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: outgoing.signature },
          body: outgoing.body,
          headersTimeout: 3000,
          bodyTimeout: 3000,
          signal: abort.signal,
        });
        delivery.status = response.statusCode;
        await response.body.dump();
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
      webhooks.push(delivery);
      if (closed) return;
      if (delivery.status === 200) {
        if (duplicateAfter && !isDuplicate) deliver(outgoing, attempt, false, true);
        return;
      }
      if (isDuplicate) return;
      const delay = retryDelays[attempt - 1];
      if (delay === undefined) return;
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        deliver(outgoing, attempt + 1, duplicateAfter, false);
      }, delay);
      retryTimers.add(timer);
    })();
    inflight.add(task);
    void task.finally(() => inflight.delete(task));
  }

  // ----- handlers ---------------------------------------------------------------------------------------------

  function getShops(): Answer {
    return ok({
      shops: shops.map((shop) => ({
        id: shop.id, name: shop.name, region: shop.region, seller_type: 'LOCAL', cipher: shop.cipher,
        code: `SIM${shop.region}${shop.id.slice(-6)}`,
      })),
    });
  }

  function getCategories(call: Call): Answer {
    const keyword = call.url.searchParams.get('keyword')?.toLowerCase() ?? '';
    const withProhibited = call.url.searchParams.get('include_prohibited_categories') === 'true';
    const out: Json[] = [];
    for (const node of categories.values()) {
      if (node.prohibited && !withProhibited) continue;
      if (keyword !== '' && !node.name.toLowerCase().includes(keyword)) continue;
      out.push({ id: node.id, parent_id: node.parentId, local_name: node.name, is_leaf: node.isLeaf, permission_statuses: node.prohibited ? [] : node.restricted ? ['INVITE_ONLY'] : ['AVAILABLE'] });
    }
    return ok({ categories: out });
  }

  function findLeaf(call: Call): CategoryNode | Answer {
    const node = categories.get(call.params[0] ?? '');
    if (!node) return fail(12052023, 'Category does not exist');
    if (!node.isLeaf) return fail(12052024, 'Category is not final category');
    return node;
  }

  /**
   * Recommend Category: a keyword match of the title (and, less, the description) against the category names,
   * the leaf's name weighing most; deterministic, ties going to the lower id. No match answers an empty suggestion.
   */
  function recommendCategory(call: Call): Answer {
    const body = rec(call.json) ?? {};
    const title = text(body.product_title);
    if (title === null || title.trim() === '') return failWith(paramProblem('product_title', 'product_title is required', 'a non-empty string'));
    const best = recommendLeaf(categories, title, text(body.description) ?? '');
    if (!best) return ok({ leaf_category_id: '', categories: [] });
    const path = chain(best.id);
    return ok({
      leaf_category_id: best.id,
      categories: path.map((node, index) => ({
        id: node.id, name: node.local_name, level: index + 1, is_leaf: node.is_leaf, permission_statuses: ['AVAILABLE'],
      })),
    });
  }

  function getRules(call: Call): Answer {
    const node = findLeaf(call);
    if (!('isLeaf' in node)) return node;
    return ok({
      product_certifications: (node.certifications ?? []).map((certification) => ({
        id: certification.id, name: certification.name, is_required: true, sample_image_url: '',
        requirement_conditions: [], expiration_date: { is_required: false },
      })),
      size_chart: { is_supported: Boolean(node.sizeChartRequired), is_required: Boolean(node.sizeChartRequired) },
      cod: { is_supported: false },
      package_dimension: { is_required: call.shop ? dimensionsRequired(node, call.shop) : true },
      epr: { is_required: false },
      responsible_person: { is_required: false },
      manufacturer: { is_required: false },
      allowed_special_product_types: [],
    });
  }

  function getAttributes(call: Call): Answer {
    const node = findLeaf(call);
    if (!('isLeaf' in node)) return node;
    const required = new Set((node.requiredAttributes ?? []).map((name) => name.toLowerCase()));
    const attributes = [
      ...SALES_ATTRIBUTES.map((attribute) => ({
        id: attribute.id, name: attribute.name, type: 'SALES_PROPERTY', is_requried: false,
        values: attribute.values.map((value) => ({ id: valueId(attribute.id, value), name: value })),
        is_customizable: true, is_multiple_selection: false, requirement_conditions: [],
      })),
      ...PRODUCT_ATTRIBUTES.map((attribute) => ({
        id: attribute.id, name: attribute.name, type: 'PRODUCT_PROPERTY', is_requried: required.has(attribute.name.toLowerCase()),
        values: attribute.values.map((value) => ({ id: valueId(attribute.id, value), name: value })),
        is_customizable: attribute.customizable, is_multiple_selection: attribute.multiple, requirement_conditions: [],
      })),
    ];
    return ok({ attributes });
  }

  function getBrands(call: Call): Answer {
    const pageSize = Number(call.url.searchParams.get('page_size'));
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return fail(12019109, 'page size is invalid');
    const offset = readPageToken(call.url.searchParams.get('page_token'));
    if (offset === null) return failWith(paramProblem('page_token', 'unknown page token', 'a next_page_token from a previous page'));
    const name = call.url.searchParams.get('brand_name')?.toLowerCase() ?? '';
    const matching = brands.filter((brand) => brand.name.toLowerCase().includes(name));
    const page = matching.slice(offset, offset + pageSize);
    return ok({
      brands: page.map((brand) => ({ id: brand.id, name: brand.name, authorized_status: 'UNAUTHORIZED', is_t1_brand: false, brand_status: 'AVAILABLE' })),
      total_count: matching.length,
      next_page_token: offset + pageSize < matching.length ? pageToken(offset + pageSize) : '',
    });
  }

  function uploadImage(call: Call): Answer {
    const parts = parseMultipart(call.raw, call.contentType);
    if (!parts) return fail(36009023, MSG.notMultipart);
    const file = parts.get('data');
    if (!file || file.data.length === 0) return fail(12038002, 'Invalid upload file. Please ensure you are passing the correct file data.');
    const useCase = parts.get('use_case')?.data.toString('utf8').trim() || 'MAIN_IMAGE';
    if (!USE_CASES.includes(useCase)) return failWith(paramProblem('use_case', `unknown value ${useCase}`, USE_CASES.join(', ')));
    if (file.data.length > MAX_IMAGE_BYTES) return fail(12038005, 'The file size exceeds the maximum allowed size.');
    if (looksLikeOtherImage(file.data)) return fail(12038015, 'Failed to process the image. The format or content is not supported. Supported formats: JPG, JPEG, PNG');
    const size = imageSize(file.data);
    const width = size?.width ?? 800;
    const height = size?.height ?? 800;
    if (width < 100 || height < 100 || width > 20_000 || height > 20_000) {
      return fail(12038014, 'The image dimensions exceed the allowed limits. Allowed dimensions (width x height in pixels): 100 x 100 to 20000 x 20000');
    }
    const uri = `tos-sim-i-local/${randomBytes(16).toString('hex')}`;
    const url = `${baseUrl}/sim-cdn/${uri}`;
    const contentType = size?.format === 'PNG' ? 'image/png' : size?.format === 'JPEG' ? 'image/jpeg' : (file.contentType ?? 'application/octet-stream');
    images.set(uri, { uri, url, width, height, useCase, contentType, bytes: Buffer.from(file.data) });
    return ok({ uri, url, width, height, use_case: useCase });
  }

  function createProduct(call: Call): Answer {
    const body = rec(call.json);
    const shop = call.shop;
    if (!body || !shop) return fail(36009004, MSG.invalidParam);
    const key = text(body.idempotency_key);
    const known = key ? shop.idempotency.get(key) : undefined;
    if (known) return ok(known.response);
    const { problems, warnings, clean } = validate(body, shop, null);
    const first = problems[0];
    if (first) return failWith(first);
    if (listingQuota !== undefined && shop.created >= listingQuota) return fail(12052093, MSG.quota);
    if (shop.quotaDay !== quotaDayOf(clock())) {
      shop.quotaDay = quotaDayOf(clock());
      shop.createdToday = 0;
    }
    if (dailyListingQuota !== undefined && shop.createdToday >= dailyListingQuota) return fail(12052093, MSG.quota);
    shop.created++;
    shop.createdToday++;
    const draft = body.save_mode === 'AS_DRAFT';
    const now = nowSeconds();
    const product: SimProduct = {
      id: nextId('1729'),
      shopId: shop.shop.id,
      shopCipher: shop.shop.cipher,
      status: draft ? 'DRAFT' : 'PENDING',
      auditStatus: draft ? 'NONE' : 'AUDITING',
      auditFailedReasons: [],
      title: text(clean.title) ?? '',
      categoryId: text(clean.category_id) ?? '',
      body: clean,
      skus: buildSkus(clean, []),
      underReview: null,
      createTime: now,
      updateTime: now,
      idempotencyKey: key,
      reviewCount: 0,
      history: [],
    };
    products.set(product.id, product);
    record(product, 'created');
    if (!draft) scheduleReview(product);
    const response = { product_id: product.id, skus: skuIdsView(product.skus), warnings: warnings.map((message) => ({ message })) };
    if (key) shop.idempotency.set(key, { productId: product.id, response });
    return ok(response);
  }

  function listingCheck(call: Call): Answer {
    const body = rec(call.json);
    if (!body || !call.shop) return fail(36009004, MSG.invalidParam);
    const { problems, warnings } = validate(body, call.shop, null);
    return ok({
      check_result: problems.length === 0 ? 'PASS' : 'FAILED',
      fail_reasons: problems.map((problem) => ({ code: problem.code, message: problem.message })),
      warnings: warnings.map((message) => ({ message })),
      diagnoses: [],
    });
  }

  function ownProduct(call: Call): SimProduct | null {
    const product = products.get(call.params[0] ?? '');
    return product && product.shopCipher === call.shop?.shop.cipher ? product : null;
  }

  function getProduct(call: Call): Answer {
    const product = ownProduct(call);
    if (!product) return fail(12052032, MSG.productMissing);
    if (call.url.searchParams.get('return_under_review_version') === 'true') {
      if (!product.underReview) return fail(12052547, MSG.noUnderReview);
      return ok(productView(product, product.underReview));
    }
    return ok(productView(product, product));
  }

  function editProduct(call: Call): Answer {
    const body = rec(call.json);
    const shop = call.shop;
    if (!body || !shop) return fail(36009004, MSG.invalidParam);
    const product = ownProduct(call);
    if (!product) return fail(12052032, MSG.productMissing);
    if (product.status === 'FREEZE' || product.status === 'DELETED') return fail(12052901, MSG.badStatus);
    const { problems, warnings, clean } = validate(body, shop, product);
    const first = problems[0];
    if (first) return failWith(first);
    const asDraft = body.save_mode === 'AS_DRAFT';
    if (asDraft && product.status !== 'DRAFT') return fail(12052488, "This region doesn't support save draft after product submitted");
    const skus = buildSkus(clean, product.underReview?.skus ?? product.skus);
    if (product.status === 'ACTIVATE') {
      product.underReview = { body: clean, skus };
      product.auditStatus = 'AUDITING';
      record(product, 'edited');
      scheduleReview(product);
    } else {
      applyVersion(product, { body: clean, skus });
      if (!asDraft) {
        product.status = 'PENDING';
        product.auditStatus = 'AUDITING';
        product.auditFailedReasons = [];
      }
      record(product, 'edited');
      if (!asDraft) scheduleReview(product);
    }
    return ok({ product_id: product.id, skus: skuIdsView(skus), warnings: warnings.map((message) => ({ message })) });
  }

  function searchProducts(call: Call): Answer {
    const shop = call.shop;
    const body = call.raw.length === 0 ? {} : rec(call.json);
    if (!body || !shop) return fail(36009004, MSG.invalidParam);
    const pageSize = Number(call.url.searchParams.get('page_size'));
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return failWith(paramProblem('page_size', 'missing or out of range', '1-100'));
    const offset = readPageToken(call.url.searchParams.get('page_token'));
    if (offset === null) return failWith(paramProblem('page_token', 'unknown page token', 'a next_page_token from a previous page'));
    const status = body.status;
    if (status !== undefined && status !== 'ALL' && !STATUSES.includes(status as SimProductStatus)) {
      return failWith(paramProblem('status', `unknown value ${JSON.stringify(status)}`, ['ALL', ...STATUSES].join(', ')));
    }
    const sellerSkus = list(body.seller_skus).filter((value): value is string => typeof value === 'string');
    if (sellerSkus.length > 10) return fail(12019027, MSG.tooManySellerSkus);
    const skuIds = list(body.sku_ids).filter((value): value is string => typeof value === 'string');
    if (skuIds.length > 10) return fail(12019087, MSG.tooManySkuIds);
    const bound = (name: string): number | null => (typeof body[name] === 'number' ? (body[name] as number) : null);
    const [createGe, createLe, updateGe, updateLe] = [bound('create_time_ge'), bound('create_time_le'), bound('update_time_ge'), bound('update_time_le')];
    const matching = [...products.values()].filter((product) => {
      if (product.shopCipher !== shop.shop.cipher) return false;
      if (status === undefined || status === 'ALL') {
        if (product.status === 'DELETED') return false;
      } else if (product.status !== status) return false;
      if (sellerSkus.length > 0 && !product.skus.some((sku) => sellerSkus.includes(sku.seller_sku))) return false;
      if (skuIds.length > 0 && !product.skus.some((sku) => skuIds.includes(sku.id))) return false;
      if (createGe !== null && product.createTime < createGe) return false;
      if (createLe !== null && product.createTime > createLe) return false;
      if (updateGe !== null && product.updateTime < updateGe) return false;
      if (updateLe !== null && product.updateTime > updateLe) return false;
      return true;
    });
    const page = matching.slice(offset, offset + pageSize);
    return ok({
      total_count: matching.length,
      products: page.map((product) => ({
        id: product.id,
        title: product.title,
        status: product.status,
        skus: product.skus.map((sku) => ({
          id: sku.id, seller_sku: sku.seller_sku,
          price: { currency: sku.price.currency, tax_exclusive_price: sku.price.amount, sale_price: sku.price.amount },
          inventory: sku.inventory,
        })),
        sales_regions: [shop.shop.region],
        create_time: product.createTime,
        update_time: product.updateTime,
        audit: { status: product.auditStatus },
        has_draft: product.status === 'DRAFT',
      })),
      next_page_token: offset + pageSize < matching.length ? pageToken(offset + pageSize) : '',
    });
  }

  function setActive(call: Call, activate: boolean): Answer {
    const body = rec(call.json);
    const shop = call.shop;
    if (!body || !shop) return fail(36009004, MSG.invalidParam);
    const ids = list(body.product_ids);
    if (ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
      return failWith(paramProblem('product_ids', 'missing, empty or not a list of strings', '1-20 product IDs'));
    }
    if (ids.length > 20) return fail(12019120, MSG.tooManyIds);
    const errors: Json[] = [];
    for (const id of ids as string[]) {
      const product = products.get(id);
      if (!product || product.shopCipher !== shop.shop.cipher) {
        errors.push({ code: 12052032, message: MSG.productMissing, detail: { product_id: id } });
        continue;
      }
      if (activate && (product.status === 'SELLER_DEACTIVATED' || product.status === 'DRAFT')) {
        product.status = 'PENDING';
        product.auditStatus = 'AUDITING';
        product.auditFailedReasons = [];
        record(product, 'activated');
        scheduleReview(product);
      } else if (!activate && product.status === 'ACTIVATE') {
        product.status = 'SELLER_DEACTIVATED';
        record(product, 'deactivated');
      } else {
        errors.push({ code: 12052901, message: MSG.badStatus, detail: { product_id: id } });
      }
    }
    return ok({ errors });
  }

  const routes: Route[] = [
    { module: 'authorization', method: 'GET', pattern: /^\/shops$/, scope: 'none', body: 'none', handle: getShops },
    { module: 'product', method: 'GET', pattern: /^\/categories$/, scope: 'shop', body: 'none', handle: getCategories },
    { module: 'product', method: 'GET', pattern: /^\/categories\/([^/]+)\/rules$/, scope: 'shop', body: 'none', handle: getRules },
    { module: 'product', method: 'POST', pattern: /^\/categories\/recommend$/, scope: 'shop', body: 'json', handle: recommendCategory },
    { module: 'product', method: 'GET', pattern: /^\/categories\/([^/]+)\/attributes$/, scope: 'shop', body: 'none', handle: getAttributes },
    { module: 'product', method: 'GET', pattern: /^\/brands$/, scope: 'shop', body: 'none', handle: getBrands },
    { module: 'product', method: 'POST', pattern: /^\/images\/upload$/, scope: 'none', body: 'multipart', handle: uploadImage },
    { module: 'product', method: 'POST', pattern: /^\/products$/, scope: 'shop', body: 'json', handle: createProduct },
    { module: 'product', method: 'POST', pattern: /^\/products\/listing_check$/, scope: 'shop', body: 'json', handle: listingCheck },
    { module: 'product', method: 'POST', pattern: /^\/products\/search$/, scope: 'shop', body: 'json', handle: searchProducts },
    { module: 'product', method: 'POST', pattern: /^\/products\/activate$/, scope: 'shop', body: 'json', handle: (call) => setActive(call, true) },
    { module: 'product', method: 'POST', pattern: /^\/products\/deactivate$/, scope: 'shop', body: 'json', handle: (call) => setActive(call, false) },
    { module: 'product', method: 'GET', pattern: /^\/products\/(\d+)$/, scope: 'shop', body: 'none', handle: getProduct },
    { module: 'product', method: 'PUT', pattern: /^\/products\/(\d+)$/, scope: 'shop', body: 'json', handle: editProduct },
  ];

  // ----- auth host --------------------------------------------------------------------------------------------

  function tokenData(access: string, refresh: string): Json {
    const first = shops[0] as SimShop;
    return {
      access_token: access,
      access_token_expire_in: accessTokens.get(access) ?? 0,
      refresh_token: refresh,
      refresh_token_expire_in: refreshTokens.get(refresh) ?? 0,
      open_id: '7010736057180325637',
      seller_name: first.name,
      seller_base_region: first.region,
      user_type: 0,
      granted_scopes: ['seller.authorization.info', 'seller.product.basic', 'seller.product.write'],
    };
  }

  function authHost(url: URL, method: string): Answer {
    if (method !== 'GET') return fail(36009010, MSG.badMethod);
    const query = url.searchParams;
    if (query.get('app_key') !== appKey) return fail(36009004, MSG.badAppKey);
    if (query.get('app_secret') !== appSecret) return fail(36009004, 'Invalid credentials. The `app_secret` query parameter is invalid.');
    if (url.pathname === '/api/v2/token/get') {
      if (query.get('grant_type') !== 'authorized_code') return fail(36009004, MSG.invalidParam);
      if (query.get('auth_code') !== authCode) return fail(36004004, MSG.badAuthCode);
      const access = mintToken();
      const refresh = mintToken();
      accessTokens.set(access, nowSeconds() + tokenTtl);
      refreshTokens.set(refresh, nowSeconds() + refreshTtl);
      return { ...ok(tokenData(access, refresh)), message: 'success' };
    }
    if (query.get('grant_type') !== 'refresh_token') return fail(36009004, MSG.invalidParam);
    const refresh = query.get('refresh_token') ?? '';
    const expires = refreshTokens.get(refresh);
    if (expires === undefined || nowSeconds() >= expires) return fail(36009004, 'Invalid credentials. The `refresh_token` is invalid or expired.');
    const access = mintToken();
    accessTokens.set(access, nowSeconds() + tokenTtl);
    return { ...ok(tokenData(access, refresh)), message: 'success' };
  }

  // ----- request pipeline -------------------------------------------------------------------------------------

  function takeFault(path: string): SimFault | null {
    const index = faults.findIndex(({ fault }) => {
      if (!fault.paths) return true;
      fault.paths.lastIndex = 0;
      return fault.paths.test(path);
    });
    const found = faults[index];
    if (!found) return null;
    if (--found.left <= 0) faults.splice(index, 1);
    return found.fault;
  }

  function throttled(key: string): boolean {
    if (qps === null) return false;
    const now = performance.now();
    const recent = (hits.get(key) ?? []).filter((at) => at > now - 1000);
    hits.set(key, recent);
    if (recent.length >= qps) return true;
    recent.push(now);
    return false;
  }

  async function readBody(incoming: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of incoming) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
  }

  function send(response: ServerResponse, entry: SimRequest, answer: Answer): void {
    entry.code = answer.code;
    entry.httpStatus = answer.httpStatus;
    if (response.destroyed || response.writableEnded) return;
    const payload = JSON.stringify({ code: answer.code, message: answer.message, request_id: requestId(), data: answer.data });
    response.writeHead(answer.httpStatus, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
    response.end(payload);
  }

  function apiCall(method: string, url: URL, headers: IncomingMessage['headers'], raw: Buffer): Answer {
    const shape = /^\/([a-z_]+)\/(\d{6})(\/.*)$/.exec(url.pathname);
    const module = shape?.[1];
    const rest = shape?.[3];
    const candidates = module && rest ? routes.filter((route) => route.module === module && route.pattern.test(rest)) : [];
    if (!shape || candidates.length === 0 || rest === undefined) return fail(36009009, MSG.badPath, 404);
    if (shape[2] !== VERSION) return fail(36009014, MSG.badVersion);
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) return fail(36009010, MSG.badMethod);
    const query = url.searchParams;
    if (throttled(query.get('app_key') ?? '')) return fail(36009002, MSG.throttled, throttleStatus);
    if (query.get('app_key') !== appKey) return fail(36009004, MSG.badAppKey);
    const sign = query.get('sign');
    if (!sign) return fail(36009004, MSG.missingSign);
    const timestampText = query.get('timestamp') ?? '';
    const timestamp = /^-?\d+$/.test(timestampText) ? Number(timestampText) : Number.NaN;
    if (!Number.isFinite(timestamp) || timestamp < 0) return fail(36009004, MSG.timestampInvalid);
    const now = nowSeconds();
    if (timestamp < now - 300) return fail(36009004, MSG.timestampPast);
    if (timestamp > now + 30) return fail(36009004, MSG.timestampFuture);
    const contentType = String(headers['content-type'] ?? '');
    const multipart = /^multipart\/form-data/i.test(contentType);
    const expected = signTikTokRequest({ appSecret, path: url.pathname, query, body: method !== 'GET' && !multipart ? raw : null });
    if (!sameText(expected, sign)) return fail(106001, MSG.badSign);
    const token = headers['x-tts-access-token'];
    const expires = typeof token === 'string' ? accessTokens.get(token) : undefined;
    if (expires === undefined) return fail(36009004, MSG.badToken);
    if (now >= expires) return fail(105002, MSG.expiredToken);
    const cipher = query.get('shop_cipher');
    let shop: ShopState | null = null;
    if (route.scope === 'shop') {
      if (!cipher) return fail(106013, MSG.missingCipher);
      shop = shopStates.get(cipher) ?? null;
      if (!shop) return fail(36009004, MSG.badCipher);
    } else if (cipher !== null) return fail(36009004, MSG.unexpectedCipher);
    let json: unknown = null;
    if (route.body === 'multipart' && !multipart) return fail(36009023, MSG.notMultipart);
    if (route.body === 'json' && raw.length > 0) {
      if (!/^application\/json/i.test(contentType)) return fail(36009022, MSG.notJson);
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return fail(36009004, MSG.invalidParam);
      }
    }
    const params = route.pattern.exec(rest)?.slice(1) ?? [];
    return route.handle({ url, params, raw, json, contentType, shop });
  }

  async function serve(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = incoming.method ?? 'GET';
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const entry: SimRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), code: null, httpStatus: null, at: clock() };
    requests.push(entry);
    if (url.pathname.startsWith('/sim-cdn/')) {
      const image = images.get(decodeURIComponent(url.pathname.slice('/sim-cdn/'.length)));
      entry.httpStatus = image ? 200 : 404;
      response.writeHead(entry.httpStatus, { 'content-type': image?.contentType ?? 'text/plain' });
      response.end(image?.bytes ?? 'Not Found');
      return;
    }
    const fault = takeFault(url.pathname);
    if (fault) {
      entry.fault = fault.kind;
      switch (fault.kind) {
        case 'drop-connection':
          incoming.socket.destroy();
          return;
        case 'rate-limit':
          send(response, entry, fail(36009002, MSG.throttled, throttleStatus));
          return;
        case 'server-error':
          send(response, entry, fail(36009003, MSG.internal, fault.httpStatus ?? 500));
          return;
        case 'expired-token':
          send(response, entry, fail(105002, MSG.expiredToken));
          return;
        case 'slow':
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, fault.delayMs ?? 1000);
            response.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (response.destroyed) return;
      }
    }
    const raw = await readBody(incoming);
    if (raw === null) {
      send(response, entry, fail(36009021, MSG.tooLarge));
      return;
    }
    if (url.pathname === '/api/v2/token/get' || url.pathname === '/api/v2/token/refresh') {
      send(response, entry, authHost(url, method));
      return;
    }
    send(response, entry, apiCall(method, url, incoming.headers, raw));
  }

  const server = createServer((incoming, response) => {
    serve(incoming, response).catch(() => {
      const entry = requests.at(-1);
      if (entry && !response.headersSent) send(response, entry, fail(36009003, MSG.internal, 500));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  const firstShop = shops[0] as SimShop;

  return {
    url: baseUrl,
    authUrl: baseUrl,
    appKey,
    appSecret,
    shops,
    shopCipher: firstShop.cipher,
    shopId: firstShop.id,
    accessToken,
    refreshToken,
    authCode,
    products,
    images,
    requests,
    webhooks,
    async settleReviews() {
      for (const id of [...reviews.keys()]) runReview(id);
    },
    async settleWebhooks() {
      while (inflight.size > 0 || retryTimers.size > 0) {
        await Promise.race([...inflight, new Promise((resolve) => setTimeout(resolve, 5))]);
      }
    },
    setFault(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      closed = true;
      for (const timer of reviews.values()) clearTimeout(timer);
      reviews.clear();
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      abort.abort();
      await Promise.allSettled([...inflight]);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internals used above

function buildTree(options: TikTokShopSimOptions): Map<string, CategoryNode> {
  const byId = new Map<string, SimCategory>();
  const base = options.categoriesCsvPath ? loadCategoriesCsv(options.categoriesCsvPath) : options.categories ? [] : DEFAULT_SIM_CATEGORIES;
  for (const category of base) byId.set(category.id, category);
  for (const category of options.categories ?? []) byId.set(category.id, category);
  const parents = new Set([...byId.values()].map((category) => category.parentId));
  const tree = new Map<string, CategoryNode>();
  for (const category of byId.values()) tree.set(category.id, { ...category, isLeaf: !parents.has(category.id) });
  return tree;
}

/** Lower-case word stems: "Mugs" and "mug", "Candles" and "candle" meet. */
function stems(value: string): Set<string> {
  const words = value.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/[a-z0-9]+/g) ?? [];
  return new Set(words.filter((word) => word.length >= 3).map((word) => word.replace(/(ies)$/, 'y').replace(/(ches|shes|sses|xes)$/, (end) => end.slice(0, -2)).replace(/s$/, '')));
}

const lowerId = (a: string, b: string): boolean => (a.length === b.length ? a < b : a.length < b.length);

/**
 * The leaf that shares the most word stems with the product: a leaf word found in the title counts 4, in the
 * description 1; a parent's word found in the title counts 1.
 */
function recommendLeaf(tree: ReadonlyMap<string, CategoryNode>, title: string, description: string): CategoryNode | null {
  const inTitle = stems(title);
  const inDescription = stems(description.replace(/<[^>]*>/g, ' '));
  let best: { node: CategoryNode; score: number } | null = null;
  for (const node of tree.values()) {
    if (!node.isLeaf || node.prohibited) continue;
    let score = 0;
    for (const stem of stems(node.name)) score += inTitle.has(stem) ? 4 : inDescription.has(stem) ? 1 : 0;
    for (let parent = tree.get(node.parentId); parent; parent = tree.get(parent.parentId)) {
      for (const stem of stems(parent.name)) if (inTitle.has(stem)) score += 1;
    }
    if (score === 0) continue;
    if (!best || score > best.score || (score === best.score && lowerId(node.id, best.node.id))) best = { node, score };
  }
  return best?.node ?? null;
}

function pageToken(offset: number): string {
  return Buffer.from(`offset=${offset}\n`).toString('base64');
}

function readPageToken(token: string | null): number | null {
  if (token === null || token === '') return 0;
  const match = /^offset=(\d+)\n?$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  return match ? Number(match[1]) : null;
}

function badTextFormat(value: string): boolean {
  if (/&(#\d+|[a-z]+);/i.test(value)) return true;
  if (/\p{Extended_Pictographic}/u.test(value)) return true;
  if (/[\u0000-\u001f\u007f]/.test(value)) return true;
  if (/(.)\1{9}/u.test(value)) return true;
  return !/[\p{L}\p{N}]/u.test(value);
}

function identifierProblem(identifier: Json): Problem | null {
  const type = text(identifier.type);
  const code = text(identifier.code) ?? '';
  const lengths: Record<string, number[]> = { GTIN: [14], EAN: [8, 13, 14], UPC: [12], ISBN: [13] };
  const allowed = type === null ? undefined : lengths[type];
  if (!allowed) return { code: 12052600, message: 'The identifier code type must be selected' };
  if (type === 'ISBN' && /X/i.test(code.slice(0, -1))) return { code: 12052598, message: 'Only the last digit supports input X' };
  const digitsOk = type === 'ISBN' ? /^\d{12}[\dX]$/i.test(code) : /^\d+$/.test(code);
  if (!digitsOk || !allowed.includes(code.length)) return { code: 12052591, message: `Invalid number of digits of identifier code (${type} needs ${allowed.join(' or ')} digits)` };
  return null;
}
