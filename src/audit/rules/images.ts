import type { Image, Product } from '../../catalog/product.js';
import { defineRule, variantLabel, type RuleHit } from '../rule.js';

const MIN_SIDE = 300;
const MAX_SIDE = 4000;
const MAX_IMAGES = 9;
// Formats a URL path can name that TikTok Shop does not take; an unknown or missing extension is given the benefit of the doubt.
const UNSUPPORTED_FORMATS = new Set(['webp', 'gif', 'heic', 'heif', 'avif', 'svg', 'bmp', 'tif', 'tiff']);
const LONGEST_EXTENSION = 4;

/** Where the URL's path ends: the query string and fragment do not change which file it is. */
function pathEnd(src: string): number {
  const query = src.indexOf('?');
  const fragment = src.indexOf('#');
  if (query === -1) return fragment === -1 ? src.length : fragment;
  return fragment === -1 || query < fragment ? query : fragment;
}

/** The same file, ignoring the query string (Shopify's CDN adds ?v=…); compares in place, without slicing. */
function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const end = pathEnd(a);
  if (b.length < end) return false;
  if (b.length > end) {
    const next = b.charCodeAt(end);
    if (next !== 0x3f && next !== 0x23) return false; // b's path must end where a's does, at "?" or "#".
  }
  // File names differ more often than CDN prefixes, so compare from the end.
  for (let i = end - 1; i >= 0; i--) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** Index of an earlier image with the same file as images[index], or -1. */
function earlierCopy(images: readonly Image[], index: number): number {
  const src = images[index]!.src;
  for (let j = 0; j < index; j++) if (samePath(images[j]!.src, src)) return j;
  return -1;
}

/** Whether src[dot+1, end) is ext (lower case, ASCII), ignoring case. */
function extensionIs(src: string, dot: number, end: number, ext: string): boolean {
  if (end - dot - 1 !== ext.length) return false;
  for (let i = 0; i < ext.length; i++) if ((src.charCodeAt(dot + 1 + i) | 0x20) !== ext.charCodeAt(i)) return false;
  return true;
}

/** "WEBP" when the URL's path ends in a format TikTok Shop does not take; null for JPG/PNG and unknown ones. */
function unsupportedFormat(src: string): string | null {
  const end = pathEnd(src);
  const dot = src.lastIndexOf('.', end - 1);
  if (dot === -1 || end - dot - 1 > LONGEST_EXTENSION) return null;
  if (extensionIs(src, dot, end, 'jpg') || extensionIs(src, dot, end, 'png') || extensionIs(src, dot, end, 'jpeg')) return null;
  const extension = src.slice(dot + 1, end).toLowerCase();
  return UNSUPPORTED_FORMATS.has(extension) ? extension.toUpperCase() : null;
}

function fileName(src: string): string {
  const end = pathEnd(src);
  return src.slice(src.lastIndexOf('/', end - 1) + 1, end);
}

function imageName(image: Image, index: number): string {
  return `Image ${image.position ?? index + 1} (${fileName(image.src)})`;
}

const tooSmall = (side: number | null): boolean => side !== null && side < MIN_SIDE;
const tooLarge = (side: number | null): boolean => side !== null && side > MAX_SIDE;

function size({ width, height }: Image): string {
  if (width !== null && height !== null) return `${width}×${height} px`;
  return width !== null ? `${width} px wide` : `${height} px high`;
}

function isUsableMainImage(image: Image): boolean {
  return (
    !tooSmall(image.width) && !tooSmall(image.height) && !tooLarge(image.width) && !tooLarge(image.height) &&
    unsupportedFormat(image.src) === null
  );
}

function isProductImage(product: Product, src: string): boolean {
  for (const image of product.images) if (samePath(image.src, src)) return true;
  return false;
}

/** Whether an earlier variant has the same image as variants[index]. */
function earlierVariantImage(product: Product, index: number): boolean {
  const src = product.variants[index]!.imageSrc;
  for (let v = 0; v < index; v++) if (samePath(product.variants[v]!.imageSrc, src)) return true;
  return false;
}

function hasVariantImage(product: Product): boolean {
  for (const variant of product.variants) if (variant.imageSrc !== '') return true;
  return false;
}

/** A check that judges each product image on its own: one hit for each image `check` returns a message for. */
function perImage(check: (image: Image, index: number, images: readonly Image[]) => string | undefined): (product: Product) => RuleHit[] | undefined {
  return (product) => {
    let hits: RuleHit[] | undefined;
    const { images } = product;
    for (let i = 0; i < images.length; i++) {
      const message = check(images[i]!, i, images);
      if (message !== undefined) (hits ??= []).push({ message });
    }
    return hits;
  };
}

export const imagesMissing = defineRule({
  id: 'images-missing',
  severity: 'blocker',
  summary: 'No image',
  fact: 'tiktok-shop.md §8 Main images: 1-9 per product; a main image is required (§3 error 12052028)',
  hint: 'Add at least one product image in Shopify, ideally the product on a white background.',
  check: (product) =>
    product.images.length > 0 || hasVariantImage(product) ? undefined : 'The product has no image; TikTok Shop needs at least one main image.',
});

export const imageFormat = defineRule({
  id: 'image-format',
  severity: 'warning',
  summary: 'Image not JPG or PNG',
  fact: 'tiktok-shop.md §8 Main images and Upload limits: JPG, JPEG or PNG only (§3 errors 12038004, 12052301-12052306 "format")',
  hint: 'Replace the image in Shopify with a JPG or PNG version of the same picture.',
  check(product) {
    let hits: RuleHit[] | undefined;
    const { images, variants } = product;
    for (let i = 0; i < images.length; i++) {
      const image = images[i]!;
      const format = unsupportedFormat(image.src);
      if (format === null || earlierCopy(images, i) !== -1) continue;
      (hits ??= []).push({
        message: `${imageName(image, i)} is in ${format} format; TikTok Shop takes JPG and PNG only, so it is left out unless converted.`,
      });
    }
    // Variant images are normally product images too; report only those that are not, once per file.
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[v]!;
      if (variant.imageSrc === '') continue;
      const format = unsupportedFormat(variant.imageSrc);
      if (format === null) continue;
      if (isProductImage(product, variant.imageSrc) || earlierVariantImage(product, v)) continue;
      (hits ??= []).push({
        message: `The image of ${variantLabel(variant)} (${fileName(variant.imageSrc)}) is in ${format} format; TikTok Shop takes JPG and PNG only, so it is left out unless converted.`,
        variant,
      });
    }
    return hits;
  },
});

export const imageTooSmall = defineRule({
  id: 'image-too-small',
  severity: 'warning',
  summary: 'Image below 300×300 px',
  fact: 'tiktok-shop.md §8 Main images: 300×300 to 4000×4000 px (§3 error 12052301)',
  hint: 'Upload a larger original in Shopify: at least 300 px on each side (800 px or more looks sharp).',
  check: perImage((image, i) =>
    tooSmall(image.width) || tooSmall(image.height)
      ? `${imageName(image, i)} is ${size(image)}; TikTok Shop main images must be at least ${MIN_SIDE}×${MIN_SIDE} px.`
      : undefined),
});

export const imageTooLarge = defineRule({
  id: 'image-too-large',
  severity: 'warning',
  summary: 'Image above 4000×4000 px',
  fact: 'tiktok-shop.md §8 Main images: 300×300 to 4000×4000 px (§3 error 12052302)',
  hint: 'Replace the image in Shopify with a version at most 4000 px on each side.',
  check: perImage((image, i) =>
    tooLarge(image.width) || tooLarge(image.height)
      ? `${imageName(image, i)} is ${size(image)}; TikTok Shop main images may be at most ${MAX_SIDE}×${MAX_SIDE} px.`
      : undefined),
});

export const imageAspectRatio = defineRule({
  id: 'image-aspect-ratio',
  severity: 'warning',
  summary: 'Image will be cropped (not 3:4 to 4:3)',
  fact: 'tiktok-shop.md §8 Upload limits: MAIN_IMAGE uploads are cropped into 3:4-4:3 (§3 errors 12052301-12052306 "aspect ratio")',
  hint: 'Crop or pad the image in Shopify to between 3:4 and 4:3 (square is safest) so nothing important is cut off.',
  check: perImage((image, i) => {
    const { width, height } = image;
    if (width === null || height === null || width <= 0 || height <= 0) return undefined;
    // width/height outside [3/4, 4/3], in integers.
    if (4 * width >= 3 * height && 3 * width <= 4 * height) return undefined;
    const ratio = width >= height ? `${(width / height).toFixed(2)}:1` : `1:${(height / width).toFixed(2)}`;
    return `${imageName(image, i)} is ${width}×${height} px (${ratio}); TikTok Shop crops main images to between 3:4 and 4:3, so its edges will be cut off.`;
  }),
});

export const mainImageUnusable = defineRule({
  id: 'main-image-unusable',
  severity: 'blocker',
  summary: 'No image usable as main image',
  fact: 'tiktok-shop.md §8 Main images: JPG/PNG, 300×300 to 4000×4000 px; a main image is required (§3 error 12052028)',
  hint: 'Add at least one JPG or PNG image between 300 and 4000 px on each side in Shopify, and put it first.',
  check(product) {
    const { images, variants } = product;
    for (const image of images) if (isUsableMainImage(image)) return undefined;
    // A variant image of unknown size may serve, unless it is one of the product images just found unusable.
    for (const variant of variants) {
      const src = variant.imageSrc;
      if (src !== '' && unsupportedFormat(src) === null && !isProductImage(product, src)) return undefined;
    }
    // Nothing usable: count the distinct files and why each fails.
    let variantImages = 0;
    for (let v = 0; v < variants.length; v++) {
      const src = variants[v]!.imageSrc;
      if (src !== '' && !isProductImage(product, src) && !earlierVariantImage(product, v)) variantImages++;
    }
    let distinctImages = 0;
    for (let i = 0; i < images.length; i++) if (earlierCopy(images, i) === -1) distinctImages++;
    const total = distinctImages + variantImages;
    if (total === 0) return undefined; // images-missing reports it.
    let wrongFormat = variantImages;
    let small = 0;
    let large = 0;
    for (let i = 0; i < images.length; i++) {
      const image = images[i]!;
      if (earlierCopy(images, i) !== -1) continue;
      if (unsupportedFormat(image.src) !== null) wrongFormat++;
      else if (tooSmall(image.width) || tooSmall(image.height)) small++;
      else large++;
    }
    const reasons = [
      wrongFormat > 0 && `${wrongFormat} not JPG or PNG`,
      small > 0 && `${small} smaller than ${MIN_SIDE}×${MIN_SIDE} px`,
      large > 0 && `${large} larger than ${MAX_SIDE}×${MAX_SIDE} px`,
    ].filter(Boolean);
    const subject = total === 1 ? 'The product’s only image' : `None of the product’s ${total} images`;
    const verb = total === 1 ? 'cannot' : 'can';
    return `${subject} ${verb} be a TikTok Shop main image (${reasons.join(', ')}); the listing needs at least one.`;
  },
});

export const imagesTooMany = defineRule({
  id: 'images-too-many',
  severity: 'warning',
  summary: 'More than 9 images',
  fact: 'tiktok-shop.md §8 Main images: 1-9 per product, in display order (§3 errors 12052301-12052306 "count")',
  hint: 'Order the images in Shopify so the best 9 come first (white-background shot first); the rest are left out.',
  check(product) {
    const { images } = product;
    if (images.length <= MAX_IMAGES) return undefined;
    let distinct = 0;
    for (let i = 0; i < images.length; i++) if (earlierCopy(images, i) === -1) distinct++;
    return distinct > MAX_IMAGES
      ? `The product has ${distinct} images; TikTok Shop takes at most ${MAX_IMAGES}, so only the first ${MAX_IMAGES} are used.`
      : undefined;
  },
});

export const imageDuplicate = defineRule({
  id: 'image-duplicate',
  severity: 'warning',
  summary: 'Same image twice',
  fact: 'tiktok-shop.md §8 Main images: 1-9 per product; a repeated file takes one of the 9 places',
  hint: 'Delete the repeated image in Shopify.',
  check: perImage((image, i, images) => {
    const first = earlierCopy(images, i);
    return first === -1 ? undefined : `${imageName(image, i)} is the same file as image ${images[first]!.position ?? first + 1}.`;
  }),
});

export const imageRules = [
  imagesMissing, imageFormat, imageTooSmall, imageTooLarge, imageAspectRatio, mainImageUnusable, imagesTooMany, imageDuplicate,
];
