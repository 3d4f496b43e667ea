import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear, so a secret passed in a log field never reaches the output. */
export const REDACTED_PATHS = [
  'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token', 'refreshToken', '*.refreshToken',
  'appSecret', '*.appSecret', 'app_secret', '*.app_secret', 'signingSecret', '*.signingSecret', 'clientSecret', '*.clientSecret',
  'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers["x-tts-access-token"]', '*.headers["x-tts-access-token"]', 'headers["x-shopify-access-token"]', '*.headers["x-shopify-access-token"]',
  'headers.cookie', '*.headers.cookie',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where lines go; stderr by default so stdout stays free for reports. */
  destination?: DestinationStream;
}

export function createLogger({ level, destination = pino.destination(2) }: LoggerOptions): Logger {
  return pino({ level, base: { app: 'shopshift' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
