import type { Rule } from '../rule.js';
import { categoryRules } from './category.js';
import { categoryRequirementRules } from './category-requirements.js';
import { descriptionRules } from './description.js';
import { identifierRules } from './identifiers.js';
import { imageRules } from './images.js';
import { inventoryRules } from './inventory.js';
import { pricingRules } from './pricing.js';
import { sellerSkuRules } from './seller-sku.js';
import { shippingRules } from './shipping.js';
import { sourceValueRules } from './source-values.js';
import { titleRules } from './title.js';
import { variantRules } from './variants.js';

/** The rule catalogue, in the order findings are listed for a product. */
export const allRules: readonly Rule[] = [
  ...categoryRules,
  ...categoryRequirementRules,
  ...titleRules,
  ...descriptionRules,
  ...imageRules,
  ...variantRules,
  ...sellerSkuRules,
  ...pricingRules,
  ...inventoryRules,
  ...shippingRules,
  ...identifierRules,
  ...sourceValueRules,
];
