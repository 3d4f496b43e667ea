import { samplePath } from '../paths.js';
import type { CommandIo } from './audit-command.js';
import { auditCommand } from './audit-command.js';

/**
 * `npm start`. Until the chat bot lands, shopshift without credentials audits the bundled sample catalog,
 * with the sample category mapping, so a new user sees a real report at once.
 */
export async function startCommand(io: CommandIo): Promise<number> {
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
  return 0;
}
