import { defineCatalogRule, defineRule, perVariant, variantLabel } from '../rule.js';
import { createRepeatTracker } from '../repeated-values.js';
import { capitalize, quote } from '../text.js';

// EAN-8, UPC-A, EAN-13, GTIN-14, or an ISBN-13 whose last character is X (tiktok-shop.md §8 Identifier code).
const VALID_BARCODE = /^(?:\d{8}|\d{12,14}|\d{12}X)$/;
const GTIN = /^(?:\d{8}|\d{12,14})$/;
const DIGITS = /^\d+$/;
const ACCEPTED = '8, 12, 13 or 14 digits (EAN-8, UPC, EAN-13, GTIN-14) or a 13-character ISBN';

/** The GS1 check digit a GTIN should end in: mod 10 over the other digits, weighted 3 and 1 from the right. */
export function gtinCheckDigit(code: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = code.length - 2; i >= 0; i--) {
    sum += (code.charCodeAt(i) - 48) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

function whatIsWrong(barcode: string): string {
  return DIGITS.test(barcode) ? `has ${barcode.length} digits` : 'contains characters other than digits';
}

export const barcodeFormat = defineRule({
  id: 'barcode-format',
  severity: 'blocker',
  summary: 'Barcode not a GTIN, EAN, UPC or ISBN',
  fact: 'tiktok-shop.md §8 Identifier code: GTIN 14 digits; EAN 8, 13 or 14 digits; UPC 12 digits; ISBN 13 characters, last may be X; digits only otherwise',
  hint: 'Correct the barcode in Shopify (variant → Barcode) to the GTIN/EAN/UPC printed on the product, or clear it if the product has none.',
  check: perVariant((variant) => {
    const barcode = variant.barcode.trim();
    if (barcode === '' || VALID_BARCODE.test(barcode)) return undefined;
    return `The barcode ${quote(barcode)} of ${variantLabel(variant)} ${whatIsWrong(barcode)}; TikTok Shop accepts ${ACCEPTED}.`;
  }),
});

export const barcodeCheckDigit = defineRule({
  id: 'barcode-check-digit',
  severity: 'warning',
  summary: 'Barcode check digit wrong',
  fact: 'tiktok-shop.md §8 Identifier code (formats); GS1 check digit, mod 10 with weights 3/1 from the right. Whether TikTok Shop verifies the check digit is unverified',
  hint: 'Copy the barcode again from the packaging or your GS1 record; one mistyped digit makes it invalid or another product’s code.',
  check: perVariant((variant) => {
    const barcode = variant.barcode.trim();
    if (barcode === '' || !GTIN.test(barcode)) return undefined;
    const expected = gtinCheckDigit(barcode);
    const actual = barcode.charCodeAt(barcode.length - 1) - 48;
    if (expected === actual) return undefined;
    return `The barcode ${barcode} of ${variantLabel(variant)} ends in ${actual}, but its check digit should be ${expected}; it is probably mistyped.`;
  }),
});

export const barcodeDuplicate = defineCatalogRule({
  id: 'barcode-duplicate',
  severity: 'blocker',
  summary: 'Barcode used twice',
  fact: 'tiktok-shop.md §8 Identifier code: unique across SKUs (error 12052592)',
  hint: 'Give each variant its own barcode in Shopify; variants that really are the same item should be one variant.',
  createCheck() {
    const findRepeats = createRepeatTracker((variant) => variant.barcode, variantLabel);
    return (product) =>
      findRepeats(product)?.map(({ variant, value, firstUse }) => ({
        message: `The barcode ${value} of ${variantLabel(variant)} is already used by ${firstUse}; TikTok Shop needs a different code on every SKU.`,
        variant,
      }));
  },
});


export const barcodeMissing = defineRule({
  id: 'barcode-missing',
  severity: 'warning',
  summary: 'No barcode (UK: GTIN exemption needed)',
  fact: 'tiktok-shop.md §8 Identifier code; the UK attribute set requires "GTIN Exemption Applicable" (shared/data/README.md, tiktok-uk-attributes-sample.json)',
  hint: 'Add each variant’s GTIN/EAN/UPC in Shopify (variant → Barcode); for own-brand or handmade goods without one, be ready to claim a GTIN exemption on TikTok Shop.',
  check(product, { region }) {
    if (region.code !== 'GB') return undefined;
    const { variants } = product;
    let missing = 0;
    for (const variant of variants) if (variant.barcode.trim() === '') missing++;
    if (missing === 0) return undefined;
    const which = variants.length === 1
      ? 'the product has no barcode (GTIN)'
      : missing === variants.length
        ? `none of the ${variants.length} variants has a barcode (GTIN)`
        : `${missing} of ${variants.length} variants ${missing === 1 ? 'has' : 'have'} no barcode (GTIN)`;
    return `${capitalize(which)}; TikTok Shop UK asks whether a GTIN exemption applies, so without one you must claim an exemption.`;
  },
});

export const identifierRules = [barcodeFormat, barcodeCheckDigit, barcodeDuplicate, barcodeMissing];
