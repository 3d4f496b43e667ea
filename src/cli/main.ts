import { ShopshiftError, newRef, toUserText } from '../errors.js';
import { loadConfig, loadDotEnv } from '../config.js';
import { createLogger } from '../log.js';
import { hasChatCredentials } from '../bot.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { AUDIT_USAGE, auditCommand } from './audit-command.js';
import { MAP_USAGE, mapCommand } from './map-command.js';
import { MIGRATE_USAGE, migrateCommand } from './migrate-command.js';
import { registerDiscordCommand } from './register-discord.js';
import { rulesCommand } from './rules-command.js';
import { startCommand } from './start-command.js';
import { STORE_USAGE, storeCommand } from './store-command.js';

const USAGE = `shopshift: move a Shopify catalog to TikTok Shop, safely.

Commands:
  shopshift start                 run shopshift (without credentials: audit the bundled sample catalog)
  shopshift audit <file-or-url>   check a catalog against TikTok Shop listing rules
  shopshift migrate <action>      push the audit's ready products to TikTok Shop and track them
  shopshift map <action>          the Shopify type/category → TikTok category mapping
  shopshift rules [--region CODE] list every rule the audit checks, with its source
  shopshift store copy --to URL   move the lowdb store into an empty PostgreSQL database
  shopshift help                  this text

${AUDIT_USAGE}

${MIGRATE_USAGE}

${MAP_USAGE}

${STORE_USAGE}`;

async function run(argv: string[]): Promise<number> {
  loadDotEnv();
  const [command = 'help', ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  // The terminal is for reports: operational log lines only when asked for, or when running as the bot.
  const runsBot = command === 'start' && hasChatCredentials(config);
  const log = createLogger({ level: process.env.LOG_LEVEL || runsBot ? config.LOG_LEVEL : 'warn' });
  let opened = null as Promise<Store> | null;
  const store = () => (opened ??= openStore(config, log));
  const io = { stdout: process.stdout, stderr: process.stderr, config, log, store };
  try {
    switch (command) {
      case 'audit':
        return await auditCommand(args, io);
      case 'migrate':
        return await migrateCommand(args, io);
      case 'map':
        return await mapCommand(args, io);
      case 'rules':
        return rulesCommand(args, io);
      case 'register-discord':
        return await registerDiscordCommand(io);
      case 'start':
        return await startCommand(io);
      case 'store':
        return await storeCommand(args, io);
      default:
        process.stderr.write(`shopshift: unknown command "${command}".\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ShopshiftError) {
      process.stderr.write(`shopshift: ${error.userText}\n`);
      return 2;
    }
    const ref = newRef();
    log.error({ err: error, ref, command }, 'command failed');
    process.stderr.write(`shopshift: ${toUserText(error, ref)}\n`);
    return 2;
  } finally {
    // A store that failed to open was reported above; there is nothing to close.
    if (opened) await opened.then((store) => store.close(), () => undefined);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only configuration errors reach here: one clear line, no stack.
    process.stderr.write(`shopshift: ${error instanceof ShopshiftError ? error.userText : String(error)}\n`);
    process.exitCode = 2;
  },
);
