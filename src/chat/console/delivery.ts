import type { ChannelDelivery } from '../../alerts/outbox.js';
import { printReply, type ReplyPrinter } from './print-reply.js';

const indent = (text: string, first: string, rest: string) =>
  text.split('\n').map((line, index) => `${index === 0 ? first : rest}${line}`).join('\n');

/**
 * The outbox's way into the terminal: what Slack and Discord would get in a channel (alerts, their
 * threads and updates, scheduled summaries), printed as text between the chat's own replies. A post
 * is numbered (`c1`, `c2`…), and its thread replies (indented under ↳) and updates name that number.
 */
export function consoleDelivery(printer: ReplyPrinter, options: { prefix?: string } = {}): ChannelDelivery {
  const prefix = options.prefix ?? '[alert]';
  let posted = 0;
  return {
    async post(_channelId, reply, { threadRef }) {
      const ref = `c${++posted}`;
      await printReply(reply, printer, (text) => (threadRef ? indent(`${threadRef}: ${text}`, '  ↳ ', '    ') : `\n${prefix} ${ref}: ${text}`));
      return ref;
    },
    async update(_channelId, ref, reply) {
      await printReply(reply, printer, (text) => `\n[updated] ${ref}: ${text}`);
    },
    // Writing to the terminal does not fail in a way a retry would mend.
    isPermanent: () => true,
    wasRefused: () => true,
  };
}
