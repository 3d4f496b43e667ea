import { z } from 'zod';

/** Webhook types shopshift reads (reference §7). */
export const WEBHOOK_TYPES = {
  productStatusChange: 5,
  productAuditStatusChange: 37,
} as const;

/** Known `data.status` values of type 5; others are passed on as they come. */
export const PRODUCT_STATUS_CHANGES = ['PRODUCT_FIRST_PASS_REVIEW', 'PRODUCT_STATUS_CHANGED', 'PRODUCT_AUDIT_FAILURE'] as const;

const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

function startsNumber(code: number): boolean {
  return code === MINUS || (code >= 0x30 && code <= 0x39);
}

/**
 * JSON.parse, except that integers beyond Number.MAX_SAFE_INTEGER come back as their exact digits in a
 * string: TikTok's 19-digit ids are sometimes JSON numbers (reference §7), which JSON.parse would round.
 */
export function parseJsonKeepingBigIntegers(text: string): unknown {
  let rewritten = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index++;
      while (index < text.length) {
        const inner = text.charCodeAt(index);
        if (inner === BACKSLASH) index += 2;
        else if (inner === QUOTE) {
          index++;
          break;
        } else index++;
      }
      continue;
    }
    if (!startsNumber(code)) {
      index++;
      continue;
    }
    NUMBER_TOKEN.lastIndex = index;
    const match = NUMBER_TOKEN.exec(text);
    if (match === null) {
      index++;
      continue;
    }
    const token = match[0];
    const isInteger = match[1] === undefined && match[2] === undefined;
    if (isInteger && !Number.isSafeInteger(Number(token))) {
      rewritten += `${text.slice(copiedUpTo, index)}"${token}"`;
      copiedUpTo = index + token.length;
    }
    index += token.length;
  }
  return JSON.parse(copiedUpTo === 0 ? text : rewritten + text.slice(copiedUpTo));
}

/** An id sent as a string or a JSON number (already turned into exact digits by the parser above). */
export const tiktokIdSchema = z.union([
  z.string().regex(/^\d+$/, 'expected an id of digits'),
  z.number().int().nonnegative().transform(String),
]);

const unixSecondsSchema = z.number().int().nonnegative();

export const webhookSchema = z
  .object({
    type: z.number().int(),
    tts_notification_id: tiktokIdSchema,
    shop_id: tiktokIdSchema,
    timestamp: unixSecondsSchema,
    data: z.looseObject({}),
  })
  .transform(({ type, tts_notification_id, shop_id, timestamp, data }) => ({
    type,
    notificationId: tts_notification_id,
    shopId: shop_id,
    timestamp,
    data: data as Record<string, unknown>,
  }));
export type TikTokWebhook = z.output<typeof webhookSchema>;

const productStatusDataSchema = z.looseObject({
  product_id: tiktokIdSchema,
  status: z.string().min(1),
  suspended_reason: z.string().default(''),
  update_time: unixSecondsSchema,
});

const productAuditDataSchema = z.looseObject({
  product_id: tiktokIdSchema,
  audit: z.looseObject({ status: z.string().min(1) }),
  update_time: unixSecondsSchema.optional(),
});

export type ProductEvent =
  | {
      type: typeof WEBHOOK_TYPES.productStatusChange;
      productId: string;
      /** One of PRODUCT_STATUS_CHANGES, or a value TikTok added later. */
      status: string;
      /** Empty when the product passed. */
      suspendedReason: string;
      updateTime: number;
    }
  | {
      type: typeof WEBHOOK_TYPES.productAuditStatusChange;
      productId: string;
      /** NONE, AUDITING, FAILED, PRE_APPROVED or APPROVED (§6). */
      auditStatus: string;
      updateTime: number | null;
    };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; ');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a webhook body whose signature was already verified (signing.ts). Never echoes the body in `reason`. */
export function parseWebhook(rawBody: Buffer | string): ParseResult<TikTokWebhook> {
  let json: unknown;
  try {
    json = parseJsonKeepingBigIntegers(typeof rawBody === 'string' ? rawBody : utf8.decode(rawBody));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = webhookSchema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

/** The product event a webhook carries: `value` is null for types other than 5 and 37. */
export function parseProductEvent(webhook: TikTokWebhook): ParseResult<ProductEvent | null> {
  if (webhook.type === WEBHOOK_TYPES.productStatusChange) {
    const parsed = productStatusDataSchema.safeParse(webhook.data);
    if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
    const { product_id, status, suspended_reason, update_time } = parsed.data;
    return { ok: true, value: { type: WEBHOOK_TYPES.productStatusChange, productId: product_id, status, suspendedReason: suspended_reason, updateTime: update_time } };
  }
  if (webhook.type === WEBHOOK_TYPES.productAuditStatusChange) {
    const parsed = productAuditDataSchema.safeParse(webhook.data);
    if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
    const { product_id, audit, update_time } = parsed.data;
    return { ok: true, value: { type: WEBHOOK_TYPES.productAuditStatusChange, productId: product_id, auditStatus: audit.status, updateTime: update_time ?? null } };
  }
  return { ok: true, value: null };
}
