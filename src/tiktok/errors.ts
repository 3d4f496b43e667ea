import { UpstreamError } from '../errors.js';

export const TIKTOK_SERVICE = 'tiktok-shop';

/** Codes from reference §3 and §4 that the client and the migration branch on. */
export const TIKTOK_CODES = {
  expiredToken: 105002,
  rateLimited: 36009002,
  merchantRateLimited: 12052109,
  internalError: 36009003,
  requestTimeout: 36009007,
  listingQuotaReached: 12052093,
} as const;

const RATE_LIMIT_CODES = new Set<number>([TIKTOK_CODES.rateLimited, TIKTOK_CODES.merchantRateLimited]);
const SERVER_ERROR_CODES = new Set<number>([TIKTOK_CODES.internalError, TIKTOK_CODES.requestTimeout]);

/** Generic sentences for platform codes; none repeats TikTok's text, which may name our parameters. */
const GENERIC_TEXT: Readonly<Record<number, string>> = {
  105002: 'The TikTok Shop access token has expired and could not be renewed; reconnect the shop',
  105005: 'The TikTok Shop app lacks a permission this needs; check the app scopes in Partner Center',
  101000: 'TikTok Shop did not accept the access token; reconnect the shop',
  106001: 'TikTok Shop did not accept the request signature; check the app key and secret',
  106013: 'TikTok Shop needs the shop cipher for this call; check the shop settings',
  36004004: 'TikTok Shop did not accept the authorization code; authorize the shop again',
  36009004: 'TikTok Shop rejected a request parameter (credentials, clock or shop); check the app settings and the server clock',
  36009033: "TikTok Shop refused this server's IP address; add it to the app's allow list",
  12052093: 'The shop has reached its TikTok Shop listing limit; the remaining products wait until the quota resets',
};

/** Product-module codes (12xxxxxx) describe the merchant's own data, so TikTok's message is worth showing. */
function isProductValidationCode(code: number): boolean {
  return code >= 12_000_000 && code < 13_000_000 && !RATE_LIMIT_CODES.has(code) && code !== TIKTOK_CODES.listingQuotaReached;
}

const MAX_MESSAGE_CHARS = 300;

function cleanMessage(message: string): string {
  const flat = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS - 1)}…` : flat;
}

export interface TikTokApiErrorInit {
  /** TikTok's `code`; null when the answer carried no envelope (e.g. a proxy's HTTP 502 page). */
  apiCode: number | null;
  /** TikTok's `message`; kept for logs and for product-validation texts, never shown otherwise. */
  apiMessage?: string;
  requestId?: string | null;
  httpStatus: number | null;
  /** Products a batch call could not change, when TikTok named them. */
  productIds?: string[];
  cause?: unknown;
}

function userTextFor({ apiCode, apiMessage, httpStatus }: TikTokApiErrorInit): string {
  const codeLabel = apiCode === null ? (httpStatus === null ? '' : ` (HTTP ${httpStatus})`) : ` (code ${apiCode})`;
  if (apiCode !== null && GENERIC_TEXT[apiCode] !== undefined) return `${GENERIC_TEXT[apiCode]}${codeLabel}.`;
  if (isRateLimitedAnswer(apiCode, httpStatus)) return `TikTok Shop is rate-limiting us; try again in a minute${codeLabel}.`;
  if (isServerErrorAnswer(apiCode, httpStatus)) return `TikTok Shop had a temporary problem; try again in a few minutes${codeLabel}.`;
  if (apiCode !== null && isProductValidationCode(apiCode) && apiMessage !== undefined && cleanMessage(apiMessage) !== '') {
    return `TikTok Shop rejected the product: ${cleanMessage(apiMessage)}${codeLabel}.`;
  }
  return `TikTok Shop refused the request${codeLabel}.`;
}

function isRateLimitedAnswer(apiCode: number | null, httpStatus: number | null): boolean {
  return (apiCode !== null && RATE_LIMIT_CODES.has(apiCode)) || httpStatus === 429;
}

function isServerErrorAnswer(apiCode: number | null, httpStatus: number | null): boolean {
  return (apiCode !== null && SERVER_ERROR_CODES.has(apiCode)) || (httpStatus !== null && httpStatus >= 500 && httpStatus <= 599);
}

/**
 * An answer from TikTok Shop that is not a success. `code` stays 'UPSTREAM_FAILED' (ShopshiftError's
 * stable code), so TikTok's numeric code is `apiCode`.
 */
export class TikTokApiError extends UpstreamError {
  readonly apiCode: number | null;
  readonly apiMessage: string;
  readonly requestId: string | null;
  readonly httpStatus: number | null;
  readonly productIds: readonly string[];

  constructor(init: TikTokApiErrorInit) {
    super(TIKTOK_SERVICE, init.httpStatus, userTextFor(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.apiCode = init.apiCode;
    this.apiMessage = init.apiMessage ?? '';
    this.requestId = init.requestId ?? null;
    this.httpStatus = init.httpStatus;
    this.productIds = init.productIds ?? [];
  }

  /** 36009002, 12052109 or HTTP 429: back off and retry. */
  isRateLimited(): boolean {
    return isRateLimitedAnswer(this.apiCode, this.httpStatus);
  }

  /** 36009003, 36009007 or HTTP 5xx: TikTok's side failed; the same request may succeed later. */
  isRetryableServerError(): boolean {
    return isServerErrorAnswer(this.apiCode, this.httpStatus);
  }

  /** 105002: the access token expired; refresh it. */
  isExpiredToken(): boolean {
    return this.apiCode === TIKTOK_CODES.expiredToken;
  }

  /** 12052093: the shop's listing quota is used up; stop pushing until it resets. */
  isQuotaReached(): boolean {
    return this.apiCode === TIKTOK_CODES.listingQuotaReached;
  }
}

export function isTikTokApiError(error: unknown): error is TikTokApiError {
  return error instanceof TikTokApiError;
}
