import { randomBytes } from 'node:crypto';

/** Stable codes: they are logged and shown, so never rename one; add new ones. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USER_INPUT'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_NOT_A_CATALOG'
  | 'UPSTREAM_FAILED'
  | 'INTERNAL';

export class ShopshiftError extends Error {
  readonly code: ErrorCode;
  /** Text safe to show a user in chat or a terminal; never holds secrets or upstream bodies. */
  readonly userText: string;

  constructor(code: ErrorCode, userText: string, options?: { cause?: unknown; detail?: string }) {
    super(options?.detail ?? userText, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.userText = userText;
  }
}

export class ConfigError extends ShopshiftError {
  constructor(userText: string) {
    super('CONFIG_INVALID', userText);
  }
}

export class UserInputError extends ShopshiftError {
  constructor(userText: string) {
    super('USER_INPUT', userText);
  }
}

export class SourceError extends ShopshiftError {
  constructor(code: 'SOURCE_UNREADABLE' | 'SOURCE_NOT_A_CATALOG', userText: string, options?: { cause?: unknown }) {
    super(code, userText, options);
  }
}

export class UpstreamError extends ShopshiftError {
  readonly service: string;
  readonly status: number | null;

  constructor(service: string, status: number | null, userText: string, options?: { cause?: unknown }) {
    super('UPSTREAM_FAILED', userText, options);
    this.service = service;
    this.status = status;
  }
}

/** A short reference that ties what a user sees to the log line with the details. */
export function newRef(): string {
  return `ss-${randomBytes(4).toString('hex').slice(0, 6)}`;
}

export function toUserText(error: unknown, ref?: string): string {
  const suffix = ref ? ` (ref ${ref})` : '';
  if (error instanceof ShopshiftError) return `${error.userText}${suffix}`;
  return `Something went wrong on our side${suffix}.`;
}
