import { describe, expect, it } from 'vitest';
import { compareAtBelowPrice, priceCurrency, priceMissing, priceOutOfRange, pricingRules } from '../../src/audit/rules/pricing.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

describe('pricingRules', () => {
  it('lists every pricing rule once', () => {
    expect(pricingRules.map((rule) => rule.id)).toEqual(['price-missing', 'price-out-of-range', 'price-currency', 'compare-at-below-price']);
  });
});

describe('price-missing', () => {
  it('passes a variant with a price', () => expect(runRule(priceMissing, makeProduct())).toEqual([]));
  it('blocks a variant without a price and names it', () => {
    const variant = makeVariant({ sku: 'MUG-RED', price: null });
    expect(runRule(priceMissing, makeProduct({ variants: [makeVariant(), variant] }))).toEqual([
      { message: 'The price of SKU MUG-RED is empty.', variant },
    ]);
  });
  it('quotes the price text the source could not read', () => {
    const variant = makeVariant({ price: null, invalid: [{ field: 'Price', value: '12,50', reason: 'not a number' }] });
    const [hit] = runRule(priceMissing, makeProduct({ variants: [variant] }));
    expect(hit?.message).toBe('The price of SKU MUG-001, "12,50", could not be read (not a number).');
    expect(hit?.hint).toContain('19.90');
  });
  it('names a variant without a SKU by its position', () => {
    const variant = makeVariant({ sku: '', position: 2, price: null });
    expect(runRule(priceMissing, makeProduct({ variants: [variant] }))[0]?.message).toBe('The price of variant 2 is empty.');
  });
});

describe('price-out-of-range', () => {
  it('passes a price inside the US range', () => expect(runRule(priceOutOfRange, makeProduct())).toEqual([]));
  it('passes the exact bounds', () => {
    const variants = [makeVariant({ price: '0.01' }), makeVariant({ price: '7600.00' })];
    expect(runRule(priceOutOfRange, makeProduct({ variants }))).toEqual([]);
  });
  it('blocks a free item and states the bounds and currency', () => {
    const [hit] = runRule(priceOutOfRange, makeProduct({ variants: [makeVariant({ price: '0.00' })] }));
    expect(hit?.message).toBe('The price of SKU MUG-001 is 0.00 USD; TikTok Shop United States takes prices from 0.01 to 7,600 USD.');
    expect(hit?.hint).toContain('at least 0.01 USD');
  });
  it('blocks a price above the US maximum', () => {
    const [hit] = runRule(priceOutOfRange, makeProduct({ variants: [makeVariant({ price: '7600.01' })] }));
    expect(hit?.message).toContain('7600.01 USD');
    expect(hit?.hint).toContain('at most 7,600 USD');
  });
  it('uses the cross-border range where the market has one', () => {
    const context = testContext({ regionCode: 'GB', sellerType: 'cross-border' });
    const [hit] = runRule(priceOutOfRange, makeProduct({ variants: [makeVariant({ price: '150.00' })] }), context);
    expect(hit?.message).toBe('The price of SKU MUG-001 is 150.00 GBP; TikTok Shop United Kingdom takes prices from 0.01 to 134.5 GBP for cross-border sellers.');
  });
  it('blocks a Thai price below the local minimum of 30 THB', () => {
    const [hit] = runRule(priceOutOfRange, makeProduct({ variants: [makeVariant({ price: '29.99' })] }), testContext({ regionCode: 'TH' }));
    expect(hit?.message).toContain('from 30 to 260,000 THB');
  });
  it('skips when the catalog is in another currency, as the bounds do not compare', () => {
    const product = makeProduct({ variants: [makeVariant({ price: '9000.00' })] });
    expect(runRule(priceOutOfRange, product, testContext({ catalogCurrency: 'EUR' }))).toEqual([]);
  });
  it('checks when the catalog currency is the market currency', () => {
    const product = makeProduct({ variants: [makeVariant({ price: '9000.00' })] });
    expect(runRule(priceOutOfRange, product, testContext({ catalogCurrency: 'usd' }))).toHaveLength(1);
  });
  it('leaves a missing price to price-missing', () => {
    expect(runRule(priceOutOfRange, makeProduct({ variants: [makeVariant({ price: null })] }))).toEqual([]);
  });
});

describe('price-currency', () => {
  it('passes when the catalog currency is not set', () => expect(runRule(priceCurrency, makeProduct())).toEqual([]));
  it('passes when the catalog currency is the market currency', () => {
    expect(runRule(priceCurrency, makeProduct(), testContext({ catalogCurrency: 'USD' }))).toEqual([]);
  });
  it('blocks a catalog in another currency, once per product', () => {
    const product = makeProduct({ variants: [makeVariant(), makeVariant({ sku: 'MUG-002', position: 2 })] });
    const hits = runRule(priceCurrency, product, testContext({ catalogCurrency: 'EUR' }));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toBe("TikTok Shop United States takes prices in USD only; the catalog's prices are in EUR.");
    expect(hits[0]?.hint).toContain('CATALOG_CURRENCY');
  });
});

describe('compare-at-below-price', () => {
  it('passes a compare-at price above the price', () => {
    expect(runRule(compareAtBelowPrice, makeProduct({ variants: [makeVariant({ compareAtPrice: '30.00' })] }))).toEqual([]);
  });
  it('warns when the compare-at price equals the price', () => {
    const [hit] = runRule(compareAtBelowPrice, makeProduct({ variants: [makeVariant({ compareAtPrice: '24.00' })] }));
    expect(hit?.message).toBe('The compare-at price of SKU MUG-001 (24.00 USD) is not higher than its price (24.00 USD), so it shows no discount.');
  });
  it('warns when the compare-at price is below the price, in the catalog currency', () => {
    const product = makeProduct({ variants: [makeVariant({ compareAtPrice: '20.00' })] });
    expect(runRule(compareAtBelowPrice, product, testContext({ catalogCurrency: 'EUR' }))[0]?.message).toContain('(20.00 EUR)');
  });
  it('treats a compare-at price of 0 as none', () => {
    expect(runRule(compareAtBelowPrice, makeProduct({ variants: [makeVariant({ compareAtPrice: '0.00' })] }))).toEqual([]);
  });
});
