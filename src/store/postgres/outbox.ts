import { outboxMessageSchema } from '../schema.js';
import type { OutboxClaim, OutboxClaimRequest, OutboxMessage } from '../store.js';
import type { Db } from './db.js';

interface Head {
  id: string;
  platform: OutboxMessage['platform'];
  channel_id: string;
  next_attempt_at_ms: number | null;
  claimed_until_ms: number | null;
  doc: unknown;
}

const channelKey = (platform: string, channelId: string) => `${platform}\u0000${channelId}`;

/**
 * Takes each channel's oldest unfinished message when it is due (see Store.outbox.claim). The channel
 * rows are locked FOR UPDATE SKIP LOCKED first, so two processes never look at one channel at once;
 * the heads are read by a later statement, which in READ COMMITTED sees everything committed by then.
 * Times come from the request, not the database clock.
 */
export function claimOutbox(db: Db, { owner, platforms, now, claimMs, pacingMs, limit }: OutboxClaimRequest): Promise<OutboxClaim> {
  return db.transaction(async (tx) => {
    const channels = await tx.query<{ platform: string; channel_id: string; last_claimed_at_ms: number | null }>(
      `select platform, channel_id, last_claimed_at_ms from outbox_channels channel
       where platform = any($1::text[]) and exists (
         select 1 from outbox where outbox.platform = channel.platform and outbox.channel_id = channel.channel_id and outbox.state in ('pending', 'sending'))
       for update skip locked`,
      [platforms],
    );
    if (channels.length === 0) return { messages: [], nextDueAt: null };
    const lastClaimAt = new Map(channels.map((channel) => [channelKey(channel.platform, channel.channel_id), channel.last_claimed_at_ms]));
    const heads = await tx.query<Head>(
      `select id, platform, channel_id, next_attempt_at_ms, claimed_until_ms, doc from (
         select distinct on (platform, channel_id) id, seq, platform, channel_id, next_attempt_at_ms, claimed_until_ms, doc from outbox
         where state in ('pending', 'sending') and (platform, channel_id) in (select * from unnest($1::text[], $2::text[]))
         order by platform, channel_id, seq
       ) heads order by seq`,
      [channels.map((channel) => channel.platform), channels.map((channel) => channel.channel_id)],
    );

    const taken: Head[] = [];
    let nextDueAt: number | null = null;
    for (const head of heads) {
      // A message whose next attempt is no time at all is never due.
      if (head.next_attempt_at_ms === null) continue;
      const dueAt = Math.max(
        head.next_attempt_at_ms,
        (lastClaimAt.get(channelKey(head.platform, head.channel_id)) ?? Number.NEGATIVE_INFINITY) + (pacingMs[head.platform] ?? 0),
        head.claimed_until_ms !== null && head.claimed_until_ms > now ? head.claimed_until_ms : Number.NEGATIVE_INFINITY,
      );
      if (dueAt <= now && taken.length < limit) taken.push(head);
      else nextDueAt = Math.min(nextDueAt ?? Number.POSITIVE_INFINITY, Math.max(dueAt, now));
    }
    if (taken.length === 0) return { messages: [], nextDueAt };
    // The update waits for a transaction saving a head (its owner finishing it as an earlier claim ran out), then looks
    // at the head as saved: one no longer due is left, and the message handed out is the one saved, not the one read.
    const claimed = await tx.query<{ id: string; platform: string; channel_id: string; doc: unknown }>(
      `update outbox set claim_owner = $1, claimed_until_ms = $2
       where id = any($3::text[]) and state in ('pending', 'sending') and next_attempt_at_ms <= $4
       returning id, platform, channel_id, doc`,
      [owner, now + claimMs, taken.map((head) => head.id), now],
    );
    if (claimed.length > 0) {
      await tx.query(
        'update outbox_channels set last_claimed_at_ms = $1 where (platform, channel_id) in (select * from unnest($2::text[], $3::text[]))',
        [now, claimed.map((row) => row.platform), claimed.map((row) => row.channel_id)],
      );
    }
    const docOf = new Map(claimed.map((row) => [row.id, row.doc]));
    const messages = taken.filter((head) => docOf.has(head.id)).map((head) => outboxMessageSchema.parse(docOf.get(head.id)));
    return { messages, nextDueAt };
  });
}

export async function releaseOutbox(db: Db, ids: readonly string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query('update outbox set claim_owner = null, claimed_until_ms = null where id = any($1::text[]) and claim_owner = $2', [ids, owner]);
}
