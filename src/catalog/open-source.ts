import { extname } from 'node:path';
import { UserInputError } from '../errors.js';
import { fileTextInput } from './file-input.js';
import type { FetchLimits } from './http-fetch.js';
import { httpTextInput } from './http-text-input.js';
import { productsJsonFileSource } from './products-json.js';
import { productsJsonUrlSource } from './products-json-url.js';
import { shopifyCsvSource } from './shopify-csv.js';
import type { CatalogSource } from './source.js';

export type SourceLimits = FetchLimits & { maxPages: number };

/**
 * Picks the source for what a user typed: a URL ending in .csv is a CSV export, any other http(s) URL a
 * store's products.json; a local .json file is a saved products.json page, anything else a CSV export.
 */
export function openCatalogSource(location: string, limits: SourceLimits): CatalogSource {
  const trimmed = location.trim();
  if (trimmed === '') throw new UserInputError('Name a catalog: a Shopify CSV export, a products.json file, or a store URL.');
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
