import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createVault, parseSecretKey } from '../../src/secrets/vault.js';

const KEY = Buffer.alloc(32, 7);
const OTHER = Buffer.alloc(32, 9);

describe('the vault', () => {
  it('seals a secret so that the sealed form holds none of its text, and opens it again', () => {
    const vault = createVault(KEY);
    const sealed = vault.seal('tiktok-tokens:shop', 'ROW_access_token_abc', 0);
    expect(JSON.stringify(sealed)).not.toContain('ROW_access_token_abc');
    expect(vault.open(sealed)).toBe('ROW_access_token_abc');
  });

  it('refuses a sealed value moved to another name, or altered', () => {
    const vault = createVault(KEY);
    const sealed = vault.seal('tiktok-tokens:a', 'secret', 0);
    expect(() => vault.open({ ...sealed, name: 'tiktok-tokens:b' })).toThrow(/does not open with its key/);
    const data = Buffer.from(sealed.data, 'base64');
    data[0]! ^= 1;
    expect(() => vault.open({ ...sealed, data: data.toString('base64') })).toThrow(ConfigError);
  });

  it('opens what the previous key sealed after a rotation, and names the setting when it cannot', () => {
    const old = createVault(OTHER).seal('tiktok-tokens:shop', 'secret', 0);
    const rotated = createVault(KEY, OTHER);
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.open(old)).toBe('secret');
    expect(() => createVault(KEY).open(old)).toThrow(/SHOPSHIFT_SECRET_KEY_PREVIOUS/);
  });

  it('reads a key as base64 or hex, and refuses another length without showing the value', () => {
    expect(parseSecretKey(KEY.toString('base64'), 'SHOPSHIFT_SECRET_KEY')).toEqual(KEY);
    expect(parseSecretKey(KEY.toString('hex'), 'SHOPSHIFT_SECRET_KEY')).toEqual(KEY);
    expect(() => parseSecretKey('c2hvcnQta2V5', 'SHOPSHIFT_SECRET_KEY')).toThrow(/Invalid setting SHOPSHIFT_SECRET_KEY: expected 32 bytes.*\(value hidden\)/);
    try {
      parseSecretKey('c2hvcnQta2V5', 'SHOPSHIFT_SECRET_KEY');
    } catch (error) {
      expect(String(error)).not.toContain('c2hvcnQta2V5');
    }
  });
});
