import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { SealedSecret } from '../store/schema.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/** A key from the environment: 32 bytes written as base64 (openssl rand -base64 32) or 64 hex digits. */
export function parseSecretKey(text: string, setting: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new ConfigError(`Invalid setting ${setting}: expected 32 bytes as base64 (openssl rand -base64 32) or 64 hex digits (value hidden).`);
  return key;
}

/** Names a key without revealing it: which key sealed a secret. */
const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 12);

export interface Vault {
  keyId: string;
  seal(name: string, plaintext: string, now: number): SealedSecret;
  open(sealed: SealedSecret): string;
  /** Sealed with the previous key, so to be sealed again with the current one. */
  isStale(sealed: SealedSecret): boolean;
}

/**
 * AES-256-GCM with the secret's name as associated data, so a sealed value cannot be moved to another
 * name. `previous` opens what the key before a rotation sealed.
 */
export function createVault(key: Buffer, previous?: Buffer): Vault {
  const keys = new Map([[keyIdOf(key), key], ...(previous ? [[keyIdOf(previous), previous] as const] : [])]);
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(name, plaintext, now) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv).setAAD(Buffer.from(name, 'utf8'));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { name, keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64'), updatedAt: new Date(now).toISOString() };
    },
    open(sealed) {
      const sealingKey = keys.get(sealed.keyId);
      if (!sealingKey) {
        throw new ConfigError(
          `The stored secret "${sealed.name}" was sealed with another key (${sealed.keyId}). Set SHOPSHIFT_SECRET_KEY_PREVIOUS to that key so it can be re-sealed, or authorize again.`,
        );
      }
      const decipher = createDecipheriv(ALGORITHM, sealingKey, Buffer.from(sealed.iv, 'base64')).setAAD(Buffer.from(sealed.name, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new ConfigError(`The stored secret "${sealed.name}" does not open with its key: the store was altered or the key is wrong.`);
      }
    },
    isStale: (sealed) => sealed.keyId !== keyId,
  };
}
