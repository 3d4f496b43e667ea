// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temporary directory, started on a free port.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface ThrowawayPostgres {
  /** A superuser URL (trust authentication, no password). */
  adminUrl: string;
  stop(): Promise<void>;
}

export const NO_SERVER_MESSAGE = 'PostgreSQL tests skipped: no PostgreSQL server binaries found. Install PostgreSQL (Debian: apt-get install postgresql) '
  + 'or set TEST_DATABASE_URL=postgres://user@127.0.0.1:5432/postgres';

const hasServerBinaries = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));

/** The directory of initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH). */
export function findPostgresBinaries(): string | null {
  const onPath = (process.env.PATH ?? '').split(delimiter).find((dir) => dir !== '' && hasServerBinaries(dir));
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((version) => hasServerBinaries(join(root, version, 'bin'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * A detached shell that stops the server and removes its directory once the process that started it is
 * gone without doing so (killed, or its output pipe closed), so no cluster outlives a test run.
 */
function stopWhenGone(pid: number, [file, args]: [string, string[]], dir: string) {
  const script = 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; "$@" >/dev/null 2>&1; rm -rf "$DIR"';
  const child = spawn('sh', ['-c', script, String(pid), file, ...args], { detached: true, stdio: 'ignore', env: { ...process.env, DIR: dir } });
  child.unref();
  return child;
}

/**
 * Starts a cluster for this process alone: trust authentication, UTF-8, no fsync, listening on
 * 127.0.0.1 and a socket inside its directory. PostgreSQL refuses to run as root, so as root it
 * runs as the `postgres` system user that Debian's package creates.
 */
export async function startThrowawayPostgres(binDir: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'shopshift-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const commandLine = (program: string, args: string[]): [string, string[]] =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, program), ...args]] : [join(binDir, program), args]);
  const command = async (program: string, args: string[]) => {
    const [file, fileArgs] = commandLine(program, args);
    await run(file, fileArgs, { cwd: dir });
  };
  const stopArgs = ['stop', '-D', dataDir, '-m', 'immediate', '-w'];
  try {
    if (asRoot) {
      const { uid, gid } = await systemUser('postgres').catch(() => {
        throw new Error('running as root and there is no "postgres" system user to run PostgreSQL as');
      });
      chownSync(dir, uid, gid);
    }
    await command('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200`;
      try {
        await command('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', settings]);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    const watchdog = stopWhenGone(process.pid, commandLine('pg_ctl', stopArgs), dir);
    return {
      adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        watchdog.kill();
        await command('pg_ctl', stopArgs).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function asAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server; returns its URL and how to drop it (its connections are ended first). */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `shopshift_${randomBytes(6).toString('hex')}`;
  await asAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(adminUrl, async (client) => {
      await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      await client.query(`drop database if exists ${name}`);
    }),
  };
}
