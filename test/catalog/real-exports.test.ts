import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalogSource } from '../../src/catalog/open-source.js';
import type { Product } from '../../src/catalog/product.js';
import type { SourceIssue } from '../../src/catalog/source.js';
import { projectRoot } from '../../src/paths.js';

// Real exports live beside the clone (shared/data); CI has them, a bare checkout may not.
const DATA = process.env.SHOPSHIFT_SHARED_DATA ?? resolve(projectRoot, '../shared/data');
const haveData = existsSync(join(DATA, 'README.md'));
if (!haveData) console.warn(`Skipping the real-export tests: ${DATA} does not exist (set SHOPSHIFT_SHARED_DATA to its path).`);

const limits = { timeoutMs: 1000, maxBytes: 1 << 20, maxRetries: 0, retryBaseMs: 1, maxPages: 1, allowedPrivate: ['127.0.0.1/32'] };

async function readAll(file: string) {
  const products: Product[] = [];
  const issues: SourceIssue[] = [];
  for await (const product of openCatalogSource(join(DATA, file), limits).read({ onIssue: (issue) => issues.push(issue) })) products.push(product);
  const variants = products.flatMap((p) => p.variants);
  const images = products.flatMap((p) => p.images);
  return { products, issues, variants, images };
}

const countBy = <T>(items: T[], key: (item: T) => string) =>
  items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});

// The counts below are the independent ones in shared/data/README.md.
describe.skipIf(!haveData)('the real Shopify exports in shared/data', () => {
  it.each([
    ['shopify-sample-jewelry_old-columns.csv', 20, 23, 41, 39],
    ['jazzupco_export_old-columns.csv', 50, 735, 510, 510],
    ['stoneflame_export_new-columns.csv', 28, 28, 101, 101],
    ['vietjewelers_export_new-columns.csv', 1243, 1654, 1406, 1399],
  ])('%s: %i products, %i variants, %i image rows (%i distinct), nothing skipped', async (file, products, variants, imageRows, distinct) => {
    const read = await readAll(file);
    expect(read.issues).toEqual([]);
    expect(read.products).toHaveLength(products);
    expect(new Set(read.products.map((p) => p.handle)).size).toBe(products);
    expect(read.variants).toHaveLength(variants);
    expect(read.images).toHaveLength(imageRows);
    expect(new Set(read.images.map((i) => i.src)).size).toBe(distinct);
  });

  it('sample jewelry: every variant lacks a SKU, no price is zero, the longest title has 29 characters', async () => {
    const { variants, products } = await readAll('shopify-sample-jewelry_old-columns.csv');
    expect(variants.filter((v) => v.sku === '')).toHaveLength(23);
    expect(variants.filter((v) => Number(v.price) === 0)).toHaveLength(0);
    expect(Math.max(...products.map((p) => p.title.length))).toBe(29);
  });

  it('jazzupco: the "cushion" product has 96 variants, 6 variants lack a SKU, stock is not in the file', async () => {
    const { products, variants } = await readAll('jazzupco_export_old-columns.csv');
    expect(products.find((p) => p.handle === 'cushion')?.variants).toHaveLength(96);
    expect(products.filter((p) => p.variants.length === 1)).toHaveLength(4);
    expect(variants.filter((v) => v.sku === '')).toHaveLength(6);
    expect(variants.every((v) => v.inventoryQuantity === null)).toBe(true);
    expect(Math.max(...products.map((p) => p.descriptionHtml.length))).toBe(7445);
  });

  it('stoneflame: one variant each, six titles over 60 characters, metafield columns with non-ASCII labels recognised', async () => {
    const { products } = await readAll('stoneflame_export_new-columns.csv');
    expect(products.every((p) => p.variants.length === 1)).toBe(true);
    expect(products.filter((p) => [...p.title].length > 60)).toHaveLength(6);
    expect(products.flatMap((p) => Object.keys(p.extra)).filter((name) => name.includes('metafields'))).toEqual([]);
  });

  it('vietjewelers: statuses, products without images, SKU-less and zero-price variants match the file', async () => {
    const { products, variants } = await readAll('vietjewelers_export_new-columns.csv');
    expect(countBy(products, (p) => p.status ?? 'none')).toEqual({ active: 577, draft: 619, archived: 47 });
    expect(products.filter((p) => p.images.length === 0)).toHaveLength(538);
    expect(variants.filter((v) => v.sku === '')).toHaveLength(879);
    expect(variants.filter((v) => v.price !== null && Number(v.price) === 0)).toHaveLength(9);
    expect(products.filter((p) => p.descriptionHtml.trim() === '')).toHaveLength(142);
    expect(products.find((p) => p.handle === 'nhẫn-1')?.variants).toHaveLength(12);
  });

  it('annie-thompson products.json: 184 products, 659 variants, 762 images and their traits', async () => {
    const { products, variants, images, issues } = await readAll('annie-thompson_products-page1.json');
    expect(issues).toEqual([]);
    expect(products).toHaveLength(184);
    expect(variants).toHaveLength(659);
    expect(images).toHaveLength(762);
    expect(variants.filter((v) => v.sku === '')).toHaveLength(421);
    expect(variants.filter((v) => v.price === '0.00')).toHaveLength(2);
    expect(variants.filter((v) => v.available === false)).toHaveLength(313);
    expect(products.filter((p) => p.images.length === 0)).toHaveLength(4);
    expect(products.filter((p) => p.productType === '')).toHaveLength(7);
    expect(Math.max(...products.map((p) => p.variants.length))).toBe(17);
  });
});
