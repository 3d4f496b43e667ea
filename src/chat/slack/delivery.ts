import type { webApi } from '@slack/bolt';
import type { ChannelDelivery } from '../../alerts/outbox.js';
import type { Logger } from '../../log.js';
import { renderSlack } from './render.js';

/** The metadata event type that marks shopshift's own posts, so a post in flight at a crash can be found. */
export const OUTBOX_EVENT_TYPE = 'shopshift_outbox';

// Errors a retry cannot mend: the channel, the token or the message itself is wrong.
const PERMANENT = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'missing_scope',
  'no_permission', 'restricted_action', 'msg_too_long', 'invalid_blocks', 'message_not_found', 'cant_update_message', 'thread_not_found',
]);

const codeOf = (error: unknown): string | undefined => {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
};

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: { key?: unknown } };
}

/**
 * The outbox's way into a Slack channel, through the app's Web API client: chat.postMessage with the
 * outbox key in message metadata, the reply's files uploaded beside it, chat.update for
 * a new version, and conversations.history/replies to find a post the process did not see confirmed.
 */
export function slackDelivery(client: webApi.WebClient, log: Logger): ChannelDelivery {
  return {
    async post(channelId, reply, { key, threadRef }) {
      const message = renderSlack(reply);
      const posted = await client.chat.postMessage({
        channel: channelId, text: message.text, blocks: message.blocks, ...(threadRef ? { thread_ts: threadRef } : {}),
        metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { key } },
      });
      const ts = String(posted.ts);
      for (const file of message.files) {
        // Beside the message it belongs to: in its thread for a thread reply, in the channel otherwise (a summary's chart).
        const upload = { channel_id: channelId, file: file.data, filename: file.name, title: file.name };
        await client.files.uploadV2(threadRef ? { ...upload, thread_ts: threadRef } : upload);
      }
      return ts;
    },
    async update(channelId, ref, reply) {
      const message = renderSlack(reply);
      await client.chat.update({ channel: channelId, ts: ref, text: message.text, blocks: message.blocks });
    },
    async findPosted(channelId, key, { since, threadRef }) {
      const oldest = (since / 1000).toFixed(6);
      const page = threadRef
        ? await client.conversations.replies({ channel: channelId, ts: threadRef, oldest, include_all_metadata: true, limit: 200 })
        : await client.conversations.history({ channel: channelId, oldest, include_all_metadata: true, limit: 200 });
      const found = ((page.messages ?? []) as HistoryMessage[]).find(
        (message) => message.metadata?.event_type === OUTBOX_EVENT_TYPE && message.metadata.event_payload?.key === key,
      );
      if (found?.ts) log.debug({ channelId, key }, 'slack post found in history');
      return found?.ts ?? null;
    },
    isPermanent: (error) => PERMANENT.has(codeOf(error) ?? ''),
    wasRefused: (error) => codeOf(error) !== undefined || (error as { code?: unknown } | null)?.code === 'slack_webapi_rate_limited_error',
    retryAfterMs(error) {
      const seconds = (error as { retryAfter?: unknown } | null)?.retryAfter;
      return typeof seconds === 'number' ? seconds * 1000 : null;
    },
  };
}
