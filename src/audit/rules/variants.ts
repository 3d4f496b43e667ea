import { salesOptions, type Product, type Variant } from '../../catalog/product.js';
import { defineRule, variantLabel, type RuleHit } from '../rule.js';
import { capitalize, characterCount, hasChinese, quote, sameTextIgnoringCase } from '../text.js';

const MAX_SALES_ATTRIBUTES = 3;
const MAX_ATTRIBUTE_NAME = 20;
const MAX_ATTRIBUTE_VALUE = 50;
// Above this many variants, duplicate combinations are found with a map instead of pairwise.
const PAIRWISE_LIMIT = 32;

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** "Red / M": the variant's option values, for messages. */
function combination(variant: Variant): string {
  return variant.optionValues.map((value) => value.trim()).filter((value) => value !== '').join(' / ');
}

/** Whether variant lacks a value for one of the product's sales options (options without any value are not sales attributes). */
function lacksValue(product: Product, variant: Variant): boolean {
  const { options } = product;
  for (let i = 0; i < options.length; i++) if (options[i]!.values.length > 0 && isBlank(variant.optionValues[i])) return true;
  return false;
}

function sameCombination(a: Variant, b: Variant, optionCount: number): boolean {
  for (let i = 0; i < optionCount; i++) if (!sameTextIgnoringCase(a.optionValues[i] ?? '', b.optionValues[i] ?? '')) return false;
  return true;
}

function combinationKey(variant: Variant, optionCount: number): string {
  let key = '';
  for (let i = 0; i < optionCount; i++) key += `${(variant.optionValues[i] ?? '').trim().toLowerCase()}\u0000`;
  return key;
}

export const variantsMissing = defineRule({
  id: 'variants-missing',
  severity: 'blocker',
  summary: 'No variant',
  fact: 'tiktok-shop.md §5 Create product body: skus[] carries seller_sku, price and inventory; a product needs at least one SKU',
  hint: 'Give the product at least one variant with a price in Shopify, or export it again with its variant rows.',
  check: (product) =>
    product.variants.length > 0
      ? undefined
      : 'The product has no variant (no row with a SKU, price or option value); TikTok Shop needs at least one SKU with a price.',
});

export const skusTooMany = defineRule({
  id: 'skus-too-many',
  severity: 'blocker',
  summary: 'Too many variants',
  fact: 'tiktok-shop.md §8 SKUs per product: US, UK at most 100; other markets at most 300 (error 12052050)',
  hint: 'Split the product into several products (for example one per colour) so each has few enough variants.',
  check(product, { region }) {
    const count = product.variants.length;
    return count > region.maxSkus
      ? `The product has ${count} variants; TikTok Shop ${region.code} allows at most ${region.maxSkus} SKUs per product.`
      : undefined;
  },
});

// Each check looks at product.options first and asks salesOptions() only once it has found something, so a
// product without options ("Default Title") costs no more than a loop in the passing path.
const sellsByOptions = (product: Product): boolean => salesOptions(product).length > 0;

export const salesAttributesTooMany = defineRule({
  id: 'sales-attributes-too-many',
  severity: 'blocker',
  summary: 'More than 3 options',
  fact: 'tiktok-shop.md §8 Sales attributes: at most 3 per product (error 12052525)',
  hint: 'Reduce the product to 3 options in Shopify, or split it into several products.',
  check(product) {
    if (product.options.length <= MAX_SALES_ATTRIBUTES) return undefined;
    const options = salesOptions(product);
    if (options.length <= MAX_SALES_ATTRIBUTES) return undefined;
    const names = options.map((option) => option.name || '(no name)').join(', ');
    return `The product has ${options.length} options (${names}); TikTok Shop allows at most ${MAX_SALES_ATTRIBUTES} sales attributes.`;
  },
});

function nameProblem(name: string, values: readonly string[], index: number): string | undefined {
  if (name === '') {
    return `Option ${index + 1} (values ${quote(values.slice(0, 3).join(', '))}) has no name; TikTok Shop needs a name of 1-${MAX_ATTRIBUTE_NAME} characters.`;
  }
  if (name.length > MAX_ATTRIBUTE_NAME) {
    const length = characterCount(name);
    if (length > MAX_ATTRIBUTE_NAME) return `The option name ${quote(name)} has ${length} characters; TikTok Shop allows ${MAX_ATTRIBUTE_NAME}.`;
  }
  if (hasChinese(name)) return `The option name ${quote(name)} contains Chinese characters, which TikTok Shop does not accept.`;
  return undefined;
}

export const salesAttributeName = defineRule({
  id: 'sales-attribute-name',
  severity: 'blocker',
  summary: 'Option name empty, too long or Chinese',
  fact: 'tiktok-shop.md §8 Sales attributes: a custom name has 1-20 characters and no Chinese (no error code listed)',
  hint: 'Rename the option in Shopify to a short English name of at most 20 characters, such as "Colour" or "Size".',
  check(product) {
    let hits: RuleHit[] | undefined;
    const { options } = product;
    for (let i = 0; i < options.length; i++) {
      const option = options[i]!;
      if (option.values.length === 0) continue;
      const message = nameProblem(option.name.trim(), option.values, i);
      if (message === undefined) continue;
      if (hits === undefined && !sellsByOptions(product)) return undefined;
      (hits ??= []).push({ message });
    }
    return hits;
  },
});

export const salesAttributeValueTooLong = defineRule({
  id: 'sales-attribute-value-too-long',
  severity: 'blocker',
  summary: 'Option value over 50 characters',
  fact: 'tiktok-shop.md §8 Sales attributes: a value name has at most 50 characters',
  hint: 'Shorten the option value in Shopify to 50 characters; put the details in the description.',
  check(product) {
    let hits: RuleHit[] | undefined;
    const { options, variants } = product;
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[v]!;
      for (let i = 0; i < options.length; i++) {
        const raw = variant.optionValues[i];
        if (raw === undefined || raw.length <= MAX_ATTRIBUTE_VALUE) continue;
        const value = raw.trim();
        const length = characterCount(value);
        if (length <= MAX_ATTRIBUTE_VALUE) continue;
        if (hits === undefined && !sellsByOptions(product)) return undefined;
        // One hit per value, however many variants share it.
        let shared = 0;
        let seenBefore = false;
        for (let w = 0; w < variants.length; w++) {
          if ((variants[w]!.optionValues[i] ?? '').trim() !== value) continue;
          if (w < v) seenBefore = true;
          shared++;
        }
        if (seenBefore) continue;
        const others = shared > 1 ? ` and ${shared - 1} more variant${shared > 2 ? 's' : ''}` : '';
        (hits ??= []).push({
          message: `The ${options[i]!.name || `option ${i + 1}`} value ${quote(value)} of ${variantLabel(variant)}${others} has ${length} characters; TikTok Shop allows ${MAX_ATTRIBUTE_VALUE}.`,
          variant,
        });
      }
    }
    return hits;
  },
});

export const salesAttributeValueMissing = defineRule({
  id: 'sales-attribute-value-missing',
  severity: 'blocker',
  summary: 'Variant without an option value',
  fact: 'tiktok-shop.md §8 Sales attributes: every SKU must carry all sales attributes (error 12052550)',
  hint: 'Fill in the missing option value for the variant in Shopify.',
  check(product) {
    let hits: RuleHit[] | undefined;
    const { options } = product;
    for (const variant of product.variants) {
      if (!lacksValue(product, variant)) continue;
      if (hits === undefined && !sellsByOptions(product)) return undefined;
      const names: string[] = [];
      for (let i = 0; i < options.length; i++) {
        const option = options[i]!;
        if (option.values.length > 0 && isBlank(variant.optionValues[i])) names.push(option.name.trim() === '' ? `option ${i + 1}` : `"${option.name}"`);
      }
      (hits ??= []).push({
        message: `${capitalize(variantLabel(variant))} has no value for ${names.join(' or ')}; TikTok Shop needs every SKU to have a value for each option.`,
        variant,
      });
    }
    return hits;
  },
});

export const salesAttributeDuplicate = defineRule({
  id: 'sales-attribute-duplicate',
  severity: 'blocker',
  summary: 'Two variants with the same options',
  fact: 'tiktok-shop.md §8 Sales attributes: no two SKUs may have the same combination of values (error 12052560)',
  hint: 'Give each variant a distinct combination of option values in Shopify, or delete the duplicate variant.',
  check(product) {
    const { variants } = product;
    const count = product.options.length;
    if (count === 0 || variants.length < 2) return undefined;
    let hits: RuleHit[] | undefined;
    // Equal combinations include equal blanks, so checking one of the two variants for a missing value is enough;
    // variants missing a value are left to sales-attribute-value-missing.
    if (variants.length <= PAIRWISE_LIMIT) {
      for (let v = 1; v < variants.length; v++) {
        const variant = variants[v]!;
        for (let w = 0; w < v; w++) {
          const earlier = variants[w]!;
          if (!sameCombination(earlier, variant, count) || lacksValue(product, variant)) continue;
          if (hits === undefined && !sellsByOptions(product)) return undefined;
          (hits ??= []).push(duplicateHit(variant, earlier));
          break;
        }
      }
      return hits;
    }
    const firstByKey = new Map<string, Variant>();
    for (const variant of variants) {
      if (lacksValue(product, variant)) continue;
      const key = combinationKey(variant, count);
      const first = firstByKey.get(key);
      if (first === undefined) {
        firstByKey.set(key, variant);
        continue;
      }
      if (hits === undefined && !sellsByOptions(product)) return undefined;
      (hits ??= []).push(duplicateHit(variant, first));
    }
    return hits;
  },
});

function duplicateHit(variant: Variant, first: Variant): RuleHit {
  return {
    message: `${capitalize(variantLabel(variant))} has the same options (${combination(variant)}) as ${variantLabel(first)}; TikTok Shop needs each SKU to differ.`,
    variant,
  };
}

export const variantRules = [
  variantsMissing, skusTooMany, salesAttributesTooMany, salesAttributeName, salesAttributeValueTooLong,
  salesAttributeValueMissing, salesAttributeDuplicate,
];
