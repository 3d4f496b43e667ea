import { describe, expect, it } from 'vitest';
import {
  imageAspectRatio, imageDuplicate, imageFormat, imagesMissing, imagesTooMany, imageTooLarge, imageTooSmall, mainImageUnusable,
} from '../../src/audit/rules/images.js';
import { makeProduct, makeVariant } from '../support/catalog.js';
import { runRule } from '../support/rules.js';

describe('images-missing', () => {
  it('passes a product with an image', () => expect(runRule(imagesMissing, makeProduct())).toEqual([]));
  it('blocks a product without any image', () => {
    expect(runRule(imagesMissing, makeProduct({ images: [] }))).toEqual([
      { message: 'The product has no image; TikTok Shop needs at least one main image.' },
    ]);
  });
  it('passes a product whose only image is a variant image', () => {
    const variants = [makeVariant({ imageSrc: 'https://cdn.example.com/red.jpg' })];
    expect(runRule(imagesMissing, makeProduct({ images: [], variants }))).toEqual([]);
  });
});

describe('image-format', () => {
  it('passes JPG, JPEG and PNG in any case, with a query string', () => {
    const images = [
      { src: 'https://cdn.example.com/a.JPG?v=1', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/b.jpeg', position: 2, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/c.png#top', position: 3, alt: '', width: null, height: null },
    ];
    expect(runRule(imageFormat, makeProduct({ images }))).toEqual([]);
  });
  it('passes a URL whose only dot is in a folder or the host name', () => {
    const images = [
      { src: 'https://cdn.example.com/v1.2/mug', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com', position: 2, alt: '', width: null, height: null },
    ];
    expect(runRule(imageFormat, makeProduct({ images }))).toEqual([]);
  });
  it('recognises an upper-case extension', () => {
    const images = [{ src: 'https://cdn.example.com/MUG.WEBP', position: 1, alt: '', width: null, height: null }];
    expect(runRule(imageFormat, makeProduct({ images }))[0]?.message).toContain('Image 1 (MUG.WEBP) is in WEBP format');
  });
  it('passes an image URL without an extension', () => {
    const images = [{ src: 'https://cdn.example.com/images/12345', position: 1, alt: '', width: null, height: null }];
    expect(runRule(imageFormat, makeProduct({ images }))).toEqual([]);
  });
  it('warns about a WEBP image, naming its position and file, and says it is left out', () => {
    const images = [
      { src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/files/mug-side.webp?v=1700000000', position: 2, alt: '', width: null, height: null },
    ];
    expect(runRule(imageFormat, makeProduct({ images }))).toEqual([
      { message: 'Image 2 (mug-side.webp) is in WEBP format; TikTok Shop takes JPG and PNG only, so it is left out unless converted.' },
    ]);
  });
  it('ignores an extension that appears only in the query string', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg?fallback=mug.gif', position: 1, alt: '', width: null, height: null }];
    expect(runRule(imageFormat, makeProduct({ images }))).toEqual([]);
  });
  it('reports one hit per bad image', () => {
    const images = [
      { src: 'https://cdn.example.com/a.gif', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/b.heic', position: 2, alt: '', width: null, height: null },
    ];
    expect(runRule(imageFormat, makeProduct({ images })).map((hit) => hit.message.slice(0, 26))).toEqual([
      'Image 1 (a.gif) is in GIF ', 'Image 2 (b.heic) is in HEI',
    ]);
  });
  it('warns about a variant image that is not among the product images, naming the variant', () => {
    const variant = makeVariant({ sku: 'MUG-RED', imageSrc: 'https://cdn.example.com/red.avif' });
    const hits = runRule(imageFormat, makeProduct({ variants: [variant] }));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toContain('The image of SKU MUG-RED (red.avif) is in AVIF format');
    expect(hits[0]?.variant).toBe(variant);
  });
  it('does not report a variant image twice when it is also a product image', () => {
    const images = [{ src: 'https://cdn.example.com/red.webp?v=2', position: 1, alt: '', width: null, height: null }];
    const variants = [makeVariant({ imageSrc: 'https://cdn.example.com/red.webp?v=1' })];
    expect(runRule(imageFormat, makeProduct({ images, variants }))).toHaveLength(1);
  });
});

describe('image-too-small', () => {
  it('passes 300×300 px', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 300, height: 300 }];
    expect(runRule(imageTooSmall, makeProduct({ images }))).toEqual([]);
  });
  it('passes an image of unknown size', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: null, height: null }];
    expect(runRule(imageTooSmall, makeProduct({ images }))).toEqual([]);
  });
  it('warns about an image 299 px high, giving its size and the minimum', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 400, height: 299 }];
    expect(runRule(imageTooSmall, makeProduct({ images }))).toEqual([
      { message: 'Image 1 (mug.jpg) is 400×299 px; TikTok Shop main images must be at least 300×300 px.' },
    ]);
  });
  it('warns when only the width is known and too small', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 120, height: null }];
    expect(runRule(imageTooSmall, makeProduct({ images }))[0]?.message).toContain('120 px wide');
  });
});

describe('image-too-large', () => {
  it('passes 4000×4000 px', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 4000, height: 4000 }];
    expect(runRule(imageTooLarge, makeProduct({ images }))).toEqual([]);
  });
  it('warns about an image 4001 px wide, giving its size and the maximum', () => {
    const images = [{ src: 'https://cdn.example.com/mug.jpg', position: 1, alt: '', width: 4001, height: 3500 }];
    expect(runRule(imageTooLarge, makeProduct({ images }))).toEqual([
      { message: 'Image 1 (mug.jpg) is 4001×3500 px; TikTok Shop main images may be at most 4000×4000 px.' },
    ]);
  });
});

describe('image-aspect-ratio', () => {
  it('passes exactly 3:4 and 4:3', () => {
    const images = [
      { src: 'https://cdn.example.com/a.jpg', position: 1, alt: '', width: 900, height: 1200 },
      { src: 'https://cdn.example.com/b.jpg', position: 2, alt: '', width: 1200, height: 900 },
    ];
    expect(runRule(imageAspectRatio, makeProduct({ images }))).toEqual([]);
  });
  it('passes an image with only one side known', () => {
    const images = [{ src: 'https://cdn.example.com/a.jpg', position: 1, alt: '', width: 3000, height: null }];
    expect(runRule(imageAspectRatio, makeProduct({ images }))).toEqual([]);
  });
  it('warns about a wide banner and says it is cropped to 3:4-4:3', () => {
    const images = [{ src: 'https://cdn.example.com/banner.png', position: 1, alt: '', width: 2000, height: 800 }];
    expect(runRule(imageAspectRatio, makeProduct({ images }))).toEqual([
      { message: 'Image 1 (banner.png) is 2000×800 px (2.50:1); TikTok Shop crops main images to between 3:4 and 4:3, so its edges will be cut off.' },
    ]);
  });
  it('warns about a tall image just beyond 3:4', () => {
    const images = [{ src: 'https://cdn.example.com/tall.jpg', position: 1, alt: '', width: 899, height: 1200 }];
    expect(runRule(imageAspectRatio, makeProduct({ images }))[0]?.message).toContain('899×1200 px (1:1.33)');
  });
});

describe('main-image-unusable', () => {
  it('passes when one image of several is usable', () => {
    const images = [
      { src: 'https://cdn.example.com/a.webp', position: 1, alt: '', width: 1000, height: 1000 },
      { src: 'https://cdn.example.com/b.jpg', position: 2, alt: '', width: 1000, height: 1000 },
    ];
    expect(runRule(mainImageUnusable, makeProduct({ images }))).toEqual([]);
  });
  it('passes a JPG of unknown size', () => {
    const images = [{ src: 'https://cdn.example.com/a.jpg', position: 1, alt: '', width: null, height: null }];
    expect(runRule(mainImageUnusable, makeProduct({ images }))).toEqual([]);
  });
  it('leaves a product without images to images-missing', () => {
    expect(runRule(mainImageUnusable, makeProduct({ images: [] }))).toEqual([]);
  });
  it('blocks when every image is the wrong format or too small, and says why', () => {
    const images = [
      { src: 'https://cdn.example.com/a.webp', position: 1, alt: '', width: 1000, height: 1000 },
      { src: 'https://cdn.example.com/b.gif', position: 2, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/c.jpg', position: 3, alt: '', width: 200, height: 200 },
    ];
    expect(runRule(mainImageUnusable, makeProduct({ images }))).toEqual([
      { message: 'None of the product’s 3 images can be a TikTok Shop main image (2 not JPG or PNG, 1 smaller than 300×300 px); the listing needs at least one.' },
    ]);
  });
  it('blocks a product whose only image is too large', () => {
    const images = [{ src: 'https://cdn.example.com/a.png', position: 1, alt: '', width: 6000, height: 6000 }];
    expect(runRule(mainImageUnusable, makeProduct({ images }))[0]?.message).toBe(
      'The product’s only image cannot be a TikTok Shop main image (1 larger than 4000×4000 px); the listing needs at least one.',
    );
  });
  it('blocks when the only variant image is the product image that is too small', () => {
    const images = [{ src: 'https://cdn.example.com/a.jpg?v=1', position: 1, alt: '', width: 200, height: 200 }];
    const variants = [makeVariant({ imageSrc: 'https://cdn.example.com/a.jpg?v=2' })];
    expect(runRule(mainImageUnusable, makeProduct({ images, variants }))[0]?.message).toContain('(1 smaller than 300×300 px)');
  });
  it('passes a product without product images when a variant image is JPG', () => {
    const variants = [makeVariant({ imageSrc: 'https://cdn.example.com/red.jpg' })];
    expect(runRule(mainImageUnusable, makeProduct({ images: [], variants }))).toEqual([]);
  });
});

const numbered = (count: number, extension = 'jpg') =>
  Array.from({ length: count }, (_, i) => ({ src: `https://cdn.example.com/mug-${i + 1}.${extension}`, position: i + 1, alt: '', width: null, height: null }));

describe('images-too-many', () => {
  it('passes 9 images', () => expect(runRule(imagesTooMany, makeProduct({ images: numbered(9) }))).toEqual([]));
  it('warns about 12 images and says only the first 9 are used', () => {
    expect(runRule(imagesTooMany, makeProduct({ images: numbered(12) }))).toEqual([
      { message: 'The product has 12 images; TikTok Shop takes at most 9, so only the first 9 are used.' },
    ]);
  });
  it('counts a repeated file once', () => {
    const images = [...numbered(9), { src: 'https://cdn.example.com/mug-1.jpg?v=2', position: 10, alt: '', width: null, height: null }];
    expect(runRule(imagesTooMany, makeProduct({ images }))).toEqual([]);
  });
});

describe('image-duplicate', () => {
  it('passes distinct images', () => expect(runRule(imageDuplicate, makeProduct({ images: numbered(3) }))).toEqual([]));
  it('warns about the same file twice, ignoring the query string, and names the first', () => {
    const images = [
      { src: 'https://cdn.example.com/mug.jpg?v=1', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/side.jpg', position: 2, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/mug.jpg?v=2', position: 3, alt: '', width: null, height: null },
    ];
    expect(runRule(imageDuplicate, makeProduct({ images }))).toEqual([{ message: 'Image 3 (mug.jpg) is the same file as image 1.' }]);
  });
  it('does not confuse files with the same name in different folders', () => {
    const images = [
      { src: 'https://cdn.example.com/a/mug.jpg', position: 1, alt: '', width: null, height: null },
      { src: 'https://cdn.example.com/b/mug.jpg', position: 2, alt: '', width: null, height: null },
    ];
    expect(runRule(imageDuplicate, makeProduct({ images }))).toEqual([]);
  });
});
