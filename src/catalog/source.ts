import type { Product } from './product.js';

/** A problem that cost the source a row or a page; the rest of the catalog is still read. */
export interface SourceIssue {
  /** Physical line (CSV) or page number (products.json) where the problem is, when known. */
  line: number | null;
  page?: number;
  message: string;
}

export interface SourceProgress {
  bytesRead: number;
  /** null when the size is not known in advance (a URL without Content-Length, paged JSON). */
  totalBytes: number | null;
  products: number;
}

export interface ReadOptions {
  onIssue?(issue: SourceIssue): void;
  onProgress?(progress: SourceProgress): void;
  signal?: AbortSignal;
}

/**
 * Where a catalog comes from. `read` streams products one at a time, so a 100k-product catalog never
 * sits in memory whole; a source that fails as a whole (file missing, not a catalog, upstream down)
 * throws a ShopshiftError, while a broken row or page is reported through `onIssue` and skipped.
 */
export interface CatalogSource {
  readonly kind: 'shopify-csv' | 'products-json' | 'shopify-graphql';
  /** What was read, safe to show in chat: a file name or a URL without credentials. */
  readonly label: string;
  read(options?: ReadOptions): AsyncIterable<Product>;
}
