import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { SourceError } from '../errors.js';
import type { Logger } from '../log.js';
import { ShopifyAdminError, SINGLE_QUERY_COST_LIMIT, type ShopifyAdminClient } from '../shopify/admin-client.js';
import { fetchWithLimits, safeUrlLabel, unexpectedStatusError, type FetchLimits } from './http-fetch.js';
import { emptyProduct, emptyVariant, productStatusSchema, type Image, type InvalidValue, type Product, type Variant } from './product.js';
import type { CatalogSource, ReadOptions } from './source.js';
import { readDecimal } from './values.js';

export interface ShopifyGraphqlOptions {
  /** Products per page (SHOPIFY_PAGE_SIZE), at most 250; lowered when a page would cost more than 1,000 points or the bucket. */
  pageSize?: number;
  /** Above this many products (SHOPIFY_BULK_THRESHOLD) the catalog is read with one bulk operation instead of pages. */
  bulkThreshold?: number;
  /** Variants and images asked for with each product; a product with more gets the rest by nested paging. */
  variantsPerProduct?: number;
  mediaPerProduct?: number;
  /** Only products updated since this instant (Shopify's `updated_at:>=` search), for the count, the pages and a bulk operation alike. */
  updatedSince?: Date;
  /** Product metafield ("namespace.key") holding the package size, read into `metafields`; null: none. */
  packageMetafield?: string | null;
  /** Limits for downloading a bulk operation's JSONL file (its URL is signed: no token is sent). */
  download: FetchLimits;
  /** Between polls of a running bulk operation. */
  bulkPollMs?: number;
  /** Gives up on a bulk operation that has not finished by then. */
  bulkTimeoutMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Logger;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 250;
const DEFAULT_BULK_THRESHOLD = 2000;
const DEFAULT_VARIANTS_PER_PRODUCT = 5;
const DEFAULT_MEDIA_PER_PRODUCT = 5;

/*
 * Requested cost by Shopify's rules (shopify.md §3): an object 1, a scalar or enum 0, a connection
 * 2 + first × its node. These figures mirror the field lists below and are used to size pages.
 */
/** ProductVariant, selectedOptions, inventoryItem, measurement, weight. */
const VARIANT_COST = 5;
/** The media node and its image. */
const MEDIA_COST = 2;
/** Product, category, seo, options, optionValues, variantsCount, mediaCount (+ the metafield when asked). */
const PRODUCT_OBJECT_COST = 7;
const CONNECTION_COST = 2;

const VARIANT_FIELDS = `id sku barcode position price compareAtPrice inventoryQuantity inventoryPolicy availableForSale taxable
  selectedOptions { name value }
  inventoryItem { tracked requiresShipping measurement { weight { unit value } } }`;
const MEDIA_FIELDS = `id mediaContentType alt ... on MediaImage { image { url width height altText } }`;
const PRODUCT_FIELDS = `id handle title descriptionHtml vendor productType tags status isGiftCard publishedAt
  category { id fullName } seo { title description } options { name optionValues { name } }`;

/** Shopify's search syntax for the filter in the options; null reads the whole catalog. */
export function productSearch(options: Pick<ShopifyGraphqlOptions, 'updatedSince'>): string | null {
  if (!options.updatedSince) return null;
  // Shopify keeps updated_at in whole seconds: from the start of the second, so a product changed later in it is not missed.
  const since = new Date(Math.floor(options.updatedSince.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return `updated_at:>='${since}'`;
}

function productsQuery(withMetafield: boolean, withSearch: boolean): string {
  return `query ShopshiftProducts($first: Int!, $after: String, $variants: Int!, $media: Int!${withMetafield ? ', $ns: String!, $key: String!' : ''}${withSearch ? ', $search: String!' : ''}) {
  products(first: $first, after: $after${withSearch ? ', query: $search' : ''}) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${PRODUCT_FIELDS}
      ${withMetafield ? 'packageMetafield: metafield(namespace: $ns, key: $key) { value }' : ''}
      variantsCount { count }
      mediaCount { count }
      variants(first: $variants) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }
      media(first: $media) { pageInfo { hasNextPage endCursor } nodes { ${MEDIA_FIELDS} } }
    }
  }
}`;
}

const MORE_VARIANTS_QUERY = `query ShopshiftProductVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) { variants(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } } }
}`;
const MORE_MEDIA_QUERY = `query ShopshiftProductMedia($id: ID!, $first: Int!, $after: String) {
  product(id: $id) { media(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${MEDIA_FIELDS} } } }
}`;
// Capped by Shopify (10,000 by default in recent versions), which is enough to choose between pages and a bulk operation.
const COUNT_QUERY = 'query ShopshiftProductsCount { productsCount { count } }';
const FILTERED_COUNT_QUERY = 'query ShopshiftProductsCount($search: String!) { productsCount(query: $search) { count } }';

function bulkQuery(metafield: { namespace: string; key: string } | null, search: string | null): string {
  const metafieldField = metafield
    ? `packageMetafield: metafield(namespace: ${JSON.stringify(metafield.namespace)}, key: ${JSON.stringify(metafield.key)}) { value }`
    : '';
  return `{ products${search === null ? '' : `(query: ${JSON.stringify(search)})`} { edges { node {
  ${PRODUCT_FIELDS}
  ${metafieldField}
  variants { edges { node { ${VARIANT_FIELDS} } } }
  media { edges { node { ${MEDIA_FIELDS} } } }
} } } }`;
}

const BULK_RUN_MUTATION = `mutation ShopshiftBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}`;
const BULK_POLL_QUERY = `query ShopshiftBulkPoll($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl } }
}`;

// ---------------------------------------------------------------------------------------------------------------
// The Admin API shapes (shopify.md §2) and their mapping onto the catalog model

const text = z.string().nullish().transform((value) => value ?? '');
const money = z.union([z.string(), z.number()]).nullish().transform((value) => (value === null || value === undefined ? null : String(value)));

export const adminVariantSchema = z.looseObject({
  id: z.string(),
  sku: text,
  barcode: text,
  position: z.number().int().nullish(),
  price: money,
  compareAtPrice: money,
  inventoryQuantity: z.number().int().nullish(),
  inventoryPolicy: z.string().nullish(),
  availableForSale: z.boolean().nullish(),
  taxable: z.boolean().nullish(),
  selectedOptions: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
  inventoryItem: z
    .object({
      tracked: z.boolean().nullish(),
      requiresShipping: z.boolean().nullish(),
      measurement: z.object({ weight: z.object({ unit: z.string(), value: z.number() }).nullish() }).nullish(),
    })
    .nullish(),
});
export type AdminVariant = z.infer<typeof adminVariantSchema>;

export const adminMediaSchema = z.looseObject({
  id: z.string().nullish(),
  mediaContentType: z.string().nullish(),
  alt: z.string().nullish(),
  image: z
    .object({ url: z.string(), width: z.number().int().nullish(), height: z.number().int().nullish(), altText: z.string().nullish() })
    .nullish(),
});
export type AdminMedia = z.infer<typeof adminMediaSchema>;

export const adminProductSchema = z.looseObject({
  id: z.string(),
  handle: z.string(),
  title: text,
  descriptionHtml: text,
  vendor: text,
  productType: text,
  tags: z.array(z.string()).nullish(),
  status: z.string().nullish(),
  isGiftCard: z.boolean().nullish(),
  publishedAt: z.string().nullish(),
  category: z.object({ id: z.string().nullish(), fullName: z.string() }).nullish(),
  seo: z.object({ title: z.string().nullish(), description: z.string().nullish() }).nullish(),
  options: z.array(z.object({ name: z.string(), optionValues: z.array(z.object({ name: z.string() })).nullish() })).nullish(),
  packageMetafield: z.object({ value: z.string().nullish() }).nullish(),
});
export type AdminProduct = z.infer<typeof adminProductSchema>;

const GRAMS_PER_UNIT: Record<string, number> = { GRAMS: 1, KILOGRAMS: 1000, OUNCES: 28.349523125, POUNDS: 453.59237 };

/** A `Weight` in grams, to the milligram; null for a unit Shopify does not document. */
export function weightInGrams(weight: { unit: string; value: number }): number | null {
  const factor = GRAMS_PER_UNIT[weight.unit.toUpperCase()];
  return factor === undefined ? null : Math.round(weight.value * factor * 1000) / 1000;
}

/** The numeric id at the end of a GID (gid://shopify/Product/123 → "123"); other ids are kept as they are. */
export function numericId(gid: string): string {
  return /\/(\d+)(?:\?.*)?$/.exec(gid)?.[1] ?? gid;
}

function parsePackageMetafield(name: string | null | undefined): { namespace: string; key: string; name: string } | null {
  if (!name) return null;
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return null;
  return { namespace: name.slice(0, dot), key: name.slice(dot + 1), name };
}

function fromAdminVariant(raw: AdminVariant, position: number, options: readonly string[]): Variant {
  const variant = emptyVariant(position);
  const invalid: InvalidValue[] = variant.invalid;
  variant.sourceId = numericId(raw.id);
  variant.sku = raw.sku.trim();
  variant.barcode = raw.barcode.trim();
  const selected = new Map((raw.selectedOptions ?? []).map((option) => [option.name, option.value]));
  variant.optionValues = options.map((name) => selected.get(name) ?? '');
  variant.price = raw.price === null ? null : readDecimal(raw.price, 'Price', invalid);
  variant.compareAtPrice = raw.compareAtPrice === null ? null : readDecimal(raw.compareAtPrice, 'Compare-at price', invalid);
  variant.inventoryQuantity = raw.inventoryQuantity ?? null;
  const policy = raw.inventoryPolicy?.toLowerCase();
  variant.inventoryPolicy = policy === 'deny' || policy === 'continue' ? policy : null;
  variant.available = raw.availableForSale ?? null;
  variant.taxable = raw.taxable ?? null;
  variant.inventoryTracked = raw.inventoryItem?.tracked ?? null;
  variant.requiresShipping = raw.inventoryItem?.requiresShipping ?? null;
  const weight = raw.inventoryItem?.measurement?.weight;
  if (weight) {
    variant.weightGrams = weightInGrams(weight);
    if (variant.weightGrams === null) invalid.push({ field: 'Weight', value: `${weight.value} ${weight.unit}`, reason: 'unknown weight unit' });
  }
  return variant;
}

/** One Admin API product with all its variants and media onto the catalog model. */
export function fromAdminProduct(raw: AdminProduct, variants: readonly AdminVariant[], media: readonly AdminMedia[], packageMetafield?: string | null): Product {
  const product = emptyProduct(raw.handle);
  product.sourceId = numericId(raw.id);
  product.title = raw.title.trim();
  product.descriptionHtml = raw.descriptionHtml;
  product.vendor = raw.vendor.trim();
  product.productType = raw.productType.trim();
  product.category = raw.category ? { id: raw.category.id ?? null, name: raw.category.fullName } : null;
  product.tags = raw.tags ?? [];
  if (raw.status) {
    const status = productStatusSchema.safeParse(raw.status.toLowerCase());
    if (status.success) product.status = status.data;
    else product.invalid.push({ field: 'Status', value: raw.status, reason: 'not a known product status' });
  }
  product.published = raw.publishedAt === undefined ? null : raw.publishedAt !== null;
  product.giftCard = raw.isGiftCard ?? null;
  product.seoTitle = raw.seo?.title ?? '';
  product.seoDescription = raw.seo?.description ?? '';
  product.options = (raw.options ?? []).map((option) => ({ name: option.name, values: (option.optionValues ?? []).map((value) => value.name) }));
  const optionNames = product.options.map((option) => option.name);
  product.variants = variants.map((variant, index) => fromAdminVariant(variant, index + 1, optionNames));
  const images: Image[] = [];
  for (const item of media) {
    if (!item.image) continue;
    images.push({
      src: item.image.url,
      position: images.length + 1,
      alt: item.image.altText ?? item.alt ?? '',
      width: item.image.width ?? null,
      height: item.image.height ?? null,
    });
  }
  product.images = images;
  const metafieldValue = raw.packageMetafield?.value;
  if (packageMetafield && metafieldValue) product.metafields[packageMetafield] = metafieldValue;
  return product;
}

// ---------------------------------------------------------------------------------------------------------------
// Paging

const pageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() });
const nodesConnection = z.object({ pageInfo: pageInfoSchema, nodes: z.array(z.unknown()) });
const productsPageSchema = z.object({ products: nodesConnection });
const countSchema = z.object({ count: z.number().int().nonnegative() }).nullish();
const productNodeConnectionsSchema = z.looseObject({ variants: nodesConnection, media: nodesConnection, variantsCount: countSchema, mediaCount: countSchema });
const moreSchema = (field: 'variants' | 'media') =>
  z.object({ product: z.object({ [field]: nodesConnection }).nullable() });

function describeIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || 'product'}: ${first.message}` : 'invalid product';
}

function sourceIssueError(what: string, error: z.ZodError): SourceError {
  return new SourceError('SOURCE_NOT_A_CATALOG', `Shopify's answer to ${what} did not have the expected shape (${describeIssue(error)}).`);
}

/**
 * The store's catalog through the GraphQL Admin API (shopify.md §2–§4): cursor pages of products with
 * their first variants and media, the rest of a big product by nested paging, or, above
 * `bulkThreshold` products, one bulk operation whose JSONL file is streamed.
 */
export function shopifyGraphqlSource(client: ShopifyAdminClient, options: ShopifyGraphqlOptions): CatalogSource {
  return {
    kind: 'shopify-graphql',
    label: client.label,
    read: (readOptions) => readCatalog(client, options, readOptions ?? {}),
  };
}

async function* readCatalog(client: ShopifyAdminClient, options: ShopifyGraphqlOptions, readOptions: ReadOptions): AsyncGenerator<Product> {
  const search = productSearch(options);
  const { data } = await client.query<{ productsCount: { count: number } | null }>(
    search === null ? COUNT_QUERY : FILTERED_COUNT_QUERY,
    search === null ? {} : { search },
    { costKey: 'count', ...signalOf(readOptions) },
  );
  const count = data.productsCount?.count ?? 0;
  const threshold = options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD;
  options.log?.info({ products: count, mode: count > threshold ? 'bulk' : 'pages', ...(search === null ? {} : { search }) }, 'reading the Shopify catalog');
  if (count > threshold) yield* readBulk(client, options, readOptions);
  else yield* readPages(client, options, readOptions, count);
}

const signalOf = (readOptions: ReadOptions) => (readOptions.signal ? { signal: readOptions.signal } : {});

function clampInt(value: number, min: number, max: number): number {
  return Math.min(Math.max(Math.trunc(value), min), max);
}

interface PageSettings {
  pageSize: number;
  variantsPerProduct: number;
  mediaPerProduct: number;
  withMetafield: boolean;
}

/** The requested cost of a products page of `first` products, by the rules above. */
export function productsQueryCost(settings: PageSettings, first: number): number {
  const perProduct = PRODUCT_OBJECT_COST + (settings.withMetafield ? 1 : 0)
    + CONNECTION_COST + settings.variantsPerProduct * VARIANT_COST
    + CONNECTION_COST + settings.mediaPerProduct * MEDIA_COST;
  return CONNECTION_COST + first * perProduct;
}

/** The largest page whose requested cost stays within `budget` (the 1,000-point cap or a smaller bucket). */
export function productPageSize(settings: PageSettings, budget: number): number {
  const perProduct = productsQueryCost(settings, 1) - CONNECTION_COST;
  const fits = Math.floor((budget - CONNECTION_COST) / perProduct);
  return clampInt(Math.min(settings.pageSize, fits), 1, MAX_PAGE_SIZE);
}

async function* readPages(client: ShopifyAdminClient, options: ShopifyGraphqlOptions, readOptions: ReadOptions, expected: number): AsyncGenerator<Product> {
  const { onIssue, onProgress, signal } = readOptions;
  const metafield = parsePackageMetafield(options.packageMetafield);
  const settings: PageSettings = {
    pageSize: clampInt(options.pageSize ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    variantsPerProduct: clampInt(options.variantsPerProduct ?? DEFAULT_VARIANTS_PER_PRODUCT, 1, MAX_PAGE_SIZE),
    mediaPerProduct: clampInt(options.mediaPerProduct ?? DEFAULT_MEDIA_PER_PRODUCT, 1, MAX_PAGE_SIZE),
    withMetafield: metafield !== null,
  };
  const budget = () => Math.min(SINGLE_QUERY_COST_LIMIT, client.throttleStatus()?.maximumAvailable ?? SINGLE_QUERY_COST_LIMIT);
  let pageSize = productPageSize(settings, budget());
  const search = productSearch(options);
  const query = productsQuery(metafield !== null, search !== null);
  let after: string | null = null;
  let products = 0;
  let page = 0;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    // The last page asks only for what is left, so its cost does not hold back a full page's points.
    const remaining = expected - products;
    const first = remaining > 0 && remaining < pageSize ? remaining : pageSize;
    let data: unknown;
    try {
      ({ data } = await client.query<unknown>(
        query,
        {
          first, after, variants: settings.variantsPerProduct, media: settings.mediaPerProduct,
          ...(metafield ? { ns: metafield.namespace, key: metafield.key } : {}), ...(search === null ? {} : { search }),
        },
        { costKey: `products:${first}`, estimatedCost: productsQueryCost(settings, first), ...signalOf(readOptions) },
      ));
    } catch (error) {
      const smaller = smallerPage(error, pageSize);
      if (smaller === null) throw error;
      options.log?.info({ from: pageSize, to: smaller }, 'shopify page too costly; using smaller pages');
      pageSize = smaller;
      continue;
    }
    page++;
    const parsed = productsPageSchema.safeParse(data);
    if (!parsed.success) throw sourceIssueError(`the products query (page ${page})`, parsed.error);
    for (const [index, node] of parsed.data.products.nodes.entries()) {
      const product = await readPagedProduct(client, node, metafield?.name ?? null, readOptions);
      if (product === null) {
        onIssue?.({ line: null, page, message: `Product #${index + 1} on page ${page} skipped: it did not have the expected shape.` });
        continue;
      }
      products++;
      yield product;
    }
    onProgress?.({ bytesRead: 0, totalBytes: null, products });
    const { hasNextPage, endCursor } = parsed.data.products.pageInfo;
    if (!hasNextPage || !endCursor) break;
    after = endCursor;
  }
}

/** A smaller page size after Shopify refused a page for its cost, or null when the error is another one. */
function smallerPage(error: unknown, pageSize: number): number | null {
  if (!(error instanceof ShopifyAdminError) || pageSize <= 1) return null;
  if (error.requestedQueryCost !== null && error.maximumAvailable !== null) {
    const scaled = Math.floor((pageSize * error.maximumAvailable) / error.requestedQueryCost);
    return clampInt(Math.min(scaled, pageSize - 1), 1, pageSize - 1);
  }
  if (error.graphqlCode === 'MAX_COST_EXCEEDED') return Math.max(1, Math.floor(pageSize / 2));
  return null;
}

async function readPagedProduct(client: ShopifyAdminClient, node: unknown, packageMetafield: string | null, readOptions: ReadOptions): Promise<Product | null> {
  const product = adminProductSchema.safeParse(node);
  const connections = productNodeConnectionsSchema.safeParse(node);
  if (!product.success || !connections.success) return null;
  const { variants: firstVariants, media: firstMedia, variantsCount, mediaCount } = connections.data;
  const variants = await collect(client, product.data.id, 'variants', firstVariants, variantsCount?.count ?? null, adminVariantSchema, readOptions);
  const media = await collect(client, product.data.id, 'media', firstMedia, mediaCount?.count ?? null, adminMediaSchema, readOptions);
  return fromAdminProduct(product.data, variants, media, packageMetafield);
}

/** The nodes of a product's connection: those that came with the page, then the rest, page by page. */
async function collect<T>(
  client: ShopifyAdminClient,
  productId: string,
  field: 'variants' | 'media',
  first: z.infer<typeof nodesConnection>,
  /** From variantsCount/mediaCount: sizes the nested pages to what is left, so their cost is what they return. */
  total: number | null,
  schema: z.ZodType<T>,
  readOptions: ReadOptions,
): Promise<T[]> {
  const items: T[] = [];
  let received = 0;
  const take = (nodes: unknown[]) => {
    received += nodes.length;
    for (const node of nodes) {
      const parsed = schema.safeParse(node);
      if (parsed.success) items.push(parsed.data);
      else readOptions.onIssue?.({ line: null, message: `A ${field === 'variants' ? 'variant' : 'media item'} of product ${numericId(productId)} was skipped: ${describeIssue(parsed.error)}.` });
    }
  };
  take(first.nodes);
  let pageInfo = first.pageInfo;
  const nodeCost = field === 'variants' ? VARIANT_COST : MEDIA_COST;
  const maxPage = Math.min(MAX_PAGE_SIZE, Math.floor((SINGLE_QUERY_COST_LIMIT - 1 - CONNECTION_COST) / nodeCost));
  while (pageInfo.hasNextPage && pageInfo.endCursor) {
    const pageSize = total !== null && total > received ? Math.min(maxPage, total - received) : maxPage;
    const { data } = await client.query<unknown>(
      field === 'variants' ? MORE_VARIANTS_QUERY : MORE_MEDIA_QUERY,
      { id: productId, first: pageSize, after: pageInfo.endCursor },
      { costKey: `product-${field}:${pageSize}`, estimatedCost: 1 + CONNECTION_COST + pageSize * nodeCost, ...signalOf(readOptions) },
    );
    const parsed = moreSchema(field).safeParse(data);
    if (!parsed.success) throw sourceIssueError(`the ${field} of product ${numericId(productId)}`, parsed.error);
    const connection = parsed.data.product?.[field] as z.infer<typeof nodesConnection> | undefined;
    // The product was deleted between the page and this query: keep what was read.
    if (!connection) break;
    take(connection.nodes);
    pageInfo = connection.pageInfo;
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk operation

const bulkOperationSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  errorCode: z.string().nullish(),
  objectCount: z.union([z.string(), z.number()]).nullish(),
  fileSize: z.union([z.string(), z.number()]).nullish(),
  url: z.string().nullish(),
  partialDataUrl: z.string().nullish(),
});

const bulkRunSchema = z.object({
  bulkOperationRunQuery: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullable(),
    userErrors: z.array(z.object({ message: z.string() })).default([]),
  }),
});

async function startBulk(client: ShopifyAdminClient, query: string, readOptions: ReadOptions): Promise<string> {
  const { data } = await client.query<unknown>(BULK_RUN_MUTATION, { query }, { costKey: 'bulk-run', ...signalOf(readOptions) });
  const parsed = bulkRunSchema.safeParse(data);
  if (!parsed.success) throw sourceIssueError('the bulk operation request', parsed.error);
  const { bulkOperation, userErrors } = parsed.data.bulkOperationRunQuery;
  if (userErrors.length > 0 || !bulkOperation) {
    const busy = userErrors.some((error) => /already in progress/i.test(error.message));
    throw new ShopifyAdminError(
      200,
      busy
        ? 'Shopify is already running a bulk query for this app on the store; try again when it has finished.'
        : `Shopify refused to start the bulk export of the catalog: ${userErrors.map((error) => error.message).join('; ').slice(0, 300) || 'no reason given'}.`,
    );
  }
  return bulkOperation.id;
}

async function waitForBulk(client: ShopifyAdminClient, id: string, options: ShopifyGraphqlOptions, readOptions: ReadOptions): Promise<z.infer<typeof bulkOperationSchema>> {
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined));
  const pollMs = options.bulkPollMs ?? 2000;
  const timeoutMs = options.bulkTimeoutMs ?? 24 * 3_600_000;
  let waited = 0;
  for (;;) {
    const { data } = await client.query<{ node: unknown }>(BULK_POLL_QUERY, { id }, { costKey: 'bulk-poll', ...signalOf(readOptions) });
    const parsed = bulkOperationSchema.safeParse(data.node);
    if (!parsed.success) throw sourceIssueError('the bulk operation status', parsed.error);
    const operation = parsed.data;
    switch (operation.status) {
      case 'COMPLETED':
        return operation;
      case 'CREATED':
      case 'RUNNING':
        break;
      case 'FAILED': {
        if (operation.partialDataUrl) {
          options.log?.warn({ operation: id, errorCode: operation.errorCode, partialData: safeUrlLabel(operation.partialDataUrl) }, 'shopify bulk operation failed; partial data kept');
        }
        throw new ShopifyAdminError(
          200,
          `Shopify's bulk export of the catalog failed (${operation.errorCode ?? 'no error code'})` +
            `${operation.partialDataUrl ? '; Shopify kept partial data, but an audit needs the whole catalog' : ''}. Try again later.`,
        );
      }
      default:
        throw new ShopifyAdminError(200, `Shopify's bulk export of the catalog ended as ${operation.status} before it completed. Try again.`);
    }
    if (waited >= timeoutMs) throw new ShopifyAdminError(null, `Shopify's bulk export of the catalog did not finish within ${Math.round(timeoutMs / 60_000)} minutes.`);
    readOptions.onProgress?.({ bytesRead: 0, totalBytes: null, products: 0 });
    await sleep(pollMs, readOptions.signal);
    waited += pollMs;
  }
}

interface OpenProduct {
  line: string;
  children: string[];
}

const VARIANT_GID = 'gid://shopify/ProductVariant/';

/**
 * One bulk operation over the whole catalog (shopify.md §4), its JSONL read line by line.
 *
 * A child line (`__parentId`) comes after its parent but not necessarily right after it, so no
 * product is known to be complete before the file ends. Products are kept until then as their raw
 * JSON lines (ASCII strings take a byte a character in V8) and parsed one at a time as they are
 * emitted, in file order, so memory grows with the file: measured with the simulator, 10,000 products
 * (35k variants, 25k images) are a 27.5 MB file and hold 34 MB of heap when the first is emitted.
 * FETCH_MAX_BYTES bounds the file, and so the memory.
 */
async function* readBulk(client: ShopifyAdminClient, options: ShopifyGraphqlOptions, readOptions: ReadOptions): AsyncGenerator<Product> {
  const { onIssue, onProgress, signal } = readOptions;
  const metafield = parsePackageMetafield(options.packageMetafield);
  const id = await startBulk(client, bulkQuery(metafield, productSearch(options)), readOptions);
  options.log?.info({ operation: id }, 'shopify bulk operation started');
  const operation = await waitForBulk(client, id, options, readOptions);
  options.log?.info({ operation: id, objects: operation.objectCount, bytes: operation.fileSize }, 'shopify bulk operation completed');
  // No url: the query matched nothing.
  if (!operation.url) return;

  const response = await fetchWithLimits(operation.url, options.download, { service: 'shopify-bulk', accept: 'application/jsonl', ...(signal ? { signal } : {}) });
  if (response.status < 200 || response.status >= 300) {
    response.body.destroy();
    throw unexpectedStatusError(response.status, 'The bulk export file', 'shopify-bulk');
  }
  const totalBytes = response.contentLength ?? (operation.fileSize === null || operation.fileSize === undefined ? null : Number(operation.fileSize));
  let bytesRead = 0;
  response.body.on('data', (chunk: Buffer) => {
    bytesRead += chunk.length;
  });
  const open = new Map<string, OpenProduct>();
  let lineNumber = 0;
  const lines = createInterface({ input: response.body, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      lineNumber++;
      if (signal?.aborted) throw signal.reason;
      if (line.trim() === '') continue;
      let object: { id?: unknown; __parentId?: unknown };
      try {
        object = JSON.parse(line) as typeof object;
      } catch {
        onIssue?.({ line: lineNumber, message: `Line ${lineNumber} of the bulk export is not JSON; skipped.` });
        continue;
      }
      if (typeof object.__parentId === 'string') {
        const parent = open.get(object.__parentId);
        if (parent) parent.children.push(line);
        else onIssue?.({ line: lineNumber, message: `Line ${lineNumber} of the bulk export belongs to ${object.__parentId}, which came before no product line; skipped.` });
      } else if (typeof object.id === 'string') {
        open.set(object.id, { line, children: [] });
      }
      if (lineNumber % 1000 === 0) onProgress?.({ bytesRead, totalBytes, products: 0 });
    }
  } finally {
    lines.close();
    response.body.destroy();
  }

  let products = 0;
  for (const [productId, entry] of open) {
    open.delete(productId);
    const raw = adminProductSchema.safeParse(JSON.parse(entry.line));
    if (!raw.success) {
      onIssue?.({ line: null, message: `Product ${numericId(productId)} in the bulk export skipped: ${describeIssue(raw.error)}.` });
      continue;
    }
    const variants: AdminVariant[] = [];
    const media: AdminMedia[] = [];
    for (const childLine of entry.children) {
      const child = JSON.parse(childLine) as { id?: unknown };
      if (typeof child.id === 'string' && child.id.startsWith(VARIANT_GID)) {
        const variant = adminVariantSchema.safeParse(child);
        if (variant.success) variants.push(variant.data);
        else onIssue?.({ line: null, message: `A variant of product ${numericId(productId)} was skipped: ${describeIssue(variant.error)}.` });
      } else {
        const item = adminMediaSchema.safeParse(child);
        if (item.success) media.push(item.data);
      }
    }
    variants.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    products++;
    yield fromAdminProduct(raw.data, variants, media, metafield?.name ?? null);
    if (products % 1000 === 0) onProgress?.({ bytesRead, totalBytes, products });
  }
  onProgress?.({ bytesRead, totalBytes, products });
}
