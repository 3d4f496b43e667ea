import type { Product } from '../../catalog/product.js';
import { defineRule } from '../rule.js';
import { quote } from '../text.js';

const NON_BLANK = /\S/;
const CSV_SPECIAL = /[",\r\n]/;
const MAPPING_HEADER = 'Shopify type or category,TikTok category id';

function csvCell(text: string): string {
  return CSV_SPECIAL.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function mapHint(key: string): string {
  return `Map it to a TikTok Shop category id: add the line ${csvCell(key)},<category id> to a CSV that starts with "${MAPPING_HEADER}" and run \`shopshift audit --categories map.csv\`, or use \`/shop map\`.`;
}

export const categoryUnmapped = defineRule({
  id: 'category-unmapped',
  severity: 'blocker',
  summary: 'No TikTok Shop category',
  fact: 'tiktok-shop.md §8 Category: every product needs a TikTok Shop leaf category (errors 12052024, 12052023)',
  hint: `Map the product type or Shopify category to a TikTok Shop category id: \`shopshift audit --categories map.csv\` with lines "${MAPPING_HEADER}", or \`/shop map\`.`,
  check(product, { categories }) {
    if (categories.lookup(product) !== null) return undefined;
    const category = product.category?.name.trim() ?? '';
    const type = NON_BLANK.test(product.productType) ? product.productType.trim() : '';
    if (category === '' && type === '') {
      return {
        message: 'The product has neither a product type nor a Shopify category, so it cannot be matched to a TikTok Shop category.',
        hint: `Set a product type or category on the product in Shopify, then map it to a TikTok Shop category id (\`shopshift audit --categories map.csv\` with lines "${MAPPING_HEADER}", or \`/shop map\`).`,
      };
    }
    if (category === '') return { message: `The product type ${quote(type)} is not mapped to a TikTok Shop category.`, hint: mapHint(type) };
    const leaf = category.split('>').at(-1)!.trim();
    if (type === '') return { message: `The Shopify category ${quote(category, 120)} is not mapped to a TikTok Shop category.`, hint: mapHint(leaf) };
    return {
      message: `Neither the Shopify category ${quote(category, 120)} nor the product type ${quote(type)} is mapped to a TikTok Shop category.`,
      hint: mapHint(type),
    };
  },
});

export const categoryUnknown = defineRule({
  id: 'category-unknown',
  severity: 'blocker',
  summary: 'Mapped category is not a leaf',
  fact: 'tiktok-shop.md §8 Category: must be a leaf category (error 12052024); §3: category does not exist (error 12052023)',
  hint: "Map it to a leaf (most specific) category id from TikTok Shop's category list.",
  check(product, { categories }) {
    const match = categories.lookup(product);
    if (match === null || categories.isLeafCategory(match.categoryId) !== false) return undefined;
    const source = match.via === 'category' ? `The Shopify category ${quote(match.key, 120)}` : `The product type ${quote(match.key)}`;
    return `${source} is mapped to TikTok Shop category ${match.categoryId}, which is not a leaf category in TikTok Shop's list: it has subcategories or does not exist.`;
  },
});

export const giftCard = defineRule({
  id: 'gift-card',
  severity: 'blocker',
  summary: 'Gift card',
  fact: 'tiktok-shop.md §8 Prohibited goods (broad): currency and financial products (list unverified)',
  hint: 'Leave gift cards out of the migration: TikTok Shop does not sell them as products.',
  check: (product) => (product.giftCard === true ? 'The product is a Shopify gift card; TikTok Shop does not allow gift cards or other currency products.' : undefined),
});

// tiktok-shop.md §8 "Prohibited goods (broad)", unverified: one alternative per kind of goods, named for the message.
const PROHIBITED_KINDS = {
  weapons: 'weapons',
  tobacco: 'tobacco and vaping products',
  drugs: 'drugs',
  prescription: 'prescription medicine',
  adult: 'adult products',
  animals: 'live animals',
  hazardous: 'hazardous goods',
  counterfeit: 'counterfeits',
  currency: 'currency',
} as const;

// Tools and colours that carry the word "gun" or "pistol" without being weapons.
const NOT_A_GUN = String.raw`(?<!\b(?:glue|heat|nail|staple|spray|caulk|caulking|grease|massage|fascia|percussion|water|bubble|paint|airbrush|foam|tattoo|price|label|temperature|thermometer|solder|soldering)[\s-])`;
const PROHIBITED = new RegExp(
  String.raw`\b(?:` + [
    String.raw`(?<weapons>${NOT_A_GUN}guns?(?![\s-](?:metal|grey|gray)\b)|rifles?|pistols?(?![\s-]grips?\b)|ammunition|ammo|firearms?|crossbows?|tasers?|pepper[\s-]sprays?)`,
    String.raw`(?<tobacco>vapes?|vaping|e[\s-]?cigarettes?|e[\s-]?cigs?|e[\s-]?liquids?|cigarettes?|tobacco|nicotine|hookahs?)`,
    String.raw`(?<drugs>cbd|thc|kratom|cannabis|marijuana)`,
    String.raw`(?<prescription>prescription|rx[\s-]only)`,
    String.raw`(?<adult>sex[\s-]toys?|adult[\s-]toys?|dildos?|vibrators?)`,
    String.raw`(?<animals>live[\s-]animals?|live[\s-]fish)`,
    String.raw`(?<hazardous>fireworks?|explosives?)`,
    String.raw`(?<counterfeit>replicas?|counterfeits?)`,
    String.raw`(?<currency>banknotes?|bullion)`,
  ].join('|') + String.raw`)\b`,
  'i',
);

function prohibitedWord(text: string): { word: string; kind: string } | null {
  const match = PROHIBITED.exec(text);
  if (!match) return null;
  const kind = Object.entries(match.groups ?? {}).find(([, value]) => value !== undefined)?.[0] as keyof typeof PROHIBITED_KINDS | undefined;
  return { word: match[0], kind: kind ? PROHIBITED_KINDS[kind] : 'prohibited goods' };
}

function findProhibited(product: Product): { word: string; kind: string; where: string } | null {
  const inTitle = prohibitedWord(product.title);
  if (inTitle) return { ...inTitle, where: 'The title' };
  const inType = prohibitedWord(product.productType);
  if (inType) return { ...inType, where: `The product type ${quote(product.productType)}` };
  for (const tag of product.tags) {
    const inTag = prohibitedWord(tag);
    if (inTag) return { ...inTag, where: `The tag ${quote(tag)}` };
  }
  return null;
}

export const prohibitedGoods = defineRule({
  id: 'prohibited-goods',
  severity: 'warning',
  summary: 'May be prohibited goods',
  fact: 'tiktok-shop.md §8 Prohibited goods (broad): weapons, drugs, tobacco/vapes, adult items, counterfeits, live animals, hazardous goods, prescription drugs, currency (list unverified; prohibited category → error 12052220)',
  hint: 'Check the product against TikTok Shop\'s prohibited and restricted products list for the market (US: Seller University "Restricted and Unsupported Products Guidelines"); leave it out of the migration, or reword it if the word means something else here.',
  check(product) {
    const found = findProhibited(product);
    return found ? `${found.where} contains "${found.word}" (${found.kind}), which TikTok Shop prohibits or restricts.` : undefined;
  },
});

export const categoryRules = [categoryUnmapped, categoryUnknown, giftCard, prohibitedGoods];
