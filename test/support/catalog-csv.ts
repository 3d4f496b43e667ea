import { writeFile } from 'node:fs/promises';
import Papa from 'papaparse';

export interface TestCatalogOptions {
  products: number;
  imageHost: string;
  /** Every n-th product's title carries the simulator's banned word, so its review fails. */
  bannedEvery?: number;
  variantsPerProduct?: number;
}

const HEADER = [
  'Handle', 'Title', 'Body (HTML)', 'Vendor', 'Type', 'Option1 Name', 'Option1 Value', 'Variant SKU', 'Variant Grams',
  'Variant Inventory Tracker', 'Variant Inventory Qty', 'Variant Price', 'Image Src', 'Image Position',
  'Package size (product.metafields.shopshift.package_dimensions)', 'Status',
];

/** A Shopify export of products that pass every audit rule in the US, with images on a local host. */
export async function writeTestCatalog(path: string, { products, imageHost, bannedEvery = 0, variantsPerProduct = 2 }: TestCatalogOptions): Promise<void> {
  const rows: string[][] = [];
  for (let p = 0; p < products; p++) {
    const banned = bannedEvery > 0 && p % bannedEvery === bannedEvery - 1;
    for (let v = 0; v < variantsPerProduct; v++) {
      const first = v === 0;
      rows.push([
        `mug-${p}`, first ? `Stoneware Mug ${p}${banned ? ' replica' : ''}` : '', first ? `<p>Wheel-thrown mug number ${p}.</p>` : '',
        first ? 'Kiln & Co' : '', first ? 'Mugs' : '', first ? 'Size' : '', `Size ${v + 1}`, `MUG-${p}-${v}`, '350', 'shopify', '20',
        '24.00', first ? `${imageHost}/p/mug-${p}.png` : '', first ? '1' : '', first ? '12 x 12 x 10 cm' : '', first ? 'active' : '',
      ]);
    }
  }
  await writeFile(path, Papa.unparse([HEADER, ...rows], { newline: '\n' }));
}
