import { auditSettingsFrom } from './audit/context.js';
import { createCategoryMapper, loadCategoryMapping } from './audit/category-map.js';
import { REGIONS } from './audit/regions.js';
import { parsePackageDimensions } from './catalog/package-dimensions.js';
import { openCatalogSource, type ShopifyAdminAccess, type SourceLimits } from './catalog/open-source.js';
import type { CatalogSource } from './catalog/source.js';
import { requireShopifyAdmin, requireTikTok, shopKeyOf, type Config } from './config.js';
import { loadCategoryRequirements, type CategoryRequirements } from './audit/category-requirements.js';
import type { Logger } from './log.js';
import { createImageFetcher } from './migration/images.js';
import { listingQuotaFrom } from './migration/quota.js';
import type { MigrationDeps } from './migration/run.js';
import { createShopifyAdminClient, type ShopifyAdminClient } from './shopify/admin-client.js';
import type { Store } from './store/store.js';
import type { TikTokShopClient } from './tiktok/api.js';
import { createTikTokClient, type TikTokTokens, type TokenStore } from './tiktok/client.js';
import { sealedTokenStore } from './secrets/token-store.js';
import { createVault, parseSecretKey, type Vault } from './secrets/vault.js';

/** Wiring shared by the command line and the bot: which implementation each part gets. */

/** Told after each request to TikTok Shop or the Shopify Admin API (the bot's metrics and /healthz). */
export type UpstreamObserver = (service: 'tiktok' | 'shopify', outcome: 'ok' | 'error') => void;

export function sourceLimitsFrom(config: Config): SourceLimits {
  return {
    timeoutMs: config.FETCH_TIMEOUT_MS, maxBytes: config.FETCH_MAX_BYTES, maxRetries: config.FETCH_MAX_RETRIES,
    retryBaseMs: 500, maxPages: config.PRODUCTS_JSON_MAX_PAGES, allowedPrivate: config.FETCH_ALLOWED_PRIVATE,
  };
}

/**
 * The Admin API access for the location `shopify`. The client is made on first use (so a missing
 * setting only matters when the store is read) and shared, so every read paces against one bucket.
 */
export function shopifyAccessFrom(config: Config, log: Logger, observe?: UpstreamObserver): ShopifyAdminAccess {
  let client: ShopifyAdminClient | null = null;
  return {
    createClient() {
      client ??= createShopifyAdminClient({
        ...requireShopifyAdmin(config), log, timeoutMs: config.FETCH_TIMEOUT_MS, maxRetries: config.FETCH_MAX_RETRIES,
        ...(observe ? { onRequest: (outcome) => observe('shopify', outcome) } : {}),
      });
      return client;
    },
    pageSize: config.SHOPIFY_PAGE_SIZE,
    bulkThreshold: config.SHOPIFY_BULK_THRESHOLD,
    packageMetafield: config.PACKAGE_DIMENSIONS_METAFIELD,
    log,
  };
}

/** Opens what a user named as a catalog: a file, a URL, or `shopify` for the connected store. */
export function openSourceFrom(config: Config, log: Logger, observe?: UpstreamObserver): (location: string) => CatalogSource {
  const limits = sourceLimitsFrom(config);
  const shopify = shopifyAccessFrom(config, log, observe);
  return (location) => openCatalogSource(location, limits, shopify);
}

/** 3000-01-01, in Unix seconds. */
const UNKNOWN_EXPIRY = 32_503_680_000;

/** The vault of SHOPSHIFT_SECRET_KEY (and the key before a rotation), or null when no key is set. */
export function vaultFrom(config: Config): Vault | null {
  if (!config.SHOPSHIFT_SECRET_KEY) return null;
  const previous = config.SHOPSHIFT_SECRET_KEY_PREVIOUS ? parseSecretKey(config.SHOPSHIFT_SECRET_KEY_PREVIOUS, 'SHOPSHIFT_SECRET_KEY_PREVIOUS') : undefined;
  return createVault(parseSecretKey(config.SHOPSHIFT_SECRET_KEY, 'SHOPSHIFT_SECRET_KEY'), previous);
}

/**
 * The TikTok Shop client of the configured shop. Its tokens start from the settings; a refreshed pair is
 * sealed in the store (with SHOPSHIFT_SECRET_KEY) so the next start uses it, or kept in memory without a key.
 */
export function createTikTokFromConfig(config: Config, log: Logger, options: { observe?: UpstreamObserver; store?: Store } = {}): TikTokShopClient {
  const credentials = requireTikTok(config);
  const { observe } = options;
  // An unknown expiry (0) is taken as valid: TikTok's 105002 answer then triggers the refresh.
  const orFarFuture = (expiresAt: number) => (expiresAt === 0 ? UNKNOWN_EXPIRY : expiresAt);
  const configured: TikTokTokens = {
    accessToken: credentials.accessToken,
    accessTokenExpiresAt: orFarFuture(config.TIKTOK_ACCESS_TOKEN_EXPIRES_AT),
    refreshToken: credentials.refreshToken,
    refreshTokenExpiresAt: orFarFuture(config.TIKTOK_REFRESH_TOKEN_EXPIRES_AT),
  };
  return createTikTokClient({
    appKey: credentials.appKey,
    appSecret: credentials.appSecret,
    shopCipher: credentials.shopCipher,
    apiUrl: config.TIKTOK_API_URL,
    authUrl: config.TIKTOK_AUTH_URL,
    qps: config.TIKTOK_QPS,
    maxRetries: config.TIKTOK_MAX_RETRIES,
    timeoutMs: config.TIKTOK_TIMEOUT_MS,
    log,
    ...(observe ? { onRequest: (outcome: 'ok' | 'error') => observe('tiktok', outcome) } : {}),
    tokenStore: options.store
      ? sealedTokenStore({ store: options.store, vault: vaultFrom(config), shop: shopKeyOf(config), configured, log, now: () => Date.now() })
      : inMemoryTokens(configured),
  });
}

function inMemoryTokens(configured: TikTokTokens): TokenStore {
  let tokens = configured;
  return {
    load: async () => tokens,
    save: async (next) => {
      tokens = next;
    },
  };
}

/** Everything a migration run needs. A dry run sends nothing, so it needs no TikTok credentials. */
export async function createMigrationDeps(
  config: Config,
  store: Store,
  log: Logger,
  options: { dryRun: boolean; client?: TikTokShopClient; observe?: UpstreamObserver },
): Promise<MigrationDeps> {
  const settings = auditSettingsFrom(config);
  const mapping = settings.categoryMapFile ? await loadCategoryMapping(settings.categoryMapFile) : new Map<string, string>();
  for (const stored of await store.mappings.list(shopKeyOf(config))) mapping.set(stored.key, stored.categoryId);
  const client = options.client ?? (options.dryRun ? unavailableClient : createTikTokFromConfig(config, log, { store, ...(options.observe ? { observe: options.observe } : {}) }));
  const shop = shopKeyOf(config);
  return {
    store,
    client,
    quota: listingQuotaFrom(config),
    openSource: openSourceFrom(config, log, options.observe),
    categories: createCategoryMapper(mapping, null),
    fetchImage: createImageFetcher({
      timeoutMs: config.FETCH_TIMEOUT_MS, maxRetries: config.FETCH_MAX_RETRIES, retryBaseMs: 500, allowedPrivate: config.FETCH_ALLOWED_PRIVATE,
    }),
    body: {
      currency: config.CATALOG_CURRENCY ?? REGIONS[config.TIKTOK_REGION].currency,
      warehouseId: config.TIKTOK_WAREHOUSE_ID ?? '(warehouse id)',
      defaultPackage: config.PACKAGE_DEFAULT_DIMENSIONS ? parsePackageDimensions(config.PACKAGE_DEFAULT_DIMENSIONS) : null,
      packageMetafield: config.PACKAGE_DIMENSIONS_METAFIELD,
    },
    clock: { now: () => Date.now() },
    log,
    concurrency: config.MIGRATION_CONCURRENCY,
    // A dry run without a client asks TikTok nothing: it shows the attributes of categories already in the store's cache.
    requirements: client === unavailableClient
      ? (categoryIds) => cachedCategoryRequirements(store, shop, categoryIds)
      : (categoryIds) => loadCategoryRequirements({ client, store, shop, categoryIds, ttlMs: config.CATEGORY_RULES_TTL_HOURS * 3_600_000, now: () => Date.now(), log }),
  };
}

async function cachedCategoryRequirements(store: Store, shop: string, categoryIds: string[]): Promise<Map<string, CategoryRequirements>> {
  const out = new Map<string, CategoryRequirements>();
  for (const categoryId of categoryIds) {
    const cached = await store.categoryRequirements.get(shop, categoryId);
    if (cached) out.set(categoryId, cached);
  }
  return out;
}

const unavailable = async (): Promise<never> => {
  throw new Error('a dry run does not call TikTok Shop');
};
const unavailableClient: TikTokShopClient = {
  getCategories: unavailable, getCategoryRules: unavailable, getAttributes: unavailable, recommendCategory: unavailable, getBrands: unavailable, uploadImage: unavailable, createProduct: unavailable, listingCheck: unavailable,
  editProduct: unavailable, getProduct: unavailable, searchProducts: unavailable, activateProducts: unavailable, deactivateProducts: unavailable,
};

/**
 * TikTok's live requirements (rules, attributes, prohibited categories) for the mapped categories, cached in
 * the store, for createAuditContext; empty (the local rules only) when TikTok cannot answer.
 */
export function categoryRequirementsFrom(config: Config, store: Store, log: Logger, client: () => TikTokShopClient) {
  const shop = shopKeyOf(config);
  return async (categoryIds: string[]): Promise<Map<string, CategoryRequirements>> => {
    try {
      return await loadCategoryRequirements({ client: client(), store, shop, categoryIds, ttlMs: config.CATEGORY_RULES_TTL_HOURS * 3_600_000, now: () => Date.now(), log });
    } catch (error) {
      log.warn({ err: error, shop }, 'category requirements unavailable; auditing with the local rules only');
      return new Map();
    }
  };
}
