import { ALERT_KINDS, type AlertKind } from '../src/alerts/alerts.js';
import { defineCommand, m, opt, reply } from '../src/chat/command.js';
import { parseDurationMs } from '../src/chat/durations.js';

const MAX_MUTE_MS = 90 * 86_400_000;

/** When a mute of "30m", "24h" or "7d" from now runs out; null when the text is not such a duration. */
function endOf(duration: string, now: number): number | null {
  const ms = parseDurationMs(duration);
  return ms !== null && ms > 0 && ms <= MAX_MUTE_MS ? now + ms : null;
}

const KIND_NAMES: Record<AlertKind, string> = {
  listing_rejected: 'listings TikTok review rejected',
  listing_error: 'listings that could not be created',
  sync_failure: 'Shopify changes that block a listed product',
  migration_failed: 'migrations that stopped',
  stuck_in_review: 'listings in review for too long',
  recovered: 'failed listings that went live',
};

export default defineCommand({
  name: 'alerts',
  description: 'Which alerts this channel receives',
  examples: ['list', 'subscribe', 'subscribe sync_failure,listing_rejected', 'subscribe listing_rejected reason:watermark', 'subscribe severity:high', 'unsubscribe', 'mute mug-10 24h'],
  options: {
    action: opt.choice(['list', 'subscribe', 'unsubscribe', 'mute', 'ack'], 'What to do', { required: true }),
    target: opt.string(`subscribe: kinds, comma-separated (${ALERT_KINDS.join(', ')}; default all); mute: the product handle; ack: the alert (its button)`, { maxLength: 255 }),
    duration: opt.string('mute: for how long, e.g. 30m, 24h, 7d', { maxLength: 10 }),
    reason: opt.string('subscribe: only alerts whose reason contains this text', { maxLength: 100 }),
    severity: opt.choice(['normal', 'high'], 'subscribe: high keeps only sync failures and stopped migrations'),
    oncall: opt.string('subscribe: page this Slack user-group id (S…) or Discord role id on sync failures', { maxLength: 30 }),
  },
  positional: ['action', 'target', 'duration'],
  // Anyone who sees an alert may acknowledge it; changing what the channel receives is for managers.
  permission: ({ action }) => (action === 'list' || action === 'ack' ? 'read' : 'manage'),
  // Acknowledging is open to anyone but still changes state (it stops the reminders), so it is recorded.
  records: ({ action }) => action !== 'list',
  async handler(context, { action, target, duration, reason, severity, oncall }) {
    const { alerts } = context.services;
    const where = { platform: context.user.platform, channelId: context.channelId };
    if (action === 'list') {
      const subscriptions = await alerts.list();
      if (subscriptions.length === 0) return reply([m.text('No channel receives alerts yet: /shop alerts subscribe')]);
      return reply([
        m.heading('Alert subscriptions'),
        m.table(
          ['platform', 'channel', 'alerts', 'filter', 'by'],
          subscriptions.map((s) => [s.platform, s.channelId, s.kinds.join(', '), [s.minSeverity === 'high' ? 'high severity' : '', s.reasonContains ? `reason ~ "${s.reasonContains}"` : ''].filter(Boolean).join(', ') || '–', s.createdBy]),
        ),
      ]);
    }
    if (action === 'mute') {
      const until = target && duration ? endOf(duration, context.now()) : null;
      if (!target || until === null) return reply([m.text('Name the product and how long: /shop alerts mute mug-10 24h (m, h or d).')], 'ephemeral');
      await alerts.mute({ handle: target, until, by: context.user.name });
      return reply([m.text(`Alerts about ${target} are muted until ${new Date(until).toISOString().replace('T', ' ').slice(0, 16)} UTC (by ${context.user.name}).`)]);
    }
    if (action === 'ack') {
      if (!target) return reply([m.text('ack: press the Acknowledge button of an alert.')], 'ephemeral');
      const count = await alerts.acknowledge(target, context.user.name);
      return reply([m.text(count ? `Acknowledged ${count === 1 ? 'the alert' : `${count} alerts`}: no more reminders. The message shows who.` : 'Nothing to acknowledge: that alert was acknowledged already or has recovered.')], 'ephemeral');
    }
    if (action === 'unsubscribe') {
      return reply([m.text((await alerts.unsubscribe(where)) ? 'This channel no longer receives alerts.' : 'This channel had no alerts to stop.')]);
    }
    const wanted = target ? target.split(',').map((kind) => kind.trim().toLowerCase()).filter(Boolean) : [...ALERT_KINDS];
    const unknown = wanted.filter((kind) => !ALERT_KINDS.includes(kind as AlertKind));
    if (unknown.length > 0 || wanted.length === 0) {
      return reply([m.text(`kinds: ${unknown.length ? `"${unknown.join('", "')}" is not an alert kind` : 'name at least one'}; use ${ALERT_KINDS.join(', ')}.`)], 'ephemeral');
    }
    const validOncall = oncall === undefined || (context.user.platform === 'slack' ? /^S[A-Z0-9]+$/.test(oncall) : /^\d{17,20}$/.test(oncall));
    if (!validOncall) return reply([m.text('oncall: give a Slack user-group id (S…) on Slack, or a Discord role id (digits) on Discord.')], 'ephemeral');
    await alerts.subscribe({ ...where, kinds: wanted as AlertKind[], reasonContains: reason ?? null, minSeverity: severity ?? 'normal', mention: oncall ?? null, by: context.user.name });
    const filters = [severity === 'high' ? 'high severity only' : '', reason ? `reasons containing "${reason}"` : '', oncall ? 'paging on-call on sync failures' : ''].filter(Boolean);
    return reply([m.text(`This channel now receives alerts about ${wanted.map((kind) => KIND_NAMES[kind as AlertKind]).join('; ')}${filters.length ? ` (${filters.join(', ')})` : ''}.`)]);
  },
});
