import { createHmac, timingSafeEqual } from 'node:crypto';

/** Query values as sent; arrays are skipped when signing, as TikTok's reference SDK does (§2). */
export type SignableQuery = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface SignRequestInput {
  /** The request path without host or query, e.g. `/product/202309/products`. */
  path: string;
  query: SignableQuery;
  /** The raw body bytes exactly as sent; pass it only for non-GET, non-multipart requests. */
  body?: string | Uint8Array | null;
  appSecret: string;
}

const UNSIGNED_PARAMS = new Set(['sign', 'access_token']);

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The `sign` query parameter of a TikTok Shop Open API request (reference §2). */
export function signRequest({ path, query, body, appSecret }: SignRequestInput): string {
  const pairs = Object.entries(query)
    .filter((entry): entry is [string, string | number | boolean] => {
      const [key, value] = entry;
      return !UNSIGNED_PARAMS.has(key) && value !== undefined && !Array.isArray(value);
    })
    .sort(([a], [b]) => compareBytes(a, b));
  const hmac = createHmac('sha256', appSecret);
  hmac.update(appSecret);
  hmac.update(path);
  for (const [key, value] of pairs) hmac.update(`${key}${String(value)}`);
  if (body !== undefined && body !== null) hmac.update(body);
  hmac.update(appSecret);
  return hmac.digest('hex');
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Checks the `Authorization` header of a TikTok Shop webhook against the raw body (reference §7):
 * lower hex of HMAC-SHA256(app_secret, app_key + body). False on a missing or malformed header.
 */
export function verifyWebhookSignature(rawBody: Buffer | string, authorization: string | undefined, appKey: string, appSecret: string): boolean {
  if (authorization === undefined) return false;
  const given = authorization.trim();
  if (!HEX_SHA256.test(given)) return false;
  const expected = createHmac('sha256', appSecret).update(appKey).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}
