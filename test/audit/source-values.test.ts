import { describe, expect, it } from 'vitest';
import { sourceValueRules, unreadableValue } from '../../src/audit/rules/source-values.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule } from '../support/rules.js';

describe('sourceValueRules', () => {
  it('lists the rule once', () => expect(sourceValueRules.map((rule) => rule.id)).toEqual(['unreadable-value']));
});

describe('unreadable-value', () => {
  it('passes a product whose values were all read', () => expect(runRule(unreadableValue, makeProduct())).toEqual([]));
  it('reports a product value with field, value and reason', () => {
    const product = makeProduct({ invalid: [{ field: 'Gift Card', value: 'maybe', reason: 'not TRUE or FALSE' }] });
    expect(runRule(unreadableValue, product)).toEqual([
      { message: 'Gift Card: "maybe" could not be read (not TRUE or FALSE); it is treated as empty.' },
    ]);
  });
  it('reports a variant value and names the variant and its CSV line', () => {
    const variant = makeVariant({ price: null, line: 14, invalid: [{ field: 'Price', value: '12,50', reason: 'not a number' }] });
    expect(runRule(unreadableValue, makeProduct({ variants: [variant] }))).toEqual([
      { message: 'Price of SKU MUG-001, line 14: "12,50" could not be read (not a number); it is treated as empty.', variant },
    ]);
  });
  it('reports every entry once', () => {
    const variant = makeVariant({
      sku: '',
      position: 2,
      invalid: [
        { field: 'Inventory quantity', value: 'lots', reason: 'not a whole number' },
        { field: 'Weight (grams)', value: '1kg', reason: 'not a number' },
      ],
    });
    const product = makeProduct({ variants: [makeVariant(), variant], invalid: [{ field: 'Status', value: 'live', reason: 'not active, draft, archived or unlisted' }] });
    const messages = runRule(unreadableValue, product).map((hit) => hit.message);
    expect(messages).toEqual([
      'Status: "live" could not be read (not active, draft, archived or unlisted); it is treated as empty.',
      'Inventory quantity of variant 2: "lots" could not be read (not a whole number); it is treated as empty.',
      'Weight (grams) of variant 2: "1kg" could not be read (not a number); it is treated as empty.',
    ]);
  });
});
