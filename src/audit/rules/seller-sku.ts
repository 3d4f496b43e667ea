import { DEFAULT_OPTION_VALUE, type Variant } from '../../catalog/product.js';
import { defineCatalogRule, defineRule, perVariant } from '../rule.js';
import { createRepeatTracker } from '../repeated-values.js';
import { characterCount, characterName, quote } from '../text.js';

const MAX_SELLER_SKU = 50;

/** "Variant 2 (Red / M)": a variant without a SKU is easier to find in Shopify by its options. */
function variantWithoutSku(variant: Variant): string {
  const values = variant.optionValues.map((value) => value.trim()).filter((value) => value !== '' && value !== DEFAULT_OPTION_VALUE);
  return values.length > 0 ? `Variant ${variant.position} (${values.join(' / ')})` : `Variant ${variant.position}`;
}

const MAX_NAMED_CHARACTERS = 5;

/** pattern.test, safe for a pattern with the g or y flag (it comes from the settings). */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/**
 * The characters of sku that fail the pattern on their own, when leaving them out makes the SKU pass, i.e.
 * the pattern describes a character set as the default does (a SKU of nothing else is checked with "A").
 * Empty when the pattern is about structure ("^[A-Z]{3}-\d+$"), so the message names the pattern instead.
 */
function offendingCharacters(pattern: RegExp, sku: string): string[] {
  const found = new Set<string>();
  let rest = '';
  for (const char of sku) {
    if (matches(pattern, char)) rest += char;
    else found.add(char);
  }
  if (found.size === 0 || !matches(pattern, rest === '' ? 'A' : rest)) return [];
  return [...found].slice(0, MAX_NAMED_CHARACTERS).map(characterName);
}

export const sellerSkuMissing = defineRule({
  id: 'seller-sku-missing',
  severity: 'warning',
  summary: 'Variant without SKU',
  fact: 'tiktok-shop.md §5 skus[].seller_sku and §8 seller_sku; shopshift matches TikTok Shop orders and stock to Shopify variants by seller SKU',
  hint: 'Give every variant a unique SKU in Shopify.',
  check: perVariant((variant) =>
    variant.sku.trim() === ''
      ? `${variantWithoutSku(variant)} has no SKU, so TikTok Shop orders and stock for it cannot be matched back to the Shopify variant.`
      : undefined),
});

export const sellerSkuTooLong = defineRule({
  id: 'seller-sku-too-long',
  severity: 'blocker',
  summary: 'SKU over 50 characters',
  fact: 'tiktok-shop.md §8 seller_sku: at most 50 characters',
  hint: 'Shorten the SKU in Shopify to 50 characters and keep it unique.',
  check: perVariant((variant) => {
    const sku = variant.sku.trim();
    if (sku.length <= MAX_SELLER_SKU) return undefined;
    const length = characterCount(sku);
    if (length <= MAX_SELLER_SKU) return undefined;
    return `The SKU ${quote(sku)} has ${length} characters; TikTok Shop allows ${MAX_SELLER_SKU}.`;
  }),
});

export const sellerSkuFormat = defineRule({
  id: 'seller-sku-format',
  severity: 'warning',
  summary: 'Unusual characters in SKU',
  fact: 'tiktok-shop.md §8 seller_sku: allowed characters unknown, so the accepted pattern is a setting (sellerSkuPattern)',
  hint: 'Change the SKU in Shopify to plain letters, digits and simple punctuation such as - and _: no spaces, accents or emoji.',
  check: perVariant((variant, { sellerSkuPattern }) => {
    const sku = variant.sku.trim();
    if (sku === '' || matches(sellerSkuPattern, sku)) return undefined;
    const offending = offendingCharacters(sellerSkuPattern, sku);
    const what = offending.length > 0
      ? `contains characters the SKU setting does not allow: ${offending.join(', ')}`
      : `does not match the SKU setting's pattern ${sellerSkuPattern.source}`;
    return `The SKU ${quote(sku)} ${what}; TikTok Shop may reject it.`;
  }),
});

export const sellerSkuDuplicate = defineCatalogRule({
  id: 'seller-sku-duplicate',
  severity: 'blocker',
  summary: 'SKU used twice',
  fact: 'tiktok-shop.md §8 seller_sku; shopshift tracks each TikTok Shop listing by seller SKU, so two variants with one SKU would overwrite each other',
  hint: 'Give every variant a unique SKU in Shopify.',
  createCheck() {
    const findRepeats = createRepeatTracker((variant) => variant.sku, (variant) => `variant ${variant.position}`);
    return (product) =>
      findRepeats(product)?.map(({ variant, value, firstUse }) => ({ message: `The SKU ${quote(value)} is already used by ${firstUse}.`, variant }));
  },
});


export const sellerSkuRules = [sellerSkuMissing, sellerSkuTooLong, sellerSkuFormat, sellerSkuDuplicate];
