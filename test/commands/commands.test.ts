import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction, renderText, type MessagePart } from '../../src/chat/message.js';
import { makeListing } from '../store/contract.js';
import { samplePath } from '../../src/paths.js';
import { chatHarness as harness } from '../support/chat.js';

// The bundled sample catalog with its sample category mapping, as npm start audits it.
const chatHarness = () => harness({ CATEGORY_MAP_FILE: samplePath('category-map.csv') });

const partsOf = <K extends MessagePart['kind']>(parts: MessagePart[], kind: K) => parts.filter((part): part is Extract<MessagePart, { kind: K }> => part.kind === kind);

describe('/shop audit', () => {
  it('audits the configured catalog, reports the verdicts and attaches every finding as CSV', async () => {
    const { run, progress } = await chatHarness();
    const answer = await run('audit');
    expect(progress[0]).toBe('Auditing the catalog…');
    expect(renderText(answer.parts)).toMatch(/^AUDIT: 7 OF 10 PRODUCTS ARE BLOCKED\nReady: 2\nWarnings only: 1\nBlocked: 7\nMarket: TikTok Shop US\nSource: sample-catalog\.csv/);
    const csv = partsOf(answer.parts, 'file')[0]!;
    const rows = Papa.parse<Record<string, string>>(csv.content, { header: true, skipEmptyLines: true }).data;
    expect(csv.name).toBe('audit-findings.csv');
    expect(rows.some((row) => row.rule === 'category-unmapped')).toBe(true);
  });

  it('refuses a path on the bot’s disk, privately', async () => {
    const { run } = await chatHarness();
    const answer = await run('audit /etc/passwd');
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toMatch(/files on the bot’s disk cannot be audited from chat/);
  });
});

describe('/shop map', () => {
  it('sets a mapping with who set it, and lists it', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('map set "Tea Towels" 600144')).parts)).toBe('Tea Towels → 600144, set by ada. Audit again to see which products it unblocks.');
    expect(renderText((await run('map list')).parts)).toContain('Tea Towels                600144           set by ada');
  });

  it('unblocks the products of the mapped type at the next audit', async () => {
    const { run } = await chatHarness();
    await run('map set Posters 600300');
    expect(renderText((await run('audit')).parts)).toMatch(/Blocked: 6/);
  });
});

describe('/shop migration', () => {
  it('reports progress against the latest audit', async () => {
    const { run } = await chatHarness();
    await run('audit');
    expect(renderText((await run('migration status')).parts)).toMatch(/^MIGRATION\nSubmitted ░+ 0% \(0\/3\)\nIn review: 0\nLive: 0\nRejected: 0\nFailed: 0\nRate: –\nETA: –\nJob: none running$/);
  });

  it('plans what a run would create', async () => {
    const { run } = await chatHarness();
    await run('audit');
    expect(renderText((await run('migration plan')).parts)).toMatch(/^A RUN WOULD CREATE 3 LISTINGS\nFrom the latest audit of sample-catalog\.csv\./);
  });

  it('says what is missing before starting without TikTok Shop credentials', async () => {
    const { run } = await chatHarness();
    await run('audit');
    const answer = await run('migration start');
    expect(answer.visibility).toBe('ephemeral');
    expect(renderText(answer.parts)).toMatch(/^Connecting to TikTok Shop needs TIKTOK_APP_KEY/);
  });
});

describe('/shop failures', () => {
  it('groups failed listings by reason, most common first, with retry buttons for failed creates', async () => {
    const { run, store } = await chatHarness();
    await store.listings.put(makeListing({ shop: 'default', handle: 'a', sellerSkus: ['A'], state: 'rejected', reasons: ['Main image: watermark'] }));
    await store.listings.put(makeListing({ shop: 'default', handle: 'b', sellerSkus: ['B'], state: 'rejected', reasons: ['Main image: watermark'] }));
    await store.listings.put(makeListing({ shop: 'default', handle: 'c', sellerSkus: ['C'], state: 'error', reasons: ['TikTok Shop had a temporary problem'] }));
    const answer = await run('failures');
    const table = partsOf(answer.parts, 'table')[0]!;
    expect(table.rows).toEqual([['Main image: watermark', '2', 'a, b'], ['TikTok Shop had a temporary problem', '1', 'c']]);
    const button = partsOf(answer.parts, 'buttons')[0]!.buttons[0]!;
    expect(button.label).toBe('Retry c');
    expect(button.action).toEqual({ command: 'failures', args: { retry: 'c' } });
    expect(decodeAction(encodeAction(button.action))).toEqual(button.action);
  });

  it('leaves a failed create as it is when its retry cannot reach TikTok Shop, and says what is missing', async () => {
    const { run, store } = await chatHarness();
    await store.listings.put(makeListing({ shop: 'default', handle: 'c', sellerSkus: ['C'], state: 'error', reasons: ['timeout'] }));
    expect(renderText((await run('failures --retry c')).parts)).toMatch(/^Connecting to TikTok Shop needs TIKTOK_APP_KEY/);
    expect((await store.listings.get('default', 'c'))?.state).toBe('error');
  });

  it('queues a failed create for the migration under way instead of starting another', async () => {
    const { run, store } = await chatHarness();
    await store.listings.put(makeListing({ shop: 'default', handle: 'c', sellerSkus: ['C'], state: 'error', reasons: ['timeout'] }));
    const at = new Date().toISOString();
    await store.jobs.put({ id: 'j1', shop: 'default', status: 'paused', location: 'x.csv', auditRunId: 'a', dryRun: false, limit: null, note: 'paused by ada', startedAt: at, updatedAt: at, heartbeatAt: at, owner: 'h:1' });
    expect(renderText((await run('failures --retry c')).parts)).toBe('c is queued; a migration is under way or paused, and its next run ("migration resume") pushes it again.');
    expect((await store.listings.get('default', 'c'))?.state).toBe('pending');
  });

  it('filters by reason text and age', async () => {
    const { run, store } = await chatHarness();
    await store.listings.put(makeListing({ shop: 'default', handle: 'old', sellerSkus: ['O'], state: 'rejected', reasons: ['watermark'], updatedAt: '2020-01-01T00:00:00.000Z' }));
    expect(renderText((await run('failures since:24h')).parts)).toBe('No failures match.');
    expect(renderText((await run('failures watermark')).parts)).toMatch(/^1 LISTINGS FAILED TO PUBLISH/);
    expect(renderText((await run('failures since:soon')).parts)).toBe('since: use a duration such as 30m, 24h or 7d.');
  });
});

describe('/shop help', () => {
  it('shows every command with its usage and examples, privately', async () => {
    const { run } = await chatHarness();
    const answer = await run('help');
    expect(answer.visibility).toBe('ephemeral');
    const text = renderText(answer.parts);
    for (const name of ['audit', 'migration', 'failures', 'map']) expect(text).toContain(`*/shop ${name}*`);
    expect(text).toContain('Examples: /shop migration status');
  });
});

describe('/shop summary', () => {
  it('posts the summary now: migration progress, new failures by reason, the last audit', async () => {
    const { run, store } = await chatHarness();
    await run('audit');
    await store.listings.put(makeListing({ shop: 'default', handle: 'a', sellerSkus: ['A'], state: 'rejected', reasons: ['watermark'], updatedAt: new Date().toISOString() }));
    const text = renderText((await run('summary now')).parts);
    expect(text).toMatch(/^DAILY SUMMARY, \d{4}-\d\d-\d\d\nMigration \S+ 33% \(1\/3\)\nLive: 0\nIn review: 0\nRejected: 1\nFailed: 0\nNew failures \(24 h\): 1\nAudits run \(24 h\): 1\nLast audit: 3 ready of 10, /);
    expect(text).toMatch(/\(attached: summary-\d{4}-\d\d-\d\d\.png, [\d,]+ bytes\)/);
    expect(text).toContain('watermark');
  });

  it('schedules the channel’s daily summary in a time zone, and turns it off', async () => {
    const { run, store } = await chatHarness();
    expect(renderText((await run('summary schedule 9:30 America/New_York')).parts)).toBe('This channel gets the daily summary at 09:30 (America/New_York), set by ada.');
    expect(await store.summaries.list('default')).toMatchObject([{ platform: 'console', channelId: 'C1', time: '09:30', timezone: 'America/New_York' }]);
    expect(renderText((await run('summary off')).parts)).toBe('No more daily summaries in this channel.');
    expect(await store.summaries.list('default')).toEqual([]);
  });

  it('names a bad time or time zone', async () => {
    const { run } = await chatHarness();
    expect(renderText((await run('summary schedule 25:00 UTC')).parts)).toMatch(/^time: give the time of day as HH:MM/);
    expect(renderText((await run('summary schedule 09:00 Mars/Olympus')).parts)).toBe('timezone: "Mars/Olympus" is not a time zone; use a name such as Europe/London or America/New_York.');
  });
});
