import type { SlackMessage } from '../sim/slack.js';

/** The outbox key each Slack message carries in its metadata, in order: a key found twice is a message posted twice. */
export function outboxKeysOf(messages: readonly SlackMessage[]): string[] {
  return messages.flatMap((message) => {
    const key = message.metadata?.event_payload.key;
    return typeof key === 'string' && key !== '' ? [key] : [];
  });
}
