import type { Readable } from 'node:stream';
import { SourceError } from '../errors.js';
import { readCsvChunks } from './csv-chunks.js';
import { emptyProduct, emptyVariant, type InvalidValue, type Product, type ProductStatus, type Variant } from './product.js';
import { isShopifyProductHeader, resolveColumns, type ColumnLayout } from './shopify-csv-columns.js';
import type { CatalogSource, ReadOptions } from './source.js';
import { handleFromTitle, ownString, readBoolean, readDecimal, readInteger, readNumber, splitTags } from './values.js';

/** Opens the raw text of a CSV: a file, an HTTP body, a string in a test. */
export interface TextInput {
  label: string;
  open(signal?: AbortSignal): Promise<{ stream: Readable; totalBytes: number | null }>;
}

const STATUSES = new Set<string>(['active', 'draft', 'archived', 'unlisted']);
const OPTION_SLOTS = 3;

function cellOf(row: readonly string[], at: number): string {
  return at === -1 ? '' : (row[at] ?? '');
}

function countNewlines(row: readonly string[]): number {
  let count = 0;
  for (const cell of row) {
    if (cell.length < 2) continue;
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) count++;
  }
  return count;
}

/** A product being assembled from its rows; option values are gathered before they become `options`. */
interface Draft {
  product: Product;
  optionNames: string[];
}

function startDraft(handle: string, row: readonly string[], line: number, columns: ColumnLayout): Draft {
  const { index } = columns;
  const product = emptyProduct(handle);
  const invalid = product.invalid;
  product.line = line;
  product.title = cellOf(row, index.title).trim();
  product.descriptionHtml = cellOf(row, index.body);
  product.vendor = cellOf(row, index.vendor).trim();
  product.productType = cellOf(row, index.type).trim();
  const category = cellOf(row, index.category).trim();
  if (category !== '') {
    product.category = category.startsWith('gid://') ? { id: category, name: '' } : { id: null, name: category };
  }
  product.tags = splitTags(cellOf(row, index.tags));
  product.published = readBoolean(cellOf(row, index.published), 'Published', invalid);
  product.giftCard = readBoolean(cellOf(row, index.giftCard), 'Gift Card', invalid);
  product.seoTitle = cellOf(row, index.seoTitle).trim();
  product.seoDescription = cellOf(row, index.seoDescription).trim();
  const status = cellOf(row, index.status).trim().toLowerCase();
  if (STATUSES.has(status)) product.status = status as ProductStatus;
  else if (status !== '') invalid.push({ field: 'Status', value: status, reason: 'not active, draft, archived or unlisted' });
  for (const extra of columns.extras) {
    if (extra.level !== 'product') continue;
    const value = cellOf(row, extra.index);
    if (value === '') continue;
    if (extra.metafield) product.metafields[extra.metafield] = value;
    else product.extra[extra.name] = value;
  }
  const optionNames = [cellOf(row, index.option1Name).trim(), cellOf(row, index.option2Name).trim(), cellOf(row, index.option3Name).trim()];
  return { product, optionNames };
}

function readVariant(row: readonly string[], line: number, position: number, columns: ColumnLayout): Variant {
  const { index } = columns;
  const variant = emptyVariant(position);
  const invalid: InvalidValue[] = variant.invalid;
  variant.line = line;
  variant.sku = cellOf(row, index.sku).trim();
  variant.barcode = cellOf(row, index.barcode).trim();
  variant.optionValues = [cellOf(row, index.option1Value).trim(), cellOf(row, index.option2Value).trim(), cellOf(row, index.option3Value).trim()];
  variant.price = readDecimal(cellOf(row, index.price), 'Price', invalid);
  variant.compareAtPrice = readDecimal(cellOf(row, index.compareAtPrice), 'Compare-at price', invalid);
  variant.inventoryQuantity = readInteger(cellOf(row, index.inventoryQuantity), 'Inventory quantity', invalid);
  if (index.inventoryTracker !== -1) variant.inventoryTracked = cellOf(row, index.inventoryTracker).trim() !== '';
  const policy = cellOf(row, index.inventoryPolicy).trim().toLowerCase();
  if (policy === 'deny' || policy === 'continue') variant.inventoryPolicy = policy;
  else if (policy !== '') invalid.push({ field: 'Inventory policy', value: policy, reason: 'not deny or continue' });
  const continueSelling = readBoolean(cellOf(row, index.continueSelling), 'Continue selling when out of stock', invalid);
  if (continueSelling !== null) variant.inventoryPolicy = continueSelling ? 'continue' : 'deny';
  variant.weightGrams = readNumber(cellOf(row, index.grams), 'Weight (grams)', invalid);
  variant.requiresShipping = readBoolean(cellOf(row, index.requiresShipping), 'Requires shipping', invalid);
  variant.taxable = readBoolean(cellOf(row, index.taxable), 'Taxable', invalid);
  variant.imageSrc = cellOf(row, index.variantImage).trim();
  for (const extra of columns.extras) {
    if (extra.level !== 'variant') continue;
    const value = cellOf(row, extra.index);
    if (value === '') continue;
    if (extra.metafield) variant.metafields[extra.metafield] = value;
    else variant.extra[extra.name] = value;
  }
  return variant;
}

function addImage(product: Product, row: readonly string[], columns: ColumnLayout): void {
  const { index } = columns;
  const src = (row[index.imageSrc] ?? '').trim();
  if (src === '') return;
  const position = index.imagePosition === -1 ? null : readInteger(row[index.imagePosition] ?? '', 'Image position', product.invalid);
  product.images.push({ src, position, alt: index.imageAlt === -1 ? '' : (row[index.imageAlt] ?? '').trim(), width: null, height: null });
}

function finishDraft({ product, optionNames }: Draft): Product {
  const slots = Math.max(
    optionNames.findLastIndex((name) => name !== '') + 1,
    ...product.variants.map((variant) => variant.optionValues.findLastIndex((value) => value !== '') + 1),
  );
  for (let slot = 0; slot < Math.min(slots, OPTION_SLOTS); slot++) {
    const values = new Set<string>();
    for (const variant of product.variants) {
      const value = variant.optionValues[slot];
      if (value) values.add(value);
    }
    product.options.push({ name: optionNames[slot] ?? '', values: [...values] });
  }
  for (const variant of product.variants) variant.optionValues.length = product.options.length;
  return product;
}

/**
 * Reads a Shopify product CSV export (either header set). Rows of one product share its handle and
 * follow each other; a row is a variant when it has a SKU, a price or an Option1 value, and any row
 * may add an image. Rows that cannot be placed are reported with their line and skipped.
 */
export function shopifyCsvSource(input: TextInput): CatalogSource {
  return {
    kind: 'shopify-csv',
    label: input.label,
    read: (options) => readShopifyCsv(input, options ?? {}),
  };
}

async function* readShopifyCsv(input: TextInput, { onIssue, onProgress, signal }: ReadOptions): AsyncGenerator<Product> {
  const { stream, totalBytes } = await input.open(signal);
  let bytesRead = 0;
  stream.on('data', (chunk: string | Buffer) => {
    bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });

  let columns: ColumnLayout | null = null;
  let width = 0;
  let line = 1;
  let draft: Draft | null = null;
  let products = 0;
  const finished = new Set<string>();
  const report = (at: number, message: string) => onIssue?.({ line: at, message });

  for await (const chunk of readCsvChunks(stream)) {
    if (signal?.aborted) throw signal.reason;
    for (let i = 0; i < chunk.rows.length; i++) {
      const row = chunk.rows[i]!;
      const rowLine = line;
      line += 1 + countNewlines(row);
      if (!columns) {
        if (row[0]?.charCodeAt(0) === 0xfeff) row[0] = row[0].slice(1);
        columns = resolveColumns(row);
        if (!isShopifyProductHeader(columns.index)) {
          throw new SourceError('SOURCE_NOT_A_CATALOG', `${input.label} is not a Shopify product CSV: it has neither a Handle nor a Title column.`);
        }
        for (const name of columns.duplicates) report(rowLine, `Column "${name}" appears twice; the first one is used.`);
        width = row.length;
        continue;
      }
      if (row.length === 1 && row[0] === '') continue;
      const quoteError = chunk.brokenRows.get(i);
      if (quoteError) {
        report(rowLine, `Broken row skipped: ${quoteError.toLowerCase()}.`);
        continue;
      }
      if (row.length !== width) {
        report(rowLine, `Broken row skipped: it has ${row.length} fields where the header has ${width}.`);
        continue;
      }

      const { index } = columns;
      let handle = (row[index.handle] ?? '').trim();
      const title = (row[index.title] ?? '').trim();
      if (handle === '') {
        if (title === '') {
          report(rowLine, 'Row skipped: it has no Handle and no Title, so it belongs to no product.');
          continue;
        }
        handle = handleFromTitle(title);
      }
      if (draft?.product.handle !== handle) {
        if (finished.has(handle)) {
          report(rowLine, `Row skipped: product "${handle}" already ended earlier in the file; keep each product's rows together (sort by Handle).`);
          continue;
        }
        if (draft) {
          finished.add(ownString(draft.product.handle));
          products++;
          yield finishDraft(draft);
        }
        draft = startDraft(handle, row, rowLine, columns);
      }
      const product = draft.product;
      const isVariantRow =
        (row[index.sku] ?? '').trim() !== '' || (row[index.price] ?? '').trim() !== '' || (row[index.option1Value] ?? '').trim() !== '';
      if (isVariantRow) product.variants.push(readVariant(row, rowLine, product.variants.length + 1, columns));
      addImage(product, row, columns);
    }
    onProgress?.({ bytesRead, totalBytes, products });
  }
  if (!columns) throw new SourceError('SOURCE_NOT_A_CATALOG', `${input.label} is empty: there is no header row.`);
  if (draft) {
    products++;
    yield finishDraft(draft);
  }
  onProgress?.({ bytesRead, totalBytes, products });
}
