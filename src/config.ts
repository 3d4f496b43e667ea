import { existsSync } from 'node:fs';
import cron from 'node-cron';
import { z } from 'zod';
import type { ProductStatus } from './catalog/product.js';
import { ConfigError } from './errors.js';
import { samplePath } from './paths.js';
import { isAllowListEntry } from './catalog/address-guard.js';
import { regionCodeSchema, sellerTypeSchema } from './audit/regions.js';
import { parseQuotaReset } from './migration/quota.js';

const optionalText = z.string().trim().optional().transform((value) => (value === '' ? undefined : value));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const STATUS_NAMES = ['active', 'draft', 'archived', 'unlisted'] as const;

/** What DATABASE_URL and `store copy --to` take. */
export const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;

/** Every setting shopshift reads, with its default; .env.example documents each one. */
export const configSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TIKTOK_REGION: z.preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase().replace(/^UK$/, 'GB') : value), regionCodeSchema.default('US')),
  TIKTOK_SELLER_TYPE: sellerTypeSchema.default('local'),
  CATALOG_CURRENCY: optionalText.pipe(z.string().regex(/^[A-Z]{3}$/, 'expected a three-letter currency code such as USD').optional()),
  CATEGORY_MAP_FILE: optionalText,
  TIKTOK_CATEGORIES_FILE: optionalText,
  /** Days TikTok's category suggestion for a product type is kept before `/shop map suggest` asks again. */
  CATEGORY_SUGGESTION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Hours TikTok's rules and required attributes for a category are kept before an audit asks again. */
  CATEGORY_RULES_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24),
  PACKAGE_DEFAULT_DIMENSIONS: optionalText,
  PACKAGE_DIMENSIONS_METAFIELD: z.string().trim().min(1).default('shopshift.package_dimensions'),
  SELLER_SKU_PATTERN: z
    .string()
    .default('^[\\x21-\\x7E]+$')
    .transform((pattern, context) => {
      try {
        return new RegExp(pattern);
      } catch {
        context.addIssue({ code: 'custom', message: 'not a valid regular expression' });
        return z.NEVER;
      }
    }),
  AUDIT_STATUSES: z
    .string()
    .default('active')
    .transform((list) => list.split(',').map((status) => status.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(STATUS_NAMES)).min(1, 'name at least one of active, draft, archived, unlisted')),
  FETCH_TIMEOUT_MS: positiveInt(30_000),
  FETCH_MAX_BYTES: positiveInt(200 * 1024 * 1024),
  FETCH_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  PRODUCTS_JSON_MAX_PAGES: positiveInt(100),
  /** CIDRs and host names inside the bot's own network that fetching may still reach, comma-separated. */
  FETCH_ALLOWED_PRIVATE: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isAllowListEntry, 'expected CIDRs such as 10.0.0.0/8 or host names, comma-separated'))),

  DATA_DIR: z.string().trim().min(1).default('./data'),
  /** A PostgreSQL database for the store instead of lowdb in DATA_DIR: for many shops or several bot processes. */
  DATABASE_URL: optionalText.pipe(z.string().regex(POSTGRES_URL, 'expected a postgres:// or postgresql:// URL').optional()),
  /** Connections each process keeps to DATABASE_URL. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  /** Days the activity log (who changed what from chat) is kept. */
  ACTIVITY_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** What "/shop audit" reads when no source is named: a file, a URL, or "shopify". */
  CATALOG_SOURCE: optionalText.transform((value) => value ?? samplePath('sample-catalog.csv')),
  /** The root slash command on Slack and Discord: /shop by default. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Time a SIGTERM or SIGINT allows for stopping: past it the process exits with 1 (the journal already holds every write). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(8_000),

  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  /** Socket Mode app-level token (xapp-…); with it set and SLACK_SOCKET_MODE=true no public URL is needed. */
  SLACK_APP_TOKEN: optionalText,
  SLACK_SOCKET_MODE: z.preprocess((value) => (value === '' || value === undefined ? undefined : String(value).toLowerCase() === 'true'), z.boolean().default(false)),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  /** Slack user ids (U…) and user-group ids (S…) allowed to run state-changing commands, comma-separated. */
  SLACK_MANAGERS: optionalText.transform((value) => (value ?? '').split(',').map((id) => id.trim()).filter(Boolean)),

  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  /** Register the commands in this guild only (instant, for development); empty registers them globally. */
  DISCORD_GUILD_ID: optionalText,
  DISCORD_API_URL: z.url().default('https://discord.com/api'),
  /** The gateway shards this process connects, comma-separated ("0,1"); empty: all of them. One connection per shard across processes. */
  DISCORD_SHARDS: optionalText.transform((value) => (value ?? '').split(',').map((id) => id.trim()).filter(Boolean).map(Number))
    .pipe(z.array(z.number().int('expected shard ids such as 0,1').min(0))),
  /** How many shards the bot runs in all; needed with DISCORD_SHARDS. Empty: one, or Discord's recommendation. */
  DISCORD_SHARD_COUNT: optionalText.transform((value) => (value === undefined ? undefined : Number(value))).pipe(z.number().int().min(1).optional()),
  /** Discord role ids allowed to run state-changing commands, comma-separated. */
  DISCORD_MANAGER_ROLES: optionalText.transform((value) => (value ?? '').split(',').map((id) => id.trim()).filter(Boolean)),

  SHOP_COMMAND: z.string().trim().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - or _ (at most 32)').default('shop'),
  /** Fair use of the expensive chat commands, per rolling hour (0: no limit). Managers are exempt from the per-user ones. */
  FAIR_USE_AUDITS_PER_USER_PER_HOUR: z.coerce.number().int().min(0).default(10),
  FAIR_USE_URL_AUDITS_PER_USER_PER_HOUR: z.coerce.number().int().min(0).default(5),
  FAIR_USE_AUDITS_PER_CHANNEL_PER_HOUR: z.coerce.number().int().min(0).default(30),
  FAIR_USE_MIGRATIONS_PER_CHANNEL_PER_HOUR: z.coerce.number().int().min(0).default(6),
  /** Chat audits one process runs at once; each reads a whole catalog. */
  MAX_CONCURRENT_AUDITS: z.coerce.number().int().min(1).max(32).default(2),

  TIKTOK_API_URL: z.url().default('https://open-api.tiktokglobalshop.com'),
  TIKTOK_AUTH_URL: z.url().default('https://auth.tiktok-shops.com'),
  TIKTOK_APP_KEY: optionalText,
  TIKTOK_APP_SECRET: optionalText,
  TIKTOK_SHOP_CIPHER: optionalText,
  TIKTOK_SHOP_ID: optionalText,
  TIKTOK_ACCESS_TOKEN: optionalText,
  TIKTOK_ACCESS_TOKEN_EXPIRES_AT: z.coerce.number().int().nonnegative().default(0),
  TIKTOK_REFRESH_TOKEN: optionalText,
  TIKTOK_REFRESH_TOKEN_EXPIRES_AT: z.coerce.number().int().nonnegative().default(0),
  /** Seals the tokens the bot stores (AES-256-GCM): 32 bytes as base64 or hex. */
  SHOPSHIFT_SECRET_KEY: optionalText,
  /** `live`: with TikTok Shop connected, audits also apply each mapped category's own rules; `off`: the local rules only. */
  AUDIT_CATEGORY_RULES: z.enum(['live', 'off']).default('live'),
  /** The key before a rotation: what it sealed is re-sealed with SHOPSHIFT_SECRET_KEY at start. */
  SHOPSHIFT_SECRET_KEY_PREVIOUS: optionalText,
  TIKTOK_WAREHOUSE_ID: optionalText,
  TIKTOK_QPS: z.coerce.number().positive().max(1000).default(5),
  TIKTOK_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(5),
  TIKTOK_TIMEOUT_MS: positiveInt(30_000),
  MIGRATION_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** The shop's listing quota (tiktok-shop.md §10), 0 for no cap: per quota day (unverified figure) and in all (the Beginner tier's cap). */
  TIKTOK_DAILY_LISTING_QUOTA: z.coerce.number().int().min(0).default(1000),
  TIKTOK_TOTAL_LISTING_QUOTA: z.coerce.number().int().min(0).default(1000),
  /** When the daily quota resets: "HH:MM <IANA time zone>". TikTok publishes no time. */
  TIKTOK_QUOTA_RESET: z.string().trim().refine((value) => parseQuotaReset(value) !== null, 'expected a time and an IANA time zone such as "00:00 UTC" or "00:00 America/Los_Angeles"').default('00:00 UTC'),
  /** A listing in review longer than this raises a "stuck in review" alert. */
  REVIEW_STUCK_AFTER_HOURS: z.coerce.number().positive().max(24 * 365).default(48),

  SHOPIFY_ADMIN_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'expected the store address, e.g. https://my-shop.myshopify.com' }).optional()),
  SHOPIFY_ACCESS_TOKEN: optionalText,
  SHOPIFY_API_VERSION: z.string().trim().regex(/^(\d{4}-(01|04|07|10)|unstable)$/, 'expected a version such as 2025-10').default('2025-10'),
  SHOPIFY_WEBHOOK_SECRET: optionalText,
  SHOPIFY_PAGE_SIZE: z.coerce.number().int().min(1).max(250).default(50),
  SHOPIFY_BULK_THRESHOLD: z.coerce.number().int().nonnegative().default(2000),

  ALERT_GROUP_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  ALERT_REMIND_EVERY_MS: z.coerce.number().int().min(0).default(4 * 3_600_000),
  SLACK_CHANNEL_PACING_MS: z.coerce.number().int().min(0).max(60_000).default(1_100),
  DISCORD_CHANNEL_PACING_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** How long a process's claim on an outbox message holds if the process stops answering (several processes on PostgreSQL). */
  OUTBOX_CLAIM_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  RECONCILE_CRON: z.string().trim().refine((pattern) => cron.validate(pattern), 'expected a cron pattern such as */15 * * * *').default('*/15 * * * *'),
  /** TikTok delivers product status webhooks to /webhooks/tiktok, so the reconcile job need not poll listings. */
  TIKTOK_WEBHOOKS: z.preprocess((value) => (value === '' || value === undefined ? undefined : String(value).toLowerCase() === 'true'), z.boolean().default(false)),
});

export type Config = z.infer<typeof configSchema>;
export type AuditStatus = ProductStatus;

/** Parses the environment once; a bad value stops start-up with one line that names the variable. */
/** Shard ids only mean something against a count, and each must be below it. */
function checkShards({ DISCORD_SHARDS: shards, DISCORD_SHARD_COUNT: count }: Config): void {
  if (shards.length === 0) return;
  if (count === undefined) throw new ConfigError('Invalid setting DISCORD_SHARDS: set DISCORD_SHARD_COUNT too, the number of shards across all processes. See .env.example.');
  const outside = shards.find((id) => id >= count);
  if (outside !== undefined) throw new ConfigError(`Invalid setting DISCORD_SHARDS: shard ${outside} is not below DISCORD_SHARD_COUNT (${count}). See .env.example.`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) {
    checkShards(result.data);
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? 'configuration');
  const raw = env[name];
  // A database URL may carry its password.
  const secret = /SECRET|TOKEN|KEY|PASSWORD|DATABASE_URL/.test(name);
  const shown = raw === undefined ? 'it is not set' : secret ? 'value hidden' : `got "${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}"`;
  throw new ConfigError(`Invalid setting ${name}: ${issue.message} (${shown}). See .env.example.`);
}

export interface TikTokCredentials {
  appKey: string;
  appSecret: string;
  shopCipher: string;
  accessToken: string;
  refreshToken: string;
  warehouseId: string;
}

const TIKTOK_REQUIRED = ['TIKTOK_APP_KEY', 'TIKTOK_APP_SECRET', 'TIKTOK_SHOP_CIPHER', 'TIKTOK_ACCESS_TOKEN', 'TIKTOK_REFRESH_TOKEN', 'TIKTOK_WAREHOUSE_ID'] as const;

/** The TikTok Shop settings a migration needs, or a ConfigError naming the first one missing. */
/** The TikTok Shop settings not set; empty when the shop is connected. */
export function missingTikTokSettings(config: Config): string[] {
  return TIKTOK_REQUIRED.filter((name) => !config[name]);
}

export function requireTikTok(config: Config): TikTokCredentials {
  const missing = missingTikTokSettings(config);
  if (missing.length > 0) throw new ConfigError(`Connecting to TikTok Shop needs ${missing.join(', ')}. See .env.example.`);
  return {
    appKey: config.TIKTOK_APP_KEY!, appSecret: config.TIKTOK_APP_SECRET!, shopCipher: config.TIKTOK_SHOP_CIPHER!,
    accessToken: config.TIKTOK_ACCESS_TOKEN!, refreshToken: config.TIKTOK_REFRESH_TOKEN!, warehouseId: config.TIKTOK_WAREHOUSE_ID!,
  };
}

export interface ShopifyAdminSettings {
  adminUrl: string;
  accessToken: string;
  apiVersion: string;
}

/** The Admin API settings reading a store needs, or a ConfigError naming those missing. */
export function requireShopifyAdmin(config: Config): ShopifyAdminSettings {
  const missing = (['SHOPIFY_ADMIN_URL', 'SHOPIFY_ACCESS_TOKEN'] as const).filter((name) => !config[name]);
  if (missing.length > 0) throw new ConfigError(`Reading the catalog through the Shopify Admin API needs ${missing.join(' and ')}. See .env.example.`);
  return { adminUrl: config.SHOPIFY_ADMIN_URL!, accessToken: config.SHOPIFY_ACCESS_TOKEN!, apiVersion: config.SHOPIFY_API_VERSION };
}

/** The key the store files the shop's data under: its TikTok shop cipher, or "default" before one is connected. */
export const shopKeyOf = (config: Config): string => config.TIKTOK_SHOP_CIPHER ?? 'default';

/** Loads ./.env into process.env when present; variables already set in the environment win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
