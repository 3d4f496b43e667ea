/** Package size of a product, as TikTok Shop's package_dimensions takes it. */
export interface PackageDimensions {
  length: number;
  width: number;
  height: number;
  unit: 'CENTIMETER' | 'INCH';
}

const SIDE = String.raw`(\d+(?:[.,]\d+)?)`;
const BY = String.raw`\s*[x×*]\s*`;
// "L x W x H cm": decimals with a dot or comma, separators x × *, spaces optional, unit optional (cm).
const PACKAGE_SIZE = new RegExp(String.raw`^\s*${SIDE}${BY}${SIDE}${BY}${SIDE}\s*(cm|centimet(?:er|re)s?|in|inch(?:es)?|")?\s*$`, 'i');
const INCH_UNIT = /^(?:in|inch|inches|")$/i;

const side = (text: string): number => Number(text.replace(',', '.'));

/** Reads a package size such as "20 x 15 x 10 cm" or "8×6×4 in"; no unit means centimetres. Null when unreadable. */
export function parsePackageDimensions(text: string): PackageDimensions | null {
  const match = PACKAGE_SIZE.exec(text);
  if (!match) return null;
  return {
    length: side(match[1]!),
    width: side(match[2]!),
    height: side(match[3]!),
    unit: match[4] !== undefined && INCH_UNIT.test(match[4]) ? 'INCH' : 'CENTIMETER',
  };
}
