import { randomUUID } from 'node:crypto';
import {
  appendFileSync, chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { ShopshiftError } from '../errors.js';
import {
  activityEntrySchema, categoryRequirementsSchema, categorySuggestionSchema, alertMuteSchema, alertSubscriptionSchema, sealedSecretSchema, incidentSchema, outboxMessageSchema, summaryScheduleSchema, auditRunSchema, categoryMappingSchema, emptyStoreData, listingSchema, migrationJobSchema, storeDataSchema, verdictSchema, type StoreData,
} from './schema.js';
import { createStoreState, type StoreOperation, type StoreStateOptions } from './state.js';
import type { OutboxClaim, OutboxMessage, Store } from './store.js';

const operationSchema: z.ZodType<StoreOperation> = z.lazy(() => z.discriminatedUnion('op', [
  z.object({ op: z.literal('listing'), value: listingSchema }),
  z.object({ op: z.literal('audit'), value: auditRunSchema }),
  z.object({ op: z.literal('audit-verdict'), shop: z.string(), handle: z.string(), verdict: verdictSchema }),
  z.object({ op: z.literal('mapping'), value: categoryMappingSchema }),
  z.object({ op: z.literal('mapping-removed'), shop: z.string(), key: z.string() }),
  z.object({ op: z.literal('job'), value: migrationJobSchema }),
  z.object({ op: z.literal('webhook'), id: z.string() }),
  z.object({ op: z.literal('subscription'), value: alertSubscriptionSchema }),
  z.object({ op: z.literal('subscription-removed'), shop: z.string(), platform: z.string(), channelId: z.string() }),
  z.object({ op: z.literal('mute'), value: alertMuteSchema }),
  z.object({ op: z.literal('summary'), value: summaryScheduleSchema }),
  z.object({ op: z.literal('summary-removed'), shop: z.string(), platform: z.string(), channelId: z.string() }),
  z.object({ op: z.literal('incident'), value: incidentSchema }),
  z.object({ op: z.literal('outbox'), value: outboxMessageSchema }),
  z.object({ op: z.literal('day'), shop: z.string(), date: z.string(), byState: z.record(z.string(), z.number()) }),
  z.object({ op: z.literal('activity'), value: activityEntrySchema }),
  z.object({ op: z.literal('batch'), ops: z.array(operationSchema) }),
  z.object({ op: z.literal('secret'), value: sealedSecretSchema }),
  z.object({ op: z.literal('suggestion'), value: categorySuggestionSchema }),
  z.object({ op: z.literal('category-requirements'), value: categoryRequirementsSchema }),
]));

export interface LowdbStoreOptions extends StoreStateOptions {
  dir: string;
  /** Journal lines after which the snapshot is rewritten; the journal alone is already durable. */
  compactEvery?: number;
}

class StoreCorruptError extends ShopshiftError {
  constructor(file: string, backup: string, reason: string) {
    super('CONFIG_INVALID', `The store file ${file} is damaged (${reason}). A copy was kept at ${backup}; fix or remove the file and start again.`);
  }
}

function keepBackup(file: string): string {
  const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  copyFileSync(file, backup);
  return backup;
}

/** Reads a journal; a torn last line (the process died mid-write) is dropped, damage elsewhere is an error. */
function readJournal(file: string): StoreOperation[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const operations: StoreOperation[] = [];
  lines.forEach((line, index) => {
    if (line === '') return;
    const isLast = index >= lines.length - 2;
    let parsed: z.ZodSafeParseResult<StoreOperation>;
    try {
      parsed = operationSchema.safeParse(JSON.parse(line));
    } catch {
      if (isLast) return;
      throw new StoreCorruptError(file, keepBackup(file), `line ${index + 1} is not JSON`);
    }
    if (!parsed.success) {
      if (isLast) return;
      throw new StoreCorruptError(file, keepBackup(file), `line ${index + 1}: ${parsed.error.issues[0]?.message}`);
    }
    operations.push(parsed.data);
  });
  return operations;
}

/**
 * The embedded store: a lowdb JSON snapshot plus an append-only journal. Each write appends one line
 * to the journal (synchronously, so it survives the process being killed) and the snapshot is
 * rewritten, atomically through lowdb, only every `compactEvery` writes and on flush/close. A crash
 * between the two is harmless: replaying a put over a snapshot that has it already changes nothing.
 */
const filesOf = (dir: string) => {
  const journalFile = join(dir, 'shopshift.journal.jsonl');
  return { snapshotFile: join(dir, 'shopshift.json'), journalFile, rotatedJournalFile: `${journalFile}.compacting` };
};

/** The snapshot as lowdb reads it, validated; a damaged file is kept aside and refused. */
async function readSnapshot(snapshotFile: string): Promise<{ db: Low<StoreData>; data: StoreData }> {
  const db = new Low<StoreData>(new JSONFile(snapshotFile), emptyStoreData());
  try {
    await db.read();
  } catch {
    throw new StoreCorruptError(snapshotFile, keepBackup(snapshotFile), 'not valid JSON');
  }
  const parsed = storeDataSchema.safeParse(db.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoreCorruptError(snapshotFile, keepBackup(snapshotFile), `${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { db, data: parsed.data };
}

/**
 * What a lowdb store in `dir` holds, as its next snapshot would have it (journal replayed, expired history
 * dropped), read without changing the directory: what `store copy` moves elsewhere.
 */
export async function readLowdbData(dir: string, stateOptions: StoreStateOptions = {}): Promise<StoreData> {
  const { snapshotFile, journalFile, rotatedJournalFile } = filesOf(dir);
  if (!existsSync(snapshotFile) && !existsSync(journalFile)) {
    throw new ShopshiftError('CONFIG_INVALID', `There is no shopshift store in ${dir} (no shopshift.json); set DATA_DIR to the folder that holds it.`);
  }
  const state = createStoreState((await readSnapshot(snapshotFile)).data, stateOptions);
  for (const operation of [...readJournal(rotatedJournalFile), ...readJournal(journalFile)]) state.apply(operation);
  return state.snapshot();
}

export async function openLowdbStore({ dir, compactEvery = 20_000, ...stateOptions }: LowdbStoreOptions): Promise<Store> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { snapshotFile, journalFile, rotatedJournalFile } = filesOf(dir);
  const { db, data } = await readSnapshot(snapshotFile);
  /** The snapshot through lowdb (atomic), readable by the owner only: it holds sealed tokens and catalog data. */
  async function writeSnapshot(): Promise<void> {
    db.data = state.snapshot();
    await db.write();
    chmodSync(snapshotFile, 0o600);
  }
  const state = createStoreState(data, stateOptions);
  const pending = [...readJournal(rotatedJournalFile), ...readJournal(journalFile)];
  for (const operation of pending) state.apply(operation);

  if (pending.length > 0 || !existsSync(snapshotFile)) {
    await writeSnapshot();
    rmSync(rotatedJournalFile, { force: true });
    writeFileSync(journalFile, '', { mode: 0o600 });
  }
  let journal = openSync(journalFile, 'a', 0o600);
  let linesSinceCompaction = 0;
  let compaction: Promise<void> = Promise.resolve();
  let closed = false;

  function compact(): Promise<void> {
    // Rotate first, so writes made while the snapshot is being written land in a fresh journal.
    compaction = compaction.then(async () => {
      if (linesSinceCompaction === 0) return;
      closeSync(journal);
      // A rotated journal left by a failed snapshot write still holds writes the snapshot lacks: keep them.
      if (existsSync(rotatedJournalFile)) {
        appendFileSync(rotatedJournalFile, readFileSync(journalFile));
        writeFileSync(journalFile, '');
      } else {
        renameSync(journalFile, rotatedJournalFile);
      }
      journal = openSync(journalFile, 'a', 0o600);
      linesSinceCompaction = 0;
      await writeSnapshot();
      rmSync(rotatedJournalFile, { force: true });
    });
    return compaction;
  }

  function record(operation: StoreOperation): void {
    if (closed) throw new Error('The store is closed.');
    if (operation.op === 'listing') state.checkListing(operation.value);
    writeSync(journal, `${JSON.stringify(operation)}\n`);
    state.apply(operation);
    if (++linesSinceCompaction >= compactEvery) void compact();
  }

  // Claims live in memory: the lowdb store serves one process, so a claim left by a process that stopped means nothing.
  const claims = new Map<string, { owner: string; until: number }>();
  const lastClaimAt = new Map<string, number>();
  const locks = new Map<string, Promise<unknown>>();

  /** Records the operation only when it changes something; tells whether it did. */
  function recordIf(changes: boolean, operation: StoreOperation): boolean {
    if (changes) record(operation);
    return changes;
  }

  const store: Store = {
    listings: {
      get: async (shop, handle) => state.listing(shop, handle),
      findBySellerSku: async (shop, sku) => state.listingBySku(shop, sku),
      findByProductId: async (shop, productId) => state.listingByProductId(shop, productId),
      put: async (listing) => record({ op: 'listing', value: listing }),
      list: async (shop, filter) => state.listings(shop, filter?.states),
      countByState: async (shop) => state.countByState(shop),
    },
    audits: {
      save: async (run) => record({ op: 'audit', value: run }),
      latest: async (shop) => state.latestAudit(shop),
      setVerdict: async (shop, handle, verdict) => recordIf(state.latestAudit(shop) !== undefined, { op: 'audit-verdict', shop, handle, verdict }),
    },
    mappings: {
      list: async (shop) => state.mappings(shop),
      set: async (mapping) => record({ op: 'mapping', value: mapping }),
      remove: async (shop, key) => recordIf(state.hasMapping(shop, key), { op: 'mapping-removed', shop, key }),
    },
    suggestions: {
      get: async (shop, key) => state.suggestion(shop, key),
      put: async (suggestion) => record({ op: 'suggestion', value: suggestion }),
      putMany: async (suggestions) => {
        if (suggestions.length === 1) record({ op: 'suggestion', value: suggestions[0]! });
        else if (suggestions.length > 1) record({ op: 'batch', ops: suggestions.map((value): StoreOperation => ({ op: 'suggestion', value })) });
      },
      list: async (shop) => state.suggestions(shop),
    },
    categoryRequirements: {
      get: async (shop, categoryId) => state.categoryRequirements(shop, categoryId),
      put: async (requirements) => record({ op: 'category-requirements', value: requirements }),
    },
    jobs: {
      get: async (id) => state.job(id),
      put: async (job) => record({ op: 'job', value: job }),
      current: async (shop) => state.currentJob(shop),
    },
    alerts: {
      subscribe: async (subscription) => record({ op: 'subscription', value: subscription }),
      unsubscribe: async (shop, platform, channelId) =>
        recordIf(state.subscription(shop, platform, channelId) !== undefined, { op: 'subscription-removed', shop, platform, channelId }),
      subscriptions: async (shop) => state.subscriptions(shop),
      mute: async (mute) => record({ op: 'mute', value: mute }),
      async mutedUntil(shop, handle, now) {
        const mute = state.mute(shop, handle);
        return mute && Date.parse(mute.until) > now ? mute.until : null;
      },
    },
    incidents: {
      get: async (id) => state.incident(id),
      open: async (shop, subject) => state.openIncidents(shop, subject),
      openedSince: async (shop, since) => state.incidents(shop, since),
      postedIn: async (outboxId) => state.incidentsPostedIn(outboxId),
    },
    outbox: {
      get: async (id) => state.outboxMessage(id),
      unfinished: async () => state.unfinishedOutbox(),
      async claim({ owner, platforms, now, claimMs, pacingMs, limit }): Promise<OutboxClaim> {
        const heads = new Map<string, OutboxMessage>();
        for (const message of state.unfinishedOutbox()) {
          const channel = `${message.platform}:${message.channelId}`;
          if (platforms.includes(message.platform) && !heads.has(channel)) heads.set(channel, message);
        }
        const messages: OutboxMessage[] = [];
        let nextDueAt: number | null = null;
        for (const [channel, message] of heads) {
          const claim = claims.get(message.id);
          const dueAt = Math.max(
            Date.parse(message.nextAttemptAt),
            (lastClaimAt.get(channel) ?? Number.NEGATIVE_INFINITY) + (pacingMs[message.platform] ?? 0),
            claim && claim.until > now ? claim.until : Number.NEGATIVE_INFINITY,
          );
          if (dueAt <= now && messages.length < limit) {
            claims.set(message.id, { owner, until: now + claimMs });
            lastClaimAt.set(channel, now);
            messages.push(message);
          } else {
            nextDueAt = Math.min(nextDueAt ?? Number.POSITIVE_INFINITY, Math.max(dueAt, now));
          }
        }
        return { messages, nextDueAt };
      },
      async release(ids, owner) {
        for (const id of ids) if (claims.get(id)?.owner === owner) claims.delete(id);
      },
    },
    async saveAlerts({ incidents = [], outbox = [] }) {
      const ops: StoreOperation[] = [
        ...incidents.map((value): StoreOperation => ({ op: 'incident', value })),
        ...outbox.map((value): StoreOperation => ({ op: 'outbox', value })),
      ];
      if (ops.length === 1) record(ops[0]!);
      else if (ops.length > 1) record({ op: 'batch', ops });
    },
    secrets: {
      get: async (name) => state.secret(name),
      put: async (sealed) => record({ op: 'secret', value: sealed }),
      list: async () => state.secrets(),
    },
    days: {
      record: async (shop, date, byState) => record({ op: 'day', shop, date, byState }),
      since: async (shop, from) => state.days(shop, from),
    },
    summaries: {
      set: async (schedule) => record({ op: 'summary', value: schedule }),
      remove: async (shop, platform, channelId) =>
        recordIf(state.summary(shop, platform, channelId) !== undefined, { op: 'summary-removed', shop, platform, channelId }),
      list: async (shop) => state.summaries(shop),
    },
    activity: {
      record: async (entry) => record({ op: 'activity', value: { id: randomUUID(), ...entry } }),
      since: async (shop, sinceMs) => state.activity(shop, sinceMs),
    },
    webhooks: {
      markProcessed: async (id) => recordIf(!state.hasWebhook(id), { op: 'webhook', id }),
    },
    exclusive<T>(lock: string, work: (store: Store) => Promise<T>): Promise<T> {
      const run = (locks.get(lock) ?? Promise.resolve()).then(() => work(inside));
      const settled = run.catch(() => undefined);
      locks.set(lock, settled);
      void settled.then(() => {
        if (locks.get(lock) === settled) locks.delete(lock);
      });
      return run;
    },
    flush: () => compact(),
    async close() {
      if (closed) return;
      await compact();
      closed = true;
      closeSync(journal);
    },
  };
  // Work already holding a lock runs a nested exclusive at once: queuing it behind itself would never end.
  const inside: Store = { ...store, exclusive: (_lock, work) => work(inside) };
  return store;
}
