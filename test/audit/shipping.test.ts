import { describe, expect, it } from 'vitest';
import {
  packageDimensionsInvalid, packageDimensionsMissing, requiresShippingFalse, shippingRules, weightMissing,
  weightMissingOnVariants,
} from '../../src/audit/rules/shipping.js';
import { parsePackageDimensions } from '../../src/catalog/package-dimensions.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

const METAFIELD = 'shopshift.package_dimensions';
const withSize = (size: string) => makeProduct({ metafields: { [METAFIELD]: size } });

describe('shippingRules', () => {
  it('lists every shipping rule once', () => {
    expect(shippingRules.map((rule) => rule.id)).toEqual([
      'weight-missing', 'weight-missing-on-variants', 'package-dimensions-missing', 'package-dimensions-invalid', 'requires-shipping-false',
    ]);
  });
});

describe('parsePackageDimensions', () => {
  it('reads "L x W x H cm"', () => {
    expect(parsePackageDimensions('20 x 15 x 10 cm')).toEqual({ length: 20, width: 15, height: 10, unit: 'CENTIMETER' });
  });
  it('reads decimals, × and * separators and no spaces', () => {
    expect(parsePackageDimensions('20.5×15*10.25cm')).toEqual({ length: 20.5, width: 15, height: 10.25, unit: 'CENTIMETER' });
  });
  it('reads a decimal comma', () => expect(parsePackageDimensions('12,5 x 10 x 4 cm')?.length).toBe(12.5));
  it('reads inches as INCH', () => expect(parsePackageDimensions('8 X 6 X 4 in')?.unit).toBe('INCH'));
  it('reads "inches" as INCH', () => expect(parsePackageDimensions('8 x 6 x 4 inches')?.unit).toBe('INCH'));
  it('assumes centimetres without a unit', () => expect(parsePackageDimensions('8x6x4')?.unit).toBe('CENTIMETER'));
  it('rejects two sides', () => expect(parsePackageDimensions('20 x 15 cm')).toBeNull());
  it('rejects another unit', () => expect(parsePackageDimensions('200 x 150 x 100 mm')).toBeNull());
  it('rejects words', () => expect(parsePackageDimensions('small box')).toBeNull());
});

describe('weight-missing', () => {
  it('passes a product with a weight', () => expect(runRule(weightMissing, makeProduct())).toEqual([]));
  it('passes when only some variants have a weight', () => {
    const variants = [makeVariant({ weightGrams: null }), makeVariant({ sku: 'MUG-002', position: 2, weightGrams: 300 })];
    expect(runRule(weightMissing, makeProduct({ variants }))).toEqual([]);
  });
  it('blocks a single variant weighing 0 g and names it', () => {
    const [hit] = runRule(weightMissing, makeProduct({ variants: [makeVariant({ weightGrams: 0 })] }));
    expect(hit?.message).toBe('The only variant, SKU MUG-001, has a weight of 0 g; TikTok Shop needs a package weight above 0.');
  });
  it('blocks when no variant has a weight', () => {
    const variants = [makeVariant({ weightGrams: null }), makeVariant({ sku: 'MUG-002', position: 2, weightGrams: 0 })];
    expect(runRule(weightMissing, makeProduct({ variants }))[0]?.message).toContain('None of the 2 variants has a weight above 0 g');
  });
});

describe('weight-missing-on-variants', () => {
  it('passes when every variant has a weight', () => expect(runRule(weightMissingOnVariants, makeProduct())).toEqual([]));
  it('leaves a product with no weight at all to weight-missing', () => {
    expect(runRule(weightMissingOnVariants, makeProduct({ variants: [makeVariant({ weightGrams: null })] }))).toEqual([]);
  });
  it('warns and names the unweighed variants and the heaviest one', () => {
    const variants = [
      makeVariant({ sku: 'S', weightGrams: 300 }),
      makeVariant({ sku: 'M', position: 2, weightGrams: null }),
      makeVariant({ sku: 'L', position: 3, weightGrams: 520 }),
    ];
    const hits = runRule(weightMissingOnVariants, makeProduct({ variants }));
    expect(hits).toEqual([
      {
        message: '1 of 3 variants has no weight (SKU M); the package weight will be taken from the heaviest variant, SKU L (520 g).',
        variant: variants[1],
      },
    ]);
  });
});

describe('package-dimensions-missing', () => {
  it('passes a product with the metafield', () => expect(runRule(packageDimensionsMissing, makeProduct())).toEqual([]));
  it('blocks a US product without the metafield and names the metafield and the setting', () => {
    const [hit] = runRule(packageDimensionsMissing, makeProduct({ metafields: {} }));
    expect(hit?.message).toBe('TikTok Shop United States needs package dimensions, and the product has no "shopshift.package_dimensions" metafield with its package size.');
    expect(hit?.hint).toContain('shopshift.package_dimensions');
    expect(hit?.hint).toContain('PACKAGE_DEFAULT_DIMENSIONS');
  });
  it('blocks a blank metafield', () => expect(runRule(packageDimensionsMissing, withSize('  '))).toHaveLength(1));
  it('passes when a default package size is set', () => {
    const context = testContext({ defaultPackage: { length: 20, width: 15, height: 10, unit: 'CENTIMETER' } });
    expect(runRule(packageDimensionsMissing, makeProduct({ metafields: {} }), context)).toEqual([]);
  });
  it('passes local sellers in Indonesia, where dimensions are optional', () => {
    expect(runRule(packageDimensionsMissing, makeProduct({ metafields: {} }), testContext({ regionCode: 'ID' }))).toEqual([]);
  });
  it('blocks cross-border sellers in Indonesia', () => {
    const context = testContext({ regionCode: 'ID', sellerType: 'cross-border' });
    expect(runRule(packageDimensionsMissing, makeProduct({ metafields: {} }), context)[0]?.message).toContain('from cross-border sellers');
  });
  it('reads the metafield named in the settings', () => {
    const product = makeProduct({ metafields: { 'custom.box': '20 x 15 x 10 cm' } });
    expect(runRule(packageDimensionsMissing, product, testContext({ packageMetafield: 'custom.box' }))).toEqual([]);
  });
});

describe('package-dimensions-invalid', () => {
  it('passes a readable size', () => expect(runRule(packageDimensionsInvalid, makeProduct())).toEqual([]));
  it('passes a product without the metafield', () => expect(runRule(packageDimensionsInvalid, makeProduct({ metafields: {} }))).toEqual([]));
  it('passes inches in the US', () => expect(runRule(packageDimensionsInvalid, withSize('8 x 6 x 4 in'))).toEqual([]));
  it('blocks an unreadable size and quotes it', () => {
    expect(runRule(packageDimensionsInvalid, withSize('about a shoebox'))[0]?.message).toContain('"about a shoebox"');
  });
  it('blocks a side of 0', () => {
    expect(runRule(packageDimensionsInvalid, withSize('20 x 0 x 10 cm'))[0]?.message).toContain('has a side of 0');
  });
  it('blocks inches outside the US and gives the size in whole centimetres', () => {
    const [hit] = runRule(packageDimensionsInvalid, withSize('10 x 5 x 4 in'), testContext({ regionCode: 'GB' }));
    expect(hit?.message).toBe('The package size "10 x 5 x 4 in" is in inches; TikTok Shop United Kingdom takes centimetres only (inches are for the US).');
    expect(hit?.hint).toContain('"26 x 13 x 11 cm"');
  });
});

describe('requires-shipping-false', () => {
  it('passes a product that ships', () => expect(runRule(requiresShippingFalse, makeProduct())).toEqual([]));
  it('passes when one variant ships', () => {
    const variants = [makeVariant({ requiresShipping: false }), makeVariant({ sku: 'MUG-002', position: 2, requiresShipping: true })];
    expect(runRule(requiresShippingFalse, makeProduct({ variants }))).toEqual([]);
  });
  it('warns when no variant requires shipping', () => {
    const [hit] = runRule(requiresShippingFalse, makeProduct({ variants: [makeVariant({ requiresShipping: false })] }));
    expect(hit?.message).toBe('The product does not require shipping in Shopify (a digital product or a service); TikTok Shop lists physical goods.');
  });
});
