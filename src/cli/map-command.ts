import { loadCategoryMapping } from '../audit/category-map.js';
import { shopKeyOf } from '../config.js';
import { UserInputError } from '../errors.js';
import type { CommandIo } from './audit-command.js';

export const MAP_USAGE = `Usage: shopshift map <list|set|remove|import>

  list                                   the category mapping the audit and the migration use
  set "<Shopify type or category>" <id>  map a product type or Shopify category to a TikTok category id
  remove "<Shopify type or category>"
  import FILE.csv                        set every "Shopify type or category,TikTok category id" line`;

/** `shopshift map …`: the category mapping kept in the store (it overrides CATEGORY_MAP_FILE). */
export async function mapCommand(args: string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = args;
  const store = await io.store();
  const shop = shopKeyOf(io.config);
  const now = new Date().toISOString();
  const print = (line: string) => io.stdout.write(`${line}\n`);
  switch (action) {
    case 'list': {
      const mappings = await store.mappings.list(shop);
      if (mappings.length === 0) print('No categories mapped yet. Map one with: shopshift map set "Mugs" 600024');
      for (const mapping of mappings.sort((a, b) => a.key.localeCompare(b.key))) {
        print(`${mapping.key} → ${mapping.categoryId} (${mapping.origin}${mapping.by ? ` by ${mapping.by}` : ''}, ${mapping.updatedAt})`);
      }
      return 0;
    }
    case 'set': {
      const [key, categoryId, ...extra] = rest;
      if (!key?.trim() || !categoryId || extra.length > 0) throw new UserInputError(`Give the Shopify type or category and the TikTok category id.\n\n${MAP_USAGE}`);
      if (!/^\d+$/.test(categoryId)) throw new UserInputError(`"${categoryId}" is not a TikTok category id (digits only).`);
      await store.mappings.set({ shop, key: key.trim(), categoryId, origin: 'manual', by: null, updatedAt: now });
      print(`${key.trim()} → ${categoryId}`);
      return 0;
    }
    case 'remove': {
      const [key] = rest;
      if (!key) throw new UserInputError(`Name the mapping to remove.\n\n${MAP_USAGE}`);
      print((await store.mappings.remove(shop, key)) ? `Removed ${key}.` : `Nothing was mapped for ${key}.`);
      return 0;
    }
    case 'import': {
      const [file] = rest;
      if (!file) throw new UserInputError(`Name the CSV file to import.\n\n${MAP_USAGE}`);
      const mapping = await loadCategoryMapping(file);
      for (const [key, categoryId] of mapping) await store.mappings.set({ shop, key, categoryId, origin: 'file', by: null, updatedAt: now });
      print(`Imported ${mapping.size} mappings from ${file}.`);
      return 0;
    }
    default:
      throw new UserInputError(`${action ? `Unknown map action "${action}".` : 'Say what to do.'}\n\n${MAP_USAGE}`);
  }
}
