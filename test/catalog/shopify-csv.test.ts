import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringTextInput } from '../../src/catalog/file-input.js';
import type { Product } from '../../src/catalog/product.js';
import { shopifyCsvSource } from '../../src/catalog/shopify-csv.js';
import type { SourceIssue } from '../../src/catalog/source.js';
import { ShopshiftError } from '../../src/errors.js';

async function readCsv(text: string, chunkSize = 0): Promise<{ products: Product[]; issues: SourceIssue[] }> {
  const issues: SourceIssue[] = [];
  const products: Product[] = [];
  for await (const product of shopifyCsvSource(stringTextInput(text, 'test.csv', chunkSize)).read({ onIssue: (issue) => issues.push(issue) })) {
    products.push(product);
  }
  return { products, issues };
}

const OLD_HEADER = 'Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Barcode,Image Src,Image Position,Status';
const NEW_HEADER = 'Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,Status,SKU,Barcode,Option1 name,Option1 value,Price,Inventory quantity,Continue selling when out of stock,Weight value (grams),Product image URL,Image position';

describe('Shopify CSV source', () => {
  it('groups continuation rows with the same Handle into one product with its variants and images', async () => {
    const { products } = await readCsv(
      [
        OLD_HEADER,
        'tee,Classic Tee,<p>Soft</p>,Acme,Shirts,"cotton, summer",TRUE,Size,S,TEE-S,200,5,19.00,,https://cdn.example/tee-1.jpg,1,active',
        'tee,,,,,,,,M,TEE-M,210,0,19.00,,https://cdn.example/tee-2.jpg,2,',
        'tee,,,,,,,,,,,,,,https://cdn.example/tee-3.jpg,3,',
        'mug,Mug,<p>Big</p>,Acme,Mugs,,TRUE,Title,Default Title,MUG-1,400,3,12.50,4006381333931,,,draft',
      ].join('\n'),
    );
    expect(products.map((p) => p.handle)).toEqual(['tee', 'mug']);
    const [tee, mug] = products;
    expect(tee?.variants.map((v) => [v.sku, v.optionValues[0], v.price, v.inventoryQuantity, v.weightGrams])).toEqual([
      ['TEE-S', 'S', '19.00', 5, 200],
      ['TEE-M', 'M', '19.00', 0, 210],
    ]);
    expect(tee?.images.map((i) => i.position)).toEqual([1, 2, 3]);
    expect(tee?.options).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(tee?.tags).toEqual(['cotton', 'summer']);
    expect(mug?.status).toBe('draft');
    expect(mug?.variants[0]?.barcode).toBe('4006381333931');
  });

  it('reads the newer header set the same way', async () => {
    const { products } = await readCsv(
      [
        NEW_HEADER,
        'Classic Tee,tee,<p>Soft</p>,Acme,Apparel & Accessories > Clothing > Shirts,Shirts,cotton,TRUE,active,TEE-S,012345678905,Size,S,19.00,4,FALSE,200,https://cdn.example/tee.png,1',
        ',tee,,,,,,,,TEE-M,,,M,21.00,2,TRUE,210,,',
      ].join('\n'),
    );
    const tee = products[0]!;
    expect(tee.title).toBe('Classic Tee');
    expect(tee.category).toEqual({ id: null, name: 'Apparel & Accessories > Clothing > Shirts' });
    expect(tee.variants.map((v) => [v.sku, v.barcode, v.price, v.inventoryPolicy])).toEqual([
      ['TEE-S', '012345678905', '19.00', 'deny'],
      ['TEE-M', '', '21.00', 'continue'],
    ]);
    expect(tee.images[0]?.src).toBe('https://cdn.example/tee.png');
  });

  it('keeps quoted multi-line HTML, commas and doubled quotes intact and counts physical lines', async () => {
    const body = '<p>Line one, with a comma</p>\n<p>He said ""hello""</p>\r\n<ul><li>x</li></ul>';
    const { products } = await readCsv(
      [OLD_HEADER, `a,A,"${body}",V,T,,TRUE,Title,Default Title,A-1,1,1,1.00,,,,active`, 'b,B,,V,T,,TRUE,Title,Default Title,B-1,1,1,1.00,,,,active'].join('\n'),
    );
    expect(products[0]?.descriptionHtml).toBe('<p>Line one, with a comma</p>\n<p>He said "hello"</p>\r\n<ul><li>x</li></ul>');
    expect(products.map((p) => p.line)).toEqual([2, 5]);
  });

  it('drops a byte order mark before the first header', async () => {
    const { products } = await readCsv(`\ufeff${OLD_HEADER}\nmug,Mug,,,,,,,,MUG-1,,,9.00,,,,active`);
    expect(products[0]?.handle).toBe('mug');
  });

  it('reads CRLF line endings', async () => {
    const { products } = await readCsv(`${OLD_HEADER}\r\nmug,Mug,,,,,,,,MUG-1,,,9.00,,,,active\r\nmug,,,,,,,,,MUG-2,,,9.00,,,,\r\n`);
    expect(products[0]?.variants.map((v) => [v.sku, v.line])).toEqual([['MUG-1', 2], ['MUG-2', 3]]);
  });

  it('reports a row with the wrong number of fields by line and reads on', async () => {
    const { products, issues } = await readCsv(
      [OLD_HEADER, 'mug,Mug,,,,,,,,MUG-1,,,9.00,,,,active', 'oops,only,three', 'cup,Cup,,,,,,,,CUP-1,,,7.00,,,,active'].join('\n'),
    );
    expect(products.map((p) => p.handle)).toEqual(['mug', 'cup']);
    expect(issues).toEqual([{ line: 3, message: 'Broken row skipped: it has 3 fields where the header has 17.' }]);
  });

  it('reports an unterminated quote instead of crashing', async () => {
    const { products, issues } = await readCsv([OLD_HEADER, 'mug,Mug,,,,,,,,MUG-1,,,9.00,,,,active', 'cup,"Cup,,,,,,,,CUP-1,,,7.00,,,,active'].join('\n'));
    expect(products.map((p) => p.handle)).toEqual(['mug']);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.line).toBe(3);
    expect(issues[0]?.message).toMatch(/^Broken row skipped: /);
  });

  it('reports rows of a product that reappear after another product, rather than merging them silently', async () => {
    const { products, issues } = await readCsv(
      [OLD_HEADER, 'mug,Mug,,,,,,,,MUG-1,,,9.00,,,,active', 'cup,Cup,,,,,,,,CUP-1,,,7.00,,,,active', 'mug,,,,,,,,,MUG-2,,,9.00,,,,'].join('\n'),
    );
    expect(products.map((p) => p.variants.length)).toEqual([1, 1]);
    expect(issues[0]?.line).toBe(4);
    expect(issues[0]?.message).toContain('"mug" already ended');
  });

  it('derives a handle from the title when the Handle cell is empty, as Shopify imports do', async () => {
    const { products } = await readCsv(`${OLD_HEADER}\n,Crème Brûlée Dish,,,,,,,,D-1,,,9.00,,,,active`);
    expect(products[0]?.handle).toBe('creme-brulee-dish');
  });

  it('records unreadable values instead of dropping them', async () => {
    const { products } = await readCsv(`${OLD_HEADER}\nmug,Mug,,,,,maybe,,,MUG-1,heavy,lots,9.99.9,,,,active`);
    const product = products[0]!;
    expect(product.invalid).toEqual([{ field: 'Published', value: 'maybe', reason: 'not TRUE or FALSE' }]);
    expect(product.variants[0]?.invalid.map((i) => i.field)).toEqual(['Price', 'Inventory quantity', 'Weight (grams)']);
    expect(product.variants[0]?.price).toBeNull();
  });

  it('keeps metafield and unknown columns under metafields and extra', async () => {
    const { products } = await readCsv(
      'Handle,Title,Variant SKU,Variant Price,Material (product.metafields.custom.material),Google Shopping / Gender,Variant Tax Code,Cost per item\n' +
        'mug,Mug,MUG-1,9.00,Stoneware,unisex,P0000000,3.10',
    );
    const product = products[0]!;
    expect(product.metafields).toEqual({ 'custom.material': 'Stoneware' });
    expect(product.extra).toEqual({ 'Google Shopping / Gender': 'unisex' });
    expect(product.variants[0]?.extra).toEqual({ 'Variant Tax Code': 'P0000000', 'Cost per item': '3.10' });
  });

  it('reads the same products whatever the chunk boundaries, even inside multi-byte characters and quotes', async () => {
    const text = [
      OLD_HEADER,
      'tee,Tée « été » 👕,"<p>multi\nline</p>",V,T,,TRUE,Size,S,TEE-S,1,1,1.00,,,,active',
      'tee,,,,,,,,M,TEE-M,1,1,1.00,,,,',
      'mug,Mug,,,,,,,,MUG-1,,,9.00,,,,active',
    ].join('\n');
    const whole = await readCsv(text);
    for (const size of [1, 3, 7, 64]) {
      expect(await readCsv(text, size)).toEqual(whole);
    }
    expect(whole.products[0]?.title).toBe('Tée « été » 👕');
  });

  it('refuses a file that is not a product export', async () => {
    await expect(readCsv('name,email\nAda,ada@example.com')).rejects.toThrow(ShopshiftError);
    await expect(readCsv('name,email\nAda,ada@example.com')).rejects.toThrow(/neither a Handle nor a Title column/);
  });

  it('never throws anything but a ShopshiftError on arbitrary text, and reports what it skips', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (junk) => {
        try {
          await readCsv(`${OLD_HEADER}\n${junk}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ShopshiftError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
