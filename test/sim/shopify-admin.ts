import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema, defaultFieldResolver, getNamedType, graphql, graphqlSync, GraphQLError, isLeafType, isListType, isNonNullType, Kind, parse,
  validate, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLFieldResolver, type GraphQLNamedType,
  type GraphQLObjectType, type GraphQLInterfaceType, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { request } from 'undici';
import { seededRandom } from '../support/random.js';

/**
 * A local Shopify Admin GraphQL API on 127.0.0.1 (shared/reference/shopify.md §8): token check, a cost
 * bucket per app (token) with continuous refill, requested cost computed from the query, THROTTLED
 * answers, cursor paging, products with more variants than a page, the bulk operation lifecycle with a
 * JSONL file whose children follow their parents interleaved with other lines, and signed product
 * webhooks. Queries run through graphql-js over a schema that is a small subset of Shopify's.
 */

// ---------------------------------------------------------------------------------------------------------------
// Catalog

export interface SimVariant {
  id: string;
  title: string;
  sku: string;
  barcode: string;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  tracked: boolean;
  requiresShipping: boolean;
  taxable: boolean;
  selectedOptions: { name: string; value: string }[];
  weight: { unit: 'GRAMS' | 'KILOGRAMS' | 'OUNCES' | 'POUNDS'; value: number } | null;
}

export interface SimMedia {
  id: string;
  kind: 'IMAGE' | 'VIDEO';
  alt: string;
  image: { url: string; width: number; height: number; altText: string } | null;
}

export interface SimShopifyProduct {
  /** Numeric id as digits (may pass 2^53). */
  id: string;
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED' | 'UNLISTED';
  isGiftCard: boolean;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  category: { id: string; fullName: string; name: string } | null;
  seo: { title: string | null; description: string | null };
  options: { name: string; values: string[] }[];
  variants: SimVariant[];
  media: SimMedia[];
  /** "namespace.key" → value. */
  metafields: Record<string, string>;
}


const NOUNS = ['Mug', 'Candle', 'Cushion', 'Necklace', 'Ring', 'Tee', 'Hoodie', 'Vase', 'Planter', 'Lamp', 'Scarf', 'Bowl'];
const ADJECTIVES = ['Linen', 'Ceramic', 'Organic', 'Handmade', 'Vintage', 'Minimal', 'Woven', 'Recycled', 'Golden', 'Soft'];
const TYPES = ['Mugs', 'Jewelry', 'Apparel', 'Kitchen', 'Lighting'];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL', '4XL', '5XL', '6XL'];
const COLOURS = ['Sand', 'Ink', 'Sage', 'Rust', 'Cloud', 'Moss', 'Coral', 'Slate', 'Plum', 'Ochre', 'Teal', 'Rose', 'Mint', 'Navy', 'Gold',
  'Ash', 'Berry', 'Clay', 'Denim', 'Fern', 'Honey', 'Iris', 'Jade', 'Kelp', 'Lilac'];
const WEIGHT_UNITS = ['GRAMS', 'KILOGRAMS', 'OUNCES', 'POUNDS'] as const;
const CATEGORY = { id: 'gid://shopify/TaxonomyCategory/hg-11-2-3', fullName: 'Home & Garden > Kitchen & Dining > Drinkware > Mugs', name: 'Mugs' };
const STAMP = '2025-03-01T10:00:00Z';

/** Variants named by options: one "Default Title", up to ten sizes, or sizes × colours. */
export function simVariantOptions(count: number): { name: string; values: string[] }[] {
  if (count <= 1) return [{ name: 'Title', values: ['Default Title'] }];
  if (count <= SIZES.length) return [{ name: 'Size', values: SIZES.slice(0, count) }];
  const colours = Math.ceil(count / SIZES.length);
  if (colours > COLOURS.length) {
    const materials = Math.ceil(colours / COLOURS.length);
    return [
      { name: 'Size', values: SIZES },
      { name: 'Colour', values: COLOURS.slice(0, Math.min(colours, COLOURS.length)) },
      { name: 'Material', values: Array.from({ length: materials }, (_, i) => `Material ${i + 1}`) },
    ];
  }
  return [{ name: 'Size', values: SIZES }, { name: 'Colour', values: COLOURS.slice(0, colours) }];
}

function combinations(options: { name: string; values: string[] }[], count: number): { name: string; value: string }[][] {
  let combos: { name: string; value: string }[][] = [[]];
  for (const option of options) combos = combos.flatMap((combo) => option.values.map((value) => [...combo, { name: option.name, value }]));
  return combos.slice(0, count);
}

/** One generated product; the same (index, seed) always gives the same product. */
export function generateSimProduct(index: number, seed = 1, variantCount?: number): SimShopifyProduct {
  const random = seededRandom(seed * 1_000_003 + index);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const number = index + 1;
  const id = String(9_000_000_000_000 + number);
  const count = variantCount ?? 1 + Math.floor(random() * 6);
  const options = simVariantOptions(count);
  const unit = pick(WEIGHT_UNITS);
  const grams = 100 + Math.floor(random() * 900);
  const weightValue = unit === 'GRAMS' ? grams : unit === 'KILOGRAMS' ? grams / 1000 : unit === 'OUNCES' ? Math.round((grams / 28.349523125) * 100) / 100 : Math.round((grams / 453.59237) * 1000) / 1000;
  const variants: SimVariant[] = combinations(options, count).map((selected, at) => ({
    id: String(40_000_000_000_000 + number * 10_000 + at),
    title: count === 1 ? 'Default Title' : selected.map((option) => option.value).join(' / '),
    sku: `SIM-${number}-${at + 1}`,
    barcode: random() < 0.7 ? String(400_000_000_000 + number * 10_000 + at) : '',
    price: `${10 + Math.floor(random() * 40)}.${random() < 0.5 ? '00' : '90'}`,
    compareAtPrice: random() < 0.2 ? '59.00' : null,
    inventoryQuantity: Math.floor(random() * 50),
    inventoryPolicy: random() < 0.9 ? 'DENY' : 'CONTINUE',
    tracked: true,
    requiresShipping: true,
    taxable: true,
    selectedOptions: count === 1 ? [{ name: 'Title', value: 'Default Title' }] : selected,
    weight: { unit, value: weightValue },
  }));
  const images = 1 + Math.floor(random() * 4);
  const media: SimMedia[] = Array.from({ length: images }, (_, at) => ({
    id: String(50_000_000_000_000 + number * 100 + at),
    kind: 'IMAGE' as const,
    alt: '',
    image: { url: `https://cdn.shopify.com/s/files/1/sim/product-${number}-${at + 1}.jpg`, width: 1200, height: 1200, altText: `Product ${number} view ${at + 1}` },
  }));
  if (random() < 0.05) media.push({ id: String(50_000_000_000_000 + number * 100 + 99), kind: 'VIDEO', alt: 'Video', image: null });
  const roll = random();
  const status = roll < 0.85 ? 'ACTIVE' : roll < 0.97 ? 'DRAFT' : 'ARCHIVED';
  return {
    id,
    handle: `sim-product-${number}`,
    title: `${pick(ADJECTIVES)} ${pick(NOUNS)} ${number}`,
    descriptionHtml: `<p>A simulated product, number ${number}, made for testing catalog reads against the Shopify Admin API.</p>`,
    vendor: 'Sim Goods',
    productType: pick(TYPES),
    tags: ['sim', `batch-${index % 5}`],
    status,
    isGiftCard: false,
    publishedAt: status === 'ACTIVE' ? STAMP : null,
    createdAt: STAMP,
    updatedAt: STAMP,
    category: random() < 0.8 ? CATEGORY : null,
    seo: { title: null, description: null },
    options,
    variants,
    media,
    metafields: random() < 0.3 ? { 'shopshift.package_dimensions': '30 x 20 x 10 cm' } : {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// REST shape (webhooks)

const RAW_NUMBER = (digits: string) => `@@num:${digits}@@`;
const REST_WEIGHT_UNIT = { GRAMS: 'g', KILOGRAMS: 'kg', OUNCES: 'oz', POUNDS: 'lb' } as const;

/**
 * The product as a products/create or products/update webhook carries it (shopify.md §5): REST field
 * names, tags as one comma-separated string, ids as JSON numbers with all their digits, at most 100 variants.
 */
export function restProductJson(product: SimShopifyProduct): string {
  const images = product.media.filter((item) => item.image);
  const body = {
    id: RAW_NUMBER(product.id),
    title: product.title,
    body_html: product.descriptionHtml,
    vendor: product.vendor,
    product_type: product.productType,
    created_at: product.createdAt,
    handle: product.handle,
    updated_at: product.updatedAt,
    published_at: product.publishedAt,
    template_suffix: null,
    published_scope: 'global',
    tags: product.tags.join(', '),
    status: product.status.toLowerCase(),
    admin_graphql_api_id: `gid://shopify/Product/${product.id}`,
    category: product.category ? { admin_graphql_api_id: product.category.id, name: product.category.name, full_name: product.category.fullName } : null,
    variants: product.variants.slice(0, 100).map((variant, at) => ({
      id: RAW_NUMBER(variant.id),
      product_id: RAW_NUMBER(product.id),
      title: variant.title,
      price: variant.price,
      position: at + 1,
      inventory_policy: variant.inventoryPolicy.toLowerCase(),
      compare_at_price: variant.compareAtPrice,
      option1: variant.selectedOptions[0]?.value ?? null,
      option2: variant.selectedOptions[1]?.value ?? null,
      option3: variant.selectedOptions[2]?.value ?? null,
      created_at: product.createdAt,
      updated_at: product.updatedAt,
      taxable: variant.taxable,
      barcode: variant.barcode || null,
      fulfillment_service: 'manual',
      inventory_management: variant.tracked ? 'shopify' : null,
      requires_shipping: variant.requiresShipping,
      sku: variant.sku,
      weight: variant.weight?.value ?? 0,
      weight_unit: REST_WEIGHT_UNIT[variant.weight?.unit ?? 'GRAMS'],
      inventory_quantity: variant.inventoryQuantity,
      old_inventory_quantity: variant.inventoryQuantity,
      image_id: null,
      admin_graphql_api_id: `gid://shopify/ProductVariant/${variant.id}`,
    })),
    options: product.options.map((option, at) => ({ id: RAW_NUMBER(String(60_000_000_000 + at)), product_id: RAW_NUMBER(product.id), name: option.name, position: at + 1, values: option.values })),
    images: images.map((item, at) => ({
      id: RAW_NUMBER(item.id), product_id: RAW_NUMBER(product.id), position: at + 1, created_at: product.createdAt, updated_at: product.updatedAt,
      alt: item.image!.altText, width: item.image!.width, height: item.image!.height, src: item.image!.url, variant_ids: [],
      admin_graphql_api_id: `gid://shopify/ProductImage/${item.id}`,
    })),
  };
  return JSON.stringify(body).replace(/"@@num:(\d+)@@"/g, '$1');
}

// ---------------------------------------------------------------------------------------------------------------
// Schema

const SDL = /* GraphQL */ `
scalar Money
scalar URL
scalar DateTime
scalar UnsignedInt64

enum ProductStatus { ACTIVE ARCHIVED DRAFT UNLISTED }
enum WeightUnit { GRAMS KILOGRAMS OUNCES POUNDS }
enum ProductVariantInventoryPolicy { DENY CONTINUE }
enum MediaContentType { IMAGE VIDEO EXTERNAL_VIDEO MODEL_3D }
enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum CountPrecision { EXACT AT_LEAST }

interface Node { id: ID! }

type Query {
  products(first: Int, after: String, last: Int, before: String, query: String): ProductConnection!
  product(id: ID!): Product
  productsCount(query: String, limit: Int): Count
  node(id: ID!): Node
  currentBulkOperation(type: BulkOperationType): BulkOperation
}
type Mutation {
  bulkOperationRunQuery(query: String!, groupObjects: Boolean): BulkOperationRunQueryPayload
}
type Count { count: Int! precision: CountPrecision! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type ProductConnection { nodes: [Product!]! edges: [ProductEdge!]! pageInfo: PageInfo! }
type ProductEdge { cursor: String! node: Product! }
type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  handle: String!
  title: String!
  description: String!
  descriptionHtml: String!
  vendor: String!
  productType: String!
  tags: [String!]!
  status: ProductStatus!
  isGiftCard: Boolean!
  publishedAt: DateTime
  createdAt: DateTime!
  updatedAt: DateTime!
  category: TaxonomyCategory
  seo: SEO!
  options(first: Int): [ProductOption!]!
  variantsCount: Count
  mediaCount: Count
  variants(first: Int, after: String, last: Int, before: String): ProductVariantConnection!
  media(first: Int, after: String, last: Int, before: String): MediaConnection!
  metafield(namespace: String, key: String!): Metafield
}
type TaxonomyCategory implements Node { id: ID! fullName: String! name: String! }
type SEO { title: String description: String }
type ProductOption implements Node { id: ID! name: String! position: Int! values: [String!]! optionValues: [ProductOptionValue!]! }
type ProductOptionValue implements Node { id: ID! name: String! hasVariants: Boolean! }
type ProductVariantConnection { nodes: [ProductVariant!]! edges: [ProductVariantEdge!]! pageInfo: PageInfo! }
type ProductVariantEdge { cursor: String! node: ProductVariant! }
type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  sku: String
  barcode: String
  position: Int!
  price: Money!
  compareAtPrice: Money
  inventoryQuantity: Int
  inventoryPolicy: ProductVariantInventoryPolicy!
  availableForSale: Boolean!
  taxable: Boolean!
  selectedOptions: [SelectedOption!]!
  inventoryItem: InventoryItem!
}
type SelectedOption { name: String! value: String! }
type InventoryItem implements Node { id: ID! tracked: Boolean! requiresShipping: Boolean! measurement: InventoryItemMeasurement! }
type InventoryItemMeasurement implements Node { id: ID! weight: Weight }
type Weight { unit: WeightUnit! value: Float! }
type MediaConnection { nodes: [Media!]! edges: [MediaEdge!]! pageInfo: PageInfo! }
type MediaEdge { cursor: String! node: Media! }
interface Media { id: ID! alt: String mediaContentType: MediaContentType! }
type MediaImage implements Media & Node { id: ID! alt: String mediaContentType: MediaContentType! image: Image }
type Video implements Media & Node { id: ID! alt: String mediaContentType: MediaContentType! }
type Image { id: ID url: URL! width: Int height: Int altText: String }
type Metafield implements Node { id: ID! namespace: String! key: String! value: String! type: String! }
type BulkOperation implements Node {
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
  type: BulkOperationType!
}
type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }
type BulkOperationUserError { field: [String!] message: String! code: String }
`;

const schema = buildSchema(SDL);
const MAX_PAGE = 250;
const SINGLE_QUERY_LIMIT = 1000;
const MUTATION_COST = 10;

// ---------------------------------------------------------------------------------------------------------------
// Requested cost (shopify.md §3): scalar/enum 0, object 1, connection 2 + first × node, abstract = max over types

type Composite = GraphQLObjectType | GraphQLInterfaceType;

interface CostWalk {
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  errors: string[];
}

const isConnection = (type: GraphQLNamedType) => type.name.endsWith('Connection');

function argument(field: FieldNode, name: string, walk: CostWalk): unknown {
  const node = field.arguments?.find((arg) => arg.name.value === name);
  return node ? valueFromASTUntyped(node.value, walk.variables) : undefined;
}

function selectionCost(set: SelectionSetNode | undefined, type: Composite, walk: CostWalk): number {
  if (!set) return 0;
  let common = 0;
  const byType = new Map<string, number>();
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      common += fieldCost(selection, type, walk);
      continue;
    }
    const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments[selection.name.value] : selection;
    if (!fragment) continue;
    const condition = fragment.typeCondition?.name.value ?? type.name;
    const fragmentType = (schema.getType(condition) as Composite | undefined) ?? type;
    const cost = selectionCost(fragment.selectionSet, fragmentType, walk);
    if (condition === type.name) common += cost;
    else byType.set(condition, (byType.get(condition) ?? 0) + cost);
  }
  return common + Math.max(0, ...byType.values());
}

function fieldCost(field: FieldNode, parent: Composite, walk: CostWalk): number {
  const name = field.name.value;
  if (name.startsWith('__')) return 0;
  const definition = parent.getFields()[name];
  if (!definition) return 0;
  const named = getNamedType(definition.type);
  if (isLeafType(named)) return 0;
  if (!isConnection(named)) return 1 + selectionCost(field.selectionSet, named as Composite, walk);
  const first = argument(field, 'first', walk) ?? argument(field, 'last', walk);
  if (typeof first !== 'number') {
    walk.errors.push(`you must provide one of first or last (${name})`);
    return 2;
  }
  if (first > MAX_PAGE) walk.errors.push(`The ${argument(field, 'first', walk) === undefined ? 'last' : 'first'} argument on ${name} cannot exceed 250; use a bulk operation to read more.`);
  const connection = named as GraphQLObjectType;
  let perNode = 0;
  for (const selection of field.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.FIELD) continue;
    if (selection.name.value === 'nodes') {
      perNode = Math.max(perNode, 1 + selectionCost(selection.selectionSet, getNamedType(connection.getFields().nodes!.type) as Composite, walk));
    } else if (selection.name.value === 'edges') {
      const edgeType = getNamedType(connection.getFields().edges!.type) as GraphQLObjectType;
      for (const inner of selection.selectionSet?.selections ?? []) {
        if (inner.kind === Kind.FIELD && inner.name.value === 'node') {
          perNode = Math.max(perNode, 1 + selectionCost(inner.selectionSet, getNamedType(edgeType.getFields().node!.type) as Composite, walk));
        }
      }
    }
  }
  return 2 + first * perNode;
}

/** The requested cost of an operation, and the paging errors found on the way. */
export function requestedQueryCost(document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string): { cost: number; errors: string[] } {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
  }
  if (!operation) return { cost: 0, errors: [] };
  if (operation.operation === 'mutation') return { cost: MUTATION_COST * operation.selectionSet.selections.length, errors: [] };
  const walk: CostWalk = { fragments, variables, errors: [] };
  return { cost: selectionCost(operation.selectionSet, schema.getQueryType()!, walk), errors: walk.errors };
}

/** Counts what a query actually returned, by the same rules, as its fields resolve. */
function countingResolver(counter: { actual: number }): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const value = defaultFieldResolver(source, args, context, info);
    const named = getNamedType(info.returnType);
    if (value === null || value === undefined || isLeafType(named)) return value;
    const parent = info.parentType.name;
    if (parent.endsWith('Connection')) {
      if (info.fieldName === 'nodes' && Array.isArray(value)) counter.actual += value.length;
    } else if (parent.endsWith('Edge')) {
      if (info.fieldName === 'node') counter.actual += 1;
    } else if (isConnection(named)) {
      counter.actual += 2;
    } else {
      const list = isListType(isNonNullType(info.returnType) ? info.returnType.ofType : info.returnType);
      if (!list || (Array.isArray(value) && value.length > 0)) counter.actual += 1;
    }
    return value;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Server

export interface ShopifyAdminSimOptions {
  /** Generated products (default 0). */
  products?: number;
  seed?: number;
  /** Variant count per 0-based product index, for big products. */
  variantCounts?: Record<number, number>;
  accessToken?: string;
  shopDomain?: string;
  /** Versions answered as asked; any other falls forward to `fallbackVersion` (default 2025-10). */
  supportedVersions?: string[];
  fallbackVersion?: string;
  maximumAvailable?: number;
  restoreRate?: number;
  /** HTTP status of a THROTTLED answer (sources disagree; default 200). */
  throttleStatus?: 200 | 429;
  /** Polls of a bulk operation before it completes (default 2: CREATED → RUNNING → COMPLETED). */
  bulkPolls?: number;
  /** How bulk child lines are placed: right after their parent, or later among other lines (default). */
  bulkLayout?: 'grouped' | 'interleaved';
  webhookSecret?: string;
  /** Where sendWebhook posts by default. */
  webhookUrl?: string;
  /** Milliseconds, for the bucket's refill (default performance.now()). */
  clock?: () => number;
}

export type ShopifyAdminFault = { kind: 'status'; status: 429 | 500 | 503; retryAfter?: string };

export interface SimAdminRequest {
  at: number;
  operationName: string | null;
  status: number;
  throttled: boolean;
  requested: number;
  actual: number | null;
  /** Points left after the request. */
  available: number;
  fault?: number;
}

export interface SimBulkOperation {
  id: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'EXPIRED';
  query: string;
  polls: number;
  objectCount: number;
  rootObjectCount: number;
  errorCode: string | null;
  url: string | null;
  partialDataUrl: string | null;
  fileSize: number | null;
  createdAt: string;
  completedAt: string | null;
}

export interface SimShopifyWebhookDelivery {
  topic: string;
  body: string;
  headers: Record<string, string>;
  eventId: string;
  webhookId: string;
  /** The receiver's answer; null when it could not be reached. */
  status: number | null;
  answer: string;
}

export interface WebhookSendOptions {
  /** Signs with another secret, as a forger would. */
  forgeSignature?: boolean;
  /** Sends the same event again (same event id and body, a new webhook id), as Shopify's retries and duplicates do. */
  duplicateOf?: SimShopifyWebhookDelivery;
  url?: string;
  /** The newer `shopify-*` header names instead of `X-Shopify-*`. */
  lowerCaseHeaders?: boolean;
  omitHeaders?: string[];
}

export interface ShopifyAdminSim {
  /** The admin origin, as SHOPIFY_ADMIN_URL. */
  url: string;
  accessToken: string;
  shopDomain: string;
  webhookSecret: string;
  /** The catalog, in id order; tests may edit it between pages. */
  products: SimShopifyProduct[];
  requests: SimAdminRequest[];
  bulkOperations: SimBulkOperation[];
  webhooks: SimShopifyWebhookDelivery[];
  /** The bucket of the app (token) refilled to now. */
  bucket(token?: string): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  /** Takes points out of the app's bucket, as another query of the same app would. */
  drain(points: number, token?: string): void;
  setThrottleStatus(status: 200 | 429): void;
  /** The next `times` requests answer with the fault. */
  setFault(fault: ShopifyAdminFault, times?: number): void;
  /** The next bulk operation fails with this error code after its polls, keeping partial data. */
  failNextBulk(errorCode?: string): void;
  sendWebhook(topic: 'products/create' | 'products/update' | 'products/delete', product: SimShopifyProduct, options?: WebhookSendOptions): Promise<SimShopifyWebhookDelivery>;
  close(): Promise<void>;
}

interface Bucket {
  available: number;
  at: number;
}

const gid = (type: string, id: string) => `gid://shopify/${type}/${id}`;
const encodeCursor = (id: string) => Buffer.from(JSON.stringify({ last_id: id, v: 1 })).toString('base64url');
function decodeCursor(cursor: string): string | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { last_id?: unknown };
    return typeof value.last_id === 'string' && /^\d+$/.test(value.last_id) ? value.last_id : null;
  } catch {
    return null;
  }
}
const idOrder = (a: string, b: string) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);

const SEARCH_TERM = /^(updated_at|created_at):(>=|<=|>|<)?(?:'([^']*)'|"([^"]*)"|(\S+))$/;

/**
 * The `query` argument of products and productsCount, in the part of Shopify's search syntax the
 * simulator knows: terms such as `updated_at:>'2026-03-28T08:00:00Z'` on updated_at and created_at,
 * all of which must hold. Any other term is an error, so a test never passes on a filter ignored.
 */
export function simProductFilter(search: string | null | undefined): (product: SimShopifyProduct) => boolean {
  if (!search?.trim()) return () => true;
  const terms = search.trim().match(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g) ?? [];
  const tests = terms.map((term) => {
    const match = SEARCH_TERM.exec(term);
    const at = match ? Date.parse(match[3] ?? match[4] ?? match[5]!) : Number.NaN;
    if (!match || Number.isNaN(at)) throw new GraphQLError(`The simulator does not know the search term ${term}.`, { extensions: { code: 'BAD_REQUEST' } });
    const field = match[1] === 'updated_at' ? 'updatedAt' : 'createdAt';
    const compare = match[2] ?? '';
    return (product: SimShopifyProduct) => {
      const value = Date.parse(product[field]);
      if (compare === '>') return value > at;
      if (compare === '>=') return value >= at;
      if (compare === '<') return value < at;
      if (compare === '<=') return value <= at;
      return value === at;
    };
  });
  return (product) => tests.every((test) => test(product));
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

interface ExecContext {
  bulk: boolean;
}

function connection<T extends { id: string }>(items: readonly T[], args: PageArgs, context: ExecContext, toNode: (item: T) => unknown) {
  let start = 0;
  if (args.after) {
    const lastId = decodeCursor(args.after);
    if (lastId === null) throw new GraphQLError('Invalid cursor for current pagination sort.', { extensions: { code: 'BAD_REQUEST' } });
    start = items.findIndex((item) => idOrder(item.id, lastId) > 0);
    if (start === -1) start = items.length;
  }
  const size = context.bulk ? items.length : (args.first ?? args.last ?? 0);
  if (!context.bulk && size > MAX_PAGE) throw new GraphQLError('The first argument cannot exceed 250.', { extensions: { code: 'BAD_REQUEST' } });
  const slice = items.slice(start, start + size);
  return {
    nodes: () => slice.map(toNode),
    edges: () => slice.map((item) => ({ cursor: encodeCursor(item.id), node: toNode(item) })),
    pageInfo: {
      hasNextPage: start + slice.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice[0] ? encodeCursor(slice[0].id) : null,
      endCursor: slice.at(-1) ? encodeCursor(slice.at(-1)!.id) : null,
    },
  };
}

function variantNode(variant: SimVariant, position: number) {
  return {
    __typename: 'ProductVariant',
    id: gid('ProductVariant', variant.id),
    legacyResourceId: variant.id,
    title: variant.title,
    sku: variant.sku,
    barcode: variant.barcode || null,
    position,
    price: variant.price,
    compareAtPrice: variant.compareAtPrice,
    inventoryQuantity: variant.inventoryQuantity,
    inventoryPolicy: variant.inventoryPolicy,
    availableForSale: variant.inventoryQuantity > 0 || variant.inventoryPolicy === 'CONTINUE',
    taxable: variant.taxable,
    selectedOptions: variant.selectedOptions,
    inventoryItem: {
      id: gid('InventoryItem', variant.id),
      tracked: variant.tracked,
      requiresShipping: variant.requiresShipping,
      measurement: { id: gid('InventoryItemMeasurement', variant.id), weight: variant.weight },
    },
  };
}

function mediaNode(item: SimMedia) {
  return item.kind === 'IMAGE'
    ? { __typename: 'MediaImage', id: gid('MediaImage', item.id), alt: item.alt, mediaContentType: 'IMAGE', image: item.image ? { id: gid('ImageSource', item.id), ...item.image } : null }
    : { __typename: 'Video', id: gid('Video', item.id), alt: item.alt, mediaContentType: 'VIDEO' };
}

function productNode(product: SimShopifyProduct, context: ExecContext) {
  const variants = product.variants.map((variant, at) => ({ id: variant.id, variant, at }));
  return {
    __typename: 'Product',
    id: gid('Product', product.id),
    legacyResourceId: product.id,
    handle: product.handle,
    title: product.title,
    description: product.descriptionHtml.replace(/<[^>]*>/g, ''),
    descriptionHtml: product.descriptionHtml,
    vendor: product.vendor,
    productType: product.productType,
    tags: product.tags,
    status: product.status,
    isGiftCard: product.isGiftCard,
    publishedAt: product.publishedAt,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    category: product.category ? { __typename: 'TaxonomyCategory', ...product.category } : null,
    seo: product.seo,
    options: () =>
      product.options.map((option, at) => ({
        id: gid('ProductOption', `${product.id}${at}`),
        name: option.name,
        position: at + 1,
        values: option.values,
        optionValues: option.values.map((name, v) => ({ id: gid('ProductOptionValue', `${product.id}${at}${v}`), name, hasVariants: true })),
      })),
    variantsCount: { count: product.variants.length, precision: 'EXACT' },
    mediaCount: { count: product.media.length, precision: 'EXACT' },
    variants: (args: PageArgs) => connection(variants, args, context, (item) => variantNode(item.variant, item.at + 1)),
    media: (args: PageArgs) => connection(product.media, args, context, mediaNode),
    metafield: (args: { namespace?: string | null; key: string }) => {
      const name = args.namespace ? `${args.namespace}.${args.key}` : args.key;
      const value = product.metafields[name];
      return value === undefined ? null : { id: gid('Metafield', `${product.id}1`), namespace: name.split('.')[0], key: name.split('.').slice(1).join('.'), value, type: 'single_line_text_field' };
    },
  };
}

function bulkNode(operation: SimBulkOperation) {
  return {
    __typename: 'BulkOperation',
    ...operation,
    objectCount: String(operation.objectCount),
    rootObjectCount: String(operation.rootObjectCount),
    fileSize: operation.fileSize === null ? null : String(operation.fileSize),
    type: 'QUERY',
  };
}

/** Bulk queries: at least one connection, at most five, nested at most two deep (shopify.md §4). */
function checkBulkQuery(document: DocumentNode): string | null {
  let connections = 0;
  let deepest = 0;
  const walk = (set: SelectionSetNode | undefined, type: Composite, depth: number) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, (schema.getType(selection.typeCondition?.name.value ?? type.name) as Composite) ?? type, depth);
        continue;
      }
      if (selection.kind !== Kind.FIELD) continue;
      const definition = type.getFields()[selection.name.value];
      if (!definition) continue;
      const named = getNamedType(definition.type);
      if (isLeafType(named)) continue;
      const nested = isConnection(named) ? depth + 1 : depth;
      if (isConnection(named)) {
        connections++;
        deepest = Math.max(deepest, nested);
      }
      walk(selection.selectionSet, named as Composite, nested);
    }
  };
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return 'Invalid bulk query: no operation.';
  walk(operation.selectionSet, schema.getQueryType()!, 0);
  if (connections === 0) return 'Bulk queries must contain at least one connection.';
  if (connections > 5) return 'Bulk queries cannot contain more than 5 connections.';
  if (deepest > 2) return 'Bulk queries cannot contain connections with a nesting depth greater than 2.';
  return null;
}

/** One JSONL line per node; a nested connection's nodes become their own lines with `__parentId`. */
function flattenNode(node: Record<string, unknown>, set: SelectionSetNode | undefined, type: Composite, parentId: string | null, lines: Record<string, unknown>[][]): void {
  const line: Record<string, unknown> = { ...node };
  const children: Record<string, unknown>[][] = [];
  const fields: { key: string; field: FieldNode; type: Composite }[] = [];
  const collect = (selections: SelectionSetNode | undefined, on: Composite) => {
    for (const selection of selections?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push({ key: selection.alias?.value ?? selection.name.value, field: selection, type: on });
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, (schema.getType(selection.typeCondition?.name.value ?? on.name) as Composite) ?? on);
    }
  };
  collect(set, type);
  for (const { key, field, type: on } of fields) {
    const definition = on.getFields()[field.name.value];
    if (!definition) continue;
    const named = getNamedType(definition.type);
    if (!isConnection(named)) continue;
    delete line[key];
    const value = node[key] as { edges?: { node: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] } | null;
    const connectionType = named as GraphQLObjectType;
    const edgeSelection = field.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes'));
    if (!edgeSelection) continue;
    const childSet = edgeSelection.name.value === 'nodes'
      ? edgeSelection.selectionSet
      : edgeSelection.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'node')?.selectionSet;
    const childType = getNamedType(connectionType.getFields().nodes!.type) as Composite;
    const items = value?.nodes ?? value?.edges?.map((edge) => edge.node) ?? [];
    for (const item of items) {
      const nested: Record<string, unknown>[][] = [];
      flattenNode(item, childSet, childType, String(node.id), nested);
      children.push(...nested);
    }
  }
  if (parentId !== null) line.__parentId = parentId;
  lines.push([line], ...children);
}

export async function startShopifyAdminSim(options: ShopifyAdminSimOptions = {}): Promise<ShopifyAdminSim> {
  const accessToken = options.accessToken ?? 'shpat_sim_0123456789abcdef';
  const shopDomain = options.shopDomain ?? 'sim-shop.myshopify.com';
  const webhookSecret = options.webhookSecret ?? 'shpss_sim_secret';
  const supportedVersions = options.supportedVersions ?? ['2025-01', '2025-04', '2025-07', '2025-10', '2026-01', '2026-04'];
  const fallbackVersion = options.fallbackVersion ?? '2025-10';
  const maximumAvailable = options.maximumAvailable ?? 1000;
  const restoreRate = options.restoreRate ?? 50;
  const clock = options.clock ?? (() => performance.now());
  const seed = options.seed ?? 1;
  let throttleHttpStatus: 200 | 429 = options.throttleStatus ?? 200;
  const products: SimShopifyProduct[] = Array.from({ length: options.products ?? 0 }, (_, index) => generateSimProduct(index, seed, options.variantCounts?.[index]));
  const requests: SimAdminRequest[] = [];
  const bulkOperations: SimBulkOperation[] = [];
  const bulkFiles = new Map<string, string>();
  const webhooks: SimShopifyWebhookDelivery[] = [];
  const buckets = new Map<string, Bucket>();
  const faults: { fault: ShopifyAdminFault; left: number }[] = [];
  let failBulkWith: string | null = null;
  let url = '';

  function refill(token: string): Bucket {
    const now = clock();
    const bucket = buckets.get(token) ?? { available: maximumAvailable, at: now };
    bucket.available = Math.min(maximumAvailable, bucket.available + ((now - bucket.at) / 1000) * restoreRate);
    bucket.at = now;
    buckets.set(token, bucket);
    return bucket;
  }
  const throttleStatus = (bucket: Bucket) => ({ maximumAvailable, currentlyAvailable: Math.round(bucket.available * 1000) / 1000, restoreRate });

  const sorted = () => products.sort((a, b) => idOrder(a.id, b.id));
  const byGid = (id: string) => products.find((product) => gid('Product', product.id) === id);

  function advanceBulk(operation: SimBulkOperation): void {
    if (operation.status !== 'CREATED' && operation.status !== 'RUNNING') return;
    operation.polls++;
    const needed = options.bulkPolls ?? 2;
    if (operation.polls < needed) {
      operation.status = 'RUNNING';
      operation.objectCount = Math.round((operation.polls / needed) * products.length);
      return;
    }
    finishBulk(operation);
  }

  function bulkLines(operation: SimBulkOperation): Record<string, unknown>[] {
    const document = parse(operation.query);
    // Executed synchronously: every resolver here is.
    const result = executeSync(document, { bulk: true });
    const productsField = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? d.selectionSet.selections : []))
      .find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'products');
    const connectionValue = (result as { products?: { edges?: { node: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] } }).products;
    const edgeSelection = productsField?.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes'));
    const nodeSet = edgeSelection?.name.value === 'nodes'
      ? edgeSelection.selectionSet
      : edgeSelection?.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'node')?.selectionSet;
    const roots = connectionValue?.nodes ?? connectionValue?.edges?.map((edge) => edge.node) ?? [];
    const random = seededRandom(seed + 17);
    const out: Record<string, unknown>[] = [];
    const pending: Record<string, unknown>[] = [];
    for (const root of roots) {
      const groups: Record<string, unknown>[][] = [];
      flattenNode(root, nodeSet, schema.getType('Product') as GraphQLObjectType, null, groups);
      const [first, ...rest] = groups.flat();
      out.push(first!);
      if (options.bulkLayout === 'grouped') out.push(...rest);
      else {
        pending.push(...rest);
        // Children come after their parent, some right away and some after other products' lines.
        let release = Math.floor(random() * (pending.length + 1));
        while (release-- > 0 && pending.length > 0) out.push(pending.shift()!);
      }
    }
    out.push(...pending);
    operation.rootObjectCount = roots.length;
    return out;
  }

  function finishBulk(operation: SimBulkOperation): void {
    const lines = bulkLines(operation);
    const text = lines.map((line) => JSON.stringify(line)).join('\n') + (lines.length > 0 ? '\n' : '');
    operation.objectCount = lines.length;
    operation.completedAt = new Date().toISOString();
    const number = operation.id.split('/').at(-1)!;
    if (failBulkWith !== null) {
      operation.status = 'FAILED';
      operation.errorCode = failBulkWith;
      failBulkWith = null;
      const partial = lines.slice(0, Math.floor(lines.length / 2));
      bulkFiles.set(`${number}-partial`, partial.map((line) => JSON.stringify(line)).join('\n'));
      operation.partialDataUrl = `${url}/bulk/${number}-partial.jsonl?X-Goog-Signature=sim`;
      return;
    }
    operation.status = 'COMPLETED';
    operation.fileSize = Buffer.byteLength(text);
    bulkFiles.set(number, text);
    operation.url = lines.length > 0 ? `${url}/bulk/${number}.jsonl?X-Goog-Signature=sim` : null;
  }

  const root = {
    products: (args: PageArgs & { query?: string | null }, context: ExecContext) =>
      connection(sorted().filter(simProductFilter(args.query)), args, context, (product) => productNode(product, context)),
    product: (args: { id: string }, context: ExecContext) => {
      const product = byGid(args.id);
      return product ? productNode(product, context) : null;
    },
    productsCount: (args: { query?: string | null; limit?: number | null }) => {
      const limit = args.limit === undefined ? 10_000 : args.limit;
      const matching = products.filter(simProductFilter(args.query)).length;
      return { count: limit === null ? matching : Math.min(matching, limit), precision: limit !== null && matching > limit ? 'AT_LEAST' : 'EXACT' };
    },
    node: (args: { id: string }, context: ExecContext) => {
      const operation = bulkOperations.find((candidate) => candidate.id === args.id);
      if (operation) {
        advanceBulk(operation);
        return bulkNode(operation);
      }
      const product = byGid(args.id);
      return product ? productNode(product, context) : null;
    },
    currentBulkOperation: () => {
      const operation = bulkOperations.at(-1);
      if (!operation) return null;
      advanceBulk(operation);
      return bulkNode(operation);
    },
    bulkOperationRunQuery: (args: { query: string }) => {
      const running = bulkOperations.find((operation) => operation.status === 'CREATED' || operation.status === 'RUNNING');
      if (running) {
        return { bulkOperation: null, userErrors: [{ field: ['query'], message: `A bulk query operation for this app and shop is already in progress: ${running.id}.`, code: 'OPERATION_IN_PROGRESS' }] };
      }
      let document: DocumentNode;
      try {
        document = parse(args.query);
      } catch (error) {
        return { bulkOperation: null, userErrors: [{ field: ['query'], message: `Invalid bulk query: ${(error as Error).message}`, code: 'INVALID' }] };
      }
      const invalid = validate(schema, document)[0]?.message ?? checkBulkQuery(document);
      if (invalid) return { bulkOperation: null, userErrors: [{ field: ['query'], message: invalid, code: 'INVALID' }] };
      const operation: SimBulkOperation = {
        id: gid('BulkOperation', String(720_000_000 + bulkOperations.length + 1)), status: 'CREATED', query: args.query, polls: 0,
        objectCount: 0, rootObjectCount: 0, errorCode: null, url: null, partialDataUrl: null, fileSize: null,
        createdAt: new Date().toISOString(), completedAt: null,
      };
      bulkOperations.push(operation);
      return { bulkOperation: bulkNode(operation), userErrors: [] };
    },
  };

  function executeSync(document: DocumentNode, context: ExecContext): Record<string, unknown> {
    const result = graphqlSync({ schema, source: document.loc!.source, rootValue: root, contextValue: context });
    if (result.errors?.length) throw new Error(`bulk query failed in the simulator: ${result.errors[0]!.message}`);
    return (result.data ?? {}) as Record<string, unknown>;
  }

  function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    response.end(text);
  }

  async function serveGraphql(request: IncomingMessage, response: ServerResponse, version: string): Promise<void> {
    const served = supportedVersions.includes(version) ? version : fallbackVersion;
    const headers = { 'x-shopify-api-version': served, 'x-request-id': randomUUID() };
    const record = (entry: Omit<SimAdminRequest, 'at'>) => requests.push({ at: clock(), ...entry });
    const token = request.headers['x-shopify-access-token'];
    const fault = faults[0];
    if (fault) {
      if (--fault.left <= 0) faults.shift();
      const faultHeaders: Record<string, string> = { ...headers };
      if (fault.fault.retryAfter !== undefined) faultHeaders['retry-after'] = fault.fault.retryAfter;
      record({ operationName: null, status: fault.fault.status, throttled: false, requested: 0, actual: null, available: refill(String(token)).available, fault: fault.fault.status });
      sendJson(response, fault.fault.status, { errors: fault.fault.status === 429 ? 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' : 'Service Unavailable' }, faultHeaders);
      return;
    }
    if (token !== accessToken) {
      record({ operationName: null, status: 401, throttled: false, requested: 0, actual: null, available: 0 });
      sendJson(response, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, headers);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      sendJson(response, 400, { errors: { query: 'Required parameter missing or invalid' } }, headers);
      return;
    }
    const bucket = refill(token);
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    let document: DocumentNode;
    try {
      if (typeof body.query !== 'string') throw new GraphQLError('No query string was present');
      document = parse(body.query);
    } catch (error) {
      sendJson(response, 200, { errors: [{ message: (error as Error).message }], extensions: { cost: { requestedQueryCost: 0, actualQueryCost: 0, throttleStatus: throttleStatus(bucket) } } }, headers);
      return;
    }
    const name = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.name?.value ?? null;
    const invalid = validate(schema, document);
    const { cost: requested, errors: pagingErrors } = requestedQueryCost(document, variables, operationName);
    const costOf = (actual: number | null) => ({ cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(bucket) } });
    if (invalid.length > 0 || pagingErrors.length > 0) {
      const errors = [...invalid.map((error) => ({ message: error.message })), ...pagingErrors.map((message) => ({ message, extensions: { code: 'BAD_REQUEST' } }))];
      record({ operationName: name, status: 200, throttled: false, requested, actual: 0, available: bucket.available });
      sendJson(response, 200, { errors, extensions: costOf(0) }, headers);
      return;
    }
    if (requested > SINGLE_QUERY_LIMIT) {
      record({ operationName: name, status: 200, throttled: false, requested, actual: 0, available: bucket.available });
      sendJson(response, 200, {
        errors: [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_LIMIT}).`, extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: SINGLE_QUERY_LIMIT } }],
        extensions: costOf(null),
      }, headers);
      return;
    }
    if (bucket.available < requested - 1e-9) {
      record({ operationName: name, status: throttleHttpStatus, throttled: true, requested, actual: null, available: bucket.available });
      sendJson(response, throttleHttpStatus, {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: costOf(null),
      }, headers);
      return;
    }
    bucket.available -= requested;
    const counter = { actual: 0 };
    const result = await graphql({
      schema, source: body.query as string, rootValue: root, contextValue: { bulk: false } satisfies ExecContext, variableValues: variables,
      fieldResolver: countingResolver(counter), ...(operationName ? { operationName } : {}),
    });
    const actual = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation') ? requested : Math.min(counter.actual, requested);
    bucket.available = Math.min(maximumAvailable, bucket.available + (requested - actual));
    record({ operationName: name, status: 200, throttled: false, requested, actual, available: bucket.available });
    sendJson(response, 200, {
      ...(result.errors ? { errors: result.errors.map((error) => ({ message: error.message, path: error.path, extensions: error.extensions })) } : {}),
      data: result.data ?? null,
      extensions: costOf(actual),
    }, headers);
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const graphqlPath = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
    if (graphqlPath && request.method === 'POST') {
      serveGraphql(request, response, graphqlPath[1]!).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { errors: String(error) });
      });
      return;
    }
    const bulkPath = /^\/bulk\/([\w-]+)\.jsonl$/.exec(path);
    const file = bulkPath ? bulkFiles.get(bulkPath[1]!) : undefined;
    if (file !== undefined && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/jsonl', 'content-length': Buffer.byteLength(file) });
      response.end(file);
      return;
    }
    sendJson(response, 404, { errors: 'Not Found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function sendWebhook(topic: string, product: SimShopifyProduct, sendOptions: WebhookSendOptions = {}): Promise<SimShopifyWebhookDelivery> {
    const target = sendOptions.url ?? options.webhookUrl;
    if (!target) throw new Error('sendWebhook needs a url (option webhookUrl or url)');
    const original = sendOptions.duplicateOf;
    const body = original?.body ?? (topic === 'products/delete' ? `{"id":${product.id}}` : restProductJson(product));
    const eventId = original?.eventId ?? randomUUID();
    const webhookId = randomUUID();
    const signature = createHmac('sha256', sendOptions.forgeSignature ? `${webhookSecret}-forged` : webhookSecret).update(body).digest('base64');
    const prefix = sendOptions.lowerCaseHeaders ? 'shopify-' : 'X-Shopify-';
    const named: Record<string, string> = {
      'Hmac-Sha256': signature,
      Topic: topic,
      'Shop-Domain': shopDomain,
      'API-Version': fallbackVersion,
      'Webhook-Id': webhookId,
      'Triggered-At': new Date().toISOString(),
      'Event-Id': eventId,
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(named)) {
      if (sendOptions.omitHeaders?.some((omitted) => omitted.toLowerCase() === name.toLowerCase())) continue;
      headers[sendOptions.lowerCaseHeaders ? `${prefix}${name.toLowerCase()}` : `${prefix}${name}`] = value;
    }
    const delivery: SimShopifyWebhookDelivery = { topic, body, headers, eventId, webhookId, status: null, answer: '' };
    try {
      const response = await request(target, { method: 'POST', body, headers });
      delivery.status = response.statusCode;
      delivery.answer = await response.body.text();
    } catch (error) {
      delivery.answer = (error as Error).message;
    }
    webhooks.push(delivery);
    return delivery;
  }

  return {
    url,
    accessToken,
    shopDomain,
    webhookSecret,
    products,
    requests,
    bulkOperations,
    webhooks,
    bucket(token = accessToken) {
      const bucket = refill(token);
      return { maximumAvailable, currentlyAvailable: bucket.available, restoreRate };
    },
    drain(points, token = accessToken) {
      refill(token).available -= points;
    },
    setThrottleStatus(status) {
      throttleHttpStatus = status;
    },
    setFault(fault, times = 1) {
      faults.push({ fault, left: times });
    },
    failNextBulk(errorCode = 'INTERNAL_SERVER_ERROR') {
      failBulkWith = errorCode;
    },
    sendWebhook,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
