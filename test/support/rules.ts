import type { Product } from '../../src/catalog/product.js';
import { createCategoryMapper } from '../../src/audit/category-map.js';
import { REGIONS, type RegionCode } from '../../src/audit/regions.js';
import type { AuditContext, Rule, RuleHit } from '../../src/audit/rule.js';

/** The context the rule specs run in: US, a local seller, "Mugs" mapped to a known leaf category. */
export function testContext(overrides: Partial<AuditContext> & { regionCode?: RegionCode } = {}): AuditContext {
  const { regionCode = 'US', ...rest } = overrides;
  return {
    region: REGIONS[regionCode],
    sellerType: 'local',
    catalogCurrency: null,
    categories: createCategoryMapper(new Map([['Mugs', '600001']]), new Map([['600001', 'Kitchen>Drinkware>Mugs']])),
    defaultPackage: null,
    packageMetafield: 'shopshift.package_dimensions',
    sellerSkuPattern: /^[\x21-\x7e]+$/,
    requirementsFor: () => null,
    ...rest,
  };
}

/** Runs one rule over products in order (catalog rules keep memory between them) and returns every hit. */
export function runRule(rule: Rule, products: Product | Product[], context: AuditContext = testContext()): RuleHit[] {
  const check = rule.createCheck(context);
  return [products].flat().flatMap((product) => {
    const result = check(product);
    if (result === undefined) return [];
    if (typeof result === 'string') return [{ message: result }];
    return [result].flat();
  });
}
