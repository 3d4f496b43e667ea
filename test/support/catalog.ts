import { emptyProduct, emptyVariant, type Product, type Variant } from '../../src/catalog/product.js';

/** A variant that passes every rule; override what a test is about. */
export function makeVariant(overrides: Partial<Variant> = {}): Variant {
  return {
    ...emptyVariant(1),
    sku: 'MUG-001',
    price: '24.00',
    inventoryQuantity: 12,
    inventoryTracked: true,
    inventoryPolicy: 'deny',
    weightGrams: 450,
    requiresShipping: true,
    taxable: true,
    ...overrides,
  };
}

/** A product that passes every rule under the default test context; override what a test is about. */
export function makeProduct(overrides: Partial<Product> = {}): Product {
  return {
    ...emptyProduct('stoneware-mug'),
    title: 'Stoneware Mug, Speckled Glaze, 350 ml',
    descriptionHtml: '<p>Wheel-thrown stoneware mug with a speckled glaze.</p><ul><li>350 ml</li><li>Dishwasher safe</li></ul>',
    vendor: 'Kiln & Co',
    productType: 'Mugs',
    status: 'active',
    published: true,
    giftCard: false,
    options: [{ name: 'Title', values: ['Default Title'] }],
    variants: [makeVariant({ optionValues: ['Default Title'] })],
    images: [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 1200, height: 1200 }],
    metafields: { 'shopshift.package_dimensions': '12 x 12 x 12 cm' },
    line: 2,
    ...overrides,
  };
}
