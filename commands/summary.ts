import { defineCommand, m, opt, reply } from '../src/chat/command.js';

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export default defineCommand({
  name: 'summary',
  description: 'The daily summary for this channel: now, on a schedule, or off',
  examples: ['now', 'schedule 09:00 Europe/London', 'off'],
  options: {
    action: opt.choice(['now', 'schedule', 'off'], 'What to do', { required: true }),
    time: opt.string('schedule: the time of day, HH:MM', { maxLength: 5 }),
    timezone: opt.string('schedule: an IANA time zone such as Europe/London or America/New_York', { maxLength: 64 }),
  },
  positional: ['action', 'time', 'timezone'],
  permission: ({ action }) => (action === 'now' ? 'read' : 'manage'),
  async handler(context, { action, time, timezone }) {
    const { summary } = context.services;
    const where = { platform: context.user.platform, channelId: context.channelId };
    if (action === 'now') return summary.now();
    if (action === 'off') {
      return reply([m.text((await summary.off(where)) ? 'No more daily summaries in this channel.' : 'This channel had no daily summary.')]);
    }
    const match = time ? TIME.exec(time) : null;
    if (!match) return reply([m.text('time: give the time of day as HH:MM, e.g. /shop summary schedule 09:00 Europe/London')], 'ephemeral');
    const zone = timezone ?? 'UTC';
    if (!isTimeZone(zone)) return reply([m.text(`timezone: "${zone}" is not a time zone; use a name such as Europe/London or America/New_York.`)], 'ephemeral');
    const at = `${match[1]!.padStart(2, '0')}:${match[2]}`;
    await summary.schedule({ ...where, time: at, timezone: zone, by: context.user.name });
    return reply([m.text(`This channel gets the daily summary at ${at} (${zone}), set by ${context.user.name}.`)]);
  },
});
