import { ALERT_KINDS, type AlertKind } from '../src/alerts/alerts.js';
import { defineCommand, m, opt, reply } from '../src/chat/command.js';

const KIND_NAMES: Record<AlertKind, string> = {
  listing_rejected: 'listings TikTok review rejected',
  listing_error: 'listings that could not be created',
  sync_failure: 'Shopify changes that block a listed product',
  migration_failed: 'migrations that stopped',
  recovered: 'failed listings that went live',
};

export default defineCommand({
  name: 'alerts',
  description: 'Which alerts this channel receives',
  examples: ['list', 'subscribe', 'subscribe sync_failure,listing_rejected', 'unsubscribe'],
  options: {
    action: opt.choice(['list', 'subscribe', 'unsubscribe'], 'What to do', { required: true }),
    kinds: opt.string(`Comma-separated: ${ALERT_KINDS.join(', ')} (default: all)`, { maxLength: 200 }),
  },
  positional: ['action', 'kinds'],
  permission: ({ action }) => (action === 'list' ? 'read' : 'manage'),
  async handler(context, { action, kinds }) {
    const { alerts } = context.services;
    const where = { platform: context.user.platform, channelId: context.channelId };
    if (action === 'list') {
      const subscriptions = await alerts.list();
      if (subscriptions.length === 0) return reply([m.text('No channel receives alerts yet: /shop alerts subscribe')]);
      return reply([
        m.heading('Alert subscriptions'),
        m.table(['platform', 'channel', 'alerts', 'by'], subscriptions.map((s) => [s.platform, s.channelId, s.kinds.join(', '), s.createdBy])),
      ]);
    }
    if (action === 'unsubscribe') {
      return reply([m.text((await alerts.unsubscribe(where)) ? 'This channel no longer receives alerts.' : 'This channel had no alerts to stop.')]);
    }
    const wanted = kinds ? kinds.split(',').map((kind) => kind.trim().toLowerCase()).filter(Boolean) : [...ALERT_KINDS];
    const unknown = wanted.filter((kind) => !ALERT_KINDS.includes(kind as AlertKind));
    if (unknown.length > 0 || wanted.length === 0) {
      return reply([m.text(`kinds: ${unknown.length ? `"${unknown.join('", "')}" is not an alert kind` : 'name at least one'}; use ${ALERT_KINDS.join(', ')}.`)], 'ephemeral');
    }
    await alerts.subscribe({ ...where, kinds: wanted as AlertKind[], by: context.user.name });
    return reply([m.text(`This channel now receives alerts about ${wanted.map((kind) => KIND_NAMES[kind as AlertKind]).join('; ')}.`)]);
  },
});
