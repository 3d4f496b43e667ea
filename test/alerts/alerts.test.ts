import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertForStatusChange, alertMessage, createAlerts } from '../../src/alerts/alerts.js';
import { renderText, type Reply } from '../../src/chat/message.js';
import { renderSlack } from '../../src/chat/slack/render.js';
import { renderDiscord } from '../../src/chat/discord/render.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { makeListing } from '../store/contract.js';
import { captureLogs } from '../support/log-capture.js';
import { chatHarness, member } from '../support/chat.js';

async function setUp() {
  const store = await openLowdbStore({ dir: await mkdtemp(join(tmpdir(), 'shopshift-alerts-')) });
  const sent: [string, string, Reply][] = [];
  const logs = captureLogs();
  const alerts = createAlerts({
    store,
    log: logs.log,
    posters: {
      slack: async (channelId, reply) => void sent.push(['slack', channelId, reply]),
      discord: async (channelId) => {
        if (channelId === 'broken') throw new Error('Missing Access');
        sent.push(['discord', channelId, { parts: [], visibility: 'channel' }]);
      },
    },
  });
  const subscribe = (
    platform: 'slack' | 'discord', channelId: string, kinds: ('sync_failure' | 'listing_rejected' | 'listing_error')[], shop = 'shop-1',
    filters: { reasonContains?: string; minSeverity?: 'normal' | 'high'; mention?: string } = {},
  ) => store.alerts.subscribe({
    shop, platform, channelId, kinds, reasonContains: filters.reasonContains ?? null, minSeverity: filters.minSeverity ?? 'normal',
    mention: filters.mention ?? null, createdBy: 'ada', createdAt: 'now',
  });
  return { store, alerts, sent, subscribe, logs };
}

const syncFailure = { kind: 'sync_failure' as const, shop: 'shop-1', handle: 'mug', listingState: 'live', blockers: ['title-missing'] };

describe('raising an alert', () => {
  it('posts to every channel subscribed to its kind and shop, and to no other', async () => {
    const { alerts, sent, subscribe } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure']);
    await subscribe('slack', 'C2', ['listing_rejected']);
    await subscribe('discord', '1234567890123456789', ['sync_failure']);
    await subscribe('slack', 'C3', ['sync_failure'], 'shop-2');
    expect(await alerts.raise(syncFailure)).toBe(2);
    expect(sent.map(([platform, channel]) => `${platform}:${channel}`)).toEqual(['slack:C1', 'discord:1234567890123456789']);
  });

  it('still reaches the other channels when one post fails, and logs the failure', async () => {
    const { alerts, sent, subscribe, logs } = await setUp();
    await subscribe('discord', 'broken', ['sync_failure']);
    await subscribe('slack', 'C1', ['sync_failure']);
    expect(await alerts.raise(syncFailure)).toBe(1);
    expect(sent).toHaveLength(1);
    expect(logs.lines().find((line) => line.msg === 'alert not delivered')).toMatchObject({ platform: 'discord', channelId: 'broken' });
  });
});

describe('subscription filters', () => {
  it('keep only the alerts whose reasons contain the text, and only high severity when asked', async () => {
    const { alerts, sent, subscribe } = await setUp();
    await subscribe('slack', 'watermarks', ['listing_rejected'], 'shop-1', { reasonContains: 'WATERMARK' });
    await subscribe('slack', 'on-call', ['listing_rejected', 'sync_failure'], 'shop-1', { minSeverity: 'high' });
    await alerts.raise({ kind: 'listing_rejected', shop: 'shop-1', handle: 'a', productId: '1', reasons: ['Main image has a watermark'] });
    await alerts.raise({ kind: 'listing_rejected', shop: 'shop-1', handle: 'b', productId: '2', reasons: ['Title too short'] });
    await alerts.raise(syncFailure);
    expect(sent.map(([, channel, reply]) => `${channel}: ${renderText(reply.parts).split('\n')[0]}`)).toEqual([
      'watermarks: TIKTOK SHOP REJECTED A',
      'on-call: SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)',
    ]);
  });
});

describe('the on-call mention', () => {
  it('pages the channel’s on-call group on a sync failure, and not on an ordinary rejection', async () => {
    const { alerts, sent, subscribe } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure', 'listing_rejected'], 'shop-1', { mention: 'S0ONCALL' });
    await alerts.raise(syncFailure);
    await alerts.raise({ kind: 'listing_rejected', shop: 'shop-1', handle: 'a', productId: '1', reasons: ['watermark'] });
    expect(sent.map(([, , reply]) => reply.mention ?? null)).toEqual([{ platform: 'slack', id: 'S0ONCALL' }, null]);
  });
});

describe('rendering the on-call mention', () => {
  const alert = alertMessage(syncFailure);
  it('writes the Slack user group raw, ahead of the alert, while catalog text stays escaped', () => {
    const message = renderSlack({ ...alert, mention: { platform: 'slack', id: 'S0ONCALL' } });
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<!subteam^S0ONCALL>' } });
    expect(message.text.startsWith('<!subteam^S0ONCALL> ')).toBe(true);
    expect(renderSlack({ ...alert, mention: { platform: 'slack', id: '<!channel>' } }).blocks[0]).not.toMatchObject({ text: { text: '<!channel>' } });
  });
  it('lets Discord ping exactly the on-call role', () => {
    const message = renderDiscord({ ...alert, mention: { platform: 'discord', id: '1234567890123456789' } });
    expect(message.content.startsWith('<@&1234567890123456789>')).toBe(true);
    expect(message.mentionRoles).toEqual(['1234567890123456789']);
    expect(renderDiscord(alert).mentionRoles).toEqual([]);
  });
});

describe('muted products', () => {
  it('hold back alerts about the product until the mute runs out', async () => {
    const { alerts, sent, subscribe, store } = await setUp();
    await subscribe('slack', 'C1', ['sync_failure']);
    await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: new Date(Date.now() + 60_000).toISOString(), by: 'ada' });
    expect(await alerts.raise(syncFailure)).toBe(0);
    expect(await alerts.raise({ ...syncFailure, handle: 'cup' })).toBe(1);
    await store.alerts.mute({ shop: 'shop-1', handle: 'mug', until: new Date(Date.now() - 1).toISOString(), by: 'ada' });
    expect(await alerts.raise(syncFailure)).toBe(1);
    expect(sent.map(([, , reply]) => renderText(reply.parts).split('\n')[0])).toEqual([
      'SYNC FAILURE: A SHOPIFY CHANGE BLOCKS CUP (LIVE ON TIKTOK SHOP)',
      'SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG (LIVE ON TIKTOK SHOP)',
    ]);
  });
});

describe('alert messages', () => {
  it('name the product and what blocks it, and offer a retry for a failed create', () => {
    expect(renderText(alertMessage(syncFailure).parts)).toMatch(/^SYNC FAILURE: A SHOPIFY CHANGE BLOCKS MUG \(LIVE ON TIKTOK SHOP\)\nThe changed product now breaks: title-missing\./);
    const error = alertMessage({ kind: 'listing_error', shop: 'shop-1', handle: 'cup', reason: 'TikTok Shop had a temporary problem' });
    expect(error.parts.find((part) => part.kind === 'buttons')).toEqual({
      kind: 'buttons',
      buttons: [
        { label: 'Retry', action: { command: 'failures', args: { retry: 'cup' } }, style: 'primary' },
        { label: 'Mute 24h', action: { command: 'alerts', args: { action: 'mute', target: 'cup', duration: '24h' } } },
      ],
    });
  });
});

describe('alertForStatusChange', () => {
  it('raises a rejection with TikTok’s reasons', () => {
    const before = makeListing({ state: 'in_review', tiktokProductId: '1' });
    expect(alertForStatusChange({ before, after: { ...before, state: 'rejected', reasons: ['watermark'] } })).toEqual({
      kind: 'listing_rejected', shop: 'shop-1', handle: 'mug', productId: '1', reasons: ['watermark'],
    });
  });
  it('raises a recovery when a failed listing goes live, and nothing for an ordinary pass', () => {
    const rejected = makeListing({ state: 'rejected' });
    expect(alertForStatusChange({ before: rejected, after: { ...rejected, state: 'live' } })).toEqual({ kind: 'recovered', shop: 'shop-1', handle: 'mug' });
    const inReview = makeListing({ state: 'in_review' });
    expect(alertForStatusChange({ before: inReview, after: { ...inReview, state: 'live' } })).toBeNull();
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

  it('refuses an unknown kind and a member who may not manage', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('alerts subscribe outages')).parts)).toMatch(/^kinds: "outages" is not an alert kind/);
    expect(renderText((await run('alerts subscribe', member)).parts)).toMatch(/^Only the people allowed to manage shopshift/);
  });
});
