import { extname } from 'node:path';
import { ConfigError, UserInputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ShopifyAdminClient } from '../shopify/admin-client.js';
import { fileTextInput } from './file-input.js';
import type { FetchLimits } from './http-fetch.js';
import { httpTextInput } from './http-text-input.js';
import { productsJsonFileSource } from './products-json.js';
import { productsJsonUrlSource } from './products-json-url.js';
import { shopifyCsvSource } from './shopify-csv.js';
import { shopifyGraphqlSource, type ShopifyGraphqlOptions } from './shopify-graphql.js';
import type { CatalogSource } from './source.js';

export type SourceLimits = FetchLimits & { maxPages: number };

/** How to reach the store's Admin API for the location `shopify`; the caller reads the settings. */
export interface ShopifyAdminAccess extends Omit<ShopifyGraphqlOptions, 'download' | 'log'> {
  /** Throws a ConfigError naming the missing settings. */
  createClient(): ShopifyAdminClient;
  log?: Logger;
}

const SHOPIFY_LOCATION = /^shopify:?$/i;

/** True for the location that names the connected store's Admin API rather than a file or URL. */
export const isShopifyAdminLocation = (location: string): boolean => SHOPIFY_LOCATION.test(location.trim());

/**
 * Picks the source for what a user typed: `shopify` is the connected store's Admin API; a URL ending in
 * .csv is a CSV export, any other http(s) URL a store's products.json; a local .json file is a saved
 * products.json page, anything else a CSV export.
 */
export function openCatalogSource(location: string, limits: SourceLimits, shopify?: ShopifyAdminAccess): CatalogSource {
  const trimmed = location.trim();
  if (trimmed === '') throw new UserInputError('Name a catalog: a Shopify CSV export, a products.json file, or a store URL.');
  if (isShopifyAdminLocation(trimmed)) {
    if (!shopify) throw new ConfigError('Reading the catalog through the Shopify Admin API needs SHOPIFY_ADMIN_URL and SHOPIFY_ACCESS_TOKEN. See .env.example.');
    const { createClient, log, ...options } = shopify;
    return shopifyGraphqlSource(createClient(), { ...options, download: limits, ...(log ? { log } : {}) });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') throw new UserInputError(`Only http and https URLs can be audited, not ${scheme}://.`);
    let path: string;
    try {
      path = new URL(trimmed).pathname.toLowerCase();
    } catch {
      throw new UserInputError(`${trimmed} is not a valid URL.`);
    }
    return path.endsWith('.csv') ? shopifyCsvSource(httpTextInput(trimmed, limits)) : productsJsonUrlSource(trimmed, limits);
  }
  return extname(trimmed).toLowerCase() === '.json' ? productsJsonFileSource(trimmed) : shopifyCsvSource(fileTextInput(trimmed));
}
