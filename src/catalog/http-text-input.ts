import { SourceError } from '../errors.js';
import { fetchWithLimits, headerValue, safeUrlLabel, unexpectedStatusError, type FetchLimits } from './http-fetch.js';
import type { TextInput } from './shopify-csv.js';

/** The text at a URL (a CSV export), decoded as UTF-8 while it streams. */
export function httpTextInput(url: string, limits: FetchLimits): TextInput {
  const label = safeUrlLabel(url);
  return {
    label,
    async open(signal) {
      const response = await fetchWithLimits(url, limits, { accept: 'text/csv, text/plain;q=0.9, */*;q=0.1', signal });
      if (response.status < 200 || response.status >= 300) {
        response.body.destroy();
        throw unexpectedStatusError(response.status, label);
      }
      if (headerValue(response.headers, 'content-type').toLowerCase().includes('text/html')) {
        response.body.destroy();
        throw new SourceError('SOURCE_NOT_A_CATALOG', `${label} answered with an HTML page, not a CSV file; check that the link downloads the export.`);
      }
      response.body.setEncoding('utf8');
      return { stream: response.body, totalBytes: response.contentLength };
    },
  };
}
