import type { Config } from '../config.js';
import { UserInputError } from '../errors.js';
import type { CategoryMapping } from '../store/store.js';
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

/**
 * Loads what the rules need besides the catalog: the category mapping (a file's pairs, overridden by
 * the mappings kept in the store), TikTok's categories, defaults.
 */
export async function createAuditContext(settings: AuditSettings, storedMappings: readonly CategoryMapping[] = []): Promise<AuditContext> {
  const mapping = settings.categoryMapFile ? await loadCategoryMapping(settings.categoryMapFile) : new Map<string, string>();
  for (const stored of storedMappings) mapping.set(stored.key, stored.categoryId);
  const tiktokCategories = settings.tiktokCategoriesFile ? await loadTikTokCategories(settings.tiktokCategoriesFile) : null;
  const defaultPackage = settings.packageDefaultDimensions ? parsePackageDimensions(settings.packageDefaultDimensions) : null;
  if (settings.packageDefaultDimensions && !defaultPackage) {
    throw new UserInputError(`PACKAGE_DEFAULT_DIMENSIONS "${settings.packageDefaultDimensions}" is not a size like "30 x 20 x 10 cm".`);
  }
  return {
    region: REGIONS[settings.region],
    sellerType: settings.sellerType,
    catalogCurrency: settings.catalogCurrency,
    categories: createCategoryMapper(mapping, tiktokCategories),
    defaultPackage,
    packageMetafield: settings.packageMetafield,
    sellerSkuPattern: settings.sellerSkuPattern,
  };
}
