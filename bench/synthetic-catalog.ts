import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import Papa from 'papaparse';
import { seededRandom } from '../test/support/random.js';

// The older Shopify export layout (46 columns plus Status), the shape the measured floors in
// performance.md were taken on.
export const OLD_COLUMNS = [
  'Handle', 'Title', 'Body (HTML)', 'Vendor', 'Type', 'Tags', 'Published',
  'Option1 Name', 'Option1 Value', 'Option2 Name', 'Option2 Value', 'Option3 Name', 'Option3 Value',
  'Variant SKU', 'Variant Grams', 'Variant Inventory Tracker', 'Variant Inventory Qty',
  'Variant Inventory Policy', 'Variant Fulfillment Service', 'Variant Price', 'Variant Compare At Price',
  'Variant Requires Shipping', 'Variant Taxable', 'Variant Barcode', 'Image Src', 'Image Position',
  'Image Alt Text', 'Gift Card', 'SEO Title', 'SEO Description',
  'Google Shopping / Google Product Category', 'Google Shopping / Gender', 'Google Shopping / Age Group',
  'Google Shopping / MPN', 'Google Shopping / AdWords Grouping', 'Google Shopping / AdWords Labels',
  'Google Shopping / Condition', 'Google Shopping / Custom Product', 'Google Shopping / Custom Label 0',
  'Google Shopping / Custom Label 1', 'Google Shopping / Custom Label 2', 'Google Shopping / Custom Label 3',
  'Google Shopping / Custom Label 4', 'Variant Image', 'Variant Weight Unit', 'Variant Tax Code', 'Status',
] as const;

type Column = (typeof OLD_COLUMNS)[number];
type Row = Partial<Record<Column, string>>;


const NOUNS = ['Mug', 'Candle', 'Cushion', 'Necklace', 'Ring', 'Tee', 'Hoodie', 'Vase', 'Planter', 'Lamp', 'Scarf', 'Bowl'];
const ADJECTIVES = ['Linen', 'Ceramic', 'Organic', 'Handmade', 'Vintage', 'Minimal', 'Woven', 'Recycled', 'Golden', 'Soft'];
const TYPES = ['Home Decor', 'Jewelry', 'Apparel', 'Kitchen', 'Lighting'];
const SIZES = ['S', 'M', 'L', 'XL'];
const COLOURS = ['Sand', 'Ink', 'Sage', 'Rust', 'Cloud'];

export interface SyntheticCatalogStats {
  products: number;
  variants: number;
  imageRows: number;
  bytes: number;
}

/**
 * Writes a Shopify-style product CSV export with `products` products and about three variants each,
 * multi-line HTML bodies, image-only continuation rows and a few percent of typical defects.
 */
export async function writeSyntheticCatalog(path: string, products: number, seed = 42): Promise<SyntheticCatalogStats> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const out = createWriteStream(path);
  const stats: SyntheticCatalogStats = { products: 0, variants: 0, imageRows: 0, bytes: 0 };
  const write = async (text: string) => {
    stats.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const toLine = (row: Row) => Papa.unparse([OLD_COLUMNS.map((c) => row[c] ?? '')], { newline: '\n' }) + '\n';

  await write(Papa.unparse([OLD_COLUMNS as unknown as string[]]) + '\n');
  for (let p = 0; p < products; p++) {
    const noun = pick(NOUNS);
    const handle = `${pick(ADJECTIVES).toLowerCase()}-${noun.toLowerCase()}-${p}`;
    const title = random() < 0.02 ? `${pick(ADJECTIVES)} ${noun} `.repeat(20).trim() : `${pick(ADJECTIVES)} ${noun} No. ${p}`;
    const body = [
      `<p>A ${noun.toLowerCase()} made in small batches, finished by hand.</p>`,
      `<ul>\n<li>Material: ${pick(ADJECTIVES).toLowerCase()}</li>\n<li>Care: wipe clean, "gentle" cycle</li>\n</ul>`,
      random() < 0.1 ? `<div><span style="color:red">Sale, this week only!</span></div>` : `<p>Ships in 2–3 days.</p>`,
      `<p>${'Every piece is a little different. '.repeat(1 + Math.floor(random() * 4))}</p>`,
    ].join('\n');
    const sized = random() < 0.6;
    const variantCount = sized ? 2 + Math.floor(random() * 3) + (random() < 0.5 ? 1 : 0) : 1 + Math.floor(random() * 4);
    const images = 1 + Math.floor(random() * 3) - (random() < 0.05 ? 1 : 0);
    const type = pick(TYPES);
    const missingWeight = random() < 0.05;
    for (let v = 0; v < Math.max(variantCount, images); v++) {
      const row: Row = { Handle: handle };
      if (v === 0) {
        Object.assign(row, {
          Title: title, 'Body (HTML)': body, Vendor: 'Synthetic Goods', Type: type,
          Tags: `${type.toLowerCase()}, gift, ${noun.toLowerCase()}`, Published: 'TRUE',
          'Option1 Name': sized ? 'Size' : 'Colour', 'Option2 Name': '', 'Gift Card': 'FALSE',
          'SEO Title': title.slice(0, 70), 'SEO Description': `Buy the ${title}`, Status: random() < 0.9 ? 'active' : 'draft',
          'Google Shopping / Condition': 'new',
        });
      }
      if (v < variantCount) {
        stats.variants++;
        const price = random() < 0.005 ? '0.00' : (5 + random() * 120).toFixed(2);
        Object.assign(row, {
          'Option1 Value': sized ? SIZES[v % SIZES.length] + (v >= SIZES.length ? ` ${v}` : '') : `${pick(COLOURS)} ${v + 1}`,
          'Variant SKU': random() < 0.03 ? '' : `SYN-${p}-${v}`,
          'Variant Grams': missingWeight ? '0' : String(100 + Math.floor(random() * 900)),
          'Variant Inventory Tracker': 'shopify', 'Variant Inventory Qty': String(Math.floor(random() * 60) - 2),
          'Variant Inventory Policy': 'deny', 'Variant Fulfillment Service': 'manual', 'Variant Price': price,
          'Variant Compare At Price': random() < 0.2 ? (Number(price) * 1.3).toFixed(2) : '',
          'Variant Requires Shipping': 'TRUE', 'Variant Taxable': 'TRUE',
          'Variant Barcode': random() < 0.3 ? String(400638133393 + p * 10 + v).padStart(13, '0') : '',
          'Variant Weight Unit': 'g',
        });
      }
      if (v < images) {
        stats.imageRows++;
        const extension = random() < 0.02 ? 'webp' : 'jpg';
        Object.assign(row, {
          'Image Src': `https://cdn.example.com/p/${handle}-${v + 1}.${extension}`,
          'Image Position': String(v + 1), 'Image Alt Text': `${title} view ${v + 1}`,
        });
      }
      await write(toLine(row));
    }
    stats.products++;
  }
  out.end();
  await once(out, 'finish');
  return stats;
}
