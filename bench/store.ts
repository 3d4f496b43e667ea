// What status updates cost on a 100k-listing lowdb store: journal appends against rewriting the file.
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLowdbStore } from '../src/store/lowdb.js';
import type { Listing } from '../src/store/store.js';

export interface StoreBench {
  listings: number;
  msPer1000Updates: number;
  snapshotMs: number;
  snapshotMb: number;
}

/** The listings both stores' benchmarks update. */
export const benchListing = (i: number): Listing => ({
  shop: 'shop', handle: `product-${i}`, title: `Stoneware Mug ${i}`, sellerSkus: [`SKU-${i}-0`, `SKU-${i}-1`, `SKU-${i}-2`],
  tiktokProductId: String(1729592969712207008n + BigInt(i)), state: 'in_review', reasons: [], tiktokStatus: 'PENDING', attempts: 1,
  runId: 'run', idempotencyKey: `shop:product-${i}`, createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:00.000Z',
});

export async function benchStore(listings: number, updates: number): Promise<StoreBench> {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-store-bench-'));
  const store = await openLowdbStore({ dir, compactEvery: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < listings; i++) await store.listings.put(benchListing(i));
  await store.flush();

  const started = performance.now();
  for (let u = 0; u < updates; u++) {
    const i = (u * 7919) % listings;
    await store.listings.put({ ...benchListing(i), state: u % 5 === 0 ? 'rejected' : 'live', tiktokStatus: 'ACTIVATE', updatedAt: new Date().toISOString() });
  }
  const msPer1000Updates = ((performance.now() - started) / updates) * 1000;

  // One full rewrite, which every update would cost if the store rewrote its file each time.
  await store.listings.put({ ...benchListing(0), state: 'live' });
  const snapshotStarted = performance.now();
  await store.flush();
  const snapshotMs = performance.now() - snapshotStarted;
  const snapshotMb = (await stat(join(dir, 'shopshift.json'))).size / 1024 / 1024;
  await store.close();
  return { listings, msPer1000Updates, snapshotMs, snapshotMb };
}
