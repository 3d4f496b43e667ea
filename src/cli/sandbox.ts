import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createCommands } from '../../commands/index.js';
import { ALERT_KINDS } from '../alerts/alerts.js';
import { loadCategoryMapping } from '../audit/category-map.js';
import { startBot } from '../bot.js';
import { runConsoleChat } from '../chat/console/console-chat.js';
import { consoleDelivery } from '../chat/console/delivery.js';
import { shopKeyOf, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { pauseMigration } from '../migration/run.js';
import { samplePath } from '../paths.js';
import { openLowdbStore } from '../store/lowdb.js';
import type { Store } from '../store/store.js';
import { loadSimulators, type SandboxSimCategory, type SimulatorModules } from './sandbox-sims.js';

/** The sample catalog's images live on a made-up CDN; the sandbox serves them from a local image host. */
const SAMPLE_IMAGE_BASE = 'https://cdn.shopshift.example/';
/** Marks a folder the sandbox made, so it only ever clears its own. */
const MARKER = '.shopshift-sandbox';
const SANDBOX_SHOP = { id: '7494049642642441621', cipher: 'ROW_Sandbox', name: 'Fernhill Home (sandbox)' };
const ROOT_CATEGORY = '600000';

export interface SandboxOptions {
  /** The settings as read; the sandbox replaces those of the platforms it simulates. */
  config: Config;
  /** Where the bot logs; a file in the sandbox's folder when not given, so the terminal stays the chat. */
  log?: Logger;
  input: Readable;
  output: Writable;
  /** Ends the sandbox as the end of input does (Ctrl-C). */
  signal?: AbortSignal;
  /** The simulators; loaded from test/sim when not given. */
  simulators?: SimulatorModules;
  /** How long the simulated TikTok review of a listing takes (2 s). */
  reviewDelayMs?: number;
  /** Failures arriving within this window are posted as one alert (3 s). */
  groupWindowMs?: number;
}

export type SandboxOutcome = { ran: true } | { ran: false; reason: string };

/**
 * The whole bot on this machine: a simulated TikTok Shop (review with outcomes, signed webhooks to the
 * bot's own webhook route), the bundled sample catalog with its images on a local host, lowdb in a
 * folder of its own, and the terminal as the one chat channel, subscribed to every alert. What Slack
 * and Discord would get (command replies, progress, grouped alerts with their thread and updates) is
 * printed as text. The simulators keep nothing, so the sandbox's data starts afresh each time.
 */
export async function runSandbox(options: SandboxOptions): Promise<SandboxOutcome> {
  const { output } = options;
  let modules = options.simulators ?? null;
  if (!modules) {
    const loaded = await loadSimulators();
    if (!loaded.modules) return { ran: false, reason: loaded.reason };
    modules = loaded.modules;
  }
  const root = options.config.SHOP_COMMAND;
  const dir = resolve(options.config.DATA_DIR, 'sandbox');
  const filesDir = join(dir, 'attachments');
  const logFile = join(dir, 'shopshift.log');
  const print = (text: string) => void output.write(`${text}\n`);
  const cleanups: (() => Promise<unknown>)[] = [];
  await clearSandboxFolder(dir);
  const log = options.log ?? fileLogger(logFile, options.config.LOG_LEVEL, cleanups);
  try {
    const store = await openLowdbStore({ dir, activityKeptMs: options.config.ACTIVITY_KEEP_DAYS * 86_400_000 });
    cleanups.push(() => store.close());
    const port = await freeLoopbackPort();
    const images = await modules.images.startImageHost();
    cleanups.push(() => images.close());
    const catalog = join(dir, 'sample-catalog.csv');
    await writeFile(catalog, (await readFile(samplePath('sample-catalog.csv'), 'utf8')).replaceAll(SAMPLE_IMAGE_BASE, `${images.url}/`));
    const categoryMap = samplePath('category-map.csv');
    const reviewDelayMs = options.reviewDelayMs ?? 2_000;
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/tiktok`;
    const tiktok = await modules.tiktok.startTikTokShopSim({
      shops: [{ ...SANDBOX_SHOP, region: options.config.TIKTOK_REGION }],
      categories: sandboxCategories(await loadCategoryMapping(categoryMap)),
      reviewDelayMs,
      webhookUrl,
      webhookTypes: [5],
    });
    cleanups.push(() => tiktok.close());

    const config: Config = {
      ...options.config,
      DATA_DIR: dir,
      CATALOG_SOURCE: catalog,
      CATEGORY_MAP_FILE: categoryMap,
      // The image host and the simulator are on loopback, which fetching refuses unless allowed.
      FETCH_ALLOWED_PRIVATE: [...options.config.FETCH_ALLOWED_PRIVATE, '127.0.0.1/32'],
      PORT: port,
      TIKTOK_API_URL: tiktok.url,
      TIKTOK_AUTH_URL: tiktok.authUrl,
      TIKTOK_APP_KEY: tiktok.appKey,
      TIKTOK_APP_SECRET: tiktok.appSecret,
      TIKTOK_SHOP_CIPHER: tiktok.shopCipher,
      TIKTOK_SHOP_ID: tiktok.shopId,
      TIKTOK_ACCESS_TOKEN: tiktok.accessToken,
      TIKTOK_REFRESH_TOKEN: tiktok.refreshToken,
      TIKTOK_WAREHOUSE_ID: 'SANDBOX-WH-1',
      TIKTOK_WEBHOOKS: true,
      // The demo lets TikTok's own answers fail the apron and the mug, so that alerts show; with the
      // categories' rules live, the audit would block both before the migration (try
      // AUDIT_CATEGORY_RULES=live npm start).
      AUDIT_CATEGORY_RULES: process.env.AUDIT_CATEGORY_RULES ? options.config.AUDIT_CATEGORY_RULES : 'off',
      ALERT_GROUP_WINDOW_MS: options.groupWindowMs ?? 3_000,
    };
    const shop = shopKeyOf(config);
    cleanups.push(() => pauseRunningMigration(store, shop, log));
    await store.alerts.subscribe({
      shop, platform: 'console', channelId: 'console', kinds: [...ALERT_KINDS], reasonContains: null, minSeverity: 'normal', mention: null,
      createdBy: 'sandbox', createdAt: new Date().toISOString(),
    });
    const printer = { print, filesDir, root };
    const bot = await startBot(config, store, log, { deliveries: { console: consoleDelivery(printer) }, host: '127.0.0.1' });
    cleanups.push(() => bot.stop());

    print(banner({
      root, tiktokUrl: tiktok.url, webhookUrl, imagesUrl: images.url, dir, logFile: options.log ? null : logFile, reviewDelayMs,
      groupWindowMs: config.ALERT_GROUP_WINDOW_MS, region: config.TIKTOK_REGION,
    }));
    await runConsoleChat({
      input: options.input, output, commands: createCommands(root), root, services: bot.services, log, filesDir, now: () => Date.now(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    print('Stopping the sandbox…');
    return { ran: true };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log.error({ err: error }, 'sandbox stop failed'));
  }
}

/**
 * A TikTok category for each id of the sample mapping, under one parent. Two carry the rules that make
 * the demo show both kinds of failure: mugs need a food-contact certificate the migration does not send
 * (review rejects them), and aprons, sold by size, need a size chart (the create itself fails).
 */
export function sandboxCategories(mapping: ReadonlyMap<string, string>): SandboxSimCategory[] {
  const leaves = new Map<string, SandboxSimCategory>();
  for (const [type, id] of mapping) {
    if (leaves.has(id)) continue;
    leaves.set(id, {
      id, parentId: ROOT_CATEGORY, name: type,
      ...(type === 'Mugs' ? { certifications: [{ id: '7002001', name: 'Food Contact Safety Declaration' }] } : {}),
      ...(type === 'Aprons' ? { sizeChartRequired: true } : {}),
    });
  }
  return [{ id: ROOT_CATEGORY, parentId: '0', name: 'Home & Living' }, ...leaves.values()];
}

function banner(facts: {
  root: string; tiktokUrl: string; webhookUrl: string; imagesUrl: string; dir: string; logFile: string | null; reviewDelayMs: number; groupWindowMs: number;
  region: string;
}): string {
  const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;
  const command = (text: string) => `/${facts.root} ${text}`;
  return [
    'shopshift sandbox: no Slack, Discord, Shopify or TikTok Shop settings are set, so the whole bot runs here against simulators.',
    '',
    `  TikTok Shop  simulated at ${facts.tiktokUrl} (shop "${SANDBOX_SHOP.name}", ${facts.region}); review takes ${seconds(facts.reviewDelayMs)}, and some listings fail`,
    `  Webhooks     the simulator posts review outcomes to ${facts.webhookUrl}`,
    `  Catalog      the bundled sample (samples/sample-catalog.csv, samples/category-map.csv), images on ${facts.imagesUrl}`,
    `  Data         ${facts.dir} (cleared at each start: the simulators keep nothing)`,
    ...(facts.logFile ? [`  Logs         ${facts.logFile}`] : []),
    `  Chat         this terminal is a channel subscribed to every alert; alerts within ${seconds(facts.groupWindowMs)} are grouped`,
    '',
    `Try, in order: ${[command('audit'), command('migration start'), command('migration status'), command('failures'), command('summary now'), command('help')].join('  ·  ')}`,
    '',
    'To use the real platforms, set these in .env (see .env.example) and run npm start again:',
    '  Slack        SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN with SLACK_SOCKET_MODE=true)',
    '  Discord      DISCORD_TOKEN and DISCORD_APPLICATION_ID',
    '  TikTok Shop  TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_SHOP_CIPHER, TIKTOK_SHOP_ID, TIKTOK_ACCESS_TOKEN, TIKTOK_REFRESH_TOKEN, TIKTOK_WAREHOUSE_ID',
    '  Shopify      SHOPIFY_ADMIN_URL and SHOPIFY_ACCESS_TOKEN with CATALOG_SOURCE=shopify, or CATALOG_SOURCE=<a CSV export or store URL>',
    'With Slack or Discord set, npm start runs the bot there; with only TikTok Shop or Shopify set, this terminal chat uses them.',
    '',
  ].join('\n');
}

/** A logger writing to a file, closed with the sandbox's other resources. */
function fileLogger(path: string, level: Config['LOG_LEVEL'], cleanups: (() => Promise<unknown>)[]): Logger {
  const destination = pino.destination({ dest: path, sync: true });
  cleanups.push(async () => destination.end());
  return createLogger({ level, destination });
}

/** Empties the sandbox's folder, refusing one that holds files it did not make. */
async function clearSandboxFolder(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new ConfigError(`The sandbox keeps its data in ${dir}, which holds files it did not make; move them away or set DATA_DIR to another folder.`);
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, MARKER), 'This folder is the shopshift sandbox’s; it is cleared at each start.\n');
}

/**
 * A free port on loopback for the bot's webhook route: the simulator must know where to post before
 * the bot starts, and the bot needs the simulator's address first. Another process could take the port
 * in between; on one's own machine that is rare enough, and start-up then fails with EADDRINUSE.
 */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A migration still running when the sandbox stops is paused, and the products in flight get a moment to finish. */
async function pauseRunningMigration(store: Store, shop: string, log: Logger): Promise<void> {
  if ((await store.jobs.current(shop))?.status !== 'running') return;
  await pauseMigration(store, shop, 'the sandbox stopped', Date.now());
  for (let waited = 0; waited < 3_000; waited += 100) {
    if ((await store.listings.list(shop, { states: ['submitting'] })).length === 0) return;
    await sleep(100);
  }
  log.warn({ shop }, 'sandbox stopped with listings still being submitted');
}
