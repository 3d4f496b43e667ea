import type { Product } from '../../catalog/product.js';
import { defineRule } from '../rule.js';
import { characterCount, hasChinese, hasControlCharactersBesidesLayout, hasEmoji } from '../text.js';

const MAX_DESCRIPTION = 10_000;
// tiktok-shop.md §8 Description HTML: the tags TikTok Shop keeps; the rest are filtered out.
const ALLOWED_TAGS = new Set(['p', 'img', 'ul', 'ol', 'li', 'br', 'strong', 'b', 'i', 'em', 'u']);
const BLOCK_TAGS = new Set(['p', 'ul', 'ol', 'li']);
const VOID_TAGS = new Set(['br', 'img', 'hr', 'input', 'meta', 'link', 'source', 'wbr', 'col', 'area', 'base', 'embed', 'track', 'param']);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>/g;

export interface DescriptionMarkup {
  unsupportedTags: string[];
  /** The first block nested in a block other than li-in-list, as "outer > inner". */
  nestedBlock: string | null;
}

let lastHtml: string | null = null;
let lastMarkup: DescriptionMarkup = { unsupportedTags: [], nestedBlock: null };

/** One pass over the description's tags; memoised for the product being checked, as two rules read it. */
export function describeMarkup(html: string): DescriptionMarkup {
  if (html === lastHtml) return lastMarkup;
  const unsupported = new Set<string>();
  const openBlocks: string[] = [];
  let nestedBlock: string | null = null;
  TAG.lastIndex = 0;
  for (let match = TAG.exec(html); match; match = TAG.exec(html)) {
    const closing = match[1] === '/';
    const name = match[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(name)) unsupported.add(name);
    const selfClosing = match[0].charCodeAt(match[0].length - 2) === 47; // "/>"
    if (!BLOCK_TAGS.has(name) || VOID_TAGS.has(name) || selfClosing) continue;
    if (closing) {
      const at = openBlocks.lastIndexOf(name);
      if (at !== -1) openBlocks.length = at;
      continue;
    }
    const outer = openBlocks.at(-1);
    const listItemInList = name === 'li' && (outer === 'ul' || outer === 'ol');
    // A <p> opened while another <p> is open closes it in HTML, so it is not nesting.
    const implicitlyClosed = name === 'p' && outer === 'p';
    if (outer && !listItemInList && !implicitlyClosed) nestedBlock ??= `${outer} > ${name}`;
    if (implicitlyClosed) openBlocks.pop();
    openBlocks.push(name);
  }
  lastHtml = html;
  lastMarkup = { unsupportedTags: [...unsupported].sort(), nestedBlock };
  return lastMarkup;
}

const hasText = (product: Product) => product.descriptionHtml.trim() !== '';

export const descriptionMissing = defineRule({
  id: 'description-missing',
  severity: 'blocker',
  summary: 'No description',
  fact: 'tiktok-shop.md §8 Description: required (error 12052015)',
  hint: 'Write a description in Shopify: what it is, materials, size, care.',
  check: (product) => (hasText(product) ? undefined : 'The product has no description.'),
});

export const descriptionTooLong = defineRule({
  id: 'description-too-long',
  severity: 'blocker',
  summary: 'Description too long',
  fact: 'tiktok-shop.md §8 Description: at most 10,000 characters (error 12052013)',
  hint: 'Shorten the description to 10,000 characters, HTML included; drop inline styles and repeated text first.',
  check(product) {
    if (product.descriptionHtml.length <= MAX_DESCRIPTION) return undefined;
    const length = characterCount(product.descriptionHtml);
    return length > MAX_DESCRIPTION ? `The description has ${length.toLocaleString('en-US')} characters; TikTok Shop allows 10,000.` : undefined;
  },
});

export const descriptionChinese = defineRule({
  id: 'description-chinese',
  severity: 'warning',
  summary: 'Chinese characters in description',
  fact: 'tiktok-shop.md §8 Description: avoid Chinese (error 12052346)',
  hint: 'Remove or translate the Chinese text in the description.',
  check: (product) => (hasChinese(product.descriptionHtml) ? 'The description contains Chinese characters.' : undefined),
});

export const descriptionCharacters = defineRule({
  id: 'description-characters',
  severity: 'warning',
  summary: 'Emoji or control characters in description',
  fact: 'tiktok-shop.md §8 Description: same format rules as the title (error 12052932)',
  hint: 'Remove emoji and invisible control characters from the description.',
  check(product) {
    const html = product.descriptionHtml;
    const found = [hasEmoji(html) && 'emoji', hasControlCharactersBesidesLayout(html) && 'control characters'].filter(Boolean);
    return found.length > 0 ? `The description contains ${found.join(' and ')}.` : undefined;
  },
});

export const descriptionUnsupportedTags = defineRule({
  id: 'description-unsupported-tags',
  severity: 'warning',
  summary: 'HTML tags TikTok Shop removes',
  fact: 'tiktok-shop.md §8 Description HTML: only p img ul ol li br strong b i em u are kept; others are filtered',
  hint: 'Rewrite the formatting with paragraphs, lists and bold/italic only; tables, headings, links and styled spans are dropped.',
  check(product) {
    const { unsupportedTags } = describeMarkup(product.descriptionHtml);
    if (unsupportedTags.length === 0) return undefined;
    return `The description uses ${unsupportedTags.map((tag) => `<${tag}>`).join(', ')}, which TikTok Shop removes.`;
  },
});

export const descriptionNestedBlocks = defineRule({
  id: 'description-nested-blocks',
  severity: 'warning',
  summary: 'Nested paragraphs or lists in description',
  fact: 'tiktok-shop.md §8 Description HTML: tags may not be nested except inline tags inside p/li (error 12052347)',
  hint: 'Flatten the description: no paragraph or list inside another paragraph or list item.',
  check(product) {
    const { nestedBlock } = describeMarkup(product.descriptionHtml);
    return nestedBlock ? `The description nests blocks (${nestedBlock}).` : undefined;
  },
});

export const descriptionRules = [
  descriptionMissing, descriptionTooLong, descriptionChinese, descriptionCharacters, descriptionUnsupportedTags, descriptionNestedBlocks,
];
