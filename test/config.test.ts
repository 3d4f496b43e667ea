import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, loadConfig } from '../src/config.js';
import { projectRoot } from '../src/paths.js';
import { ConfigError } from '../src/errors.js';
import { captureLogs } from './support/log-capture.js';

describe('loadConfig', () => {
  it('runs with no settings at all, on defaults', () => {
    const config = loadConfig({});
    expect(config.TIKTOK_REGION).toBe('US');
    expect(config.TIKTOK_SELLER_TYPE).toBe('local');
    expect(config.AUDIT_STATUSES).toEqual(['active']);
    expect(config.CATALOG_CURRENCY).toBeUndefined();
  });

  it('accepts UK for GB and any case', () => expect(loadConfig({ TIKTOK_REGION: 'uk' }).TIKTOK_REGION).toBe('GB'));

  it('treats an empty optional setting as unset', () => expect(loadConfig({ CATALOG_CURRENCY: '' }).CATALOG_CURRENCY).toBeUndefined());

  it('parses lists and numbers', () => {
    const config = loadConfig({ AUDIT_STATUSES: 'active, Draft', FETCH_TIMEOUT_MS: '5000' });
    expect(config.AUDIT_STATUSES).toEqual(['active', 'draft']);
    expect(config.FETCH_TIMEOUT_MS).toBe(5000);
  });

  it('stops with one line that names the variable and the bad value', () => {
    expect(() => loadConfig({ TIKTOK_REGION: 'Narnia' })).toThrow(ConfigError);
    expect(() => loadConfig({ TIKTOK_REGION: 'Narnia' })).toThrow(/^Invalid setting TIKTOK_REGION: .*\(got "Narnia"\)\. See \.env\.example\.$/);
    expect(() => loadConfig({ FETCH_TIMEOUT_MS: '-3' })).toThrow(/Invalid setting FETCH_TIMEOUT_MS/);
    expect(() => loadConfig({ SELLER_SKU_PATTERN: '([' })).toThrow(/SELLER_SKU_PATTERN: not a valid regular expression/);
    expect(() => loadConfig({ AUDIT_STATUSES: 'live' })).toThrow(/Invalid setting AUDIT_STATUSES/);
  });

  it('takes a PostgreSQL URL for the store, and never shows a bad one (it may hold a password)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://bot:pw@db:5432/shopshift' }).DATABASE_URL).toBe('postgres://bot:pw@db:5432/shopshift');
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(() => loadConfig({ DATABASE_URL: 'mysql://bot:hunter2@db/shop' })).toThrow(/^Invalid setting DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL \(value hidden\)/);
  });

  it('takes Discord shard ids only with a shard count they are below', () => {
    expect(loadConfig({ DISCORD_SHARDS: '0, 2', DISCORD_SHARD_COUNT: '3' })).toMatchObject({ DISCORD_SHARDS: [0, 2], DISCORD_SHARD_COUNT: 3 });
    expect(() => loadConfig({ DISCORD_SHARDS: '1' })).toThrow(/DISCORD_SHARDS: set DISCORD_SHARD_COUNT too/);
    expect(() => loadConfig({ DISCORD_SHARDS: '3', DISCORD_SHARD_COUNT: '3' })).toThrow(/shard 3 is not below DISCORD_SHARD_COUNT \(3\)/);
    expect(() => loadConfig({ DISCORD_SHARDS: 'one' })).toThrow(/Invalid setting DISCORD_SHARDS/);
  });
});

describe('.env.example', () => {
  it('lists every setting shopshift reads, and loads as a valid configuration as it stands', () => {
    const text = readFileSync(join(projectRoot, '.env.example'), 'utf8');
    const listed = Object.fromEntries(text.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(Object.keys(listed).sort()).toEqual(Object.keys(configSchema.shape).sort());
    expect(() => loadConfig(listed)).not.toThrow();
  });
});

describe('the logger', () => {
  it('redacts secrets in any field that carries them', () => {
    const { log, text, lines } = captureLogs();
    log.info({ token: 'xoxb-secret-1', config: { appSecret: 'app-secret-2' }, request: { headers: { authorization: 'Bearer secret-3' } } }, 'calling');
    expect(text()).not.toMatch(/secret-1|secret-2|secret-3/);
    expect(lines()[0]).toMatchObject({ msg: 'calling', token: '[redacted]', config: { appSecret: '[redacted]' } });
  });
});
