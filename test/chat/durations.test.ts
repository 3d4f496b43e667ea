import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/chat/durations.js';

describe('parseDurationMs', () => {
  it('reads minutes, hours and days in either case, with or without a space', () => {
    expect(parseDurationMs('30m')).toBe(30 * 60_000);
    expect(parseDurationMs('24H')).toBe(24 * 3_600_000);
    expect(parseDurationMs(' 7 d ')).toBe(7 * 86_400_000);
  });
  it('refuses anything else', () => {
    for (const text of ['soon', '3q', '1.5h', '-1h', '12345d', '']) expect(parseDurationMs(text)).toBeNull();
  });
});
