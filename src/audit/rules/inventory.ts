import { defineRule, perVariant, variantLabel, variantList } from '../rule.js';

const MAX_QUANTITY = 999_999;
const COUNT = new Intl.NumberFormat('en-US');

export const inventoryNegative = defineRule({
  id: 'inventory-negative',
  severity: 'warning',
  summary: 'Negative stock',
  fact: 'tiktok-shop.md §8 Inventory: quantity ≥0',
  hint: 'Correct the stock count in Shopify (negative stock usually means orders were oversold).',
  check: perVariant((variant) => {
    const quantity = variant.inventoryQuantity;
    if (quantity === null || quantity >= 0) return undefined;
    return `The stock of ${variantLabel(variant)} is ${quantity}; TikTok Shop takes 0 or more, so it will be sent as 0.`;
  }),
});

export const inventoryTooHigh = defineRule({
  id: 'inventory-too-high',
  severity: 'warning',
  summary: 'Stock above 999,999',
  fact: 'tiktok-shop.md §8 Inventory: quantity ≤999 999 per write',
  hint: 'Set the real stock in Shopify (at most 999,999); very large counts are usually a placeholder for "unlimited".',
  check: perVariant((variant) => {
    const quantity = variant.inventoryQuantity;
    if (quantity === null || quantity <= MAX_QUANTITY) return undefined;
    return `The stock of ${variantLabel(variant)} is ${COUNT.format(quantity)}; TikTok Shop takes at most ${COUNT.format(MAX_QUANTITY)} per update.`;
  }),
});

export const inventoryOutOfStock = defineRule({
  id: 'inventory-out-of-stock',
  severity: 'warning',
  summary: 'Out of stock',
  fact: 'tiktok-shop.md §8 Inventory: each SKU is listed with its quantity; with 0 on every SKU nothing can be bought (no error code)',
  hint: 'Restock the product in Shopify before migrating, or leave it out of the migration.',
  check(product) {
    const { variants } = product;
    if (variants.length === 0) return undefined;
    let byQuantity = false;
    let byAvailability = false;
    for (const variant of variants) {
      const quantity = variant.inventoryQuantity;
      if (quantity !== null) {
        if (quantity > 0) return undefined;
        byQuantity = true;
      } else if (variant.available === false) {
        byAvailability = true;
      } else {
        return undefined;
      }
    }
    const only = variants.length === 1 ? variants[0] : undefined;
    if (only) {
      const state = byQuantity ? `has a stock of ${only.inventoryQuantity}` : 'is marked sold out in the store';
      return { message: `The only variant, ${variantLabel(only)}, ${state}: the listing would go live with nothing to sell.`, variant: only };
    }
    const why = byQuantity && byAvailability ? 'stock 0 or less, or marked sold out' : byQuantity ? 'stock 0 or less' : 'marked sold out in the store';
    return `All ${variants.length} variants are out of stock (${why}): the listing would go live with nothing to sell.`;
  },
});

export const inventoryUnknown = defineRule({
  id: 'inventory-unknown',
  severity: 'warning',
  summary: 'Stock unknown',
  fact: 'tiktok-shop.md §8 Inventory: every SKU needs a quantity (≥0) and a warehouse_id',
  hint: 'Audit a Shopify CSV export or connect the Admin API, so stock counts come with the catalog before migrating.',
  check(product) {
    const { variants } = product;
    if (variants.length === 0 || variants.some((variant) => variant.inventoryQuantity !== null)) return undefined;
    const which = variants.length === 1 ? 'The variant has' : `None of the ${variants.length} variants has`;
    return `${which} a stock count: the source does not publish stock (products.json does not), and TikTok Shop needs one for each SKU.`;
  },
});

export const inventoryUntracked = defineRule({
  id: 'inventory-untracked',
  severity: 'warning',
  summary: 'Stock not tracked',
  fact: 'tiktok-shop.md §8 Inventory: every SKU is listed with a quantity (≥0, ≤999 999)',
  hint: 'Turn on "Track quantity" for these variants in Shopify and enter their stock, so TikTok Shop gets real counts.',
  check(product) {
    const { variants } = product;
    let count = 0;
    for (const variant of variants) if (variant.inventoryTracked === false) count++;
    if (count === 0) return undefined;
    const untracked = variants.filter((variant) => variant.inventoryTracked === false);
    if (variants.length === 1) {
      return { message: `Shopify does not track the stock of ${variantLabel(untracked[0]!)}; TikTok Shop needs a stock count.`, variant: untracked[0]! };
    }
    const message = `Shopify does not track the stock of ${count} of ${variants.length} variants (${variantList(untracked)}); TikTok Shop needs a stock count for each.`;
    return count === 1 ? { message, variant: untracked[0]! } : message;
  },
});

export const inventoryRules = [inventoryNegative, inventoryTooHigh, inventoryOutOfStock, inventoryUnknown, inventoryUntracked];
