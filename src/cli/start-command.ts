import { join } from 'node:path';
import { hasChatCredentials, runBot } from '../bot.js';
import { createCommands } from '../../commands/index.js';
import { runConsoleChat } from '../chat/console/console-chat.js';
import { createServices } from '../chat/services.js';
import { samplePath } from '../paths.js';
import type { CommandIo } from './audit-command.js';
import { auditCommand } from './audit-command.js';

/**
 * `npm start`. With Slack or Discord credentials it runs the bot. Without them shopshift audits the bundled sample catalog, with the sample
 * category mapping, so a new user sees a real report at once; on a terminal it then opens the
 * terminal chat, where the same /shop commands as on Slack and Discord can be tried.
 */
export async function startCommand(io: CommandIo, stdin: NodeJS.ReadStream = process.stdin): Promise<number> {
  if (hasChatCredentials(io.config)) {
    await runBot(io.config, await io.store(), io.log);
    return 0;
  }
  io.stdout.write('shopshift: no Slack, Discord, Shopify or TikTok Shop credentials set; auditing the bundled sample catalog.\n\n');
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
  if (!stdin.isTTY) return 0;
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
  });
  return 0;
}
