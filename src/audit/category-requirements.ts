import type { Product } from '../catalog/product.js';
import type { Logger } from '../log.js';
import type { CategoryRequirements, Store } from '../store/store.js';
import type { TikTokCategory, TikTokShopClient } from '../tiktok/api.js';
import { TikTokApiError } from '../tiktok/errors.js';

export type { CategoryRequirements };

export interface LoadCategoryRequirementsDeps {
  client: TikTokShopClient;
  store: Store;
  shop: string;
  categoryIds: Iterable<string>;
  /** A cached entry younger than this is used without asking TikTok (CATEGORY_RULES_TTL_HOURS). */
  ttlMs: number;
  now(): number;
  log?: Logger;
}

// §3: the rules and attributes endpoints answer these for an id that is not a leaf, or no category at all.
const NOT_A_LEAF = 12052024;
const NO_SUCH_CATEGORY = 12052023;

function permissionOf(statuses: readonly string[] | null): CategoryRequirements['permission'] {
  if (statuses === null) return null;
  if (statuses.includes('AVAILABLE')) return 'available';
  if (statuses.includes('INVITE_ONLY')) return 'restricted';
  if (statuses.includes('NON_MAIN_CATEGORY')) return 'not-main-category';
  return 'prohibited';
}

/**
 * TikTok's requirements for each category id: from the store when fetched within `ttlMs`, otherwise asked of
 * TikTok (the category list once, then each leaf's rules and attributes) and kept in the store. TikTok being
 * unreachable throws; the caller decides whether to audit without them.
 */
export async function loadCategoryRequirements(deps: LoadCategoryRequirementsDeps): Promise<Map<string, CategoryRequirements>> {
  const { client, store, shop, ttlMs, now } = deps;
  const out = new Map<string, CategoryRequirements>();
  const stale: string[] = [];
  for (const categoryId of new Set(deps.categoryIds)) {
    const cached = await store.categoryRequirements.get(shop, categoryId);
    if (cached && Date.parse(cached.fetchedAt) + ttlMs > now()) out.set(categoryId, cached);
    else stale.push(categoryId);
  }
  if (stale.length === 0) return out;

  const listed = new Map<string, TikTokCategory>((await client.getCategories({ includeProhibited: true })).map((category) => [category.id, category]));
  for (const categoryId of stale) {
    const category = listed.get(categoryId);
    const entry: CategoryRequirements = {
      shop, categoryId, fetchedAt: new Date(now()).toISOString(), exists: category !== undefined, isLeaf: category?.isLeaf ?? false,
      permission: category ? permissionOf(category.permissionStatuses) : null,
      certifications: [], sizeChartRequired: false, packageDimensionsRequired: false, attributes: [],
    };
    if (entry.isLeaf) {
      try {
        const [rules, attributes] = [await client.getCategoryRules(categoryId), await client.getAttributes(categoryId)];
        entry.certifications = rules.certifications.filter((c) => c.isRequired).map(({ id, name }) => ({ id, name }));
        entry.sizeChartRequired = rules.sizeChartRequired;
        entry.packageDimensionsRequired = rules.packageDimensionRequired;
        entry.attributes = attributes
          .filter((attribute) => attribute.type === 'PRODUCT_PROPERTY' && attribute.isRequired)
          .map((attribute) => ({ id: attribute.id, name: attribute.name, values: attribute.values, customizable: attribute.isCustomizable, multiple: attribute.isMultipleSelection }));
      } catch (error) {
        // The list and the rules disagree (the tree changed in between): believe the rules endpoint.
        if (!(error instanceof TikTokApiError) || (error.apiCode !== NOT_A_LEAF && error.apiCode !== NO_SUCH_CATEGORY)) throw error;
        entry.isLeaf = false;
        entry.exists = error.apiCode === NOT_A_LEAF;
      }
    }
    await store.categoryRequirements.put(entry);
    out.set(categoryId, entry);
  }
  deps.log?.info({ shop, categories: out.size, fetched: stale.length }, 'category requirements loaded');
  return out;
}

type RequiredAttribute = CategoryRequirements['attributes'][number];

/** "Warranty Period", "warranty_period" and "warranty-period" name one attribute. */
const normalizeName = (name: string): string => name.trim().toLowerCase().replace(/[\s_-]+/g, ' ');

/**
 * The values a product gives a TikTok attribute, by convention (no mapping setting): a product option of the
 * attribute's name; else tags "Name: Value" (one per value); else a product metafield whose key, without its
 * namespace, is the name ("custom.warranty_period" for Warranty Period). Names match without regard to case,
 * spaces, "_" or "-". Empty when none carries it.
 */
export function attributeValuesOf(product: Product, attributeName: string): { values: string[]; from: string } {
  const wanted = normalizeName(attributeName);
  const option = product.options.find((candidate) => normalizeName(candidate.name) === wanted);
  const optionValues = option?.values.map((value) => value.trim()).filter((value) => value !== '') ?? [];
  if (option && optionValues.length > 0) return { values: optionValues, from: `option "${option.name}"` };
  const tagValues = product.tags.flatMap((tag) => {
    const colon = tag.indexOf(':');
    if (colon < 0 || normalizeName(tag.slice(0, colon)) !== wanted) return [];
    const value = tag.slice(colon + 1).trim();
    return value === '' ? [] : [value];
  });
  if (tagValues.length > 0) return { values: tagValues, from: 'tags' };
  for (const [key, value] of Object.entries(product.metafields)) {
    const name = key.slice(key.lastIndexOf('.') + 1);
    if (normalizeName(name) !== wanted || value.trim() === '') continue;
    // A Shopify list metafield exported as text: "Cotton; Polyester".
    return { values: value.split(';').map((part) => part.trim()).filter((part) => part !== ''), from: `metafield ${key}` };
  }
  return { values: [], from: '' };
}

/** Values TikTok would not take: outside its list when the attribute is not customizable. */
export function disallowedValues(attribute: RequiredAttribute, values: readonly string[]): string[] {
  if (attribute.customizable || attribute.values.length === 0) return [];
  const allowed = new Set(attribute.values.map((value) => value.name.trim().toLowerCase()));
  return values.filter((value) => !allowed.has(value.toLowerCase()));
}

/** "Cotton, Ceramic, Stoneware and 4 more". */
export function allowedValuesText(attribute: RequiredAttribute, shown = 10): string {
  const names = attribute.values.map((value) => value.name);
  if (names.length === 0) return 'any value';
  const listed = names.slice(0, shown).join(', ');
  return names.length > shown ? `${listed} and ${names.length - shown} more` : listed;
}
