import { describe, expect, it } from 'vitest';
import { createCategoryMapper } from '../../src/audit/category-map.js';
import { categoryRules, categoryUnknown, categoryUnmapped, giftCard, prohibitedGoods } from '../../src/audit/rules/category.js';
import { makeProduct } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

describe('categoryRules', () => {
  it('lists every category rule once', () => {
    expect(categoryRules.map((rule) => rule.id)).toEqual(['category-unmapped', 'category-unknown', 'gift-card', 'prohibited-goods']);
  });
});

describe('category-unmapped', () => {
  it('passes a mapped product type', () => expect(runRule(categoryUnmapped, makeProduct())).toEqual([]));
  it('passes a mapped Shopify category leaf', () => {
    const product = makeProduct({ productType: '', category: { id: null, name: 'Home & Garden > Kitchen & Dining > Mugs' } });
    expect(runRule(categoryUnmapped, product)).toEqual([]);
  });
  it('blocks an unmapped product type, names it and suggests the mapping line', () => {
    const [hit] = runRule(categoryUnmapped, makeProduct({ productType: 'Teapots' }));
    expect(hit?.message).toBe('The product type "Teapots" is not mapped to a TikTok Shop category.');
    expect(hit?.hint).toContain('Teapots,<category id>');
    expect(hit?.hint).toContain('shopshift audit --categories map.csv');
    expect(hit?.hint).toContain('/shop map');
  });
  it('names both the category and the product type when neither is mapped', () => {
    const product = makeProduct({ productType: 'Teapots', category: { id: null, name: 'Home & Garden > Kitchen & Dining > Teapots' } });
    expect(runRule(categoryUnmapped, product)[0]?.message).toBe(
      'Neither the Shopify category "Home & Garden > Kitchen & Dining > Teapots" nor the product type "Teapots" is mapped to a TikTok Shop category.',
    );
  });
  it('names an unmapped Shopify category and suggests its leaf as the key', () => {
    const product = makeProduct({ productType: '', category: { id: null, name: 'Home & Garden > Decor, Vases' } });
    const [hit] = runRule(categoryUnmapped, product);
    expect(hit?.message).toContain('The Shopify category "Home & Garden > Decor, Vases"');
    expect(hit?.hint).toContain('"Decor, Vases",<category id>');
  });
  it('says when the product has neither a type nor a category', () => {
    const [hit] = runRule(categoryUnmapped, makeProduct({ productType: '', category: null }));
    expect(hit?.message).toContain('neither a product type nor a Shopify category');
    expect(hit?.hint).toContain('Set a product type or category');
  });
});

describe('category-unknown', () => {
  it('passes a mapped leaf category', () => expect(runRule(categoryUnknown, makeProduct())).toEqual([]));
  it('passes an unmapped product, which category-unmapped reports', () => {
    expect(runRule(categoryUnknown, makeProduct({ productType: 'Teapots' }))).toEqual([]);
  });
  it('blocks a mapped id missing from the leaf category list', () => {
    const categories = createCategoryMapper(new Map([['Mugs', '600000']]), new Map([['600001', 'Kitchen>Drinkware>Mugs']]));
    const [hit] = runRule(categoryUnknown, makeProduct(), testContext({ categories }));
    expect(hit?.message).toBe(
      'The product type "Mugs" is mapped to TikTok Shop category 600000, which is not a leaf category in TikTok Shop\'s list: it has subcategories or does not exist.',
    );
  });
  it('passes any id when the category list is not loaded', () => {
    const categories = createCategoryMapper(new Map([['Mugs', '600000']]), null);
    expect(runRule(categoryUnknown, makeProduct(), testContext({ categories }))).toEqual([]);
  });
});

describe('gift-card', () => {
  it('passes a product that is not a gift card', () => expect(runRule(giftCard, makeProduct())).toEqual([]));
  it('passes when the source does not say', () => expect(runRule(giftCard, makeProduct({ giftCard: null }))).toEqual([]));
  it('blocks a gift card', () => {
    expect(runRule(giftCard, makeProduct({ giftCard: true }))[0]?.message).toContain('Shopify gift card');
  });
});

describe('prohibited-goods', () => {
  it('passes an ordinary product', () => expect(runRule(prohibitedGoods, makeProduct())).toEqual([]));
  it('warns about a word in the title and names it and its kind', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Disposable Vape Pen, Mint' }))[0]?.message).toBe(
      'The title contains "Vape" (tobacco and vaping products), which TikTok Shop prohibits or restricts.',
    );
  });
  it('warns about a word in the product type', () => {
    expect(runRule(prohibitedGoods, makeProduct({ productType: 'CBD Oil' }))[0]?.message).toBe(
      'The product type "CBD Oil" contains "CBD" (drugs), which TikTok Shop prohibits or restricts.',
    );
  });
  it('warns about a word in a tag', () => {
    expect(runRule(prohibitedGoods, makeProduct({ tags: ['gift', 'sex toy'] }))[0]?.message).toContain('The tag "sex toy" contains "sex toy" (adult products)');
  });
  it('matches plurals and hyphenated forms', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'E-Cigarettes Starter Kit' }))[0]?.message).toContain('"E-Cigarettes"');
  });
  it('matches whole words only', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Gunmetal Grey Ammonite Pendant, Scrapbook Thcarm' }))).toEqual([]);
  });
  it('does not take a glue gun or a massage gun for a weapon', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Hot Glue Gun and Massage Gun Bundle' }))).toEqual([]);
  });
  it('still warns about a gun', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Airsoft Gun, Black' }))[0]?.message).toContain('"Gun" (weapons)');
  });
  it('does not take a live plant for a live animal', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Live Plant, Monstera in Stoneware Pot' }))).toEqual([]);
  });
  it('warns about live fish', () => {
    expect(runRule(prohibitedGoods, makeProduct({ title: 'Live Fish, Betta' }))[0]?.message).toContain('(live animals)');
  });
});
