import type { InvalidValue } from '../../catalog/product.js';
import { defineRule, variantLabel, type RuleHit } from '../rule.js';
import { quote } from '../text.js';

const lost = (entry: InvalidValue) => `${quote(entry.value)} could not be read (${entry.reason}); it is treated as empty.`;

export const unreadableValue = defineRule({
  id: 'unreadable-value',
  severity: 'warning',
  summary: 'Value could not be read',
  fact: 'Not a TikTok Shop rule: the catalog source could not read the value, so the §8 checks see it as empty and it is not migrated',
  hint: 'Correct the value in Shopify (or in the exported CSV) so it can be migrated.',
  check(product) {
    let hits: RuleHit[] | undefined;
    for (const entry of product.invalid) (hits ??= []).push({ message: `${entry.field}: ${lost(entry)}` });
    for (const variant of product.variants) {
      if (variant.invalid.length === 0) continue;
      const where = variant.line === null ? variantLabel(variant) : `${variantLabel(variant)}, line ${variant.line}`;
      for (const entry of variant.invalid) (hits ??= []).push({ message: `${entry.field} of ${where}: ${lost(entry)}`, variant });
    }
    return hits;
  },
});

export const sourceValueRules = [unreadableValue];
