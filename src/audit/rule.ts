import type { Product, Variant } from '../catalog/product.js';
import type { PackageDimensions } from '../catalog/package-dimensions.js';
import type { CategoryMapper } from './category-map.js';
import type { RegionRules, SellerType } from './regions.js';
import type { CategoryRequirements } from '../store/store.js';

export type Severity = 'blocker' | 'warning';


/** What a rule may know besides the product: the target market and the merchant's settings. */
export interface AuditContext {
  region: RegionRules;
  sellerType: SellerType;
  /** The currency the catalog's prices are in; null when not set (then assumed to be the region's). */
  catalogCurrency: string | null;
  categories: CategoryMapper;
  defaultPackage: PackageDimensions | null;
  /** Metafield ("namespace.key") that holds a product's package size as "L x W x H cm". */
  packageMetafield: string;
  sellerSkuPattern: RegExp;
  /** TikTok's live requirements for a mapped category; null when they were not loaded (no TikTok credentials). */
  requirementsFor(categoryId: string): CategoryRequirements | null;
}

/** One thing a rule found; the engine adds the rule's id, severity and hint. */
export interface RuleHit {
  message: string;
  variant?: Variant;
  /** Replaces the rule's general hint when the fix depends on the data. */
  hint?: string;
}

export type RuleResult = undefined | string | RuleHit | RuleHit[];

export type ProductCheck = (product: Product) => RuleResult;

/**
 * A listing rule. `fact` cites where the limit comes from (tiktok-shop.md section and error code);
 * `hint` tells a merchant what to change in Shopify. Ids are stored and shown: never rename one.
 */
export interface Rule {
  id: string;
  severity: Severity;
  /** A few words for tables: "Title too long". */
  summary: string;
  fact: string;
  hint: string;
  /** Builds the check for one audit; rules that compare products keep their memory in the closure. */
  createCheck(context: AuditContext): ProductCheck;
}

type RuleFields = Omit<Rule, 'createCheck'>;

/** A rule that looks at one product at a time. */
export function defineRule(fields: RuleFields & { check(product: Product, context: AuditContext): RuleResult }): Rule {
  const { check, ...rest } = fields;
  return { ...rest, createCheck: (context) => (product) => check(product, context) };
}

/** A rule that compares products across the catalog; state lives in what `createCheck` returns. */
export function defineCatalogRule(fields: Rule): Rule {
  return fields;
}

export function variantLabel(variant: Variant): string {
  return variant.sku ? `SKU ${variant.sku}` : `variant ${variant.position}`;
}

/** "SKU A, SKU B and 3 more". */
export function variantList(variants: readonly Variant[], shown = 3): string {
  const labels = variants.slice(0, shown).map(variantLabel).join(', ');
  return variants.length > shown ? `${labels} and ${variants.length - shown} more` : labels;
}

/**
 * A check for rules that judge each variant on its own: `check` returns a message (or a hit without
 * `variant`) for a variant that fails, and each becomes one hit for that variant, in variant order.
 */
export function perVariant(
  check: (variant: Variant, context: AuditContext) => string | Omit<RuleHit, 'variant'> | undefined,
): (product: Product, context: AuditContext) => RuleHit[] | undefined {
  return (product, context) => {
    let hits: RuleHit[] | undefined;
    for (const variant of product.variants) {
      const found = check(variant, context);
      if (found === undefined) continue;
      (hits ??= []).push(typeof found === 'string' ? { message: found, variant } : { ...found, variant });
    }
    return hits;
  };
}
