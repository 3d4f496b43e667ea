import { readFile } from 'node:fs/promises';
import Papa from 'papaparse';
import { z } from 'zod';
import type { Product } from '../catalog/product.js';
import { SourceError, UserInputError } from '../errors.js';

export interface CategoryMatch {
  categoryId: string;
  /** TikTok's category path when the category list is loaded. */
  path: string | null;
  /** What in the product matched: its Standard Product Taxonomy category or its product type. */
  via: 'category' | 'type';
  key: string;
}

/** Shopify product type / category → TikTok Shop category id. The migration issue moves it into the store. */
export interface CategoryMapper {
  lookup(product: Product): CategoryMatch | null;
  /** true/false when TikTok's category list is loaded, null when it is not (ids cannot be checked). */
  isLeafCategory(categoryId: string): boolean | null;
  readonly size: number;
}

function normalizeKey(key: string): string {
  return key.trim().toLowerCase();
}

export function createCategoryMapper(mapping: ReadonlyMap<string, string>, tiktokCategories: ReadonlyMap<string, string> | null): CategoryMapper {
  const byKey = new Map([...mapping].map(([key, id]) => [normalizeKey(key), id]));
  const match = (key: string, via: CategoryMatch['via']): CategoryMatch | null => {
    const categoryId = byKey.get(normalizeKey(key));
    return categoryId ? { categoryId, path: tiktokCategories?.get(categoryId) ?? null, via, key } : null;
  };
  return {
    size: byKey.size,
    lookup(product) {
      const category = product.category?.name ?? '';
      if (category !== '') {
        const leaf = category.split('>').at(-1)!.trim();
        const found = match(category, 'category') ?? match(leaf, 'category');
        if (found) return found;
      }
      return product.productType === '' ? null : match(product.productType, 'type');
    },
    isLeafCategory: (categoryId) => (tiktokCategories ? tiktokCategories.has(categoryId) : null),
  };
}

export const EMPTY_CATEGORY_MAPPER = createCategoryMapper(new Map(), null);

const mappingFileSchema = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SourceError('SOURCE_UNREADABLE', `Cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`, { cause: error });
  }
}

function parseCsv(text: string): string[][] {
  return Papa.parse<string[]>(text.replace(/^\ufeff/, ''), { header: false, skipEmptyLines: 'greedy' }).data;
}

/**
 * Reads a category mapping: a CSV with a header and two columns (Shopify product type or category,
 * TikTok category id), or a JSON object of the same pairs.
 */
export async function loadCategoryMapping(path: string): Promise<Map<string, string>> {
  const text = await readText(path, 'category mapping');
  if (path.endsWith('.json')) {
    const parsed = mappingFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new UserInputError(`${path} must be a JSON object of "Shopify type or category": "TikTok category id" pairs.`);
    return new Map(Object.entries(parsed.data));
  }
  const [, ...rows] = parseCsv(text);
  const mapping = new Map<string, string>();
  rows.forEach((row, index) => {
    const [key = '', id = ''] = row.map((cell) => cell.trim());
    if (key === '' || !/^\d+$/.test(id)) {
      throw new UserInputError(`${path} line ${index + 2}: expected "Shopify type or category,TikTok category id", got "${row.join(',')}".`);
    }
    mapping.set(key, id);
  });
  return mapping;
}

/** Reads TikTok's leaf category list as CSV `category_id,category_path`. */
export async function loadTikTokCategories(path: string): Promise<Map<string, string>> {
  const [header, ...rows] = parseCsv(await readText(path, 'TikTok category list'));
  if (header?.[0]?.trim() !== 'category_id') throw new UserInputError(`${path} must start with the header "category_id,category_path".`);
  return new Map(rows.map(([id = '', path = '']) => [id.trim(), path.trim()]));
}
