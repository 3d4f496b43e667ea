import { join } from 'node:path';
import { hasChatCredentials, runBot } from '../bot.js';
import { createCommands } from '../../commands/index.js';
import { runConsoleChat } from '../chat/console/console-chat.js';
import { createServices } from '../chat/services.js';
import type { Config } from '../config.js';
import { samplePath } from '../paths.js';
import type { CommandIo } from './audit-command.js';
import { auditCommand } from './audit-command.js';
import { runSandbox } from './sandbox.js';
import { runsFromBuild } from './sandbox-sims.js';

/** Settings that connect a real TikTok Shop or Shopify store: with any of them the sandbox's simulators stay off. */
const PLATFORM_SETTINGS = ['TIKTOK_APP_KEY', 'TIKTOK_APP_SECRET', 'TIKTOK_SHOP_CIPHER', 'TIKTOK_ACCESS_TOKEN', 'SHOPIFY_ADMIN_URL', 'SHOPIFY_ACCESS_TOKEN'] as const;

const hasPlatformSettings = (config: Config): boolean => PLATFORM_SETTINGS.some((name) => Boolean(config[name]));

/**
 * `npm start`. With Slack or Discord credentials it runs the bot. Without them, on a terminal and with
 * no TikTok Shop or Shopify settings either, it runs the sandbox: the whole bot against local simulators,
 * with the terminal as its chat. Otherwise (no terminal, as in CI, or real platform settings but no chat)
 * shopshift audits the bundled sample catalog with the sample category mapping, so a new user sees a
 * real report at once, and on a terminal then opens the terminal chat over the settings as they are.
 */
export async function startCommand(io: CommandIo, stdin: NodeJS.ReadStream = process.stdin): Promise<number> {
  if (hasChatCredentials(io.config)) return runBot(io.config, await io.store(), io.log);
  if (!stdin.isTTY) return sampleAudit(io);
  // Ctrl-C ends the chat like the end of input, so the simulators stop and the store is flushed.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    if (!hasPlatformSettings(io.config)) {
      const outcome = await runSandbox({ config: io.config, input: stdin, output: io.stdout, signal: stop.signal });
      if (outcome.ran) return 0;
      io.stdout.write(sandboxUnavailable(outcome.reason));
    }
    await sampleAudit(io);
    await terminalChat(io, stdin, stop.signal);
    return 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

function sandboxUnavailable(reason: string): string {
  return [
    runsFromBuild()
      ? 'shopshift: the sandbox (a simulated TikTok Shop to try migrations and alerts on) runs from a source checkout only; this is the compiled build (dist/), which leaves its simulators (test/sim) out.'
      : `shopshift: the sandbox's simulators (test/sim) could not be loaded (${reason}).`,
    'To try it: in a source checkout, run npm install, then npx tsx src/cli/main.ts start (or remove dist/ and run npm start).',
    '',
    '',
  ].join('\n');
}

/** The bundled sample's audit report, with how to audit one's own catalog. */
async function sampleAudit(io: CommandIo): Promise<number> {
  io.stdout.write(
    hasPlatformSettings(io.config)
      ? 'shopshift: no Slack or Discord credentials set; auditing the bundled sample catalog.\n\n'
      : 'shopshift: no Slack, Discord, Shopify or TikTok Shop credentials set; auditing the bundled sample catalog.\n\n',
  );
  await auditCommand([samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv'), '--no-progress'], io);
  io.stdout.write(
    [
      '',
      'Audit your own catalog:',
      '  npm run shopshift -- audit path/to/products_export.csv --region GB --categories my-map.csv',
      '  npm run shopshift -- audit https://your-store.example --format csv --out findings.csv',
      'Every setting is listed in .env.example.',
      '',
    ].join('\n'),
  );
  return 0;
}

/** The terminal chat over the settings as they are (real TikTok Shop or Shopify settings, no chat platform). */
async function terminalChat(io: CommandIo, stdin: NodeJS.ReadStream, signal: AbortSignal): Promise<void> {
  const { config, log } = io;
  const configWithSample = { ...config, CATEGORY_MAP_FILE: config.CATEGORY_MAP_FILE ?? samplePath('category-map.csv') };
  await runConsoleChat({
    input: stdin,
    output: io.stdout,
    commands: createCommands(config.SHOP_COMMAND),
    root: config.SHOP_COMMAND,
    services: createServices({ config: configWithSample, store: await io.store(), log, now: () => Date.now() }),
    log,
    filesDir: join(config.DATA_DIR, 'attachments'),
    now: () => Date.now(),
    signal,
  });
}
