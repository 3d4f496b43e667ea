import { DiscordAPIError, RateLimitError, type Client } from 'discord.js';
import type { ChannelDelivery } from '../../alerts/outbox.js';
import { payload, renderDiscord } from './render.js';

// Unknown channel or message, missing access or permissions, a body Discord refuses: retrying cannot mend them.
const PERMANENT_CODES = new Set([10003, 10008, 50001, 50007, 50013, 50035]);

class NotSendableError extends Error {
  constructor(channelId: string) {
    super(`cannot post in Discord channel ${channelId}`);
    this.name = 'NotSendableError';
  }
}

/**
 * The outbox's way into a Discord channel through discord.js (which waits out 429s itself): a post
 * carries the outbox key as an enforced nonce, so a resend of a post Discord already has returns that
 * message instead of a second one; a thread reply is a reply to the alert; an update edits it.
 */
export function discordDelivery(client: Client): ChannelDelivery {
  async function sendable(channelId: string) {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new NotSendableError(channelId);
    return channel;
  }
  return {
    async post(channelId, reply, { key, threadRef }) {
      const channel = await sendable(channelId);
      const sent = await channel.send({
        ...payload(renderDiscord(reply)), nonce: key, enforceNonce: true,
        ...(threadRef ? { reply: { messageReference: threadRef, failIfNotExists: false } } : {}),
      });
      return sent.id;
    },
    async update(channelId, ref, reply) {
      const channel = await sendable(channelId);
      await channel.messages.edit(ref, payload(renderDiscord(reply)));
    },
    wasRefused: (error) => error instanceof DiscordAPIError || error instanceof RateLimitError || error instanceof NotSendableError,
    isPermanent: (error) => error instanceof NotSendableError || (error instanceof DiscordAPIError && PERMANENT_CODES.has(Number(error.code))),
  };
}
