import { basename } from 'node:path';
import { fetchWithLimits, headerValue, readAll, unexpectedStatusError, type FetchLimits } from '../catalog/http-fetch.js';
import { SourceError } from '../errors.js';
import type { ImageFile } from './run.js';

// tiktok-shop.md §8 Upload limits: JPG/JPEG/PNG, at most 5 MB.
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const ACCEPTED = /^image\/(jpeg|jpg|png)$/i;

/** Downloads a product image from the store's CDN so it can be uploaded to TikTok Shop. */
export function createImageFetcher(limits: Omit<FetchLimits, 'maxBytes'>) {
  return async (url: string): Promise<ImageFile> => {
    const response = await fetchWithLimits(url, { ...limits, maxBytes: MAX_IMAGE_BYTES }, { service: 'image host', accept: 'image/*' });
    if (response.status !== 200) {
      response.body.destroy();
      throw unexpectedStatusError(response.status, basename(new URL(url).pathname), 'image host');
    }
    const contentType = headerValue(response.headers, 'content-type').split(';')[0]!.trim();
    if (!ACCEPTED.test(contentType)) {
      response.body.destroy();
      throw new SourceError('SOURCE_NOT_A_CATALOG', `the image is ${contentType || 'of unknown type'}; TikTok Shop takes JPG or PNG`);
    }
    return { data: await readAll(response.body), contentType, fileName: basename(new URL(url).pathname) || 'image' };
  };
}
