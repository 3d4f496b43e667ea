/** Character checks shared by the title, description and attribute rules (tiktok-shop.md §8 "Title content"). */

const HAN = /\p{Script=Han}/u;
// A letter of any script but Latin: Cyrillic, Arabic, Thai, Han…
const NON_LATIN_LETTER = /(?=\p{L})\P{Script=Latin}/u;
// Emoji that render as pictures by default, or are forced to with VS16; leaves ©, ® and ™ alone.
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F/u;
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const HTML_ENTITY = /&(?:[a-z][a-z0-9]*|#\d+|#x[0-9a-f]+);/i;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LONG_RUN = /(.)\1{9,}/u;

// Cheap first passes: Latin text never reaches the Unicode property scans, which cost ten times more.
const BEYOND_LATIN = /[\u0370-\uffff]/;
const MAYBE_HAN = /[\u2e80-\uffff]/;
const MAYBE_EMOJI = /[\u203c-\u3299\ud83c-\ud83e]/;

export const hasChinese = (text: string): boolean => MAYBE_HAN.test(text) && HAN.test(text);
export const hasNonLatinLetters = (text: string): boolean => BEYOND_LATIN.test(text) && NON_LATIN_LETTER.test(text);
export const hasEmoji = (text: string): boolean => MAYBE_EMOJI.test(text) && EMOJI.test(text);
export const hasControlCharacters = (text: string): boolean => CONTROL.test(text);
/** Control characters other than tab, line feed and carriage return, which HTML layout uses freely. */
export const hasControlCharactersBesidesLayout = (text: string): boolean => CONTROL_BUT_LAYOUT.test(text);
export const hasHtmlEntity = (text: string): boolean => HTML_ENTITY.test(text);
export const hasLetterOrDigit = (text: string): boolean => LETTER_OR_DIGIT.test(text);

/** The first run of more than nine identical characters (error 12052931), or null. */
export function longRun(text: string): string | null {
  return LONG_RUN.exec(text)?.[0] ?? null;
}

export function firstMatch(pattern: RegExp, text: string): string | null {
  return pattern.exec(text)?.[0] ?? null;
}

/** Length as a person counts it: code points, so an accented letter or emoji counts once. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function quote(text: string, max = 60): string {
  const clipped = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return `"${clipped}"`;
}

export function capitalize(text: string): string {
  return text === '' ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

/** Equal ignoring case and surrounding whitespace; allocates only for two strings of equal trimmed length that are not identical. */
export function sameTextIgnoringCase(a: string, b: string): boolean {
  if (a === b) return true;
  const trimmedA = a.trim();
  const trimmedB = b.trim();
  if (trimmedA.length !== trimmedB.length) return false;
  return trimmedA === trimmedB || trimmedA.toLowerCase() === trimmedB.toLowerCase();
}

const CHARACTER_NAMES: Record<string, string> = {
  ' ': 'space', '\t': 'tab', '\n': 'line break', '\r': 'carriage return', '\u00a0': 'non-breaking space',
};

/** How a merchant would call one character in a message: "space", "tab" or the character quoted. */
export function characterName(char: string): string {
  return CHARACTER_NAMES[char] ?? (CONTROL.test(char) ? `control character U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `"${char}"`);
}
