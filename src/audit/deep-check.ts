import type { Product } from '../catalog/product.js';
import type { Logger } from '../log.js';
import { createCategoryAttributes, type RequirementsLoader } from '../migration/category-attributes.js';
import { toProductBody, type BodySettings } from '../migration/product-body.js';
import type { ListingCheckResult, ProductBody, TikTokShopClient } from '../tiktok/api.js';
import type { CategoryMapper } from './category-map.js';
import { verdictOf, type Finding, type ProductResult } from './verdict.js';

/**
 * Deep mode: after the local rules, each product the migration would push (ready or warnings, category
 * mapped) is sent to TikTok Shop's Check Product Listing (`POST /product/202309/products/listing_check`,
 * tiktok-shop.md §5) in the body the migration would create it with, and TikTok's answers become findings.
 */

export interface DeepCheckDeps {
  client: TikTokShopClient;
  /** The mapping the migration uses: an unmapped product is not pushed, so it is not checked either. */
  categories: CategoryMapper;
  body: Omit<BodySettings, 'categoryId' | 'idempotencyKey'>;
  log: Logger;
  /** Checks in flight at once; the client's rate limiter (TIKTOK_QPS) sets the real pace. */
  concurrency?: number;
  /** The migration's loader of category requirements: the check's body carries the product attributes the create would. */
  requirements?: RequirementsLoader;
}

export interface DeepCheckCounts {
  /** Products TikTok answered for. */
  checked: number;
  /** Of those, products TikTok reported a failure or a warning for. */
  withIssues: number;
  /** Products whose check failed (TikTok unreachable, 5xx after the retries). */
  notRun: number;
}

export interface DeepCheck {
  refine(product: Product, result: ProductResult): Promise<ProductResult>;
  concurrency: number;
  counts(): DeepCheckCounts;
}

/** The finding for a product whose check could not run; the local findings still stand. */
export const CHECK_NOT_RUN_RULE = 'tiktok:check-not-run';

// The check is sent the store's image URLs, not uploaded URIs (see createDeepCheck), so TikTok's
// "image URI does not exist" (12052722, §5 Image upload) says nothing about the product.
const IGNORED_CODES = new Set(['12052722']);

/** What to change for TikTok's codes that have a rule in tiktok-shop.md §3 and §8. */
const HINTS: Record<string, string> = {
  '12052051': 'Shorten or lengthen the title in Shopify to the market’s limits (1-255 characters in the US and UK, 25-255 elsewhere).',
  '12052262': 'Remove Chinese characters from the title in Shopify.',
  '12052931': 'Remove HTML escapes, emojis, control characters and runs of more than 9 identical characters from the title.',
  '12052015': 'Write a product description in Shopify.',
  '12052013': 'Shorten the description in Shopify to at most 10,000 characters.',
  '12052346': 'Remove Chinese characters from the description in Shopify.',
  '12052002': 'Map the product’s type or category to a TikTok category id (shopshift map set).',
  '12052023': 'Map the product’s type or category to a TikTok category that exists (shopshift map set).',
  '12052024': 'Map the product’s type or category to a leaf TikTok category, one with no subcategories.',
  '12052025': 'Map the product’s type or category to a valid TikTok category.',
  '12052220': 'TikTok Shop does not allow this category: map the product to another one, or leave it out of the migration.',
  '12052221': 'The category is open to invited sellers only: map the product to another category or ask TikTok for access.',
  '12052223': 'The category is restricted: get it approved in the Qualification Center, or map the product elsewhere.',
  '12052225': 'The category is outside the shop’s main category: map the product elsewhere or ask TikTok to widen the shop’s categories.',
  '12052028': 'Add at least one image to the product in Shopify.',
  '12052306': 'Keep at most 9 images on the product.',
  '12052050': 'Split the product: TikTok takes at most 100 SKUs per product in the US and UK, 300 elsewhere.',
  '12052525': 'Use at most 3 options (size, colour…) on the product in Shopify.',
  '12052550': 'Give every variant a value for every option in Shopify.',
  '12052560': 'Make each variant’s option values unique in Shopify.',
  '12052084': 'Set CATALOG_CURRENCY or the shop’s region so prices are sent in the shop’s currency.',
  '12052570': 'Bring the price within the market’s range in Shopify.',
  '12052181': 'Set a weight on the variants in Shopify.',
  '12019012': 'Give the product a package size (metafield shopshift.package_dimensions, or --package / PACKAGE_DEFAULT_DIMENSIONS).',
  '12019061': 'Use metric package units outside the US.',
  '12052915': 'Use centimetres with kilograms, or inches with pounds, for the package.',
  '12052592': 'Give each variant its own barcode in Shopify.',
  '12052673': 'This category needs a size chart: add one before listing.',
  '12052105': 'This category needs a certification: add it before listing.',
  '12052104': 'Fill in the category’s required product attributes.',
  '12052996': 'TikTok already has a product with this external id: it was listed before; adopt or remove the earlier one.',
  '12052201': 'The brand needs authorization on TikTok Shop, or leave the brand out.',
  '12052151': 'Remove restricted words from the option names and values.',
};
const GENERIC_HINT = 'Reported by TikTok Shop’s listing_check; fix it in Shopify (or the category mapping) and audit again.';
const WARNING_HINT = 'TikTok Shop would list the product but changes or clears this field; check it in Shopify.';

/**
 * Adds TikTok's answer to a product's findings (failures block, warnings warn) and recomputes the verdict.
 * Findings of one code stay together, as the summary expects a product's findings grouped by rule.
 */
export function foldListingCheck(result: ProductResult, answer: ListingCheckResult): ProductResult {
  const place = { line: result.line, variantSku: null, variantPosition: null };
  const found: Finding[] = [];
  for (const failure of answer.failures) {
    if (failure.code !== null && IGNORED_CODES.has(failure.code)) continue;
    const ruleId = `tiktok:${failure.code ?? 'listing-check'}`;
    found.push({ ruleId, severity: 'blocker', message: failure.message, hint: (failure.code && HINTS[failure.code]) || GENERIC_HINT, ...place });
  }
  for (const warning of answer.warnings) {
    found.push({ ruleId: 'tiktok:warning', severity: 'warning', message: warning.message, hint: WARNING_HINT, ...place });
  }
  if (found.length === 0) return result;
  const order = [...new Set(found.map((finding) => finding.ruleId))];
  found.sort((a, b) => order.indexOf(a.ruleId) - order.indexOf(b.ruleId));
  const findings = [...result.findings, ...found];
  return { ...result, findings, verdict: verdictOf(findings) };
}

/** The line a report ends with in deep mode. */
export function deepCheckNote({ checked, withIssues, notRun }: DeepCheckCounts): string {
  const failed = notRun > 0 ? `, ${notRun.toLocaleString('en-US')} could not be checked` : '';
  return `TikTok's listing_check: ${checked.toLocaleString('en-US')} checked, ${withIssues.toLocaleString('en-US')} with issues${failed}.`
    + ' Images were sent as the store’s URLs (a migration uploads them first), so image checks are the local rules’ only.';
}

/** What deep mode says when it cannot reach TikTok Shop. */
export function deepModeUnavailableNote(missing: readonly string[]): string {
  return `Deep mode needs TikTok Shop settings (${missing.join(', ')} missing); ran the local checks only.`;
}

/**
 * Builds the check. The body is the migration's create body (toProductBody) with two differences: the
 * images are the store's URLs rather than URIs uploaded to TikTok (uploading every image of the catalog
 * for a check would cost more than the check, and leave images on the shop), and it carries no
 * idempotency key, which belongs to the create.
 */
export function createDeepCheck(deps: DeepCheckDeps): DeepCheck {
  const counts: DeepCheckCounts = { checked: 0, withIssues: 0, notRun: 0 };
  const attributesOf = createCategoryAttributes(deps.requirements, deps.log);
  return {
    concurrency: deps.concurrency ?? 4,
    counts: () => ({ ...counts }),
    async refine(product, result) {
      if (result.verdict === 'blocked') return result;
      const match = deps.categories.lookup(product);
      if (!match) return result;
      const sources = [...new Set(product.images.map((image) => image.src))];
      const attributes = await attributesOf(match.categoryId);
      const body: ProductBody = toProductBody(product, sources, { ...deps.body, categoryId: match.categoryId, idempotencyKey: '', ...(attributes ? { attributes } : {}) });
      delete body.idempotency_key;
      let answer: ListingCheckResult;
      try {
        answer = await deps.client.listingCheck(body);
      } catch (error) {
        counts.notRun++;
        const reason = error instanceof Error && 'userText' in error ? String(error.userText) : 'unexpected error';
        deps.log.warn({ err: error, handle: product.handle }, 'listing_check failed');
        const findings: Finding[] = [...result.findings, {
          ruleId: CHECK_NOT_RUN_RULE,
          severity: 'warning',
          message: `TikTok's listing_check could not run for this product: ${reason}`,
          hint: 'Run the deep audit again later; the local findings still apply.',
          line: result.line, variantSku: null, variantPosition: null,
        }];
        return { ...result, findings, verdict: verdictOf(findings) };
      }
      counts.checked++;
      const folded = foldListingCheck(result, answer);
      if (folded !== result) counts.withIssues++;
      deps.log.debug({ handle: product.handle, failures: answer.failures.length, warnings: answer.warnings.length }, 'listing_check answered');
      return folded;
    },
  };
}
