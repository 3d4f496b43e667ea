import type { InvalidValue } from './product.js';

/** Parsers for the loosely typed text that catalog sources carry. Each records what it could not read. */

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

export function readDecimal(text: string, field: string, invalid: InvalidValue[]): string | null {
  const value = text.trim();
  if (value === '') return null;
  if (DECIMAL.test(value)) return value;
  invalid.push({ field, value, reason: 'not a number' });
  return null;
}

export function readInteger(text: string, field: string, invalid: InvalidValue[]): number | null {
  const value = text.trim();
  if (value === '') return null;
  // Exports sometimes write whole numbers as "12.0".
  if (DECIMAL.test(value)) {
    const number = Number(value);
    if (Number.isInteger(number)) return number;
  }
  invalid.push({ field, value, reason: 'not a whole number' });
  return null;
}

export function readNumber(text: string, field: string, invalid: InvalidValue[]): number | null {
  const decimal = readDecimal(text, field, invalid);
  return decimal === null ? null : Number(decimal);
}

export function readBoolean(text: string, field: string, invalid: InvalidValue[]): boolean | null {
  const value = text.trim().toLowerCase();
  if (value === '') return null;
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  invalid.push({ field, value: text.trim(), reason: 'not TRUE or FALSE' });
  return null;
}

export function splitTags(text: string): string[] {
  if (text === '') return [];
  return text.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

/** Shopify's handle from a title: lower case, runs of anything but letters and digits become one dash. */
export function handleFromTitle(title: string): string {
  return title.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '');
}

/**
 * A copy of a string that does not share memory with the text it was cut from. V8 keeps a substring as
 * a view into its parent, so a handle or SKU kept for the whole audit would otherwise pin the whole
 * megabyte CSV chunk it came from.
 */
export function ownString(text: string): string {
  // Substrings shorter than 13 characters are copies already.
  return text.length < 13 ? text : (` ${text}`).slice(1);
}
