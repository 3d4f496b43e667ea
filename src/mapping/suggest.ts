import { createHash } from 'node:crypto';
import type { CategoryMapper } from '../audit/category-map.js';
import type { Product, ProductStatus } from '../catalog/product.js';
import type { CatalogSource } from '../catalog/source.js';
import { UserInputError } from '../errors.js';
import type { Logger } from '../log.js';
import { suggestionKey } from '../store/state.js';
import type { CategorySuggestion, Store } from '../store/store.js';
import type { TikTokShopClient } from '../tiktok/api.js';
import { TikTokApiError } from '../tiktok/errors.js';

/** A Shopify product type or category that no mapping covers, with the products it holds. */
export interface UnmappedType {
  key: string;
  products: number;
  /** A few product titles, sent to TikTok as the description so its suggestion has more to go on. */
  titles: string[];
}

const SAMPLE_TITLES = 3;
const NON_BLANK = /\S/;

/** What an unmapped product is mapped by: its product type, else the last level of its Shopify category (as the audit's hint says). */
export function mappingKeyOf(product: Product): string | null {
  if (NON_BLANK.test(product.productType)) return product.productType.trim();
  const leaf = product.category?.name.split('>').at(-1)?.trim() ?? '';
  return leaf === '' ? null : leaf;
}

/** Reads the catalog once and counts, per unmapped type or category, the products the audit would look at. */
export async function collectUnmappedTypes(source: CatalogSource, mapper: CategoryMapper, statuses: ReadonlySet<ProductStatus>): Promise<UnmappedType[]> {
  const byKey = new Map<string, UnmappedType>();
  for await (const product of source.read()) {
    if (product.status !== null && !statuses.has(product.status)) continue;
    if (mapper.lookup(product) !== null) continue;
    const key = mappingKeyOf(product);
    if (key === null) continue;
    const normalized = suggestionKey(key);
    let entry = byKey.get(normalized);
    if (!entry) byKey.set(normalized, (entry = { key, products: 0, titles: [] }));
    entry.products++;
    if (entry.titles.length < SAMPLE_TITLES && NON_BLANK.test(product.title)) entry.titles.push(product.title.trim());
  }
  return [...byKey.values()];
}

/** A short id that stays the same for a type, so a button pressed later still means that type. */
export function suggestionIdOf(key: string): string {
  return `s${createHash('sha256').update(suggestionKey(key)).digest('hex').slice(0, 8)}`;
}

/** Most products first; the numbering `map accept <n>` uses. */
export function byProducts(a: CategorySuggestion, b: CategorySuggestion): number {
  return b.products - a.products || a.key.localeCompare(b.key);
}

export interface SuggestDeps {
  store: Store;
  client: TikTokShopClient;
  shop: string;
  log: Logger;
  now(): number;
  /** A cached suggestion younger than this is used without asking TikTok again. */
  ttlMs: number;
}

export interface SuggestOutcome {
  /** Numbered as listed (1 first), most products first. */
  rows: CategorySuggestion[];
  /** Types TikTok was asked about now; the rest came from the cache. */
  asked: number;
  /** Types TikTok refused to suggest for (its code is logged). */
  refused: number;
}

/**
 * Asks TikTok's Recommend Category for every type without a fresh cached answer, one call at a time at the
 * client's pace, keeping each answer as it arrives; then records the rows as the shop's latest listing.
 */
export async function suggestCategories(deps: SuggestDeps, types: readonly UnmappedType[], onAsked?: (done: number, total: number) => void): Promise<SuggestOutcome> {
  const { store, client, shop, log } = deps;
  const cached = new Map((await store.suggestions.list(shop)).map((suggestion) => [suggestionKey(suggestion.key), suggestion]));
  const isFresh = (suggestion: CategorySuggestion | undefined): suggestion is CategorySuggestion =>
    suggestion !== undefined && Date.parse(suggestion.askedAt) + deps.ttlMs > deps.now();
  const toAsk = types.filter((type) => !isFresh(cached.get(suggestionKey(type.key))));
  let refused = 0;
  for (const [index, type] of toAsk.entries()) {
    const previous = cached.get(suggestionKey(type.key));
    const answer: CategorySuggestion = {
      shop, key: type.key, id: suggestionIdOf(type.key), categoryId: null, path: null, askedAt: new Date(deps.now()).toISOString(),
      products: type.products, listedAt: previous?.listedAt ?? null,
    };
    try {
      const recommendation = await client.recommendCategory({ title: type.key, ...(type.titles.length ? { description: type.titles.join('; ') } : {}) });
      answer.categoryId = recommendation.leafCategoryId;
      answer.path = recommendation.path.length ? recommendation.path.map((level) => level.name).join(' > ') : null;
    } catch (error) {
      // TikTok answered but would not suggest for this text: kept as "no suggestion". Anything else (down, throttled) stops the run.
      if (!(error instanceof TikTokApiError) || error.apiCode === null || error.isRateLimited() || error.isRetryableServerError()) throw error;
      refused++;
      log.warn({ shop, apiCode: error.apiCode, requestId: error.requestId }, 'tiktok refused a category suggestion');
    }
    await store.suggestions.put(answer);
    cached.set(suggestionKey(type.key), answer);
    onAsked?.(index + 1, toAsk.length);
  }
  const listedAt = new Date(deps.now()).toISOString();
  const rows = types
    .map((type): CategorySuggestion => ({ ...cached.get(suggestionKey(type.key))!, key: type.key, products: type.products, listedAt }))
    .sort(byProducts);
  await store.suggestions.putMany(rows);
  log.info({ shop, types: rows.length, asked: toAsk.length, refused }, 'category suggestions listed');
  return { rows, asked: toAsk.length, refused };
}

/** The rows `/shop map suggest` showed last, in its order. */
export async function lastListing(store: Store, shop: string): Promise<CategorySuggestion[]> {
  const all = await store.suggestions.list(shop);
  const latest = all.reduce<string | null>((max, suggestion) => (suggestion.listedAt !== null && (max === null || suggestion.listedAt > max) ? suggestion.listedAt : max), null);
  return latest === null ? [] : all.filter((suggestion) => suggestion.listedAt === latest).sort(byProducts);
}

export interface AcceptOutcome {
  accepted: CategorySuggestion[];
  /** Rows left as they were, and why. */
  skipped: { key: string; reason: string }[];
}

/**
 * Turns suggestions into mappings with origin "accepted": `all` (every row of the last listing that has a
 * suggestion and no mapping yet), a row number of that listing, a suggestion id (a button) or the type itself.
 */
export async function acceptSuggestions(deps: { store: Store; shop: string; now(): number }, which: string, by: string): Promise<AcceptOutcome> {
  const { store, shop } = deps;
  const listing = await lastListing(store, shop);
  const wanted = which.trim();
  let chosen: CategorySuggestion[];
  if (wanted.toLowerCase() === 'all') {
    if (listing.length === 0) throw new UserInputError('There are no suggestions to accept yet; run /shop map suggest first.');
    chosen = listing;
  } else if (/^\d+$/.test(wanted)) {
    const row = listing[Number(wanted) - 1];
    if (!row) throw new UserInputError(listing.length ? `Row ${wanted} is not in the last /shop map suggest list (1-${listing.length}).` : 'Run /shop map suggest first.');
    chosen = [row];
  } else {
    const all = await store.suggestions.list(shop);
    const found = all.find((suggestion) => suggestion.id === wanted) ?? (await store.suggestions.get(shop, wanted));
    if (!found) throw new UserInputError(`There is no suggestion for "${wanted}"; run /shop map suggest to ask TikTok Shop.`);
    chosen = [found];
  }
  const mapped = new Map((await store.mappings.list(shop)).map((mapping) => [suggestionKey(mapping.key), mapping]));
  const accepted: CategorySuggestion[] = [];
  const skipped: AcceptOutcome['skipped'] = [];
  const updatedAt = new Date(deps.now()).toISOString();
  for (const suggestion of chosen) {
    const existing = mapped.get(suggestionKey(suggestion.key));
    if (suggestion.categoryId === null) skipped.push({ key: suggestion.key, reason: 'TikTok Shop had no suggestion' });
    else if (existing) skipped.push({ key: suggestion.key, reason: `already mapped to ${existing.categoryId} (${existing.origin}${existing.by ? ` by ${existing.by}` : ''})` });
    else {
      await store.mappings.set({ shop, key: suggestion.key, categoryId: suggestion.categoryId, origin: 'accepted', by, updatedAt });
      accepted.push(suggestion);
    }
  }
  return { accepted, skipped };
}
