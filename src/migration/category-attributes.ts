import type { Logger } from '../log.js';
import type { CategoryRequirements } from '../store/store.js';

/** Loads TikTok's requirements for category ids (loadCategoryRequirements: the store's cache, else TikTok); may throw. */
export type RequirementsLoader = (categoryIds: string[]) => Promise<ReadonlyMap<string, CategoryRequirements>>;

/**
 * The product attributes of each category, loaded once per category id on first use (one run, one deep audit).
 * When loading fails the category's products are sent without attributes, as before requirements were loaded
 * (TikTok then rejects only those that needed one), and the warning is logged once per category.
 */
export function createCategoryAttributes(load: RequirementsLoader | undefined, log: Logger): (categoryId: string) => Promise<CategoryRequirements['attributes'] | undefined> {
  const loaded = new Map<string, Promise<CategoryRequirements['attributes'] | undefined>>();
  return (categoryId) => {
    if (!load) return Promise.resolve(undefined);
    let attributes = loaded.get(categoryId);
    if (!attributes) {
      attributes = load([categoryId]).then(
        (requirements) => {
          const entry = requirements.get(categoryId);
          return entry?.exists && entry.isLeaf ? entry.attributes : undefined;
        },
        (error: unknown) => {
          log.warn({ err: error, categoryId }, 'category requirements unavailable; sending its products without product attributes');
          return undefined;
        },
      );
      loaded.set(categoryId, attributes);
    }
    return attributes;
  };
}
