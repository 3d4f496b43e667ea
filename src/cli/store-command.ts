import { POSTGRES_URL } from '../config.js';
import { UserInputError } from '../errors.js';
import { copyLowdbToPostgres } from '../store/postgres/copy.js';
import { describeDatabaseUrl } from '../store/postgres/db.js';
import type { CommandIo } from './audit-command.js';

export const STORE_USAGE = `Usage: shopshift store copy --to <DATABASE_URL> [--from DIR]

  copy   moves the lowdb store (DATA_DIR, or --from DIR) into an empty PostgreSQL database,
         in one transaction, and checks every count; the lowdb folder is left as it was.
         Then set DATABASE_URL to that database and restart.`;

/** `shopshift store …`: moving the embedded store into PostgreSQL. */
export async function storeCommand(args: string[], io: Pick<CommandIo, 'stdout' | 'config' | 'log'>): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'copy') throw new UserInputError(action ? `Unknown store action "${action}".\n\n${STORE_USAGE}` : STORE_USAGE);
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i]!, rest[i + 1]];
    if ((flag !== '--to' && flag !== '--from') || value === undefined) throw new UserInputError(`Unexpected "${flag}".\n\n${STORE_USAGE}`);
    options.set(flag, value);
  }
  const toUrl = options.get('--to');
  if (!toUrl) throw new UserInputError(`Name the PostgreSQL database to copy into with --to.\n\n${STORE_USAGE}`);
  // The URL may hold a password: it is never repeated back.
  if (!POSTGRES_URL.test(toUrl)) throw new UserInputError('--to takes a postgres:// or postgresql:// URL.');
  const fromDir = options.get('--from') ?? io.config.DATA_DIR;
  const target = describeDatabaseUrl(toUrl);
  io.stdout.write(`Copying the store in ${fromDir} into ${target}…\n`);
  const counts = await copyLowdbToPostgres({ fromDir, toUrl, log: io.log, activityKeptMs: io.config.ACTIVITY_KEEP_DAYS * 86_400_000 });
  const width = Math.max(...Object.keys(counts).map((name) => name.length));
  for (const [name, count] of Object.entries(counts)) io.stdout.write(`  ${name.padEnd(width)}  ${count.toLocaleString('en-US')}\n`);
  io.stdout.write(`Copied and checked: every count in ${target} matches the source. Set DATABASE_URL to it and restart.\n`);
  return 0;
}
