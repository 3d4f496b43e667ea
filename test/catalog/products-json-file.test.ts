import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Product } from '../../src/catalog/product.js';
import { productsJsonFileSource } from '../../src/catalog/products-json.js';
import type { SourceIssue } from '../../src/catalog/source.js';
import { SourceError } from '../../src/errors.js';

async function readJsonFile(content: string) {
  const path = join(await mkdtemp(join(tmpdir(), 'shopshift-')), 'products.json');
  await writeFile(path, content);
  const products: Product[] = [];
  const issues: SourceIssue[] = [];
  for await (const product of productsJsonFileSource(path).read({ onIssue: (issue) => issues.push(issue) })) products.push(product);
  return { products, issues };
}

const product = (handle: string, extra: object = {}) => ({
  id: 7901998383254, title: `Tee ${handle}`, handle, body_html: '<p>Soft</p>', vendor: 'Acme', product_type: 'Shirts',
  tags: ['cotton', 'summer'], published_at: '2024-01-10T17:47:47-05:00',
  options: [{ name: 'Size', position: 1, values: ['S', 'M'] }],
  variants: [
    { id: 1, title: 'S', option1: 'S', option2: null, option3: null, sku: 'TEE-S', price: '19.00', compare_at_price: null, grams: 200, available: true, featured_image: null },
    { id: 2, title: 'M', option1: 'M', option2: null, option3: null, sku: '', price: '0.00', compare_at_price: '25.00', grams: 0, available: false, featured_image: { src: 'https://cdn.example/m.jpg' } },
  ],
  images: [{ id: 9, src: 'https://cdn.example/tee.jpg', position: 1, width: 1200, height: 1600 }],
  ...extra,
});

describe('products.json file source', () => {
  it('maps the storefront shape onto the catalog model', async () => {
    const { products } = await readJsonFile(JSON.stringify({ products: [product('tee')] }));
    const tee = products[0]!;
    expect(tee).toMatchObject({ handle: 'tee', sourceId: '7901998383254', status: 'active', tags: ['cotton', 'summer'], productType: 'Shirts' });
    expect(tee.options).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(tee.variants.map((v) => [v.sku, v.optionValues, v.price, v.compareAtPrice, v.available, v.weightGrams, v.imageSrc, v.inventoryQuantity])).toEqual([
      ['TEE-S', ['S'], '19.00', null, true, 200, '', null],
      ['', ['M'], '0.00', '25.00', false, 0, 'https://cdn.example/m.jpg', null],
    ]);
    expect(tee.images).toEqual([{ src: 'https://cdn.example/tee.jpg', position: 1, alt: '', width: 1200, height: 1600 }]);
  });

  it('reports a product that does not fit the shape by its position and reads the rest', async () => {
    const { products, issues } = await readJsonFile(JSON.stringify({ products: [product('a'), { title: 'no handle' }, product('c')] }));
    expect(products.map((p) => p.handle)).toEqual(['a', 'c']);
    expect(issues).toEqual([{ line: null, message: 'Product #2 skipped: handle: Invalid input: expected string, received undefined.' }]);
  });

  it('refuses a file that is not JSON', async () => {
    await expect(readJsonFile('{"products": [ {"handle": "a"')).rejects.toThrow(SourceError);
    await expect(readJsonFile('<html>')).rejects.toThrow(/is not valid JSON/);
  });

  it('refuses JSON without a products list', async () => {
    await expect(readJsonFile('{"items": []}')).rejects.toThrow(/has no products: expected a storefront products.json page/);
  });
});
