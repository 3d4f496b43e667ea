import { priceRangeFor } from '../regions.js';
import { defineRule, perVariant, variantLabel, type AuditContext, type RuleHit } from '../rule.js';
import { quote } from '../text.js';

const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** The catalog's currency when it is set and differs from the market's, normalised ("eur" → "EUR"); else null. */
function foreignCurrency({ catalogCurrency, region }: AuditContext): string | null {
  if (catalogCurrency === null || catalogCurrency === region.currency) return null;
  const currency = catalogCurrency.trim().toUpperCase();
  return currency === '' || currency === region.currency ? null : currency;
}

export const priceMissing = defineRule({
  id: 'price-missing',
  severity: 'blocker',
  summary: 'No price',
  fact: 'tiktok-shop.md §5 Create product body: every SKU carries price.amount; §8 Price: at least 0.01 (error 12052570)',
  hint: 'Enter a price for every variant in Shopify.',
  check: perVariant((variant) => {
    if (variant.price !== null) return undefined;
    const unreadable = variant.invalid.find((entry) => entry.field === 'Price');
    if (!unreadable) return `The price of ${variantLabel(variant)} is empty.`;
    return {
      message: `The price of ${variantLabel(variant)}, ${quote(unreadable.value)}, could not be read (${unreadable.reason}).`,
      hint: 'Write the price in Shopify as a plain number with a dot for decimals, such as 19.90.',
    };
  }),
});

export const priceOutOfRange = defineRule({
  id: 'price-out-of-range',
  severity: 'blocker',
  summary: 'Price outside the market range',
  fact: 'tiktok-shop.md §8 Price, local sellers / Price, cross-border: bounds per market (error 12052570)',
  hint: "Set the variant's price in Shopify within the market's range.",
  check(product, context) {
    const { region, sellerType } = context;
    if (foreignCurrency(context) !== null) return undefined;
    const { min, max } = priceRangeFor(region, sellerType);
    let hits: RuleHit[] | undefined;
    for (const variant of product.variants) {
      if (variant.price === null) continue;
      const price = Number(variant.price);
      if (price >= min && price <= max) continue;
      const seller = sellerType === 'cross-border' && region.crossBorderPrice ? ' for cross-border sellers' : '';
      const range = `${AMOUNT.format(min)} to ${AMOUNT.format(max)} ${region.currency}`;
      (hits ??= []).push({
        message: `The price of ${variantLabel(variant)} is ${variant.price} ${region.currency}; TikTok Shop ${region.name} takes prices from ${range}${seller}.`,
        variant,
        hint: price < min
          ? `Raise the price in Shopify to at least ${AMOUNT.format(min)} ${region.currency}; free items cannot be listed.`
          : `Lower the price in Shopify to at most ${AMOUNT.format(max)} ${region.currency}, or leave the product out of the migration.`,
      });
    }
    return hits;
  },
});

export const priceCurrency = defineRule({
  id: 'price-currency',
  severity: 'blocker',
  summary: 'Prices in the wrong currency',
  fact: 'tiktok-shop.md §8 Currency: one currency per market (US USD, GB GBP, ID IDR, TH THB, MY MYR, PH PHP, VN VND, SG SGD); any other → error 12052084',
  hint: 'Export the prices in the market currency (a Shopify Markets price list or a converted export), or set CATALOG_CURRENCY to the currency the prices are really in.',
  check(product, context) {
    const currency = foreignCurrency(context);
    if (currency === null || !product.variants.some((variant) => variant.price !== null)) return undefined;
    const { region } = context;
    return {
      message: `TikTok Shop ${region.name} takes prices in ${region.currency} only; the catalog's prices are in ${currency}.`,
      hint: `Export the prices in ${region.currency} (a Shopify Markets price list or a converted export), or set CATALOG_CURRENCY correctly if they already are in ${region.currency}.`,
    };
  },
});

export const compareAtBelowPrice = defineRule({
  id: 'compare-at-below-price',
  severity: 'warning',
  summary: 'Compare-at price not above the price',
  fact: 'tiktok-shop.md §5 Create product body: skus[].list_price is the "was" price; one not above the sale price shows no discount and may be rejected (unverified, no §8 rule)',
  hint: 'In Shopify, clear the compare-at price or set it above the price.',
  check: perVariant((variant, { catalogCurrency, region }) => {
    if (variant.compareAtPrice === null || variant.price === null) return undefined;
    const compareAt = Number(variant.compareAtPrice);
    // Shopify shows a compare-at price of 0 as empty: it means "no compare-at price".
    if (!(compareAt > 0) || compareAt > Number(variant.price)) return undefined;
    const currency = catalogCurrency?.trim().toUpperCase() || region.currency;
    return `The compare-at price of ${variantLabel(variant)} (${variant.compareAtPrice} ${currency}) is not higher than its price (${variant.price} ${currency}), so it shows no discount.`;
  }),
});

export const pricingRules = [priceMissing, priceOutOfRange, priceCurrency, compareAtBelowPrice];
