import { describe, expect, it } from 'vitest';
import { sellerSkuOf, toProductBody } from '../../src/migration/product-body.js';
import { makeProduct, makeVariant } from '../support/catalog.js';

const settings = {
  categoryId: '600024', currency: 'USD', warehouseId: 'WH-1', defaultPackage: null,
  packageMetafield: 'shopshift.package_dimensions', idempotencyKey: 'shop-1:mug',
};

describe('toProductBody', () => {
  it('builds the create body from the product and its uploaded images', () => {
    const body = toProductBody(makeProduct(), ['tos-uri-1'], settings);
    expect(body).toMatchObject({
      title: 'Stoneware Mug, Speckled Glaze, 350 ml',
      category_id: '600024',
      main_images: [{ uri: 'tos-uri-1' }],
      package_weight: { value: '0.450', unit: 'KILOGRAM' },
      package_dimensions: { length: '12', width: '12', height: '12', unit: 'CENTIMETER' },
      external_product_id: 'stoneware-mug',
      save_mode: 'LISTING',
      idempotency_key: 'shop-1:mug',
    });
    expect(body.skus).toEqual([{ seller_sku: 'MUG-001', price: { amount: '24.00', currency: 'USD' }, inventory: [{ warehouse_id: 'WH-1', quantity: 12 }] }]);
  });

  it('sends options as sales attributes, barcodes as identifier codes, and the heaviest variant as package weight', () => {
    const product = makeProduct({
      options: [{ name: 'Size', values: ['S', 'L'] }],
      variants: [
        makeVariant({ sku: 'TEE-S', optionValues: ['S'], weightGrams: 180, barcode: '012345678905' }),
        makeVariant({ sku: 'TEE-L', position: 2, optionValues: ['L'], weightGrams: 240, barcode: '4006381333931', inventoryQuantity: -3 }),
      ],
    });
    const body = toProductBody(product, ['u'], settings);
    expect(body.skus.map((sku) => [sku.sales_attributes, sku.identifier_code, sku.inventory[0]?.quantity])).toEqual([
      [[{ name: 'Size', value_name: 'S' }], { code: '012345678905', type: 'UPC' }, 12],
      [[{ name: 'Size', value_name: 'L' }], { code: '4006381333931', type: 'EAN' }, 0],
    ]);
    expect(body.package_weight.value).toBe('0.240');
  });

  it('rounds package sides up to whole numbers and falls back to the default size', () => {
    const product = makeProduct({ metafields: {} });
    expect(toProductBody(product, ['u'], settings).package_dimensions).toBeUndefined();
    const body = toProductBody(product, ['u'], { ...settings, defaultPackage: { length: 20.2, width: 15, height: 9.5, unit: 'CENTIMETER' } });
    expect(body.package_dimensions).toEqual({ length: '21', width: '15', height: '10', unit: 'CENTIMETER' });
  });

  it('keeps at most nine main images', () => {
    expect(toProductBody(makeProduct(), Array.from({ length: 12 }, (_, i) => `u${i}`), settings).main_images).toHaveLength(9);
  });
});

describe('sellerSkuOf', () => {
  it('uses the Shopify SKU, or the handle and position for a variant without one', () => {
    const product = makeProduct();
    expect(sellerSkuOf(product, makeVariant({ sku: ' MUG-1 ' }))).toBe('MUG-1');
    expect(sellerSkuOf(product, makeVariant({ sku: '', position: 3 }))).toBe('stoneware-mug-3');
  });
});
