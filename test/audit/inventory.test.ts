import { describe, expect, it } from 'vitest';
import {
  inventoryNegative, inventoryOutOfStock, inventoryRules, inventoryTooHigh, inventoryUnknown, inventoryUntracked,
} from '../../src/audit/rules/inventory.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule } from '../support/rules.js';

describe('inventoryRules', () => {
  it('lists every inventory rule once', () => {
    expect(inventoryRules.map((rule) => rule.id)).toEqual([
      'inventory-negative', 'inventory-too-high', 'inventory-out-of-stock', 'inventory-unknown', 'inventory-untracked',
    ]);
  });
});

describe('inventory-negative', () => {
  it('passes a stock of 0', () => {
    expect(runRule(inventoryNegative, makeProduct({ variants: [makeVariant({ inventoryQuantity: 0 })] }))).toEqual([]);
  });
  it('warns about negative stock and says it will be sent as 0', () => {
    const variant = makeVariant({ sku: 'MUG-RED', inventoryQuantity: -3 });
    expect(runRule(inventoryNegative, makeProduct({ variants: [makeVariant(), variant] }))).toEqual([
      { message: 'The stock of SKU MUG-RED is -3; TikTok Shop takes 0 or more, so it will be sent as 0.', variant },
    ]);
  });
});

describe('inventory-too-high', () => {
  it('passes 999,999', () => {
    expect(runRule(inventoryTooHigh, makeProduct({ variants: [makeVariant({ inventoryQuantity: 999_999 })] }))).toEqual([]);
  });
  it('warns about 1,000,000 and states the limit', () => {
    const [hit] = runRule(inventoryTooHigh, makeProduct({ variants: [makeVariant({ inventoryQuantity: 1_000_000 })] }));
    expect(hit?.message).toBe('The stock of SKU MUG-001 is 1,000,000; TikTok Shop takes at most 999,999 per update.');
  });
});

describe('inventory-out-of-stock', () => {
  it('passes when one variant has stock', () => {
    const variants = [makeVariant({ inventoryQuantity: 0 }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: 1 })];
    expect(runRule(inventoryOutOfStock, makeProduct({ variants }))).toEqual([]);
  });
  it('warns when the only variant has a stock of 0', () => {
    const [hit] = runRule(inventoryOutOfStock, makeProduct({ variants: [makeVariant({ inventoryQuantity: 0 })] }));
    expect(hit?.message).toBe('The only variant, SKU MUG-001, has a stock of 0: the listing would go live with nothing to sell.');
  });
  it('warns when every variant has a stock of 0 or less', () => {
    const variants = [makeVariant({ inventoryQuantity: 0 }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: -1 })];
    expect(runRule(inventoryOutOfStock, makeProduct({ variants }))[0]?.message).toContain('All 2 variants are out of stock (stock 0 or less)');
  });
  it('falls back to availability when stock counts are unknown', () => {
    const variants = [makeVariant({ inventoryQuantity: null, available: false }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: null, available: false })];
    expect(runRule(inventoryOutOfStock, makeProduct({ variants }))[0]?.message).toContain('marked sold out in the store');
  });
  it('passes unknown stock when a variant is available', () => {
    const variants = [makeVariant({ inventoryQuantity: null, available: false }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: null, available: true })];
    expect(runRule(inventoryOutOfStock, makeProduct({ variants }))).toEqual([]);
  });
  it('passes unknown stock and unknown availability', () => {
    expect(runRule(inventoryOutOfStock, makeProduct({ variants: [makeVariant({ inventoryQuantity: null, available: null })] }))).toEqual([]);
  });
});

describe('inventory-unknown', () => {
  it('passes when stock counts are known', () => expect(runRule(inventoryUnknown, makeProduct())).toEqual([]));
  it('warns once when no variant has a stock count', () => {
    const variants = [makeVariant({ inventoryQuantity: null }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: null })];
    const hits = runRule(inventoryUnknown, makeProduct({ variants }));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toContain('None of the 2 variants has a stock count');
  });
  it('passes when some variants have a stock count', () => {
    const variants = [makeVariant({ inventoryQuantity: null }), makeVariant({ sku: 'MUG-002', position: 2, inventoryQuantity: 4 })];
    expect(runRule(inventoryUnknown, makeProduct({ variants }))).toEqual([]);
  });
});

describe('inventory-untracked', () => {
  it('passes tracked stock', () => expect(runRule(inventoryUntracked, makeProduct())).toEqual([]));
  it('passes when tracking is unknown', () => {
    expect(runRule(inventoryUntracked, makeProduct({ variants: [makeVariant({ inventoryTracked: null })] }))).toEqual([]);
  });
  it('warns once about a single untracked variant', () => {
    const variant = makeVariant({ inventoryTracked: false });
    expect(runRule(inventoryUntracked, makeProduct({ variants: [variant] }))).toEqual([
      { message: 'Shopify does not track the stock of SKU MUG-001; TikTok Shop needs a stock count.', variant },
    ]);
  });
  it('warns once per product and says how many variants are untracked', () => {
    const variants = [
      makeVariant({ sku: 'A', inventoryTracked: false }),
      makeVariant({ sku: 'B', position: 2 }),
      makeVariant({ sku: 'C', position: 3, inventoryTracked: false }),
    ];
    const hits = runRule(inventoryUntracked, makeProduct({ variants }));
    expect(hits).toEqual([
      { message: 'Shopify does not track the stock of 2 of 3 variants (SKU A, SKU C); TikTok Shop needs a stock count for each.' },
    ]);
  });
});
