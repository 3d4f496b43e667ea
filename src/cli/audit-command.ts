import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { auditSettingsFrom, createAuditContext } from '../audit/context.js';
import { runAudit } from '../audit/engine.js';
import { regionCodeSchema, sellerTypeSchema } from '../audit/regions.js';
import { findingsCsvHeader, findingsCsvRows } from '../audit/report/csv.js';
import { createJsonReportWriter } from '../audit/report/json.js';
import { renderTextReport } from '../audit/report/text.js';
import { allRules } from '../audit/rules/index.js';
import type { AuditSummary } from '../audit/summary.js';
import type { ProductResult } from '../audit/verdict.js';
import { isShopifyAdminLocation } from '../catalog/open-source.js';
import { categoryRequirementsFrom, createMigrationDeps, createTikTokFromConfig, openSourceFrom } from '../app.js';
import { createDeepCheck, deepCheckNote, deepModeUnavailableNote, type DeepCheck } from '../audit/deep-check.js';
import { missingTikTokSettings, shopKeyOf, type Config } from '../config.js';
import type { Store } from '../store/store.js';
import { createVerdictCollector, recordAuditRun } from '../audit/record.js';
import { resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import type { Logger } from '../log.js';
import { createProgressDisplay } from './progress.js';

export const AUDIT_USAGE = `Usage: shopshift audit <file-or-url> [options]

  <file-or-url>            a Shopify product CSV export, a saved products.json page,
                           a store URL (reads its public products.json), a URL of a CSV,
                           or shopify: the store's Admin API (SHOPIFY_ADMIN_URL, SHOPIFY_ACCESS_TOKEN)
  --format text|json|csv   report format (default text); csv lists every finding
  --out FILE               write the report to FILE (the text summary still goes to the terminal)
  --region CODE            TikTok Shop market: US, GB (UK), ID, MY, PH, SG, TH, VN (default TIKTOK_REGION)
  --seller-type TYPE       local or cross-border (default TIKTOK_SELLER_TYPE)
  --currency CODE          currency of the catalog's prices (default CATALOG_CURRENCY)
  --categories FILE        category mapping CSV: "Shopify type or category,TikTok category id"
  --tiktok-categories FILE TikTok's category list CSV (category_id,category_path) to check mapped ids
  --package "LxWxH cm"     package size for products without their own
  --status LIST            Shopify statuses to audit, e.g. active,draft (default AUDIT_STATUSES)
  --top N                  rules to show in the text report (default 10)
  --deep                   also send each ready product's create body to TikTok Shop's
                           listing_check (needs the TIKTOK_* settings) and add its answers
  --no-progress            no progress bar

Exit status: 0 no blockers, 1 blockers found, 2 the audit could not run.`;

const optionsSchema = z.object({
  format: z.enum(['text', 'json', 'csv']).default('text'),
  out: z.string().min(1).optional(),
  region: z.preprocess((value) => (typeof value === 'string' ? value.toUpperCase().replace(/^UK$/, 'GB') : value), regionCodeSchema.optional()),
  'seller-type': sellerTypeSchema.optional(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'a three-letter code such as GBP').transform((code) => code.toUpperCase()).optional(),
  categories: z.string().min(1).optional(),
  'tiktok-categories': z.string().min(1).optional(),
  package: z.string().min(1).optional(),
  status: z
    .string()
    .transform((list) => list.split(',').map((status) => status.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['active', 'draft', 'archived', 'unlisted'])).min(1))
    .optional(),
  top: z.coerce.number().int().min(1).max(100).default(10),
  'no-progress': z.boolean().default(false),
  deep: z.boolean().default(false),
});

export interface CommandIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  config: Config;
  log: Logger;
  /** Opens the store once, on first use; commands that need none never touch the data folder. */
  store(): Promise<Store>;
}

function parseAuditArgs(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string' }, out: { type: 'string' }, region: { type: 'string' }, 'seller-type': { type: 'string' },
        currency: { type: 'string' }, categories: { type: 'string' }, 'tiktok-categories': { type: 'string' },
        package: { type: 'string' }, status: { type: 'string' }, top: { type: 'string' }, 'no-progress': { type: 'boolean' }, deep: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UserInputError(`${(error as Error).message.replace(/\. To specify.*$/s, '.')}\n\n${AUDIT_USAGE}`);
  }
  const [location, ...extra] = parsed.positionals;
  if (!location) throw new UserInputError(`Name the catalog to audit.\n\n${AUDIT_USAGE}`);
  if (extra.length > 0) throw new UserInputError(`Unexpected argument "${extra[0]}": audit one catalog at a time.\n\n${AUDIT_USAGE}`);
  const options = optionsSchema.safeParse(parsed.values);
  if (!options.success) {
    const issue = options.error.issues[0]!;
    throw new UserInputError(`--${String(issue.path[0])}: ${issue.message}.\n\n${AUDIT_USAGE}`);
  }
  return { location, options: options.data };
}

/** Writes with backpressure; a failed write (disk full, folder gone) fails the next write with a clear message. */
function writerFor(stream: Writable, label: string) {
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure ??= error;
  });
  const check = () => {
    if (failure) throw new UserInputError(`Cannot write the report to ${label}: ${(failure as NodeJS.ErrnoException).code ?? failure.message}.`);
  };
  return {
    async write(text: string): Promise<void> {
      check();
      if (text !== '' && !stream.write(text)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      check();
    },
    async close(): Promise<void> {
      stream.end();
      await finished(stream).catch(() => undefined);
      check();
    },
  };
}

/** `shopshift audit`: streams the catalog through the rules and writes the chosen report. Returns the exit status. */
export async function auditCommand(args: string[], io: CommandIo): Promise<number> {
  const { location, options } = parseAuditArgs(args);
  const { config } = io;
  const settings = auditSettingsFrom(config);
  const store = await io.store();
  const shop = shopKeyOf(config);
  const context = await createAuditContext({
    ...settings,
    region: options.region ?? settings.region,
    sellerType: options['seller-type'] ?? settings.sellerType,
    catalogCurrency: options.currency ?? settings.catalogCurrency,
    categoryMapFile: options.categories ?? settings.categoryMapFile,
    tiktokCategoriesFile: options['tiktok-categories'] ?? settings.tiktokCategoriesFile,
    packageDefaultDimensions: options.package ?? settings.packageDefaultDimensions,
  }, await store.mappings.list(shop), config.AUDIT_CATEGORY_RULES === 'live' && missingTikTokSettings(config).length === 0
    ? { requirements: categoryRequirementsFrom(config, store, io.log, () => createTikTokFromConfig(config, io.log, { store })) }
    : {});
  const source = openSourceFrom(config, io.log)(location);
  let deep: DeepCheck | null = null;
  let deepNote: string | null = null;
  if (options.deep) {
    const missing = missingTikTokSettings(config);
    if (missing.length > 0) deepNote = deepModeUnavailableNote(missing);
    // The audit's own mapping (--categories included), so what it found mapped is what gets checked.
    else deep = createDeepCheck({ ...(await createMigrationDeps(config, store, io.log, { dryRun: false })), categories: context.categories });
  }

  const file = options.out ? createWriteStream(options.out) : null;
  if (file) {
    await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
      throw new UserInputError(`Cannot write the report to ${options.out}: ${error.code ?? error.message}.`);
    });
  }
  const report = writerFor(file ?? io.stdout, options.out ?? 'the terminal');
  const write = report.write;
  const json = options.format === 'json' ? createJsonReportWriter(write) : null;
  const verdicts = createVerdictCollector();
  let writeResult: ((result: ProductResult) => Promise<void>) | undefined;
  if (options.format === 'csv') {
    await write(findingsCsvHeader());
    writeResult = (result) => write(findingsCsvRows(result));
  } else if (json) {
    await json.start();
    writeResult = (result) => json.product(result);
  }
  const onResult = (result: ProductResult) => {
    verdicts.add(result);
    return writeResult?.(result);
  };

  const progress = createProgressDisplay(io.stderr, { enabled: !options['no-progress'] });
  let summary: AuditSummary;
  try {
    summary = await runAudit(source, {
      rules: allRules,
      context,
      statuses: new Set(options.status ?? config.AUDIT_STATUSES),
      onResult,
      onProgress: progress.update,
      ...(deep ? { refine: deep.refine, refineConcurrency: deep.concurrency } : {}),
    });
  } catch (error) {
    // A half-written report would pass for a whole one.
    if (file) {
      await report.close().catch(() => undefined);
      await rm(options.out!, { force: true });
    }
    throw error;
  } finally {
    progress.stop();
  }

  const isUrl = /^https?:\/\//i.test(location) || isShopifyAdminLocation(location);
  await recordAuditRun(store, shop, isUrl ? location.trim() : resolve(location), summary, verdicts.verdicts);
  if (deep) deepNote = deepCheckNote(deep.counts());
  const text = renderTextReport(summary, { topRules: options.top }) + (deepNote ? `${deepNote}\n` : '');
  // With a JSON or CSV report on the terminal, the note goes beside it rather than into it.
  if (deepNote && options.format !== 'text' && !file) io.stderr.write(`${deepNote}\n`);
  if (json) await json.finish(summary);
  if (options.format === 'text') await write(text);
  if (file) {
    await report.close();
    if (options.format !== 'text') io.stdout.write(text);
    io.stdout.write(`Report written to ${options.out}\n`);
  }
  io.log.info(
    { source: summary.source.label, products: summary.products.audited, blocked: summary.products.blocked, ms: summary.durationMs, ...(deep ? { listingCheck: deep.counts() } : {}) },
    'audit finished',
  );
  return summary.products.blocked > 0 ? 1 : 0;
}
