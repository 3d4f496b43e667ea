import { defineCommand, m, opt, reply } from '../src/chat/command.js';
import { parseDurationMs } from '../src/chat/durations.js';

const SHOWN = 10;

/** The moment "since:24h" points to, or null when the text is not a duration. */
function sinceMs(text: string, now: number): number | null {
  const ms = parseDurationMs(text);
  return ms === null ? null : now - ms;
}

export default defineCommand({
  name: 'failures',
  description: 'Listings that failed to publish, grouped by reason, with retry buttons',
  examples: ['', 'watermark', 'since:24h', 'retry mug-10'],
  options: {
    reason: opt.string('Only failures whose reason contains this text', { maxLength: 100 }),
    since: opt.string('Only failures newer than this: 30m, 24h, 7d', { maxLength: 10 }),
    retry: opt.string('Submit this failed product (handle) to TikTok Shop again', { maxLength: 255 }),
  },
  positional: ['reason'],
  permission: ({ retry }) => (retry ? 'manage' : 'read'),
  async handler(context, { reason, since, retry }) {
    if (retry) {
      const { resubmitting } = await context.services.failures.retry(retry, context.user.name);
      return reply([m.text(resubmitting
        ? `${retry} is being submitted to TikTok Shop again (asked by ${context.user.name}); a failure or its recovery shows up in the alert.`
        : `${retry} is queued; a migration is under way or paused, and its next run ("migration resume") pushes it again.`)]);
    }
    const from = since === undefined ? undefined : sinceMs(since, context.now());
    if (from === null) return reply([m.text('since: use a duration such as 30m, 24h or 7d.')], 'ephemeral');
    const failures = await context.services.failures.list({ ...(reason ? { reason } : {}), ...(from === undefined ? {} : { sinceMs: from }) });
    if (failures.length === 0) return reply([m.text(reason || since ? 'No failures match.' : 'No listing has failed to publish.')]);
    const byReason = new Map<string, string[]>();
    for (const listing of failures) {
      const key = listing.reasons[0] ?? listing.state;
      byReason.set(key, [...(byReason.get(key) ?? []), listing.handle]);
    }
    const groups = [...byReason].sort((a, b) => b[1].length - a[1].length);
    const retryable = failures.filter((listing) => listing.state === 'error').slice(0, 5);
    return reply([
      m.heading(`${failures.length.toLocaleString('en-US')} listings failed to publish`),
      m.table(['reason', 'products', 'e.g.'], groups.slice(0, SHOWN).map(([text, handles]) => [text, handles.length, handles.slice(0, 3).join(', ')])),
      ...(groups.length > SHOWN ? [m.text(`… and ${groups.length - SHOWN} more reasons.`)] : []),
      ...(retryable.length ? [m.buttons(...retryable.map((listing) => ({ label: `Retry ${listing.handle}`.slice(0, 75), action: { command: 'failures', args: { retry: listing.handle } } })))] : []),
    ]);
  },
});
