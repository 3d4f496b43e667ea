import { describe, expect, it } from 'vitest';
import {
  titleChinese, titleControlCharacters, titleDuplicate, titleEmoji, titleHtmlEntity, titleMissing, titleNotEnglish,
  titlePromotional, titleRepeatedCharacters, titleSymbolsOnly, titleTooLong, titleTooShort,
} from '../../src/audit/rules/title.js';
import { makeProduct } from '../support/catalog.js';
import { runRule, testContext } from '../support/rules.js';

describe('title-missing', () => {
  it('passes a product with a title', () => expect(runRule(titleMissing, makeProduct())).toEqual([]));
  it('blocks a product without a title', () => expect(runRule(titleMissing, makeProduct({ title: '' }))).toHaveLength(1));
});

describe('title-too-long', () => {
  it('passes 255 characters', () => expect(runRule(titleTooLong, makeProduct({ title: 'a'.repeat(255) }))).toEqual([]));
  it('blocks 256 characters and says how many', () => {
    expect(runRule(titleTooLong, makeProduct({ title: 'ab'.repeat(128) }))[0]?.message).toContain('256 characters');
  });
  it('counts an accented letter or emoji as one character', () => {
    expect(runRule(titleTooLong, makeProduct({ title: '😀'.repeat(200) }))).toEqual([]);
  });
});

describe('title-too-short', () => {
  it('passes a short title in the US, where one character is enough', () => {
    expect(runRule(titleTooShort, makeProduct({ title: 'Mug' }))).toEqual([]);
  });
  it('blocks a title under 25 characters in Singapore', () => {
    expect(runRule(titleTooShort, makeProduct({ title: 'Stoneware Mug' }), testContext({ regionCode: 'SG' }))[0]?.message).toContain('at least 25');
  });
  it('passes 25 characters in Singapore', () => {
    expect(runRule(titleTooShort, makeProduct({ title: 'x'.repeat(25) }), testContext({ regionCode: 'SG' }))).toEqual([]);
  });
});

describe('title-chinese', () => {
  it('passes an English title', () => expect(runRule(titleChinese, makeProduct())).toEqual([]));
  it('blocks Chinese characters', () => expect(runRule(titleChinese, makeProduct({ title: 'Stoneware 马克杯' }))).toHaveLength(1));
});

describe('title-not-english', () => {
  it('passes Latin script with accents', () => expect(runRule(titleNotEnglish, makeProduct({ title: 'Panela de pedra-sabão' }))).toEqual([]));
  it('blocks Cyrillic in the US', () => expect(runRule(titleNotEnglish, makeProduct({ title: 'Кружка Stoneware' }))).toHaveLength(1));
  it('passes Thai in Thailand', () => {
    expect(runRule(titleNotEnglish, makeProduct({ title: 'แก้วมัค เซรามิก ขนาด 350 มล. สีขาว' }), testContext({ regionCode: 'TH' }))).toEqual([]);
  });
});

describe('title-html-entity', () => {
  it('passes an ampersand on its own', () => expect(runRule(titleHtmlEntity, makeProduct({ title: 'Salt & Pepper Set' }))).toEqual([]));
  it('blocks &nbsp;', () => expect(runRule(titleHtmlEntity, makeProduct({ title: 'Salt&nbsp;Set' }))).toHaveLength(1));
  it('blocks numeric escapes', () => expect(runRule(titleHtmlEntity, makeProduct({ title: 'Salt &#38; Pepper' }))).toHaveLength(1));
});

describe('title-emoji', () => {
  it('passes trademark and copyright signs', () => expect(runRule(titleEmoji, makeProduct({ title: 'Kiln® Mug™' }))).toEqual([]));
  it('blocks an emoji', () => expect(runRule(titleEmoji, makeProduct({ title: 'Summer Mug 🌞' }))).toHaveLength(1));
});

describe('title-control-characters', () => {
  it('passes plain text', () => expect(runRule(titleControlCharacters, makeProduct())).toEqual([]));
  it('blocks a tab pasted into the title', () => expect(runRule(titleControlCharacters, makeProduct({ title: 'Mug\tBlue' }))).toHaveLength(1));
});

describe('title-symbols-only', () => {
  it('passes a title with digits', () => expect(runRule(titleSymbolsOnly, makeProduct({ title: '#42' }))).toEqual([]));
  it('blocks a title of symbols', () => expect(runRule(titleSymbolsOnly, makeProduct({ title: '*** !!! ***' }))).toHaveLength(1));
});

describe('title-repeated-characters', () => {
  it('passes nine identical characters in a row', () => expect(runRule(titleRepeatedCharacters, makeProduct({ title: 'Mug !!!!!!!!!' }))).toEqual([]));
  it('blocks ten identical characters in a row', () => {
    expect(runRule(titleRepeatedCharacters, makeProduct({ title: 'Mug ----------' }))[0]?.message).toBe('The title repeats "-" 10 times in a row.');
  });
});

describe('title-promotional', () => {
  it('passes a descriptive title', () => expect(runRule(titlePromotional, makeProduct())).toEqual([]));
  it('warns about "free shipping"', () => {
    expect(runRule(titlePromotional, makeProduct({ title: 'Mug - FREE SHIPPING' }))[0]?.message).toContain('FREE SHIPPING');
  });
  it('does not mistake a word that contains "sale" for the word', () => {
    expect(runRule(titlePromotional, makeProduct({ title: 'Wholesale Stoneware Mug' }))).toEqual([]);
  });
});

describe('title-duplicate', () => {
  it('passes distinct titles', () => {
    expect(runRule(titleDuplicate, [makeProduct({ handle: 'a', title: 'Mug Blue' }), makeProduct({ handle: 'b', title: 'Mug Red' })])).toEqual([]);
  });
  it('flags the later product and names the first, ignoring case and spacing', () => {
    const hits = runRule(titleDuplicate, [makeProduct({ handle: 'a', title: 'Mug  Blue' }), makeProduct({ handle: 'b', title: 'mug blue' })]);
    expect(hits).toEqual([{ message: 'The title is the same as product "a".' }]);
  });
});
