import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it, vi } from 'vitest';
import { alertForStatusChange, createAlerts } from '../../src/alerts/alerts.js';
import { alertMessage } from '../../src/alerts/messages.js';
import { createOutbox, type ChannelDelivery } from '../../src/alerts/outbox.js';
import { fileBytes, renderText, type Reply } from '../../src/chat/message.js';
import { renderDiscord } from '../../src/chat/discord/render.js';
import { renderSlack } from '../../src/chat/slack/render.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { AlertKind } from '../../src/store/schema.js';
import { makeListing } from '../store/contract.js';
import { chatHarness, member } from '../support/chat.js';
import { captureLogs } from '../support/log-capture.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Delivered {
  op: 'post' | 'update';
  channel: string;
  reply: Reply;
  ref: string;
  /** The ref of the message this one is threaded under (post) or replaces (update). */
  under: string | null;
}

/** The alert pipeline on a fake clock, delivering through the real outbox into a recording channel. */
async function setUp() {
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-alerts-')) });
  const clock = { now: Date.parse('2026-11-25T09:00:00Z') };
  const now = () => clock.now;
  const delivered: Delivered[] = [];
  const recording = (platform: string): ChannelDelivery => ({
    async post(channelId, reply, { threadRef }) {
      const ref = `${platform}-${delivered.length + 1}`;
      delivered.push({ op: 'post', channel: `${platform}:${channelId}`, reply, ref, under: threadRef ?? null });
      return ref;
    },
    async update(channelId, ref, reply) {
      delivered.push({ op: 'update', channel: `${platform}:${channelId}`, reply, ref, under: ref });
    },
    isPermanent: () => false,
    wasRefused: () => true,
  });
  const logs = captureLogs();
  const outbox = createOutbox({ store, deliveries: { slack: recording('slack'), discord: recording('discord') }, log: logs.log, now, settings: { pacingMs: {} } });
  const alerts = createAlerts({ store, outbox, log: logs.log, now, shops: ['shop-1'], settings: { groupWindowMs: 30_000, remindEveryMs: 4 * HOUR } });
  const subscribe = (
    platform: 'slack' | 'discord', channelId: string, kinds: AlertKind[], shop = 'shop-1',
    filters: { reasonContains?: string; minSeverity?: 'normal' | 'high'; mention?: string } = {},
  ) => store.alerts.subscribe({
    shop, platform, channelId, kinds, reasonContains: filters.reasonContains ?? null, minSeverity: filters.minSeverity ?? 'normal',
    mention: filters.mention ?? null, createdBy: 'ada', createdAt: 'now',
  });
  /** Lets time pass, then does what the timers would: flush what is due and deliver it. */
  const after = async (ms: number) => {
    clock.now += ms;
    await alerts.flush();
    await outbox.idle();
  };
  const headlines = () => delivered.filter((entry) => entry.op === 'post' && entry.under === null).map((entry) => `${entry.channel} ${renderText(entry.reply.parts).split('\n')[0]}`);
  return { store, alerts, outbox, delivered, subscribe, logs, clock, after, headlines };
}

const rejected = (handle: string, reason = 'Main image has a watermark') => ({ kind: 'listing_rejected' as const, shop: 'shop-1', handle, productId: '1', reasons: [reason] });
const syncFailure = { kind: 'sync_failure' as const, shop: 'shop-1', handle: 'mug', listingState: 'live', blockers: ['title-missing'] };
const textOf = (reply: Reply) => renderText(reply.parts);
const buttonsOf = (reply: Reply) => reply.parts.flatMap((part) => (part.kind === 'buttons' ? part.buttons.map((button) => button.label) : []));

describe('raising an alert', () => {
  it('records raises that arrive while the shop’s lock is taken together, in one change, each with its own outcome', async () => {
    const { store, alerts, subscribe } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    const changes = vi.spyOn(store, 'exclusive');
    const events = [...Array.from({ length: 50 }, (_, i) => rejected(`mug-${i}`)), rejected('mug-0')];
    const outcomes = await Promise.all(events.map((event) => alerts.raise(event)));
    expect(outcomes.filter((outcome) => outcome === 'opened')).toHaveLength(50);
    expect(outcomes.at(-1)).toBe('repeat');
    expect(changes.mock.calls.length).toBeLessThanOrEqual(2);
    expect((await store.incidents.open('shop-1', 'mug-0'))[0]?.occurrences).toBe(2);
  });

  it('posts to every channel subscribed to its kind and shop, once the group window has passed', async () => {
    const { alerts, subscribe, after, headlines } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure']);
    await subscribe('slack', 'C2', ['listing_rejected']);
    await subscribe('discord', '1234567890123456789', ['sync_failure']);
    await subscribe('slack', 'C3', ['sync_failure'], 'shop-2');
    expect(await alerts.raise(syncFailure)).toBe('opened');
    await after(10_000);
    expect(headlines()).toEqual([]);
    await after(20_000);
    expect(headlines()).toEqual([
      'slack:C1 SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)',
      'discord:1234567890123456789 SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)',
    ]);
  });

  it('keeps only the alerts a channel’s filters let through', async () => {
    const { alerts, subscribe, after, headlines } = await setUp();
    await subscribe('slack', 'watermarks', ['listing_rejected'], 'shop-1', { reasonContains: 'WATERMARK' });
    await subscribe('slack', 'on-call', ['listing_rejected', 'sync_failure'], 'shop-1', { minSeverity: 'high' });
    await alerts.raise(rejected('a'));
    await alerts.raise(rejected('b', 'Title too short'));
    await alerts.raise(syncFailure);
    await after(30_000);
    expect(headlines()).toEqual(['slack:watermarks TIKTOK SHOP REJECTED A', 'slack:on-call SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)']);
  });

  it('pages the channel’s on-call group when a high-severity failure is in the message, and not otherwise', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure', 'listing_rejected'], 'shop-1', { mention: 'S0ONCALL' });
    await alerts.raise(rejected('a'));
    await after(30_000);
    await alerts.raise(syncFailure);
    await after(30_000);
    expect(delivered.map((entry) => entry.reply.mention ?? null)).toEqual([null, { platform: 'slack', id: 'S0ONCALL' }]);
  });
});

describe('grouping', () => {
  it('puts the failures of one window in one message per channel, with all of them in a CSV in its thread', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected', 'listing_error']);
    await alerts.raise(rejected('mug'));
    await after(10_000);
    await alerts.raise(rejected('cup'));
    await alerts.raise({ kind: 'listing_error', shop: 'shop-1', handle: 'bowl', reason: 'TikTok Shop had a temporary problem' });
    await after(20_000);
    expect(delivered).toHaveLength(2);
    const [alert, csv] = delivered;
    expect(textOf(alert!.reply)).toMatch(/^3 LISTING FAILURES\nRejected by review: 2\nCould not be listed: 1\n/);
    expect(textOf(alert!.reply)).toContain('• mug: Main image has a watermark\n• cup: Main image has a watermark\n• bowl: TikTok Shop had a temporary problem');
    expect(buttonsOf(alert!.reply)).toEqual(['Acknowledge all']);
    expect(csv!.under).toBe(alert!.ref);
    const file = csv!.reply.parts.find((part) => part.kind === 'file');
    expect(file && Papa.parse(fileBytes(file).toString('utf8'), { header: true, skipEmptyLines: true }).data).toHaveLength(3);
  });

  it('starts a new group for a failure that arrives after the window was posted', async () => {
    const { alerts, subscribe, after, headlines } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    await alerts.raise(rejected('mug'));
    await after(30_000);
    await alerts.raise(rejected('cup'));
    await after(30_000);
    expect(headlines()).toEqual(['slack:C1 TIKTOK SHOP REJECTED MUG', 'slack:C1 TIKTOK SHOP REJECTED CUP']);
  });

  it('turns a storm of 10,000 failures into one message per channel and loses none from the CSV', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    await subscribe('discord', '1234567890123456789', ['listing_rejected']);
    for (let i = 0; i < 10_000; i++) await alerts.raise(rejected(`product-${i}`, i % 3 ? 'Main image has a watermark' : 'Title too short'));
    await after(30_000);
    const posts = delivered.filter((entry) => entry.under === null);
    expect(posts.map((entry) => entry.channel)).toEqual(['slack:C1', 'discord:1234567890123456789']);
    expect(textOf(posts[0]!.reply)).toContain('… and 9,990 more in the CSV');
    for (const csv of delivered.filter((entry) => entry.under !== null)) {
      const file = csv.reply.parts.find((part) => part.kind === 'file')!;
      const rows = Papa.parse<{ product: string }>(fileBytes(file as { content: string }).toString('utf8'), { header: true, skipEmptyLines: true }).data;
      expect(new Set(rows.map((row) => row.product)).size).toBe(10_000);
    }
  }, 60_000);
});

describe('de-duplication', () => {
  it('alerts once while the same product fails for the same reason, and again for another reason', async () => {
    const { alerts, subscribe, after, headlines } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    expect(await alerts.raise(rejected('mug'))).toBe('opened');
    await after(30_000);
    expect(await alerts.raise(rejected('mug'))).toBe('repeat');
    // Numbers that differ between two reports of one problem do not make it a new one.
    expect(await alerts.raise(rejected('mug', 'Main image has a watermark'.replace('image', 'image 2').replace(' 2', '')))).toBe('repeat');
    await after(HOUR);
    expect(await alerts.raise(rejected('mug', 'Title too short'))).toBe('opened');
    await after(30_000);
    expect(headlines()).toEqual(['slack:C1 TIKTOK SHOP REJECTED MUG', 'slack:C1 TIKTOK SHOP REJECTED MUG']);
  });

  it('alerts again when the product fails after it recovered', async () => {
    const { alerts, subscribe, after, headlines } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    await alerts.raise(rejected('mug'));
    await after(30_000);
    expect(await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'mug' })).toBe('resolved');
    await after(30_000);
    expect(await alerts.raise(rejected('mug'))).toBe('opened');
    await after(30_000);
    expect(headlines()).toEqual(['slack:C1 TIKTOK SHOP REJECTED MUG', 'slack:C1 TIKTOK SHOP REJECTED MUG']);
  });
});

describe('recovery', () => {
  it('is told in the alert’s thread and the original message is updated without its buttons', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_error', 'recovered']);
    await alerts.raise({ kind: 'listing_error', shop: 'shop-1', handle: 'cup', reason: 'TikTok Shop had a temporary problem' });
    await after(30_000);
    const [alert] = delivered;
    expect(buttonsOf(alert!.reply)).toEqual(['Retry', 'Acknowledge', 'Mute 24h']);
    await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'cup' });
    await after(1_000);
    const [, note, update] = delivered;
    expect(note).toMatchObject({ op: 'post', under: alert!.ref });
    expect(textOf(note!.reply)).toBe('✅ Recovered: cup.');
    expect(update).toMatchObject({ op: 'update', under: alert!.ref });
    expect(textOf(update!.reply)).toContain('✅ Recovered 2026-11-25 09:00 UTC');
    expect(buttonsOf(update!.reply)).toEqual([]);
  });

  it('updates the original but stays out of the thread when the channel did not ask for recoveries', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    await alerts.raise(rejected('mug'));
    await after(30_000);
    await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'mug' });
    await after(1_000);
    expect(delivered.map((entry) => entry.op)).toEqual(['post', 'update']);
  });

  it('of a Shopify fix resolves the sync failure and leaves a review rejection open', async () => {
    const { alerts, store } = await setUp();
    await alerts.raise(syncFailure);
    await alerts.raise(rejected('mug'));
    await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'mug', of: ['sync_failure'] });
    expect((await store.incidents.open('shop-1', 'mug')).map((incident) => incident.kind)).toEqual(['listing_rejected']);
  });

  it('of a migration that runs through again resolves its stopped-migration alert', async () => {
    const { alerts, store } = await setUp();
    await alerts.raise({ kind: 'migration_failed', shop: 'shop-1', jobId: '', note: 'TikTok Shop did not answer' });
    expect(await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'job:current', of: ['migration_failed'] })).toBe('resolved');
    expect(await store.incidents.open('shop-1')).toEqual([]);
  });

  it('of a product never announced sends nothing', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected', 'recovered']);
    await alerts.raise(rejected('mug'));
    await alerts.raise({ kind: 'recovered', shop: 'shop-1', handle: 'mug' });
    await after(30_000);
    expect(delivered).toEqual([]);
  });
});

describe('reminders and acknowledgement', () => {
  it('remind in the thread while nobody acknowledges, and stop once someone does; the message shows who', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_rejected']);
    await alerts.raise(rejected('mug'));
    await after(30_000);
    const alert = delivered[0]!;
    await after(3 * HOUR);
    expect(delivered).toHaveLength(1);
    await after(HOUR);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]).toMatchObject({ under: alert.ref });
    expect(textOf(delivered[1]!.reply)).toMatch(/^⏰ Still failing since 2026-11-25 09:00 UTC and not acknowledged: 1 listing \(mug\)\./);
    const reminderButtons = delivered[1]!.reply.parts.find((part) => part.kind === 'buttons');
    const postId = reminderButtons?.kind === 'buttons' ? reminderButtons.buttons[0]!.action.args.target! : '';
    expect(await alerts.acknowledge(postId, 'grace')).toBe(1);
    await after(1_000);
    expect(delivered[2]).toMatchObject({ op: 'update', under: alert.ref });
    expect(textOf(delivered[2]!.reply)).toContain('Acknowledged by grace 2026-11-25 13:00 UTC');
    expect(buttonsOf(delivered[2]!.reply)).toEqual(['Mute 24h']);
    await after(8 * HOUR);
    expect(delivered).toHaveLength(3);
    expect(await alerts.acknowledge(postId, 'grace')).toBe(0);
  });
});

describe('muted products', () => {
  it('hold back the alert until the mute runs out, then it is posted if still failing', async () => {
    const { alerts, subscribe, store, clock, after, headlines } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure']);
    await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: new Date(clock.now + 2 * HOUR).toISOString(), by: 'ada' });
    expect(await alerts.raise(syncFailure)).toBe('held');
    expect(await alerts.raise({ ...syncFailure, handle: 'cup' })).toBe('opened');
    await after(HOUR);
    expect(headlines()).toEqual(['slack:C1 SYNC FAILURE: A SHOPIFY CHANGE BLOCKS CUP (LIVE ON TIKTOK SHOP)']);
    // The mute ran out: the failure is long past its group window, so it goes out at once.
    await after(HOUR);
    expect(headlines()).toEqual([
      'slack:C1 SYNC FAILURE: A SHOPIFY CHANGE BLOCKS CUP (LIVE ON TIKTOK SHOP)',
      'slack:C1 SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)',
    ]);
  });

  it('get no reminders while muted', async () => {
    const { alerts, subscribe, store, clock, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure']);
    await alerts.raise(syncFailure);
    await after(30_000);
    await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: new Date(clock.now + 24 * HOUR).toISOString(), by: 'ada' });
    await after(5 * HOUR);
    expect(delivered).toHaveLength(1);
  });
});

describe('the alert message', () => {
  it('offers Retry for a failed create, Acknowledge and Mute', async () => {
    const { alerts, subscribe, after, delivered } = await setUp();
    await subscribe('slack', 'C1', ['listing_error']);
    await alerts.raise({ kind: 'listing_error', shop: 'shop-1', handle: 'cup', reason: 'TikTok Shop had a temporary problem' });
    await after(30_000);
    const buttons = delivered[0]!.reply.parts.find((part) => part.kind === 'buttons');
    expect(buttons).toMatchObject({
      buttons: [
        { label: 'Retry', action: { command: 'failures', args: { retry: 'cup' } }, style: 'primary' },
        { label: 'Acknowledge', action: { command: 'alerts', args: { action: 'ack' } } },
        { label: 'Mute 24h', action: { command: 'alerts', args: { action: 'mute', target: 'cup', duration: '24h' } } },
      ],
    });
  });

  it('writes the Slack user group raw ahead of the alert while catalog text stays escaped, and lets Discord ping only the role', async () => {
    const { alerts, store } = await setUp();
    await alerts.raise(syncFailure);
    const alert = alertMessage(await store.incidents.open('shop-1', 'mug'), 'o1');
    const slack = renderSlack({ ...alert, mention: { platform: 'slack', id: 'S0ONCALL' } });
    expect(slack.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<!subteam^S0ONCALL>' } });
    expect(renderSlack({ ...alert, mention: { platform: 'slack', id: '<!channel>' } }).blocks[0]).not.toMatchObject({ text: { text: '<!channel>' } });
    const discord = renderDiscord({ ...alert, mention: { platform: 'discord', id: '1234567890123456789' } });
    expect(discord.content.startsWith('<@&1234567890123456789>')).toBe(true);
    expect(discord.mentionRoles).toEqual(['1234567890123456789']);
  });
});

describe('alertForStatusChange', () => {
  it('raises a rejection with TikTok’s reasons', () => {
    const before = makeListing({ state: 'in_review', tiktokProductId: '1' });
    expect(alertForStatusChange({ before, after: { ...before, state: 'rejected', reasons: ['watermark'] } })).toEqual({
      kind: 'listing_rejected', shop: 'shop-1', handle: 'mug', productId: '1', reasons: ['watermark'],
    });
  });
  it('raises a recovery when a listing goes live, and nothing when the state did not change', () => {
    const rejectedListing = makeListing({ state: 'rejected' });
    expect(alertForStatusChange({ before: rejectedListing, after: { ...rejectedListing, state: 'live' } })).toEqual({ kind: 'recovered', shop: 'shop-1', handle: 'mug' });
    expect(alertForStatusChange({ before: rejectedListing, after: rejectedListing })).toBeNull();
  });
});

describe('/shop alerts', () => {
  it('subscribes this channel to the kinds named, lists and unsubscribes it', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('alerts subscribe sync_failure,listing_rejected')).parts)).toBe(
      'This channel now receives alerts about Shopify changes that block a listed product; listings TikTok review rejected.',
    );
    expect(renderText((await run('alerts list')).parts)).toContain('console   C1       sync_failure, listing_rejected  –       ada');
    expect(renderText((await run('alerts subscribe listing_rejected reason:watermark severity:high')).parts)).toBe(
      'This channel now receives alerts about listings TikTok review rejected (high severity only, reasons containing "watermark").',
    );
    expect(renderText((await run('alerts unsubscribe')).parts)).toBe('This channel no longer receives alerts.');
  });

  it('mutes a product for a while, as its alert button does', async () => {
    const { run, store } = await chatHarness();
    expect(renderText((await run('alerts mute mug-10 24h')).parts)).toMatch(/^Alerts about mug-10 are muted until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(by ada\)\.$/);
    expect(await store.alerts.mutedUntil('default', 'mug-10', Date.now())).not.toBeNull();
    expect(renderText((await run('alerts mute mug-10 forever')).parts)).toBe('Name the product and how long: /shop alerts mute mug-10 24h (m, h or d).');
  });

  it('lets any member acknowledge, and tells when there is nothing to acknowledge', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('alerts ack o123', member)).parts)).toBe('Nothing to acknowledge: that alert was acknowledged already or has recovered.');
  });

  it('refuses an unknown kind and a member who may not manage', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('alerts subscribe outages')).parts)).toMatch(/^kinds: "outages" is not an alert kind/);
    expect(renderText((await run('alerts subscribe', member)).parts)).toMatch(/^Only the people allowed to manage shopshift/);
  });
});
