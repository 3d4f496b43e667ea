import { defineCommand, m, opt, reply } from '../src/chat/command.js';
import { parseDurationMs } from '../src/chat/durations.js';

const SHOWN = 20;

const minuteOf = (at: string) => `${at.slice(0, 10)} ${at.slice(11, 16)}`;

export default defineCommand({
  name: 'activity',
  description: 'Who changed what from chat, where and when: migrations, mappings, alerts, schedules, retries',
  examples: ['', 'since:24h', '7d'],
  options: {
    since: opt.string('Only actions newer than this: 30m, 24h, 7d (default: all that is kept)', { maxLength: 10 }),
  },
  positional: ['since'],
  permission: 'read',
  async handler(context, { since }) {
    const ms = since === undefined ? 0 : parseDurationMs(since);
    if (ms === null) return reply([m.text('since: use a duration such as 30m, 24h or 7d.')], 'ephemeral');
    const entries = (await context.services.activity.since(since === undefined ? 0 : context.now() - ms)).reverse();
    if (entries.length === 0) return reply([m.text(since ? `Nothing was changed from chat in the last ${since}.` : 'Nothing has been changed from chat yet.')]);
    return reply([
      m.heading(since ? `Activity in the last ${since}` : 'Activity'),
      m.table(['when (UTC)', 'who', 'where', 'what'], entries.slice(0, SHOWN).map((entry) => [
        minuteOf(entry.at),
        entry.userName,
        `${entry.platform} ${entry.channelId}`,
        `${entry.action}${entry.detail ? ` ${entry.detail}` : ''}${entry.ok ? '' : ' (failed)'}`,
      ])),
      ...(entries.length > SHOWN ? [m.text(`… and ${entries.length - SHOWN} more, older; narrow it with since:24h.`)] : []),
    ]);
  },
});
