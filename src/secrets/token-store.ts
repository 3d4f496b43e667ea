import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { TikTokTokens, TokenStore } from '../tiktok/client.js';
import type { Vault } from './vault.js';

const storedTokensSchema = z.object({
  accessToken: z.string().min(1),
  accessTokenExpiresAt: z.number(),
  refreshToken: z.string().min(1),
  refreshTokenExpiresAt: z.number(),
  /** Which configured refresh token this pair descends from, so a new authorization in the settings wins. */
  seededFrom: z.string(),
});

/** A fingerprint of the configured refresh token: tells a re-authorization apart without keeping the token. */
const fingerprint = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex').slice(0, 16);

export const tiktokTokensName = (shop: string) => `tiktok-tokens:${shop}`;

/**
 * A shop's TikTok tokens: the configured pair until TikTok refreshes it, then the refreshed pair,
 * sealed in the store so it survives a restart. Without a vault (no SHOPSHIFT_SECRET_KEY) a refreshed
 * pair is kept in memory only, and the log says how to keep it.
 */
export function sealedTokenStore(deps: { store: Store; vault: Vault | null; shop: string; configured: TikTokTokens; log: Logger; now(): number }): TokenStore {
  const name = tiktokTokensName(deps.shop);
  const seededFrom = fingerprint(deps.configured.refreshToken);
  let inMemory: TikTokTokens = deps.configured;
  const on = (store: Store): Pick<TokenStore, 'load' | 'save'> => ({
    async load() {
      if (!deps.vault) return inMemory;
      const sealed = await store.secrets.get(name);
      if (!sealed) return deps.configured;
      const stored = storedTokensSchema.parse(JSON.parse(deps.vault.open(sealed)));
      if (stored.seededFrom !== seededFrom) return deps.configured;
      const { seededFrom: _, ...tokens } = stored;
      return tokens;
    },
    async save(tokens) {
      if (!deps.vault) {
        inMemory = tokens;
        deps.log.warn('SHOPSHIFT_SECRET_KEY is not set, so the refreshed TikTok tokens are kept in memory only and are lost on restart; set it (openssl rand -base64 32) to store them encrypted.');
        return;
      }
      await store.secrets.put(deps.vault.seal(name, JSON.stringify({ ...tokens, seededFrom }), deps.now()));
    },
  });
  return {
    ...on(deps.store),
    // Under the store's lock for the shop's tokens (held over the call to TikTok): of several processes one
    // refreshes, the others then read its pair.
    exclusive: (work) => deps.store.exclusive(name, (locked) => work(on(locked))),
  };
}

/** Re-seals with the current key every secret the previous key sealed (after SHOPSHIFT_SECRET_KEY was rotated). */
export async function resealSecrets(store: Store, vault: Vault, now: number): Promise<number> {
  let resealed = 0;
  for (const sealed of await store.secrets.list()) {
    if (!vault.isStale(sealed)) continue;
    await store.secrets.put(vault.seal(sealed.name, vault.open(sealed), now));
    resealed++;
  }
  return resealed;
}
