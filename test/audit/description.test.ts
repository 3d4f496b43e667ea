import { describe, expect, it } from 'vitest';
import {
  describeMarkup, descriptionCharacters, descriptionChinese, descriptionMissing, descriptionNestedBlocks, descriptionTooLong,
  descriptionUnsupportedTags,
} from '../../src/audit/rules/description.js';
import { makeProduct } from '../support/catalog.js';
import { runRule } from '../support/rules.js';

const withDescription = (descriptionHtml: string) => makeProduct({ descriptionHtml });

describe('description-missing', () => {
  it('passes a description', () => expect(runRule(descriptionMissing, makeProduct())).toEqual([]));
  it('blocks an empty or blank description', () => {
    expect(runRule(descriptionMissing, withDescription(''))).toHaveLength(1);
    expect(runRule(descriptionMissing, withDescription(' \n '))).toHaveLength(1);
  });
});

describe('description-too-long', () => {
  it('passes 10,000 characters', () => expect(runRule(descriptionTooLong, withDescription('a'.repeat(10_000)))).toEqual([]));
  it('blocks 10,001 characters', () => {
    expect(runRule(descriptionTooLong, withDescription('a'.repeat(10_001)))[0]?.message).toBe('The description has 10,001 characters; TikTok Shop allows 10,000.');
  });
});

describe('description-chinese', () => {
  it('passes English', () => expect(runRule(descriptionChinese, makeProduct())).toEqual([]));
  it('warns about Chinese text', () => expect(runRule(descriptionChinese, withDescription('<p>陶瓷杯</p>'))).toHaveLength(1));
});

describe('description-characters', () => {
  it('passes line breaks and tabs between tags', () => expect(runRule(descriptionCharacters, withDescription('<p>a</p>\r\n\t<p>b</p>'))).toEqual([]));
  it('warns about emoji', () => expect(runRule(descriptionCharacters, withDescription('<p>Cosy ☕️</p>'))[0]?.message).toContain('emoji'));
  it('warns about a stray control character', () => {
    expect(runRule(descriptionCharacters, withDescription('<p>a\u0007b</p>'))[0]?.message).toContain('control characters');
  });
});

describe('description-unsupported-tags', () => {
  it('passes the tags TikTok Shop keeps', () => {
    expect(runRule(descriptionUnsupportedTags, withDescription('<p><strong>a</strong><br/><em>b</em></p><ol><li><u>c</u></li></ol><img src="x" width="1" height="1">'))).toEqual([]);
  });
  it('names each removed tag once, sorted', () => {
    const hits = runRule(descriptionUnsupportedTags, withDescription('<div><h2>Hi</h2><span>a</span><SPAN>b</SPAN><table></table></div>'));
    expect(hits[0]?.message).toBe('The description uses <div>, <h2>, <span>, <table>, which TikTok Shop removes.');
  });
});

describe('description-nested-blocks', () => {
  it('passes list items inside a list and inline tags inside a paragraph', () => {
    expect(runRule(descriptionNestedBlocks, withDescription('<ul><li><b>a</b></li></ul><p><i>b</i></p>'))).toEqual([]);
  });
  it('passes an unclosed paragraph followed by another, which HTML closes implicitly', () => {
    expect(runRule(descriptionNestedBlocks, withDescription('<p>one<p>two</p>'))).toEqual([]);
  });
  it('warns about a list inside a paragraph', () => {
    expect(runRule(descriptionNestedBlocks, withDescription('<p>Sizes:<ul><li>S</li></ul></p>'))[0]?.message).toBe('The description nests blocks (p > ul).');
  });
  it('warns about a list nested in a list item', () => {
    expect(describeMarkup('<ul><li>a<ul><li>b</li></ul></li></ul>').nestedBlock).toBe('li > ul');
  });
});
