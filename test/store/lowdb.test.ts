import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLowdbStore, readLowdbData } from '../../src/store/lowdb.js';
import { describeStoreContract, makeListing } from './contract.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'shopshift-store-'));

describeStoreContract('lowdb', async () => openLowdbStore({ dir: await tempDir() }));

describe('the lowdb store on disk', () => {
  it('keeps every write when the process dies before a snapshot: the journal is replayed', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    for (let i = 0; i < 50; i++) await store.listings.put(makeListing({ handle: `p${i}`, sellerSkus: [`S${i}`], state: 'in_review' }));
    // No close(): as after kill -9, only the journal holds the writes.
    const reopened = await openLowdbStore({ dir });
    expect((await reopened.listings.countByState('shop-1')).in_review).toBe(50);
    await reopened.close();
  });

  it('keeps category suggestions through a journal replay and a snapshot', async () => {
    const dir = await tempDir();
    const suggestion = { shop: 'shop-1', key: 'Mugs', id: 's1', categoryId: '600042', path: 'Kitchenware > Drinkware > Mugs', askedAt: 'now', products: 2, listedAt: 'now' };
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    await store.suggestions.put(suggestion);
    const replayed = await openLowdbStore({ dir });
    expect(await replayed.suggestions.get('shop-1', 'mugs')).toEqual(suggestion);
    await replayed.close();
    const reopened = await openLowdbStore({ dir });
    expect(await reopened.suggestions.list('shop-1')).toEqual([suggestion]);
    await reopened.close();
  });

  it('keeps cached category requirements through a journal replay and a snapshot', async () => {
    const dir = await tempDir();
    const requirements = {
      shop: 'shop-1', categoryId: '920101', fetchedAt: 'now', exists: true, isLeaf: true, permission: null,
      certifications: [], sizeChartRequired: true, packageDimensionsRequired: false, attributes: [],
    };
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    await store.categoryRequirements.put(requirements);
    const replayed = await openLowdbStore({ dir });
    expect(await replayed.categoryRequirements.get('shop-1', '920101')).toEqual(requirements);
    await replayed.close();
    const reopened = await openLowdbStore({ dir });
    expect(await reopened.categoryRequirements.get('shop-1', '920101')).toEqual(requirements);
    await reopened.close();
  });

  it('drops a torn last journal line, as left by a kill in the middle of a write', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    await store.listings.put(makeListing());
    await appendFile(join(dir, 'shopshift.journal.jsonl'), '{"op":"listing","value":{"shop":"sh');
    const reopened = await openLowdbStore({ dir });
    expect((await reopened.listings.get('shop-1', 'mug'))?.sellerSkus).toEqual(['MUG-1']);
    await reopened.close();
  });

  it('writes the snapshot on close and leaves an empty journal', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir });
    await store.listings.put(makeListing());
    await store.close();
    const snapshot = JSON.parse(await readFile(join(dir, 'shopshift.json'), 'utf8'));
    expect(snapshot.listings).toHaveLength(1);
    expect(await readFile(join(dir, 'shopshift.journal.jsonl'), 'utf8')).toBe('');
  });

  it('compacts into the snapshot after the configured number of writes, losing nothing written meanwhile', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir, compactEvery: 10 });
    for (let i = 0; i < 35; i++) await store.listings.put(makeListing({ handle: `p${i}`, sellerSkus: [`S${i}`] }));
    await store.flush();
    const reopened = await openLowdbStore({ dir });
    expect((await reopened.listings.list('shop-1')).length).toBe(35);
    await reopened.close();
  });

  it('refuses a damaged store file with a clear message and keeps a copy, never starting empty', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'shopshift.json'), '{"version":1,"listings":[{"shop":');
    await expect(openLowdbStore({ dir })).rejects.toThrow(/The store file .*shopshift\.json is damaged \(not valid JSON\)\. A copy was kept at/);
    expect(readdirSync(dir).some((name) => name.startsWith('shopshift.json.corrupt-'))).toBe(true);
  });

  it('refuses a store file of the wrong shape', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'shopshift.json'), JSON.stringify({ version: 1, listings: [{ shop: 1 }], audits: [], mappings: [], jobs: [], processedWebhooks: [] }));
    await expect(openLowdbStore({ dir })).rejects.toThrow(/damaged \(listings\.0\.shop: /);
  });

  it('drops activity older than its keep time from the snapshot, and keeps the rest across a restart', async () => {
    const dir = await tempDir();
    const dayMs = 86_400_000;
    const store = await openLowdbStore({ dir, activityKeptMs: 7 * dayMs });
    const entry = { shop: 'shop-1', platform: 'slack' as const, channelId: 'C1', userId: 'U1', userName: 'ada', action: 'map set', detail: 'Mugs 600024', ok: true };
    await store.activity.record({ ...entry, at: new Date(Date.now() - 8 * dayMs).toISOString(), detail: 'Old 1' });
    await store.activity.record({ ...entry, at: new Date(Date.now() - 6 * dayMs).toISOString(), detail: 'Recent 2' });
    expect((await store.activity.since('shop-1', 0)).map((e) => e.detail)).toEqual(['Recent 2']);
    await store.close();
    const snapshot = JSON.parse(await readFile(join(dir, 'shopshift.json'), 'utf8'));
    expect(snapshot.activity.map((e: { detail: string }) => e.detail)).toEqual(['Recent 2']);
    // Kept longer on the next start, the dropped entry stays gone: pruning is for good.
    const reopened = await openLowdbStore({ dir, activityKeptMs: 30 * dayMs });
    expect((await reopened.activity.since('shop-1', 0)).map((e) => e.detail)).toEqual(['Recent 2']);
    await reopened.close();
  });

  it('adds no activity twice when a journal is replayed over a snapshot that already holds it', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    await store.activity.record({ shop: 'shop-1', platform: 'slack', channelId: 'C1', userId: 'U1', userName: 'ada', action: 'migration pause', detail: '', at: new Date().toISOString(), ok: true });
    const journal = await readFile(join(dir, 'shopshift.journal.jsonl'), 'utf8');
    await store.close();
    // As after a crash between writing the snapshot and clearing the rotated journal.
    await writeFile(join(dir, 'shopshift.journal.jsonl'), journal);
    const reopened = await openLowdbStore({ dir });
    expect(await reopened.activity.since('shop-1', 0)).toHaveLength(1);
    await reopened.close();
  });

  it('keeps its files readable by the owner only', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir: join(dir, 'data') });
    await store.close();
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'data', 'shopshift.journal.jsonl')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'data', 'shopshift.json'))).toBe(true);
  });

  it('is read whole without being changed, journal included, for a copy elsewhere', async () => {
    const dir = await tempDir();
    const store = await openLowdbStore({ dir, compactEvery: 1_000_000 });
    await store.listings.put(makeListing());
    await store.webhooks.markProcessed('n-1');
    const journal = await readFile(join(dir, 'shopshift.journal.jsonl'), 'utf8');
    const data = await readLowdbData(dir);
    expect(data.listings.map((listing) => listing.handle)).toEqual(['mug']);
    expect(data.processedWebhooks).toEqual(['n-1']);
    expect(await readFile(join(dir, 'shopshift.journal.jsonl'), 'utf8')).toBe(journal);
    await store.close();
  });

  it('says so when the folder holds no store to read', async () => {
    await expect(readLowdbData(await tempDir())).rejects.toThrow(/There is no shopshift store in .*set DATA_DIR/);
  });
});
