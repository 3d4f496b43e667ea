import { describe, expect, it } from 'vitest';
import { sellerSkuDuplicate, sellerSkuFormat, sellerSkuMissing, sellerSkuTooLong } from '../../src/audit/rules/seller-sku.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

describe('seller-sku-missing', () => {
  it('passes a variant with a SKU', () => expect(runRule(sellerSkuMissing, makeProduct())).toEqual([]));
  it('warns about a variant without a SKU, naming it by position and options', () => {
    const variant = makeVariant({ position: 2, sku: '', optionValues: ['Red', 'M'] });
    const product = makeProduct({
      options: [{ name: 'Colour', values: ['Red'] }, { name: 'Size', values: ['M'] }],
      variants: [makeVariant({ sku: 'MUG-1', optionValues: ['Red', 'S'] }), variant],
    });
    expect(runRule(sellerSkuMissing, product)).toEqual([
      {
        message: 'Variant 2 (Red / M) has no SKU, so TikTok Shop orders and stock for it cannot be matched back to the Shopify variant.',
        variant,
      },
    ]);
  });
  it('treats a SKU of spaces as missing', () => {
    expect(runRule(sellerSkuMissing, makeProduct({ variants: [makeVariant({ sku: '   ', optionValues: ['Default Title'] })] }))[0]?.message)
      .toMatch(/^Variant 1 has no SKU/);
  });
});

describe('seller-sku-too-long', () => {
  it('passes 50 characters', () => {
    expect(runRule(sellerSkuTooLong, makeProduct({ variants: [makeVariant({ sku: 'S'.repeat(50) })] }))).toEqual([]);
  });
  it('blocks 51 characters and says the limit', () => {
    const hits = runRule(sellerSkuTooLong, makeProduct({ variants: [makeVariant({ sku: 'S'.repeat(51) })] }));
    expect(hits[0]?.message).toContain('has 51 characters; TikTok Shop allows 50.');
  });
});

describe('seller-sku-format', () => {
  it('passes letters, digits and punctuation', () => {
    expect(runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: 'MUG_01-blue/350.ml' })] }))).toEqual([]);
  });
  it('warns about a space and names it', () => {
    expect(runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: 'MUG 001' })] }))[0]?.message).toBe(
      'The SKU "MUG 001" contains characters the SKU setting does not allow: space; TikTok Shop may reject it.',
    );
  });
  it('names each offending character once', () => {
    const hits = runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: 'TASSE-CAFÉ É\u00a0350' })] }));
    expect(hits[0]?.message).toContain('does not allow: "É", space, non-breaking space;');
  });
  it('uses the pattern from the settings', () => {
    const context = testContext({ sellerSkuPattern: /^[A-Z0-9-]+$/ });
    expect(runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: 'mug-1' })] }), context)[0]?.message).toContain('"m", "u", "g"');
  });
  it('falls back to the pattern when no single character is at fault', () => {
    const context = testContext({ sellerSkuPattern: /^[A-Z]{3}-\d+$/ });
    expect(runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: 'MUG' })] }), context)[0]?.message).toContain(
      'does not match the SKU setting\'s pattern ^[A-Z]{3}-\\d+$',
    );
  });
  it('leaves an empty SKU to seller-sku-missing', () => {
    expect(runRule(sellerSkuFormat, makeProduct({ variants: [makeVariant({ sku: '' })] }))).toEqual([]);
  });
});

describe('seller-sku-duplicate', () => {
  it('passes SKUs that differ only in case', () => {
    const products = [
      makeProduct({ handle: 'a', variants: [makeVariant({ sku: 'MUG-1' })] }),
      makeProduct({ handle: 'b', variants: [makeVariant({ sku: 'mug-1' })] }),
    ];
    expect(runRule(sellerSkuDuplicate, products)).toEqual([]);
  });
  it('blocks a SKU used by an earlier product and names that product', () => {
    const later = makeVariant({ sku: ' MUG-1 ' });
    const products = [
      makeProduct({ handle: 'blue-mug', variants: [makeVariant({ sku: 'MUG-1' })] }),
      makeProduct({ handle: 'red-mug', variants: [later] }),
    ];
    expect(runRule(sellerSkuDuplicate, products)).toEqual([{ message: 'The SKU "MUG-1" is already used by product "blue-mug".', variant: later }]);
  });
  it('blocks a SKU used twice in one product and names the earlier variant', () => {
    const product = makeProduct({ variants: [makeVariant({ sku: 'MUG-1' }), makeVariant({ position: 2, sku: 'MUG-1' })] });
    expect(runRule(sellerSkuDuplicate, product)[0]?.message).toBe('The SKU "MUG-1" is already used by variant 1 of this product.');
  });
  it('starts with no memory in a new audit', () => {
    const product = makeProduct({ variants: [makeVariant({ sku: 'MUG-1' })] });
    runRule(sellerSkuDuplicate, product);
    expect(runRule(sellerSkuDuplicate, product)).toEqual([]);
  });
});
