/**
 * Shopify has exported products under two header sets (shopify.md §6): the older "Handle, Body (HTML),
 * Variant SKU…" and the newer "URL handle, Description, SKU…". Both map onto one set of keys here.
 */
const COLUMN_NAMES = {
  handle: ['Handle', 'URL handle'],
  title: ['Title'],
  body: ['Body (HTML)', 'Description'],
  vendor: ['Vendor'],
  category: ['Product Category', 'Product category'],
  type: ['Type'],
  tags: ['Tags'],
  published: ['Published', 'Published on online store'],
  option1Name: ['Option1 Name'],
  option1Value: ['Option1 Value'],
  option2Name: ['Option2 Name'],
  option2Value: ['Option2 Value'],
  option3Name: ['Option3 Name'],
  option3Value: ['Option3 Value'],
  sku: ['Variant SKU', 'SKU'],
  grams: ['Variant Grams', 'Weight value (grams)'],
  inventoryTracker: ['Variant Inventory Tracker', 'Inventory tracker'],
  inventoryQuantity: ['Variant Inventory Qty', 'Inventory quantity'],
  inventoryPolicy: ['Variant Inventory Policy'],
  continueSelling: ['Continue selling when out of stock'],
  price: ['Variant Price', 'Price'],
  compareAtPrice: ['Variant Compare At Price', 'Compare-at price'],
  requiresShipping: ['Variant Requires Shipping', 'Requires shipping'],
  taxable: ['Variant Taxable', 'Charge tax'],
  barcode: ['Variant Barcode', 'Barcode'],
  imageSrc: ['Image Src', 'Product image URL'],
  imagePosition: ['Image Position'],
  imageAlt: ['Image Alt Text'],
  giftCard: ['Gift Card'],
  seoTitle: ['SEO Title'],
  seoDescription: ['SEO Description'],
  variantImage: ['Variant Image', 'Variant image URL'],
  status: ['Status'],
} as const;

export type ColumnKey = keyof typeof COLUMN_NAMES;

/** Column positions by key; -1 where the export has no such column. */
export type ColumnIndex = Record<ColumnKey, number>;

/** A column the model has no field of its own for, kept under `extra` or `metafields`. */
export interface ExtraColumn {
  index: number;
  name: string;
  /** Where the value belongs: the product (first row) or each variant row. */
  level: 'product' | 'variant';
  /** For metafield columns, "namespace.key"; otherwise null. */
  metafield: string | null;
}

export interface ColumnLayout {
  index: ColumnIndex;
  extras: ExtraColumn[];
  /** Header names seen twice; the first one is used. */
  duplicates: string[];
}

function normalizeHeader(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

const KEY_BY_HEADER = new Map<string, ColumnKey>(
  (Object.entries(COLUMN_NAMES) as [ColumnKey, readonly string[]][]).flatMap(([key, names]) =>
    names.map((name) => [normalizeHeader(name), key] as const),
  ),
);

const METAFIELD = /\((product|variant)\.metafields\.([^)]+)\)\s*$/i;
// Columns Shopify repeats per variant: unit prices, market prices, cost, tax code, weight unit.
const VARIANT_LEVEL = /^(variant |unit price|price \/|compare at price \/|compare-at price \/|cost per item|tax code|weight unit|inventory |fulfillment service)/;

export function resolveColumns(header: readonly string[]): ColumnLayout {
  const index = Object.fromEntries(Object.keys(COLUMN_NAMES).map((key) => [key, -1])) as ColumnIndex;
  const extras: ExtraColumn[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  header.forEach((raw, position) => {
    const name = raw.trim();
    const normalized = normalizeHeader(name);
    if (normalized === '') return;
    if (seen.has(normalized)) {
      duplicates.push(name);
      return;
    }
    seen.add(normalized);
    const key = KEY_BY_HEADER.get(normalized);
    if (key) {
      index[key] = position;
      return;
    }
    const metafield = METAFIELD.exec(name);
    if (metafield) {
      const level = metafield[1]!.toLowerCase() === 'variant' ? 'variant' : 'product';
      extras.push({ index: position, name, level, metafield: metafield[2]! });
      return;
    }
    extras.push({ index: position, name, level: VARIANT_LEVEL.test(normalized) ? 'variant' : 'product', metafield: null });
  });
  return { index, extras, duplicates };
}

export function isShopifyProductHeader(index: ColumnIndex): boolean {
  return index.handle !== -1 || index.title !== -1;
}
