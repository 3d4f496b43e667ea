import { parsePackageDimensions, type PackageDimensions } from '../catalog/package-dimensions.js';
import { salesOptions, type Product, type Variant } from '../catalog/product.js';
import { attributeValuesOf } from '../audit/category-requirements.js';
import type { CategoryRequirements } from '../store/store.js';
import type { ProductBody } from '../tiktok/api.js';

export interface BodySettings {
  categoryId: string;
  currency: string;
  warehouseId: string;
  defaultPackage: PackageDimensions | null;
  packageMetafield: string;
  idempotencyKey: string;
  /** The category's product attributes from TikTok's requirements (loadCategoryRequirements); none when they are not known. */
  attributes?: CategoryRequirements['attributes'];
}

const MAX_MAIN_IMAGES = 9;
const MAX_STOCK_PER_WRITE = 999_999;
const MAX_SELLER_SKU = 50;

/**
 * The seller SKU shopshift lists a variant under: its Shopify SKU, or for a variant without one a
 * stable stand-in from the handle and position, so every TikTok SKU can be traced back.
 */
export function sellerSkuOf(product: Product, variant: Variant): string {
  return variant.sku.trim() || `${product.handle}-${variant.position}`.slice(0, MAX_SELLER_SKU);
}

function identifierCode(barcode: string): NonNullable<ProductBody['skus'][number]['identifier_code']> | undefined {
  const code = barcode.trim();
  if (!/^\d+$/.test(code)) return undefined;
  const type = ({ 8: 'EAN', 12: 'UPC', 13: 'EAN', 14: 'GTIN' } as const)[code.length as 8 | 12 | 13 | 14];
  return type ? { code, type } : undefined;
}

function packageWeight(product: Product): ProductBody['package_weight'] {
  const grams = Math.max(0, ...product.variants.map((variant) => variant.weightGrams ?? 0));
  return { value: (grams / 1000).toFixed(3), unit: 'KILOGRAM' };
}

function packageDimensions(product: Product, settings: BodySettings): ProductBody['package_dimensions'] {
  const own = product.metafields[settings.packageMetafield];
  const size = (own ? parsePackageDimensions(own) : null) ?? settings.defaultPackage;
  if (!size) return undefined;
  // TikTok takes whole numbers; rounding up keeps the parcel from being declared smaller than it is.
  const side = (value: number) => String(Math.ceil(value));
  return { length: side(size.length), width: side(size.width), height: side(size.height), unit: size.unit };
}

/**
 * `product_attributes` (tiktok-shop.md §5) for the category's attributes the product gives values (attributeValuesOf):
 * a value in the attribute's list goes by its value id, another by name when the attribute is customizable, and one
 * TikTok would not take is left out (the audit's category-attribute-value reported it). A single-selection attribute
 * gets its first value. An attribute left with no value is not sent.
 */
export function productAttributesOf(product: Product, attributes: CategoryRequirements['attributes']): NonNullable<ProductBody['product_attributes']> {
  return attributes.flatMap((attribute) => {
    const byName = new Map(attribute.values.map((value) => [value.name.trim().toLowerCase(), value.id]));
    const values: ({ id: string } | { name: string })[] = [];
    const seen = new Set<string>();
    for (const value of attributeValuesOf(product, attribute.name).values) {
      const id = byName.get(value.toLowerCase());
      const entry = id !== undefined ? { id } : attribute.customizable ? { name: value } : null;
      const key = id !== undefined ? `id:${id}` : `name:${value.toLowerCase()}`;
      if (!entry || seen.has(key)) continue;
      seen.add(key);
      values.push(entry);
    }
    const sent = attribute.multiple ? values : values.slice(0, 1);
    return sent.length > 0 ? [{ id: attribute.id, values: sent }] : [];
  });
}

/** The create-product body (tiktok-shop.md §5) for a Shopify product whose images are already uploaded. */
export function toProductBody(product: Product, imageUris: readonly string[], settings: BodySettings): ProductBody {
  const options = salesOptions(product);
  const dimensions = packageDimensions(product, settings);
  const attributes = settings.attributes ? productAttributesOf(product, settings.attributes) : [];
  return {
    title: product.title.trim(),
    description: product.descriptionHtml,
    category_id: settings.categoryId,
    main_images: imageUris.slice(0, MAX_MAIN_IMAGES).map((uri) => ({ uri })),
    skus: product.variants.map((variant) => {
      const identifier = identifierCode(variant.barcode);
      return {
        seller_sku: sellerSkuOf(product, variant),
        price: { amount: variant.price ?? '0', currency: settings.currency },
        inventory: [{ warehouse_id: settings.warehouseId, quantity: Math.min(MAX_STOCK_PER_WRITE, Math.max(0, variant.inventoryQuantity ?? 0)) }],
        ...(options.length > 0
          ? { sales_attributes: options.map((option, index) => ({ name: option.name, value_name: variant.optionValues[index] ?? '' })) }
          : {}),
        ...(identifier ? { identifier_code: identifier } : {}),
        ...(variant.sourceId ? { external_sku_id: variant.sourceId } : {}),
      };
    }),
    package_weight: packageWeight(product),
    ...(dimensions ? { package_dimensions: dimensions } : {}),
    ...(attributes.length > 0 ? { product_attributes: attributes } : {}),
    external_product_id: product.sourceId ?? product.handle,
    save_mode: 'LISTING',
    idempotency_key: settings.idempotencyKey,
  };
}
