import { describe, expect, it } from 'vitest';
import { parseJsonKeepingBigIntegers, parseProductEvent, parseWebhook, type TikTokWebhook } from '../../src/tiktok/webhook.js';

const SPEC_BODY =
  '{"type":5,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1700000000,"data":{"product_id":"1729592969712207008","status":"PRODUCT_AUDIT_FAILURE","update_time":1700000000}}';

function parsed(body: string): TikTokWebhook {
  const result = parseWebhook(body);
  if (!result.ok) throw new Error(`expected a webhook, got: ${result.reason}`);
  return result.value;
}

describe('parseJsonKeepingBigIntegers', () => {
  it('keeps a 19-digit integer as its exact digits', () => {
    expect(parseJsonKeepingBigIntegers('{"id":1729592969712207008}')).toEqual({ id: '1729592969712207008' });
  });

  it('leaves safe integers and decimals as numbers', () => {
    expect(parseJsonKeepingBigIntegers('{"a":1700000000,"b":-12,"c":1.5e3,"d":12345678901234567890.5}')).toEqual({ a: 1700000000, b: -12, c: 1500, d: 12345678901234567890.5 });
  });

  it('does not touch digits inside strings, escaped quotes included', () => {
    const text = '{"note":"id \\"1729592969712207008\\" here","n":1729592969712207009}';
    expect(parseJsonKeepingBigIntegers(text)).toEqual({ note: 'id "1729592969712207008" here', n: '1729592969712207009' });
  });

  it('keeps big integers inside arrays', () => {
    expect(parseJsonKeepingBigIntegers('[1729592969712207008,1]')).toEqual(['1729592969712207008', 1]);
  });

  it('still rejects text that is not JSON', () => {
    expect(() => parseJsonKeepingBigIntegers('{"id":01729592969712207008}')).toThrow(SyntaxError);
  });
});

describe('parseWebhook', () => {
  it('reads the §7 sample into camelCase fields', () => {
    expect(parsed(SPEC_BODY)).toEqual({
      type: 5,
      notificationId: '7327112393057371910',
      shopId: '7494049642642441621',
      timestamp: 1700000000,
      data: { product_id: '1729592969712207008', status: 'PRODUCT_AUDIT_FAILURE', update_time: 1700000000 },
    });
  });

  it('keeps 19-digit ids sent as JSON numbers exact', () => {
    const body = '{"type":5,"tts_notification_id":7327112393057371910,"shop_id":7494049642642441621,"timestamp":1700000000,"data":{"product_id":1729592969712207008,"status":"PRODUCT_FIRST_PASS_REVIEW","suspended_reason":"","update_time":1700000000}}';
    const webhook = parsed(body);
    expect(webhook.notificationId).toBe('7327112393057371910');
    expect(webhook.shopId).toBe('7494049642642441621');
    expect(webhook.data.product_id).toBe('1729592969712207008');
  });

  it('accepts a Buffer body', () => {
    expect(parseWebhook(Buffer.from(SPEC_BODY)).ok).toBe(true);
  });

  it('keeps unknown top-level data fields', () => {
    const body = SPEC_BODY.replace('"update_time":1700000000}', '"update_time":1700000000,"extra":"x"}');
    expect(parsed(body).data.extra).toBe('x');
  });

  it('rejects a body that is not JSON', () => {
    expect(parseWebhook('type=5')).toEqual({ ok: false, reason: 'body is not JSON' });
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(parseWebhook(Buffer.from([0x7b, 0xff, 0x7d])).ok).toBe(false);
  });

  it('rejects a body without a notification id, naming the field', () => {
    const result = parseWebhook(SPEC_BODY.replace('"tts_notification_id":"7327112393057371910",', ''));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('tts_notification_id');
  });

  it('rejects a type sent as text', () => {
    expect(parseWebhook(SPEC_BODY.replace('"type":5', '"type":"5"')).ok).toBe(false);
  });

  it('rejects a shop id that is not digits', () => {
    expect(parseWebhook(SPEC_BODY.replace('"shop_id":"7494049642642441621"', '"shop_id":"shop-1"')).ok).toBe(false);
  });

  it('rejects data that is not an object', () => {
    expect(parseWebhook('{"type":5,"tts_notification_id":"1","shop_id":"2","timestamp":1700000000,"data":[1]}').ok).toBe(false);
  });

  it('rejects a JSON array', () => {
    expect(parseWebhook('[]').ok).toBe(false);
  });
});

describe('parseProductEvent', () => {
  it('reads a type 5 status change, with an empty suspended reason when none is sent', () => {
    expect(parseProductEvent(parsed(SPEC_BODY))).toEqual({
      ok: true,
      value: { type: 5, productId: '1729592969712207008', status: 'PRODUCT_AUDIT_FAILURE', suspendedReason: '', updateTime: 1700000000 },
    });
  });

  it('keeps the suspended reason of a type 5 failure', () => {
    const body = SPEC_BODY.replace('"update_time"', '"suspended_reason":"Image has a watermark","update_time"');
    const result = parseProductEvent(parsed(body));
    expect(result.ok && result.value?.type === 5 && result.value.suspendedReason).toBe('Image has a watermark');
  });

  it('reads a type 37 audit status change with a numeric 19-digit product id', () => {
    const body = '{"type":37,"tts_notification_id":"1","shop_id":"2","timestamp":1700000000,"data":{"product_id":1729592969712207008,"audit":{"status":"APPROVED","pre_approved_reasons":[]},"update_time":1700000001}}';
    expect(parseProductEvent(parsed(body))).toEqual({
      ok: true,
      value: { type: 37, productId: '1729592969712207008', auditStatus: 'APPROVED', updateTime: 1700000001 },
    });
  });

  it('gives null for a webhook type that is not about product status', () => {
    const body = '{"type":6,"tts_notification_id":"1","shop_id":"2","timestamp":1700000000,"data":{}}';
    expect(parseProductEvent(parsed(body))).toEqual({ ok: true, value: null });
  });

  it('rejects a type 5 event without a status', () => {
    const result = parseProductEvent(parsed(SPEC_BODY.replace('"status":"PRODUCT_AUDIT_FAILURE",', '')));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('status');
  });

  it('rejects a type 37 event without an audit status', () => {
    const body = '{"type":37,"tts_notification_id":"1","shop_id":"2","timestamp":1700000000,"data":{"product_id":"1","audit":{}}}';
    expect(parseProductEvent(parsed(body)).ok).toBe(false);
  });

  it('rejects a product id in exponent notation, which would have lost digits', () => {
    const result = parseProductEvent(parsed(SPEC_BODY.replace('"product_id":"1729592969712207008"', '"product_id":1.729592969712207e18')));
    expect(result.ok).toBe(false);
  });
});
