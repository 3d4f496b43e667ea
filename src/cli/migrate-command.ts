import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createMigrationDeps, createTikTokFromConfig } from '../app.js';
import { shopKeyOf } from '../config.js';
import { UserInputError } from '../errors.js';
import { planMigration } from '../migration/plan.js';
import { migrationProgress, type MigrationProgress } from '../migration/progress.js';
import { pauseMigration, resumeMigration, startMigration, type MigrationEvents } from '../migration/run.js';
import { reconcileListings } from '../migration/track.js';
import type { CommandIo } from './audit-command.js';

export const MIGRATE_USAGE = `Usage: shopshift migrate <start|resume|status|reconcile> [options]

  plan                            what a run would create, and why it leaves products out
  start [--dry-run] [--limit N]   push the latest audit's ready products to TikTok Shop
                                  (--dry-run prints each create body as a JSON line, sends nothing)
  resume                          continue a paused or interrupted migration
  status                          progress: done/total, by state, rate and ETA
  reconcile                       ask TikTok Shop for the state of every listing in review

Ctrl-C pauses a running migration after the products in flight; "resume" continues it.`;

const startOptions = z.object({
  'dry-run': z.boolean().default(false),
  limit: z.coerce.number().int().positive().optional(),
});

const PROGRESS_EVERY_MS = 2_000;

const PLAN_REASONS = {
  'blocked-by-audit': 'blocked by the audit; fix them in Shopify and audit again',
  'not-in-audit': 'not in the latest audit (added since, or skipped by status)',
  unmapped: 'no TikTok category mapped for their type or category (shopshift map set …)',
  'already-listed': 'already listed on TikTok Shop',
  'rejected-needs-edit': 'rejected by TikTok review; edit them before retrying',
} as const;

export function formatProgress(progress: MigrationProgress): string {
  const { total, submitted, byState, ratePerMinute, etaSeconds, job } = progress;
  const states = (['in_review', 'live', 'rejected', 'error', 'pending', 'submitting'] as const)
    .filter((state) => byState[state] > 0)
    .map((state) => `${byState[state].toLocaleString('en-US')} ${state.replace('_', ' ')}`);
  const rate = ratePerMinute === null ? '' : `, ${ratePerMinute.toFixed(1)}/min`;
  const eta = etaSeconds === null ? '' : `, about ${etaSeconds < 90 ? `${etaSeconds} s` : `${Math.round(etaSeconds / 60)} min`} left`;
  const status = job ? ` [${job.status}${job.note ? `: ${job.note}` : ''}]` : '';
  return `${submitted.toLocaleString('en-US')}/${total.toLocaleString('en-US')} submitted${states.length ? ` (${states.join(', ')})` : ''}${rate}${eta}${status}`;
}

/** `shopshift migrate …`: the migration from the terminal; the chat commands call the same engine. */
export async function migrateCommand(args: string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = args;
  const { config, log } = io;
  const store = await io.store();
  const shop = shopKeyOf(config);
  const print = (line: string) => io.stdout.write(`${line}\n`);
  let lastPrint = 0;
  const events: MigrationEvents = {
    onProduct() {
      if (Date.now() - lastPrint < PROGRESS_EVERY_MS) return;
      lastPrint = Date.now();
      void migrationProgress(store, shop, Date.now()).then((progress) => print(formatProgress(progress)));
    },
  };

  // Ctrl-C or a stop signal pauses the job cleanly; the journal already holds every finished product.
  const interrupt = () => {
    void pauseMigration(store, shop, 'interrupted; run "shopshift migrate resume"', Date.now()).catch(() => undefined);
  };

  switch (action) {
    case 'plan': {
      const audit = await store.audits.latest(shop);
      if (!audit) throw new UserInputError('Run an audit first: the migration pushes the products the latest audit found ready.');
      const plan = await planMigration(await createMigrationDeps(config, store, log, { dryRun: true }), audit);
      print(`A run would create ${plan.toCreate.toLocaleString('en-US')} listings from ${audit.sourceLabel} (audited ${audit.finishedAt}).`);
      for (const [reason, count] of Object.entries(plan.skipped)) {
        if (count === 0) continue;
        const examples = plan.examples[reason as keyof typeof plan.examples] ?? [];
        print(`  ${count.toLocaleString('en-US')} left out: ${PLAN_REASONS[reason as keyof typeof PLAN_REASONS]} (e.g. ${examples.join(', ')})`);
      }
      return 0;
    }
    case 'start': {
      const { values, positionals } = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean' }, limit: { type: 'string' } }, allowPositionals: true });
      if (positionals.length > 0) throw new UserInputError(`Unexpected argument "${positionals[0]}".\n\n${MIGRATE_USAGE}`);
      const options = startOptions.safeParse(values);
      if (!options.success) throw new UserInputError(`--${String(options.error.issues[0]!.path[0])}: ${options.error.issues[0]!.message}.\n\n${MIGRATE_USAGE}`);
      const dryRun = options.data['dry-run'];
      const deps = await createMigrationDeps(config, store, log, { dryRun });
      if (dryRun) events.onDryRunBody = (handle, body) => print(JSON.stringify({ handle, body }));
      process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
      const job = await startMigration(deps, { shop, dryRun, limit: options.data.limit ?? null }, events);
      if (!dryRun) print(formatProgress(await migrationProgress(store, shop, Date.now())));
      return job.status === 'failed' ? 1 : 0;
    }
    case 'resume': {
      const deps = await createMigrationDeps(config, store, log, { dryRun: false });
      process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
      const job = await resumeMigration(deps, shop, events);
      print(formatProgress(await migrationProgress(store, shop, Date.now())));
      return job.status === 'failed' ? 1 : 0;
    }
    case 'status':
      print(formatProgress(await migrationProgress(store, shop, Date.now())));
      return 0;
    case 'reconcile': {
      const changes = await reconcileListings({ store, client: createTikTokFromConfig(config, log, { store }), log, now: () => Date.now() }, shop);
      for (const { before, after } of changes) {
        print(`${after.handle}: ${before.state} → ${after.state}${after.reasons.length ? ` (${after.reasons.join('; ')})` : ''}`);
      }
      print(formatProgress(await migrationProgress(store, shop, Date.now())));
      return 0;
    }
    default:
      throw new UserInputError(`${action ? `Unknown migrate action "${action}".` : 'Say what to do.'}\n\n${MIGRATE_USAGE}`);
  }
}
