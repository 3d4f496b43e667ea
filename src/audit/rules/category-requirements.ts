import type { Product } from '../../catalog/product.js';
import { allowedValuesText, attributeValuesOf, disallowedValues, type CategoryRequirements } from '../category-requirements.js';
import { dimensionsRequired } from '../regions.js';
import { defineRule, type AuditContext } from '../rule.js';

// These rules only fire when TikTok's live requirements were loaded (a configured shop); otherwise the audit
// runs the local rules alone, as before. A mapped id that is not a leaf is reported by category-unknown.

const NON_BLANK = /\S/;

/** The live requirements of the product's mapped leaf category, or null. */
function requirementsOf(product: Product, { categories, requirementsFor }: AuditContext): CategoryRequirements | null {
  const match = categories.lookup(product);
  const requirements = match ? requirementsFor(match.categoryId) : null;
  return requirements?.exists && requirements.isLeaf ? requirements : null;
}

const NOT_UPLOADED = 'shopshift does not upload certificates or size charts: leave the product out of the migration and list it in TikTok Shop Seller Center, or map it to a category that does not require one.';

export const categoryAttributeMissing = defineRule({
  id: 'category-attribute-missing',
  severity: 'blocker',
  summary: 'Required category attribute missing',
  fact: "tiktok-shop.md §5 Category attributes: a category's product attributes with is_requried (sic) must be sent; §10: a missing required attribute is a frequent rejection",
  hint: 'Give the product the attribute in Shopify: a tag "Name: Value", an option of that name, or a product metafield whose key is the name (custom.material for Material).',
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (!requirements) return undefined;
    return requirements.attributes
      .filter((attribute) => attributeValuesOf(product, attribute.name).values.length === 0)
      .map((attribute) => ({
        message: `TikTok Shop category ${requirements.categoryId} requires the attribute "${attribute.name}" (${attribute.customizable ? 'for example' : 'one of'}: ${allowedValuesText(attribute)}), and the product has no option, tag or metafield for it.`,
        hint: `Add the tag "${attribute.name}: <value>" to the product in Shopify${attribute.values.length ? ` with a value such as "${attribute.values[0]!.name}"` : ''}, name an option "${attribute.name}", or set a product metafield with the key ${attribute.name.trim().toLowerCase().replace(/\s+/g, '_')}.`,
      }));
  },
});

export const categoryAttributeValue = defineRule({
  id: 'category-attribute-value',
  severity: 'blocker',
  summary: 'Category attribute value not allowed',
  fact: "tiktok-shop.md §5 Category attributes: values[] lists the allowed values; only an attribute with is_customizable takes others",
  hint: "Use one of TikTok Shop's values for the attribute in the product's tag, option or metafield.",
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (!requirements) return undefined;
    return requirements.attributes.flatMap((attribute) => {
      const found = attributeValuesOf(product, attribute.name);
      const wrong = disallowedValues(attribute, found.values);
      if (wrong.length === 0) return [];
      return [{ message: `The ${found.from} gives "${attribute.name}" the value${wrong.length > 1 ? 's' : ''} ${wrong.map((value) => `"${value}"`).join(', ')}; TikTok Shop category ${requirements.categoryId} takes only: ${allowedValuesText(attribute)}.` }];
    });
  },
});

export const categoryCertificationRequired = defineRule({
  id: 'category-certification-required',
  severity: 'blocker',
  summary: 'Category requires a certification',
  fact: 'tiktok-shop.md §5 Category rules: product_certifications[].is_required; §8 Certifications: required per category rule (error 12052105)',
  hint: NOT_UPLOADED,
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (!requirements || requirements.certifications.length === 0) return undefined;
    const names = requirements.certifications.map((certification) => `"${certification.name}"`).join(', ');
    return `TikTok Shop category ${requirements.categoryId} requires the certification${requirements.certifications.length > 1 ? 's' : ''} ${names} with every listing.`;
  },
});

export const categorySizeChartRequired = defineRule({
  id: 'category-size-chart-required',
  severity: 'blocker',
  summary: 'Category requires a size chart',
  fact: 'tiktok-shop.md §5 Category rules: size_chart.is_required; §8 Size chart: required per category rule (error 12052673)',
  hint: NOT_UPLOADED,
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (!requirements?.sizeChartRequired) return undefined;
    return `TikTok Shop category ${requirements.categoryId} requires a size chart with every listing.`;
  },
});

export const categoryPackageDimensionsRequired = defineRule({
  id: 'category-package-dimensions-required',
  severity: 'blocker',
  summary: 'Category requires package dimensions',
  fact: 'tiktok-shop.md §5 Category rules: package_dimension.is_required; §8 Package dimensions',
  hint: 'Add the package size metafield ("L x W x H cm") to the product in Shopify, or set PACKAGE_DEFAULT_DIMENSIONS to one package size for every product without it.',
  check(product, context) {
    const requirements = requirementsOf(product, context);
    // Where the market already requires them, package-dimensions-missing says so.
    if (!requirements?.packageDimensionsRequired || dimensionsRequired(context.region, context.sellerType) || context.defaultPackage !== null) return undefined;
    const text = product.metafields[context.packageMetafield];
    if (text !== undefined && NON_BLANK.test(text)) return undefined;
    return `TikTok Shop category ${requirements.categoryId} requires package dimensions, and the product has no "${context.packageMetafield}" metafield with its package size.`;
  },
});

export const categoryProhibited = defineRule({
  id: 'category-prohibited',
  severity: 'blocker',
  summary: 'Category prohibited',
  fact: 'tiktok-shop.md §8 Category: prohibited (error 12052220); Get Categories lists it with no permission status',
  hint: 'TikTok Shop does not sell this kind of product: leave it out of the migration, or map it to the category it really belongs to.',
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (requirements?.permission !== 'prohibited') return undefined;
    return `TikTok Shop category ${requirements.categoryId} is prohibited for this shop: TikTok rejects listings in it.`;
  },
});

export const categoryRestricted = defineRule({
  id: 'category-restricted',
  severity: 'blocker',
  summary: 'Category needs approval',
  fact: "tiktok-shop.md §8 Category: restricted needs Qualification Center approval (12052223/26), whitelist-only (12052221), outside the shop's main category (12052225); Get Categories permission_statuses INVITE_ONLY / NON_MAIN_CATEGORY",
  hint: "Apply for the category in TikTok Shop Seller Center's Qualification Center, then audit again (the answer is cached for CATEGORY_RULES_TTL_HOURS).",
  check(product, context) {
    const requirements = requirementsOf(product, context);
    if (requirements?.permission === 'restricted') {
      return `TikTok Shop category ${requirements.categoryId} is restricted: the shop needs TikTok's approval (Qualification Center) before listing in it.`;
    }
    if (requirements?.permission === 'not-main-category') {
      return {
        message: `TikTok Shop category ${requirements.categoryId} is outside the shop's main category, so TikTok does not accept listings in it from this shop.`,
        hint: "Map the product to a category within the shop's main category, or ask TikTok Shop to extend the shop's categories.",
      };
    }
    return undefined;
  },
});

export const categoryRequirementRules = [
  categoryProhibited, categoryRestricted, categoryAttributeMissing, categoryAttributeValue,
  categoryCertificationRequired, categorySizeChartRequired, categoryPackageDimensionsRequired,
];
