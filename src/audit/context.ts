import type { Config } from '../config.js';
import { UserInputError } from '../errors.js';
import type { CategoryMapping, CategoryRequirements } from '../store/store.js';
import { createCategoryMapper, loadCategoryMapping, loadTikTokCategories } from './category-map.js';
import { REGIONS, type RegionCode, type SellerType } from './regions.js';
import type { AuditContext } from './rule.js';
import { parsePackageDimensions } from '../catalog/package-dimensions.js';

export interface AuditSettings {
  region: RegionCode;
  sellerType: SellerType;
  catalogCurrency: string | null;
  categoryMapFile: string | null;
  tiktokCategoriesFile: string | null;
  packageDefaultDimensions: string | null;
  packageMetafield: string;
  sellerSkuPattern: RegExp;
}

export function auditSettingsFrom(config: Config): AuditSettings {
  return {
    region: config.TIKTOK_REGION,
    sellerType: config.TIKTOK_SELLER_TYPE,
    catalogCurrency: config.CATALOG_CURRENCY ?? null,
    categoryMapFile: config.CATEGORY_MAP_FILE ?? null,
    tiktokCategoriesFile: config.TIKTOK_CATEGORIES_FILE ?? null,
    packageDefaultDimensions: config.PACKAGE_DEFAULT_DIMENSIONS ?? null,
    packageMetafield: config.PACKAGE_DIMENSIONS_METAFIELD,
    sellerSkuPattern: config.SELLER_SKU_PATTERN,
  };
}

export interface AuditContextOptions {
  /**
   * Loads TikTok's requirements for the mapped category ids (`loadCategoryRequirements` with a client and the
   * store); without it only the local rules run.
   */
  requirements?: (categoryIds: string[]) => Promise<ReadonlyMap<string, CategoryRequirements>>;
}

/**
 * Loads what the rules need besides the catalog: the category mapping (a file's pairs, overridden by
 * the mappings kept in the store), TikTok's categories, defaults, and TikTok's live category requirements when asked.
 */
export async function createAuditContext(settings: AuditSettings, storedMappings: readonly CategoryMapping[] = [], options: AuditContextOptions = {}): Promise<AuditContext> {
  const mapping = settings.categoryMapFile ? await loadCategoryMapping(settings.categoryMapFile) : new Map<string, string>();
  for (const stored of storedMappings) mapping.set(stored.key, stored.categoryId);
  const tiktokCategories = settings.tiktokCategoriesFile ? await loadTikTokCategories(settings.tiktokCategoriesFile) : null;
  const requirements = options.requirements ? await options.requirements([...new Set(mapping.values())]) : new Map<string, CategoryRequirements>();
  const mapper = createCategoryMapper(mapping, tiktokCategories);
  const defaultPackage = settings.packageDefaultDimensions ? parsePackageDimensions(settings.packageDefaultDimensions) : null;
  if (settings.packageDefaultDimensions && !defaultPackage) {
    throw new UserInputError(`PACKAGE_DEFAULT_DIMENSIONS "${settings.packageDefaultDimensions}" is not a size like "30 x 20 x 10 cm".`);
  }
  return {
    region: REGIONS[settings.region],
    sellerType: settings.sellerType,
    catalogCurrency: settings.catalogCurrency,
    // TikTok's live list, when loaded, says whether a mapped id is a leaf; the category-unknown rule reads it from here.
    categories: {
      size: mapper.size,
      lookup: mapper.lookup,
      isLeafCategory: (categoryId) => {
        const live = requirements.get(categoryId);
        return live ? live.isLeaf : mapper.isLeafCategory(categoryId);
      },
    },
    defaultPackage,
    packageMetafield: settings.packageMetafield,
    sellerSkuPattern: settings.sellerSkuPattern,
    requirementsFor: (categoryId) => requirements.get(categoryId) ?? null,
  };
}
