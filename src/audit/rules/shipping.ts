import type { Variant } from '../../catalog/product.js';
import { dimensionsRequired, type RegionRules, type SellerType } from '../regions.js';
import { parsePackageDimensions } from '../../catalog/package-dimensions.js';
import { defineRule, variantLabel, variantList } from '../rule.js';
import { quote } from '../text.js';

const NON_BLANK = /\S/;
const GRAMS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

const hasWeight = (variant: Variant): boolean => variant.weightGrams !== null && variant.weightGrams > 0;

function whoNeedsDimensions(region: RegionRules, sellerType: SellerType): string {
  return sellerType === 'cross-border' ? `TikTok Shop ${region.name} needs package dimensions from cross-border sellers` : `TikTok Shop ${region.name} needs package dimensions`;
}

export const weightMissing = defineRule({
  id: 'weight-missing',
  severity: 'blocker',
  summary: 'No weight',
  fact: 'tiktok-shop.md §8 Package weight: required and positive (0 → error 12052181)',
  hint: "Enter the shipping weight of each variant in Shopify (the variant's Shipping section).",
  check(product) {
    const { variants } = product;
    if (variants.length === 0 || variants.some(hasWeight)) return undefined;
    if (variants.length === 1) {
      const only = variants[0]!;
      const weight = only.weightGrams === null ? 'no weight' : `a weight of ${GRAMS.format(only.weightGrams)} g`;
      return { message: `The only variant, ${variantLabel(only)}, has ${weight}; TikTok Shop needs a package weight above 0.`, variant: only };
    }
    return `None of the ${variants.length} variants has a weight above 0 g; TikTok Shop needs a package weight above 0.`;
  },
});

export const weightMissingOnVariants = defineRule({
  id: 'weight-missing-on-variants',
  severity: 'warning',
  summary: 'Some variants have no weight',
  fact: 'tiktok-shop.md §8 Package weight: one package weight per product, required and positive (error 12052181)',
  hint: 'Enter the shipping weight of every variant in Shopify, so the package weight fits each of them.',
  check(product) {
    const { variants } = product;
    let missing = 0;
    for (const variant of variants) if (!hasWeight(variant)) missing++;
    if (missing === 0 || missing === variants.length) return undefined;
    const unweighed = variants.filter((variant) => !hasWeight(variant));
    let heaviest = variants.find(hasWeight)!;
    for (const variant of variants) if ((variant.weightGrams ?? 0) > heaviest.weightGrams!) heaviest = variant;
    const have = missing === 1 ? 'has' : 'have';
    const message = `${missing} of ${variants.length} variants ${have} no weight (${variantList(unweighed)}); the package weight will be taken from the heaviest variant, ${variantLabel(heaviest)} (${GRAMS.format(heaviest.weightGrams!)} g).`;
    return missing === 1 ? { message, variant: unweighed[0]! } : message;
  },
});

export const packageDimensionsMissing = defineRule({
  id: 'package-dimensions-missing',
  severity: 'blocker',
  summary: 'No package dimensions',
  fact: 'tiktok-shop.md §8 Package dimensions: required for cross-border sellers and for local sellers in MY, SG, UK and US (error 12052915 for bad units)',
  hint: 'Add the package size metafield ("L x W x H cm") to the product in Shopify, or set PACKAGE_DEFAULT_DIMENSIONS to one package size for every product without it.',
  check(product, { region, sellerType, defaultPackage, packageMetafield }) {
    if (defaultPackage !== null || !dimensionsRequired(region, sellerType)) return undefined;
    const text = product.metafields[packageMetafield];
    if (text !== undefined && NON_BLANK.test(text)) return undefined;
    return {
      message: `${whoNeedsDimensions(region, sellerType)}, and the product has no "${packageMetafield}" metafield with its package size.`,
      hint: `Add the metafield ${packageMetafield} to the product in Shopify with the packed size as "L x W x H cm" (for example "20 x 15 x 10 cm"), or set PACKAGE_DEFAULT_DIMENSIONS to use one package size for every product without it.`,
    };
  },
});

export const packageDimensionsInvalid = defineRule({
  id: 'package-dimensions-invalid',
  severity: 'blocker',
  summary: 'Package dimensions unusable',
  fact: 'tiktok-shop.md §8 Package dimensions: positive length, width and height; CENTIMETER everywhere, INCH US only (error 12052915; §5: INCH outside the US → 12019061)',
  hint: 'Write the package size metafield as "L x W x H cm", for example "20 x 15 x 10 cm".',
  check(product, { region, packageMetafield }) {
    const text = product.metafields[packageMetafield];
    if (text === undefined || !NON_BLANK.test(text)) return undefined;
    const size = parsePackageDimensions(text);
    if (size === null) {
      return `The package size ${quote(text)} in the metafield ${packageMetafield} cannot be read; it must look like "20 x 15 x 10 cm" or "8 x 6 x 4 in".`;
    }
    if (size.length <= 0 || size.width <= 0 || size.height <= 0) {
      return `The package size ${quote(text)} in the metafield ${packageMetafield} has a side of 0; TikTok Shop needs length, width and height above 0.`;
    }
    if (size.unit === 'INCH' && region.code !== 'US') {
      // Rounded up to whole centimetres: TikTok Shop takes integers, and a package must not come out smaller.
      const cm = (inches: number) => Math.ceil(inches * 2.54 - 1e-9);
      return {
        message: `The package size ${quote(text)} is in inches; TikTok Shop ${region.name} takes centimetres only (inches are for the US).`,
        hint: `Write the metafield ${packageMetafield} in centimetres: "${cm(size.length)} x ${cm(size.width)} x ${cm(size.height)} cm".`,
      };
    }
    return undefined;
  },
});

export const requiresShippingFalse = defineRule({
  id: 'requires-shipping-false',
  severity: 'warning',
  summary: 'Not a physical product',
  fact: 'tiktok-shop.md §8 Package weight and dimensions are required: TikTok Shop lists goods that ship; digital goods and services are not listable (unverified)',
  hint: 'Leave digital products and services out of the migration; if the product does ship, turn on "This is a physical product" for its variants in Shopify.',
  check(product) {
    const { variants } = product;
    if (variants.length === 0 || variants.some((variant) => variant.requiresShipping !== false)) return undefined;
    const which = variants.length === 1 ? 'The product does' : `None of the ${variants.length} variants does`;
    return `${which} not require shipping in Shopify (a digital product or a service); TikTok Shop lists physical goods.`;
  },
});

export const shippingRules = [weightMissing, weightMissingOnVariants, packageDimensionsMissing, packageDimensionsInvalid, requiresShippingFalse];
