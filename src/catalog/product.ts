import { z } from 'zod';

/** A cell or field the source could not turn into the model's type; kept so nothing is silently dropped. */
export const invalidValueSchema = z.object({
  field: z.string(),
  value: z.string(),
  reason: z.string(),
});
export type InvalidValue = z.infer<typeof invalidValueSchema>;

export const productStatusSchema = z.enum(['active', 'draft', 'archived', 'unlisted']);
export type ProductStatus = z.infer<typeof productStatusSchema>;

export const imageSchema = z.object({
  src: z.string(),
  position: z.number().int().nullable(),
  alt: z.string(),
  /** Pixel sizes are known from products.json and the Admin API, never from a CSV export. */
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
});
export type Image = z.infer<typeof imageSchema>;

export const optionSchema = z.object({
  name: z.string(),
  values: z.array(z.string()),
});
export type Option = z.infer<typeof optionSchema>;

export const variantSchema = z.object({
  /** 1-based order of the variant within its product. */
  position: z.number().int(),
  sourceId: z.string().nullable(),
  sku: z.string(),
  barcode: z.string(),
  /** Values aligned with `Product.options`; '' where the variant has none. */
  optionValues: z.array(z.string()),
  /** Decimal strings exactly as the store keeps them ("19.90"), in the catalog's currency. */
  price: z.string().nullable(),
  compareAtPrice: z.string().nullable(),
  /** null where the source does not publish stock (products.json). */
  inventoryQuantity: z.number().int().nullable(),
  inventoryTracked: z.boolean().nullable(),
  inventoryPolicy: z.enum(['deny', 'continue']).nullable(),
  available: z.boolean().nullable(),
  weightGrams: z.number().nullable(),
  requiresShipping: z.boolean().nullable(),
  taxable: z.boolean().nullable(),
  imageSrc: z.string(),
  metafields: z.record(z.string(), z.string()),
  /** Columns the model has no field for (cost, tax code, market prices…), by their canonical name. */
  extra: z.record(z.string(), z.string()),
  /** Physical line of the variant's row in a CSV source. */
  line: z.number().int().nullable(),
  invalid: z.array(invalidValueSchema),
});
export type Variant = z.infer<typeof variantSchema>;

export const categorySchema = z.object({
  /** Standard Product Taxonomy id (gid or short id) where the source gives one. */
  id: z.string().nullable(),
  /** Full path, e.g. "Apparel & Accessories > Jewelry > Rings". */
  name: z.string(),
});
export type Category = z.infer<typeof categorySchema>;

export const productSchema = z.object({
  handle: z.string(),
  sourceId: z.string().nullable(),
  title: z.string(),
  descriptionHtml: z.string(),
  vendor: z.string(),
  productType: z.string(),
  category: categorySchema.nullable(),
  tags: z.array(z.string()),
  status: productStatusSchema.nullable(),
  published: z.boolean().nullable(),
  giftCard: z.boolean().nullable(),
  options: z.array(optionSchema),
  variants: z.array(variantSchema),
  images: z.array(imageSchema),
  seoTitle: z.string(),
  seoDescription: z.string(),
  metafields: z.record(z.string(), z.string()),
  extra: z.record(z.string(), z.string()),
  /** Physical line where the product's first row starts in a CSV source. */
  line: z.number().int().nullable(),
  invalid: z.array(invalidValueSchema),
});
export type Product = z.infer<typeof productSchema>;

/** Shopify's value for a product with no real options: one option "Title" with the value "Default Title". */
export const DEFAULT_OPTION_VALUE = 'Default Title';

export function hasRealOptions(product: Product): boolean {
  return product.options.some((option) => option.values.some((value) => value !== DEFAULT_OPTION_VALUE));
}

/** The options a product sells by (TikTok Shop's sales attributes): none for a single "Default Title" variant. */
export function salesOptions(product: Product): Option[] {
  return hasRealOptions(product) ? product.options : [];
}

export function emptyProduct(handle: string): Product {
  return {
    handle, sourceId: null, title: '', descriptionHtml: '', vendor: '', productType: '', category: null,
    tags: [], status: null, published: null, giftCard: null, options: [], variants: [], images: [],
    seoTitle: '', seoDescription: '', metafields: {}, extra: {}, line: null, invalid: [],
  };
}

export function emptyVariant(position: number): Variant {
  return {
    position, sourceId: null, sku: '', barcode: '', optionValues: [], price: null, compareAtPrice: null,
    inventoryQuantity: null, inventoryTracked: null, inventoryPolicy: null, available: null, weightGrams: null,
    requiresShipping: null, taxable: null, imageSrc: '', metafields: {}, extra: {}, line: null, invalid: [],
  };
}
