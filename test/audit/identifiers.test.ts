import { describe, expect, it } from 'vitest';
import { barcodeCheckDigit, barcodeDuplicate, barcodeFormat, barcodeMissing } from '../../src/audit/rules/identifiers.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

const withBarcode = (barcode: string) => makeProduct({ variants: [makeVariant({ barcode })] });

describe('barcode-format', () => {
  it('passes no barcode', () => expect(runRule(barcodeFormat, makeProduct())).toEqual([]));
  it('passes an EAN-13 with surrounding spaces', () => expect(runRule(barcodeFormat, withBarcode(' 4006381333931 '))).toEqual([]));
  it('passes EAN-8, UPC and GTIN-14 lengths', () => {
    expect(runRule(barcodeFormat, makeProduct({
      variants: [makeVariant({ barcode: '96385074' }), makeVariant({ barcode: '036000291452' }), makeVariant({ barcode: '10012345678902' })],
    }))).toEqual([]);
  });
  it('passes an ISBN ending in X', () => expect(runRule(barcodeFormat, withBarcode('978030640615X'))).toEqual([]));
  it('blocks 10 digits, says how many and which lengths are accepted', () => {
    expect(runRule(barcodeFormat, withBarcode('0123456789'))[0]?.message).toBe(
      'The barcode "0123456789" of SKU MUG-001 has 10 digits; TikTok Shop accepts 8, 12, 13 or 14 digits (EAN-8, UPC, EAN-13, GTIN-14) or a 13-character ISBN.',
    );
  });
  it('blocks a barcode with letters or dashes', () => {
    expect(runRule(barcodeFormat, withBarcode('400-638-133393'))[0]?.message).toContain('contains characters other than digits');
  });
  it('blocks an X that is not the 13th character', () => expect(runRule(barcodeFormat, withBarcode('97803064061X'))).toHaveLength(1));
});

describe('barcode-check-digit', () => {
  it('passes a valid EAN-13', () => expect(runRule(barcodeCheckDigit, withBarcode('4006381333931'))).toEqual([]));
  it('passes a valid UPC, EAN-8 and GTIN-14', () => {
    expect(runRule(barcodeCheckDigit, makeProduct({
      variants: [makeVariant({ barcode: '036000291452' }), makeVariant({ barcode: '96385074' }), makeVariant({ barcode: '10012345678902' })],
    }))).toEqual([]);
  });
  it('warns about a wrong check digit and gives the right one', () => {
    expect(runRule(barcodeCheckDigit, withBarcode('4006381333932'))[0]?.message).toBe(
      'The barcode 4006381333932 of SKU MUG-001 ends in 2, but its check digit should be 1; it is probably mistyped.',
    );
  });
  it('leaves malformed barcodes to barcode-format', () => expect(runRule(barcodeCheckDigit, withBarcode('12345'))).toEqual([]));
});

describe('barcode-duplicate', () => {
  it('passes different barcodes', () => {
    const products = [
      makeProduct({ handle: 'a', variants: [makeVariant({ barcode: '4006381333931' })] }),
      makeProduct({ handle: 'b', variants: [makeVariant({ barcode: '036000291452' })] }),
    ];
    expect(runRule(barcodeDuplicate, products)).toEqual([]);
  });
  it('passes variants without barcodes', () => {
    expect(runRule(barcodeDuplicate, [makeProduct({ handle: 'a' }), makeProduct({ handle: 'b' })])).toEqual([]);
  });
  it('blocks a barcode used by an earlier product and names it', () => {
    const later = makeVariant({ sku: 'MUG-RED', barcode: '4006381333931' });
    const products = [
      makeProduct({ handle: 'blue-mug', variants: [makeVariant({ barcode: '4006381333931' })] }),
      makeProduct({ handle: 'red-mug', variants: [later] }),
    ];
    expect(runRule(barcodeDuplicate, products)).toEqual([
      { message: 'The barcode 4006381333931 of SKU MUG-RED is already used by product "blue-mug"; TikTok Shop needs a different code on every SKU.', variant: later },
    ]);
  });
  it('blocks a barcode repeated within one product and names the earlier variant', () => {
    const product = makeProduct({
      variants: [makeVariant({ sku: 'MUG-S', barcode: '4006381333931' }), makeVariant({ position: 2, sku: 'MUG-M', barcode: '4006381333931' })],
    });
    expect(runRule(barcodeDuplicate, product)[0]?.message).toContain('of SKU MUG-M is already used by SKU MUG-S of this product');
  });
});

describe('barcode-missing', () => {
  const uk = testContext({ regionCode: 'GB' });
  it('passes a product without barcodes outside the UK', () => expect(runRule(barcodeMissing, makeProduct())).toEqual([]));
  it('passes a UK product whose variants all have barcodes', () => {
    expect(runRule(barcodeMissing, withBarcode('4006381333931'), uk)).toEqual([]);
  });
  it('warns once per UK product with how many variants lack a barcode', () => {
    const product = makeProduct({
      variants: [
        makeVariant({ sku: 'A', barcode: '4006381333931' }),
        makeVariant({ position: 2, sku: 'B' }),
        makeVariant({ position: 3, sku: 'C' }),
      ],
    });
    expect(runRule(barcodeMissing, product, uk)).toEqual([
      { message: '2 of 3 variants have no barcode (GTIN); TikTok Shop UK asks whether a GTIN exemption applies, so without one you must claim an exemption.' },
    ]);
  });
  it('words a single-variant product plainly', () => {
    expect(runRule(barcodeMissing, makeProduct(), uk)[0]?.message).toMatch(/^The product has no barcode \(GTIN\); /);
  });
});
