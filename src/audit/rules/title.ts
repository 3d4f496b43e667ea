import { ownString } from '../../catalog/values.js';
import { defineCatalogRule, defineRule } from '../rule.js';
import {
  characterCount, hasChinese, hasControlCharacters, hasEmoji, hasHtmlEntity, hasLetterOrDigit, hasNonLatinLetters, longRun, quote,
} from '../text.js';

export const titleMissing = defineRule({
  id: 'title-missing',
  severity: 'blocker',
  summary: 'No title',
  fact: 'tiktok-shop.md §8 Title length (minimum 1 character; error 12052051)',
  hint: 'Give the product a title in Shopify.',
  check: (product) => (product.title === '' ? 'The product has no title.' : undefined),
});

export const titleTooLong = defineRule({
  id: 'title-too-long',
  severity: 'blocker',
  summary: 'Title too long',
  fact: 'tiktok-shop.md §8 Title length: at most 255 characters in every region (error 12052051)',
  hint: 'Shorten the title; keep brand, product and key attribute, move the rest into the description.',
  check(product, { region }) {
    if (product.title.length <= region.titleMax) return undefined;
    const length = characterCount(product.title);
    return length > region.titleMax ? `The title has ${length} characters; TikTok Shop allows ${region.titleMax}.` : undefined;
  },
});

export const titleTooShort = defineRule({
  id: 'title-too-short',
  severity: 'blocker',
  summary: 'Title too short',
  fact: 'tiktok-shop.md §8 Title length: SEA markets need 25-255 characters (error 12052051)',
  hint: 'Lengthen the title with the product type and a key attribute (material, size, colour).',
  check(product, { region }) {
    if (product.title === '' || region.titleMin <= 1) return undefined;
    const length = characterCount(product.title);
    return length < region.titleMin ? `The title has ${length} characters; TikTok Shop ${region.code} needs at least ${region.titleMin}.` : undefined;
  },
});

export const titleChinese = defineRule({
  id: 'title-chinese',
  severity: 'blocker',
  summary: 'Chinese characters in title',
  fact: 'tiktok-shop.md §8 Title content: no Chinese characters (error 12052262)',
  hint: 'Write the title without Chinese characters.',
  check: (product) => (hasChinese(product.title) ? `The title ${quote(product.title)} contains Chinese characters.` : undefined),
});

export const titleNotEnglish = defineRule({
  id: 'title-not-english',
  severity: 'blocker',
  summary: 'Title not in English',
  fact: 'tiktok-shop.md §8 Title content: non-English titles are rejected in English-language markets (error 12052266)',
  hint: 'Translate the title into English for this market.',
  check(product, { region }) {
    if (!region.englishMarket || hasChinese(product.title)) return undefined;
    return hasNonLatinLetters(product.title) ? `The title ${quote(product.title)} is written in a non-Latin script.` : undefined;
  },
});

export const titleHtmlEntity = defineRule({
  id: 'title-html-entity',
  severity: 'blocker',
  summary: 'HTML code in title',
  fact: 'tiktok-shop.md §8 Title content: no HTML escapes such as &nbsp;',
  hint: 'Replace the HTML code (&nbsp;, &amp;…) with the plain character or a space.',
  check: (product) => (hasHtmlEntity(product.title) ? `The title ${quote(product.title)} contains HTML escape codes.` : undefined),
});

export const titleEmoji = defineRule({
  id: 'title-emoji',
  severity: 'blocker',
  summary: 'Emoji in title',
  fact: 'tiktok-shop.md §8 Title content: no emojis',
  hint: 'Remove the emoji from the title; they may stay in the description.',
  check: (product) => (hasEmoji(product.title) ? `The title ${quote(product.title)} contains emoji.` : undefined),
});

export const titleControlCharacters = defineRule({
  id: 'title-control-characters',
  severity: 'blocker',
  summary: 'Hidden characters in title',
  fact: 'tiktok-shop.md §8 Title content: no ASCII control characters',
  hint: 'Retype the title: it contains invisible control characters (tabs, line breaks) pasted in.',
  check: (product) => (hasControlCharacters(product.title) ? 'The title contains control characters such as a tab or a line break.' : undefined),
});

export const titleSymbolsOnly = defineRule({
  id: 'title-symbols-only',
  severity: 'blocker',
  summary: 'Title is only symbols',
  fact: 'tiktok-shop.md §8 Title content: a title may not be only symbols',
  hint: 'Use words that describe the product.',
  check: (product) =>
    product.title !== '' && !hasLetterOrDigit(product.title) ? `The title ${quote(product.title)} has no letters or digits.` : undefined,
});

export const titleRepeatedCharacters = defineRule({
  id: 'title-repeated-characters',
  severity: 'blocker',
  summary: 'Character repeated 10+ times in title',
  fact: 'tiktok-shop.md §8 Title content: no run of more than 9 identical characters (error 12052931)',
  hint: 'Remove the repeated characters (for example "!!!!!!!!!!" or "----------").',
  check(product) {
    const run = longRun(product.title);
    return run ? `The title repeats "${run[0]}" ${[...run].length} times in a row.` : undefined;
  },
});

// Phrases connector vendors report as frequent rejection causes (tiktok-shop.md §10, unverified).
const PROMOTIONAL = /\b(best price|cheapest|free shipping|free delivery|limited time|sale|discount|% off|buy \d+ get \d+|clearance|hot deal|best seller|bestseller)\b/i;

export const titlePromotional = defineRule({
  id: 'title-promotional',
  severity: 'warning',
  summary: 'Promotional words in title',
  fact: 'tiktok-shop.md §10: promotional words in titles are a frequent rejection cause (unverified)',
  hint: 'Describe the product, not the offer: drop words like "sale", "free shipping" or "best price" from the title.',
  check(product) {
    const phrase = PROMOTIONAL.exec(product.title)?.[0];
    return phrase ? `The title contains the promotional phrase "${phrase}".` : undefined;
  },
});

export const titleDuplicate = defineCatalogRule({
  id: 'title-duplicate',
  severity: 'warning',
  summary: 'Same title as another product',
  fact: 'tiktok-shop.md §8 Duplicate listings: duplicates of the same item breach listing policy and may be removed (policy unverified)',
  hint: 'Make each title distinct (add the colour, size or model), or merge the products into one with variants.',
  createCheck() {
    const firstByTitle = new Map<string, string>();
    return (product) => {
      const key = product.title.trim().toLowerCase().replace(/\s+/g, ' ');
      if (key === '') return undefined;
      const first = firstByTitle.get(key);
      if (first === undefined) {
        firstByTitle.set(ownString(key), ownString(product.handle));
        return undefined;
      }
      return `The title is the same as product "${first}".`;
    };
  },
});

export const titleRules = [
  titleMissing, titleTooLong, titleTooShort, titleChinese, titleNotEnglish, titleHtmlEntity, titleEmoji,
  titleControlCharacters, titleSymbolsOnly, titleRepeatedCharacters, titlePromotional, titleDuplicate,
];
