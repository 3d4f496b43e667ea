import { describe, expect, it } from 'vitest';
import {
  salesAttributeDuplicate, salesAttributeName, salesAttributesTooMany, salesAttributeValueMissing, salesAttributeValueTooLong,
  skusTooMany, variantsMissing,
} from '../../src/audit/rules/variants.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

describe('variants-missing', () => {
  it('passes a product with one variant', () => expect(runRule(variantsMissing, makeProduct())).toEqual([]));
  it('blocks a product without variants and says TikTok needs a SKU', () => {
    expect(runRule(variantsMissing, makeProduct({ variants: [] }))[0]?.message).toContain('TikTok Shop needs at least one SKU');
  });
});

const manyVariants = (count: number) =>
  Array.from({ length: count }, (_, i) => makeVariant({ position: i + 1, sku: `MUG-${i + 1}`, optionValues: [`Shade ${i + 1}`] }));

describe('skus-too-many', () => {
  it('passes 100 variants in the US', () => {
    expect(runRule(skusTooMany, makeProduct({ variants: manyVariants(100) }))).toEqual([]);
  });
  it('blocks 101 variants in the US, naming the count and the limit', () => {
    expect(runRule(skusTooMany, makeProduct({ variants: manyVariants(101) }))).toEqual([
      { message: 'The product has 101 variants; TikTok Shop US allows at most 100 SKUs per product.' },
    ]);
  });
  it('passes 101 variants in Malaysia, where 300 are allowed', () => {
    expect(runRule(skusTooMany, makeProduct({ variants: manyVariants(101) }), testContext({ regionCode: 'MY' }))).toEqual([]);
  });
});

describe('sales-attributes-too-many', () => {
  it('passes 3 options', () => {
    const options = [{ name: 'Size', values: ['S'] }, { name: 'Colour', values: ['Red'] }, { name: 'Glaze', values: ['Matte'] }];
    expect(runRule(salesAttributesTooMany, makeProduct({ options }))).toEqual([]);
  });
  it('blocks 4 options and names them', () => {
    const options = [
      { name: 'Size', values: ['S'] }, { name: 'Colour', values: ['Red'] }, { name: 'Glaze', values: ['Matte'] }, { name: 'Lid', values: ['Yes'] },
    ];
    expect(runRule(salesAttributesTooMany, makeProduct({ options }))).toEqual([
      { message: 'The product has 4 options (Size, Colour, Glaze, Lid); TikTok Shop allows at most 3 sales attributes.' },
    ]);
  });
});

describe('sales-attribute-name', () => {
  it('passes "Colour"', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: 'Colour', values: ['Red'] }] }))).toEqual([]);
  });
  it('passes the default "Title" option of a product without options', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: '', values: ['Default Title'] }] }))).toEqual([]);
  });
  it('blocks an option with values but no name', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: '', values: ['Red', 'Blue'] }] }))[0]?.message).toBe(
      'Option 1 (values "Red, Blue") has no name; TikTok Shop needs a name of 1-20 characters.',
    );
  });
  it('passes a name of exactly 20 characters', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: 'x'.repeat(20), values: ['Red'] }] }))).toEqual([]);
  });
  it('blocks a name of 21 characters and says the limit', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: 'Colour of the glazing', values: ['Red'] }] }))[0]?.message).toBe(
      'The option name "Colour of the glazing" has 21 characters; TikTok Shop allows 20.',
    );
  });
  it('blocks a Chinese name', () => {
    expect(runRule(salesAttributeName, makeProduct({ options: [{ name: '颜色', values: ['Red'] }] }))[0]?.message).toContain('"颜色" contains Chinese');
  });
  it('ignores an option without values', () => {
    const options = [{ name: 'Colour', values: ['Red'] }, { name: '', values: [] }];
    expect(runRule(salesAttributeName, makeProduct({ options }))).toEqual([]);
  });
});

describe('sales-attribute-value-too-long', () => {
  it('passes a value of 50 characters', () => {
    const value = 'v'.repeat(50);
    const product = makeProduct({ options: [{ name: 'Colour', values: [value] }], variants: [makeVariant({ optionValues: [value] })] });
    expect(runRule(salesAttributeValueTooLong, product)).toEqual([]);
  });
  it('blocks a value of 51 characters, naming the option, variant and limit', () => {
    const value = 'v'.repeat(51);
    const product = makeProduct({ options: [{ name: 'Colour', values: [value] }], variants: [makeVariant({ optionValues: [value] })] });
    expect(runRule(salesAttributeValueTooLong, product)[0]?.message).toBe(
      `The Colour value "${'v'.repeat(51)}" of SKU MUG-001 has 51 characters; TikTok Shop allows 50.`,
    );
  });
  it('reports a long value shared by several variants once', () => {
    const value = 'Speckled oatmeal glaze with a hand-dipped cobalt rim';
    const product = makeProduct({
      options: [{ name: 'Glaze', values: [value] }, { name: 'Size', values: ['S', 'M', 'L'] }],
      variants: [
        makeVariant({ position: 1, sku: 'A', optionValues: [value, 'S'] }),
        makeVariant({ position: 2, sku: 'B', optionValues: [value, 'M'] }),
        makeVariant({ position: 3, sku: 'C', optionValues: [value, 'L'] }),
      ],
    });
    const hits = runRule(salesAttributeValueTooLong, product);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toContain('of SKU A and 2 more variants has 52 characters');
  });
});

describe('sales-attribute-value-missing', () => {
  it('passes variants that have every value', () => {
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [makeVariant({ sku: 'A', optionValues: ['S'] }), makeVariant({ position: 2, sku: 'B', optionValues: ['M'] })],
    });
    expect(runRule(salesAttributeValueMissing, product)).toEqual([]);
  });
  it('passes a product without options', () => expect(runRule(salesAttributeValueMissing, makeProduct())).toEqual([]));
  it('blocks a variant without a Colour value and names it', () => {
    const variant = makeVariant({ position: 2, sku: 'B', optionValues: ['M', ''] });
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S', 'M'] }, { name: 'Colour', values: ['Red'] }],
      variants: [makeVariant({ sku: 'A', optionValues: ['S', 'Red'] }), variant],
    });
    expect(runRule(salesAttributeValueMissing, product)).toEqual([
      { message: 'SKU B has no value for "Colour"; TikTok Shop needs every SKU to have a value for each option.', variant },
    ]);
  });
  it('counts a value of spaces as missing', () => {
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S'] }],
      variants: [makeVariant({ sku: '', optionValues: ['  '] })],
    });
    expect(runRule(salesAttributeValueMissing, product)[0]?.message).toContain('Variant 1 has no value for "Size"');
  });
});

describe('sales-attribute-duplicate', () => {
  it('passes distinct combinations', () => {
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S', 'M'] }, { name: 'Colour', values: ['Red'] }],
      variants: [makeVariant({ sku: 'A', optionValues: ['S', 'Red'] }), makeVariant({ position: 2, sku: 'B', optionValues: ['M', 'Red'] })],
    });
    expect(runRule(salesAttributeDuplicate, product)).toEqual([]);
  });
  it('blocks two variants with the same values, ignoring case and spaces, and names both', () => {
    const later = makeVariant({ position: 2, sku: 'B', optionValues: ['s ', 'RED'] });
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S', 's '] }, { name: 'Colour', values: ['Red', 'RED'] }],
      variants: [makeVariant({ sku: 'A', optionValues: ['S', 'Red'] }), later],
    });
    expect(runRule(salesAttributeDuplicate, product)).toEqual([
      { message: 'SKU B has the same options (s / RED) as SKU A; TikTok Shop needs each SKU to differ.', variant: later },
    ]);
  });
  it('passes a product without real options ("Default Title")', () => {
    const product = makeProduct({
      variants: [makeVariant({ sku: 'A', optionValues: ['Default Title'] }), makeVariant({ position: 2, sku: 'B', optionValues: ['Default Title'] })],
    });
    expect(runRule(salesAttributeDuplicate, product)).toEqual([]);
  });
  it('finds duplicates among many variants', () => {
    const variants = Array.from({ length: 40 }, (_, i) => makeVariant({ position: i + 1, sku: `V${i + 1}`, optionValues: [`Shade ${i + 1}`] }));
    variants.push(makeVariant({ position: 41, sku: 'V41', optionValues: ['shade 7'] }));
    const product = makeProduct({ options: [{ name: 'Colour', values: variants.map((v) => v.optionValues[0]!) }], variants });
    expect(runRule(salesAttributeDuplicate, product).map((hit) => hit.message)).toEqual([
      'SKU V41 has the same options (shade 7) as SKU V7; TikTok Shop needs each SKU to differ.',
    ]);
  });
});
