import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CategoryMapper } from '../audit/category-map.js';
import type { Product } from '../catalog/product.js';
import type { CatalogSource } from '../catalog/source.js';
import { UserInputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Listing, MigrationJob, Store } from '../store/store.js';
import type { ProductBody, TikTokShopClient } from '../tiktok/api.js';
import { isTikTokApiError } from '../tiktok/errors.js';
import { createCategoryAttributes, type RequirementsLoader } from './category-attributes.js';
import { sellerSkuOf, toProductBody, type BodySettings } from './product-body.js';
import { DEFAULT_QUOTA_RESET, quotaStopNote, quotaUse, tiktokQuotaNote, type ListingQuota } from './quota.js';
import { listingStateFor } from './track.js';

export interface ImageFile {
  data: Uint8Array;
  contentType: string;
  fileName: string;
}

export interface MigrationDeps {
  store: Store;
  client: TikTokShopClient;
  openSource(location: string): CatalogSource;
  categories: CategoryMapper;
  fetchImage(url: string): Promise<ImageFile>;
  body: Omit<BodySettings, 'categoryId' | 'idempotencyKey'>;
  clock: { now(): number };
  log: Logger;
  /** Products in flight at once; the client's rate limiter sets the real pace. */
  concurrency?: number;
  /** The shop's listing quota: a run stops when it is used and the rest waits. Without it only TikTok's 12052093 stops a run. */
  quota?: ListingQuota;
  /**
   * TikTok's requirements per category (categoryRequirementsFrom's loader, store-cached): a product is created with
   * its category's product attributes. Without it, or when it fails, products are created without them.
   */
  requirements?: RequirementsLoader;
}

export interface MigrationEvents {
  /** After each product; the caller throttles what it shows. */
  onProduct?(listing: Listing): void;
  /** In a dry run, the body that would be sent for each product (image URLs stand in for uploaded URIs). */
  onDryRunBody?(handle: string, body: ProductBody): void;
}

/** Listings in these states are not created again by a run; a rejected one needs an edit first. */
const SETTLED = new Set<Listing['state']>(['in_review', 'live', 'rejected', 'deactivated']);
const MAX_MAIN_IMAGES = 9;
/** A job whose heartbeat is older than this was left by a process that died. */
export const STALE_JOB_MS = 60_000;
const HEARTBEAT_MS = 5_000;
const QUOTA_USED = '\u0000quota used';

const iso = (ms: number) => new Date(ms).toISOString();
const thisProcess = `${hostname()}:${process.pid}`;

/** Whether a process is still working on the job: a fresh heartbeat, and on this host a live pid. */
function isAlive(job: MigrationJob, now: number): boolean {
  if (job.status !== 'running' || now - Date.parse(job.heartbeatAt) >= STALE_JOB_MS) return false;
  const [host, pid] = job.owner.split(':');
  if (host !== hostname() || !pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const migrationLock = (shop: string) => `migration:${shop}`;

/** Starts a migration of the latest audit's ready products; one job per shop at a time. */
export async function startMigration(
  deps: MigrationDeps,
  options: { shop: string; dryRun: boolean; limit: number | null; only?: readonly string[] },
  events: MigrationEvents = {},
): Promise<MigrationJob> {
  const { store, clock } = deps;
  const audit = await store.audits.latest(options.shop);
  if (!audit) throw new UserInputError('Run an audit first: the migration pushes the products the latest audit found ready.');
  const now = iso(clock.now());
  const job: MigrationJob = {
    id: randomUUID(), shop: options.shop, status: 'running', location: audit.location, auditRunId: audit.id, dryRun: options.dryRun,
    limit: options.limit, note: null, startedAt: now, updatedAt: now, heartbeatAt: now, owner: thisProcess, only: options.only ? [...options.only] : null,
  };
  if (!options.dryRun) {
    // Checked and recorded under the shop's lock: two processes asked at once start one job.
    await store.exclusive(migrationLock(options.shop), async (locked) => {
      const current = await locked.jobs.current(options.shop);
      if (current) {
        throw new UserInputError(
          isAlive(current, clock.now())
            ? `A migration is already running for this shop (started ${current.startedAt}); pause it or wait for it to finish.`
            : `A migration for this shop is ${current.status === 'paused' ? 'paused' : 'unfinished'}; resume it instead of starting another.`,
        );
      }
      await locked.jobs.put(job);
    });
  }
  return runJob(deps, job, events);
}


/** Resumes a paused job, or one left running by a process that died; a --limit applied to the first run only. */
export async function resumeMigration(deps: MigrationDeps, shop: string, events: MigrationEvents = {}): Promise<MigrationJob> {
  const resumed = await deps.store.exclusive(migrationLock(shop), async (locked) => {
    const job = await locked.jobs.current(shop);
    if (!job) throw new UserInputError('There is no paused or unfinished migration for this shop; start one.');
    if (isAlive(job, deps.clock.now())) throw new UserInputError('The migration is running already.');
    const now = iso(deps.clock.now());
    const next: MigrationJob = { ...job, status: 'running', limit: null, note: null, updatedAt: now, heartbeatAt: now, owner: thisProcess };
    await locked.jobs.put(next);
    return next;
  });
  return runJob(deps, resumed, events);
}

/** Asks the running job to stop after the products in flight; it can be resumed later. */
export async function pauseMigration(store: Store, shop: string, note: string, now: number): Promise<MigrationJob> {
  const job = await store.jobs.current(shop);
  if (!job || job.status !== 'running') throw new UserInputError('There is no running migration to pause.');
  const paused: MigrationJob = { ...job, status: 'paused', note, updatedAt: iso(now) };
  await store.jobs.put(paused);
  return paused;
}

async function runJob(deps: MigrationDeps, initial: MigrationJob, events: MigrationEvents): Promise<MigrationJob> {
  const { store, clock, log } = deps;
  const audit = await store.audits.latest(initial.shop);
  if (!audit || audit.id !== initial.auditRunId) {
    log.warn({ job: initial.id }, 'a newer audit exists; the job continues with the latest one');
  }
  const verdicts = audit?.verdicts ?? {};
  let job = initial;
  let stopNote: string | null = null;
  let pushed = 0;
  let lastBeat = clock.now();
  // Creates this run may still make, counted as they succeed; those in flight hold a place until they answer.
  const use = deps.quota && !job.dryRun ? await quotaUse(store, job.shop, deps.quota, clock.now()) : null;
  let created = 0;
  let creating = 0;
  const attributesOf = createCategoryAttributes(deps.requirements, log);

  const stillRunning = async (): Promise<boolean> => {
    if (stopNote !== null) return false;
    if (job.dryRun) return true;
    const latest = await store.jobs.get(job.id);
    if (latest?.status !== 'running') return false;
    if (clock.now() - lastBeat > HEARTBEAT_MS) {
      lastBeat = clock.now();
      job = { ...latest, heartbeatAt: iso(lastBeat) };
      await store.jobs.put(job);
    }
    return true;
  };

  const migrateOne = async (product: Product): Promise<void> => {
    if (job.only && !job.only.includes(product.handle)) return;
    const verdict = verdicts[product.handle];
    if (verdict !== 'ready' && verdict !== 'warnings') return;
    const match = deps.categories.lookup(product);
    if (!match) return;
    const existing = await store.listings.get(job.shop, product.handle);
    if (existing && SETTLED.has(existing.state)) return;
    if (job.limit !== null && pushed >= job.limit) {
      stopNote ??= `stopped after ${job.limit} products (--limit)`;
      return;
    }
    if (use && use.left !== null && created + creating >= use.left) {
      // Worded once the creates in flight have answered, with the final counts.
      stopNote ??= QUOTA_USED;
      return;
    }
    pushed++;
    creating++;
    const hadProductId = Boolean(existing?.tiktokProductId);
    const { listing, stopRun } = await attributesOf(match.categoryId)
      .then((attributes) => migrateProduct(deps, job, product, match.categoryId, attributes, existing, events))
      .finally(() => creating--);
    if (listing?.tiktokProductId && !hadProductId) created++;
    if (listing) events.onProduct?.(listing);
    if (stopRun) stopNote ??= stopRun;
  };

  const iterator = deps.openSource(job.location).read()[Symbol.asyncIterator]();
  const worker = async (): Promise<void> => {
    while (await stillRunning()) {
      const next = await iterator.next();
      if (next.done) return;
      await migrateOne(next.value);
    }
  };
  await Promise.all(Array.from({ length: deps.concurrency ?? 4 }, worker));
  await iterator.return?.();
  if (stopNote === QUOTA_USED && use) {
    const left = (n: number | null) => (n === null ? null : Math.max(0, n - created));
    stopNote = quotaStopNote(
      { ...use, usedToday: use.usedToday + created, usedTotal: use.usedTotal + created, dailyLeft: left(use.dailyLeft), totalLeft: left(use.totalLeft) },
      deps.quota!.reset.timezone,
    );
  }

  if (job.dryRun) return { ...job, status: 'completed' };
  const latest = (await store.jobs.get(job.id)) ?? job;
  const finished: MigrationJob =
    latest.status !== 'running'
      ? latest
      : stopNote !== null
        ? { ...latest, status: 'paused', note: stopNote, updatedAt: iso(clock.now()) }
        : { ...latest, status: 'completed', updatedAt: iso(clock.now()) };
  await store.jobs.put(finished);
  await store.flush();
  log.info({ job: job.id, shop: job.shop, status: finished.status, pushed, created, note: finished.note }, 'migration stopped');
  return finished;
}

/** Finds a product a crashed run may have created: TikTok search by the listing's seller SKUs. */
async function findCreated(client: TikTokShopClient, sellerSkus: string[]) {
  const { products } = await client.searchProducts({ sellerSkus: sellerSkus.slice(0, 10), pageSize: 10 });
  return products.find((candidate) => candidate.skus.some((sku) => sellerSkus.includes(sku.sellerSku)));
}

async function uploadImages(deps: MigrationDeps, product: Product): Promise<{ uris: string[]; failures: string[] }> {
  const sources = [...new Set(product.images.map((image) => image.src))].slice(0, MAX_MAIN_IMAGES);
  const uris: string[] = [];
  const failures: string[] = [];
  for (const src of sources) {
    try {
      const file = await deps.fetchImage(src);
      uris.push((await deps.client.uploadImage(file, 'MAIN_IMAGE')).uri);
    } catch (error) {
      failures.push(`${src.split('?')[0]?.split('/').at(-1)}: ${error instanceof Error && 'userText' in error ? String(error.userText) : 'could not be uploaded'}`);
    }
  }
  return { uris, failures };
}

async function migrateProduct(
  deps: MigrationDeps,
  job: MigrationJob,
  product: Product,
  categoryId: string,
  attributes: BodySettings['attributes'],
  existing: Listing | undefined,
  events: MigrationEvents,
): Promise<{ listing: Listing | null; stopRun?: string }> {
  const { store, client, clock } = deps;
  const idempotencyKey = existing?.idempotencyKey ?? `${job.shop}:${product.handle}`;
  const settings: BodySettings = { ...deps.body, categoryId, idempotencyKey, ...(attributes ? { attributes } : {}) };
  const sellerSkus = product.variants.map((variant) => sellerSkuOf(product, variant));

  if (job.dryRun) {
    events.onDryRunBody?.(product.handle, toProductBody(product, product.images.map((image) => image.src), settings));
    return { listing: null };
  }

  const now = () => iso(clock.now());
  const save = async (changes: Partial<Listing>): Promise<Listing> => {
    const base: Listing = existing ?? {
      shop: job.shop, handle: product.handle, title: product.title, sellerSkus, tiktokProductId: null, state: 'pending', reasons: [],
      tiktokStatus: null, attempts: 0, runId: job.id, idempotencyKey, createdAt: now(), updatedAt: now(),
    };
    const listing: Listing = { ...base, ...changes, updatedAt: now() };
    await store.listings.put(listing);
    existing = listing;
    return listing;
  };

  try {
    if (existing && existing.attempts > 0 && !existing.tiktokProductId) {
      // An earlier attempt may have reached TikTok: a run that died between announcing the create and
      // recording its answer, or a create whose answer was lost on the network.
      const created = await findCreated(client, existing.sellerSkus);
      if (created) {
        return { listing: await save({ tiktokProductId: created.id, tiktokStatus: created.status, state: listingStateFor(created.status), reasons: [] }) };
      }
    }
    await save({ state: 'submitting', sellerSkus, title: product.title, attempts: (existing?.attempts ?? 0) + 1, runId: job.id, reasons: [] });
    const { uris, failures } = await uploadImages(deps, product);
    if (uris.length === 0) {
      return { listing: await save({ state: 'error', reasons: [`No image could be uploaded${failures.length ? `: ${failures.join('; ')}` : ''}.`] }) };
    }
    const created = await client.createProduct(toProductBody(product, uris, settings));
    // createdAt becomes the create's time: the quota counts listings per day by it (quota.ts), and the review age starts here.
    return { listing: await save({ tiktokProductId: created.productId, tiktokStatus: 'PENDING', state: 'in_review', reasons: created.warnings, createdAt: now() }) };
  } catch (error) {
    if (isTikTokApiError(error) && error.isQuotaReached()) {
      // Not this product's fault: it waits, pending, until the run resumes after the quota resets.
      return { listing: await save({ state: 'pending', reasons: [] }), stopRun: tiktokQuotaNote(deps.quota?.reset ?? DEFAULT_QUOTA_RESET, clock.now(), error.userText) };
    }
    const reason = error instanceof Error && 'userText' in error ? String(error.userText) : 'Unexpected error while creating the listing.';
    deps.log.warn({ err: error, handle: product.handle, job: job.id }, 'listing failed');
    return { listing: await save({ state: 'error', reasons: [reason] }) };
  }
}
