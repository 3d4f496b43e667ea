import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pipeline, type Readable } from 'node:stream';
import { z } from 'zod';
import { SourceError } from '../errors.js';
import { emptyProduct, emptyVariant, productStatusSchema, type InvalidValue, type Product } from './product.js';
import { weightInGrams } from './shopify-graphql.js';
import type { CatalogSource, ReadOptions } from './source.js';
import { readDecimal } from './values.js';

// stream-json ships CommonJS only.
const require = createRequire(import.meta.url);
const { parser: jsonParser } = require('stream-json') as typeof import('stream-json');
const { pick } = require('stream-json/filters/Pick') as typeof import('stream-json/filters/Pick.js');
const { streamArray } = require('stream-json/streamers/StreamArray') as typeof import('stream-json/streamers/StreamArray.js');

const id = z.union([z.string(), z.number()]).transform(String);
const text = z.string().nullish().transform((value) => value ?? '');
const price = z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined ? null : String(value)));

/**
 * The storefront `/products.json` shape (shopify.md §7): prices are strings, tags a list. The REST
 * product of a `products/*` webhook (§5) has the same fields plus status, stock, barcode, weight unit
 * and category, and tags as one comma-separated string; both are read here.
 */
export const storefrontProductSchema = z.object({
  id: id.optional(),
  title: text,
  handle: z.string(),
  body_html: text,
  vendor: text,
  product_type: text,
  published_at: z.string().nullish(),
  tags: z.union([z.array(z.string()), z.string()]).nullish(),
  /** Webhooks only: active, draft, archived or unlisted. */
  status: z.string().nullish(),
  /** Webhooks in newer versions: the Standard Product Taxonomy category. */
  category: z.looseObject({ admin_graphql_api_id: z.string().nullish(), full_name: z.string().nullish() }).nullish(),
  variants: z.array(
    z.object({
      id: id.optional(),
      title: text,
      option1: z.string().nullish(),
      option2: z.string().nullish(),
      option3: z.string().nullish(),
      sku: text,
      barcode: z.string().nullish(),
      requires_shipping: z.boolean().nullish(),
      taxable: z.boolean().nullish(),
      available: z.boolean().nullish(),
      price,
      compare_at_price: price,
      grams: z.number().nullish(),
      inventory_quantity: z.number().int().nullish(),
      inventory_policy: z.string().nullish(),
      /** "shopify" (or a fulfilment service) when stock is tracked, null when not; absent from products.json. */
      inventory_management: z.string().nullish(),
      weight: z.number().nullish(),
      weight_unit: z.string().nullish(),
      image_id: id.nullish(),
      featured_image: z.object({ src: z.string() }).passthrough().nullish(),
    }).passthrough(),
  ).default([]),
  images: z.array(
    z.object({
      id: id.optional(),
      src: z.string(),
      position: z.number().int().nullish(),
      alt: z.string().nullish(),
      width: z.number().int().nullish(),
      height: z.number().int().nullish(),
    }).passthrough(),
  ).default([]),
  options: z.array(z.object({ name: z.string(), values: z.array(z.string()).default([]) }).passthrough()).default([]),
}).passthrough();
export type StorefrontProduct = z.infer<typeof storefrontProductSchema>;

export function fromStorefrontProduct(raw: StorefrontProduct): Product {
  const product = emptyProduct(raw.handle);
  product.sourceId = raw.id ?? null;
  product.title = raw.title.trim();
  product.descriptionHtml = raw.body_html;
  product.vendor = raw.vendor.trim();
  product.productType = raw.product_type.trim();
  product.tags = typeof raw.tags === 'string' ? raw.tags.split(',').map((tag) => tag.trim()).filter(Boolean) : (raw.tags ?? []);
  product.category = raw.category?.full_name ? { id: raw.category.admin_graphql_api_id ?? null, name: raw.category.full_name } : null;
  // Only published products appear in products.json, so they are for sale; webhooks say.
  product.status = 'active';
  if (raw.status) {
    const status = productStatusSchema.safeParse(raw.status.toLowerCase());
    if (status.success) product.status = status.data;
    else {
      product.status = null;
      product.invalid.push({ field: 'Status', value: raw.status, reason: 'not a known product status' });
    }
  }
  product.published = raw.published_at ? true : null;
  product.options = raw.options.map((option) => ({ name: option.name, values: option.values }));
  product.images = raw.images.map((image) => ({
    src: image.src, position: image.position ?? null, alt: image.alt ?? '', width: image.width ?? null, height: image.height ?? null,
  }));
  const imageSrcById = new Map(raw.images.flatMap((image) => (image.id === undefined ? [] : [[image.id, image.src] as const])));
  product.variants = raw.variants.map((rawVariant, index) => {
    const variant = emptyVariant(index + 1);
    const invalid: InvalidValue[] = variant.invalid;
    variant.sourceId = rawVariant.id ?? null;
    variant.sku = rawVariant.sku.trim();
    variant.barcode = rawVariant.barcode?.trim() ?? '';
    variant.optionValues = [rawVariant.option1, rawVariant.option2, rawVariant.option3]
      .slice(0, product.options.length)
      .map((value) => value ?? '');
    variant.price = rawVariant.price === null ? null : readDecimal(rawVariant.price, 'Price', invalid);
    variant.compareAtPrice = rawVariant.compare_at_price === null ? null : readDecimal(rawVariant.compare_at_price, 'Compare-at price', invalid);
    variant.inventoryQuantity = rawVariant.inventory_quantity ?? null;
    const policy = rawVariant.inventory_policy?.toLowerCase();
    variant.inventoryPolicy = policy === 'deny' || policy === 'continue' ? policy : null;
    variant.inventoryTracked = rawVariant.inventory_management === undefined ? null : rawVariant.inventory_management !== null;
    variant.available = rawVariant.available ?? null;
    variant.weightGrams = rawVariant.grams ?? restWeightInGrams(rawVariant.weight, rawVariant.weight_unit);
    variant.requiresShipping = rawVariant.requires_shipping ?? null;
    variant.taxable = rawVariant.taxable ?? null;
    variant.imageSrc = rawVariant.featured_image?.src ?? (rawVariant.image_id ? imageSrcById.get(rawVariant.image_id) : undefined) ?? '';
    return variant;
  });
  return product;
}

const REST_WEIGHT_UNITS: Record<string, string> = { g: 'GRAMS', kg: 'KILOGRAMS', oz: 'OUNCES', lb: 'POUNDS' };

function restWeightInGrams(weight: number | null | undefined, unit: string | null | undefined): number | null {
  if (weight === null || weight === undefined || !unit) return null;
  const name = REST_WEIGHT_UNITS[unit.toLowerCase()];
  return name === undefined ? null : weightInGrams({ unit: name, value: weight });
}

function describeIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || 'product'}: ${first.message}` : 'invalid product';
}

/** Turns raw storefront objects into products; one that does not fit the shape is reported and skipped. */
export function* storefrontProducts(
  items: Iterable<unknown>,
  where: (position: number) => { line: null; page?: number; at: string },
  onIssue: ReadOptions['onIssue'],
): Generator<Product> {
  let position = 0;
  for (const item of items) {
    position++;
    const parsed = storefrontProductSchema.safeParse(item);
    if (parsed.success) {
      yield fromStorefrontProduct(parsed.data);
      continue;
    }
    const { line, page, at } = where(position);
    onIssue?.({ line, ...(page === undefined ? {} : { page }), message: `Product ${at} skipped: ${describeIssue(parsed.error)}.` });
  }
}

/** A products.json page saved to a file ({"products": [...]}), streamed product by product. */
export function productsJsonFileSource(path: string): CatalogSource {
  return {
    kind: 'products-json',
    label: path,
    read: (options) => readProductsJsonFile(path, options ?? {}),
  };
}

async function* readProductsJsonFile(path: string, { onIssue, onProgress, signal }: ReadOptions): AsyncGenerator<Product> {
  const size = await stat(path).then((info) => info.size, (error: NodeJS.ErrnoException) => {
    throw new SourceError('SOURCE_UNREADABLE', `Cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.code}.`, { cause: error });
  });
  const file = createReadStream(path);
  // pipeline() passes an error in any stage (a truncated file, say) on to the iteration below.
  const items = pipeline(file, jsonParser(), pick({ filter: 'products' }), streamArray(), () => {});
  let products = 0;
  let position = 0;
  try {
    for await (const { value } of items as Readable & AsyncIterable<{ key: number; value: unknown }>) {
      if (signal?.aborted) throw signal.reason;
      position++;
      const at = position;
      for (const product of storefrontProducts([value], () => ({ line: null, at: `#${at}` }), onIssue)) {
        products++;
        yield product;
      }
      if (position % 100 === 0) onProgress?.({ bytesRead: file.bytesRead, totalBytes: size, products });
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError('SOURCE_NOT_A_CATALOG', `${path} is not valid JSON: ${(error as Error).message}.`, { cause: error });
  } finally {
    file.destroy();
  }
  if (position === 0) {
    throw new SourceError('SOURCE_NOT_A_CATALOG', `${path} has no products: expected a storefront products.json page ({"products": [...]}).`);
  }
  onProgress?.({ bytesRead: size, totalBytes: size, products });
}
