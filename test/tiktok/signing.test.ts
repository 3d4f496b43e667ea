import { describe, expect, it } from 'vitest';
import { signRequest, verifyWebhookSignature } from '../../src/tiktok/signing.js';

const VECTOR_B = {
  path: '/product/202309/products/deactivate',
  query: { app_key: '6abc123def', timestamp: '1700000000', shop_cipher: 'ROW_ExampleCipher', access_token: 'ignored' },
  body: '{"product_ids":["1729592969712207008"]}',
  appSecret: 's3cr3t',
};
const VECTOR_B_SIGN = 'a54f7fde5c40262adfc3b9bfbb69a6bbc3b590e229c9a1bbe867e1013e5f7f60';

const WEBHOOK_BODY =
  '{"type":5,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1700000000,"data":{"product_id":"1729592969712207008","status":"PRODUCT_AUDIT_FAILURE","update_time":1700000000}}';
const WEBHOOK_SIGN = '1224ca4c1f84fee8da574712ad4ef63b9c100d8ae97cf76f98b8af976ba537e7';

describe('signRequest', () => {
  it('matches vector A (GET, one query parameter, no body)', () => {
    expect(signRequest({ path: '/test-api', query: { foo: 'bar' }, appSecret: 'app_secret' })).toBe(
      'd3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f',
    );
  });

  it('matches vector B (POST with a JSON body, access_token left out)', () => {
    expect(signRequest(VECTOR_B)).toBe(VECTOR_B_SIGN);
  });

  it('signs the body given as bytes the same as the same body given as text', () => {
    expect(signRequest({ ...VECTOR_B, body: Buffer.from(VECTOR_B.body) })).toBe(VECTOR_B_SIGN);
  });

  it('does not depend on the order the query parameters are given in', () => {
    const reversed = Object.fromEntries(Object.entries(VECTOR_B.query).reverse());
    expect(signRequest({ ...VECTOR_B, query: reversed })).toBe(VECTOR_B_SIGN);
  });

  it('ignores a sign parameter already in the query', () => {
    expect(signRequest({ ...VECTOR_B, query: { ...VECTOR_B.query, sign: 'stale' } })).toBe(VECTOR_B_SIGN);
  });

  it('accepts numeric query values as their decimal text', () => {
    expect(signRequest({ ...VECTOR_B, query: { ...VECTOR_B.query, timestamp: 1700000000 } })).toBe(VECTOR_B_SIGN);
  });

  it('changes when one byte of the body changes', () => {
    expect(signRequest({ ...VECTOR_B, body: VECTOR_B.body.replace('8"', '9"') })).not.toBe(VECTOR_B_SIGN);
  });

  it('changes when a query value changes', () => {
    expect(signRequest({ ...VECTOR_B, query: { ...VECTOR_B.query, timestamp: '1700000001' } })).not.toBe(VECTOR_B_SIGN);
  });

  it('changes when a query parameter is added', () => {
    expect(signRequest({ ...VECTOR_B, query: { ...VECTOR_B.query, page_size: '10' } })).not.toBe(VECTOR_B_SIGN);
  });

  it('changes when the path changes', () => {
    expect(signRequest({ ...VECTOR_B, path: '/product/202309/products/activate' })).not.toBe(VECTOR_B_SIGN);
  });

  it('sorts keys by byte order, so upper-case keys come before lower-case ones', () => {
    const sorted = signRequest({ path: '/p', query: { B: '1', a: '2' }, appSecret: 'k' });
    // Byte order puts "B" (0x42) first; a locale sort would put "a" first and give another signature.
    const expectedBase = signRequest({ path: '/pB1a2', query: {}, appSecret: 'k' });
    expect(sorted).toBe(expectedBase);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts the §7 test vector', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, WEBHOOK_SIGN, '6abc123def', 's3cr3t')).toBe(true);
  });

  it('accepts the raw body as a Buffer', () => {
    expect(verifyWebhookSignature(Buffer.from(WEBHOOK_BODY), WEBHOOK_SIGN, '6abc123def', 's3cr3t')).toBe(true);
  });

  it('accepts the header in upper case and with surrounding spaces', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, ` ${WEBHOOK_SIGN.toUpperCase()} `, '6abc123def', 's3cr3t')).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY.replace('FAILURE', 'SUCCESS'), WEBHOOK_SIGN, '6abc123def', 's3cr3t')).toBe(false);
  });

  it('rejects a re-serialized body even when it holds the same data', () => {
    const reserialized = JSON.stringify(JSON.parse(WEBHOOK_BODY), null, 1);
    expect(verifyWebhookSignature(reserialized, WEBHOOK_SIGN, '6abc123def', 's3cr3t')).toBe(false);
  });

  it('rejects a signature made with another app key', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, WEBHOOK_SIGN, 'other-app', 's3cr3t')).toBe(false);
  });

  it('rejects a missing header', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, undefined, '6abc123def', 's3cr3t')).toBe(false);
  });

  it('rejects a Bearer-prefixed header', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, `Bearer ${WEBHOOK_SIGN}`, '6abc123def', 's3cr3t')).toBe(false);
  });

  it('rejects a header of the wrong length', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, WEBHOOK_SIGN.slice(0, 62), '6abc123def', 's3cr3t')).toBe(false);
  });

  it('rejects a header that is not hex', () => {
    expect(verifyWebhookSignature(WEBHOOK_BODY, 'z'.repeat(64), '6abc123def', 's3cr3t')).toBe(false);
  });
});
