import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { startSlackSim, type SlackSim } from '../sim/slack.js';

const SIGNING_SECRET = 'shutdown-signing-secret';

/** `shopshift start` from the sources (not a dist/ that may be stale), as `npm start` runs it. */
function startShopshift(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const logLines = () => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  /** Resolves with the port once the bot logs that Slack is connected. */
  const port = new Promise<number>((resolve, reject) => {
    const look = () => {
      const line = logLines().find((entry) => entry.msg === 'slack connected');
      if (line) resolve(Number(line.port));
    };
    child.stderr.on('data', look);
    void exited.then(() => reject(new Error(`shopshift exited before it was up:\n${output}`)));
  });
  return { child, exited, port, output: () => output, logLines };
}

describe('SIGTERM', () => {
  let slack: SlackSim;
  let dir: string;

  beforeAll(async () => {
    slack = await startSlackSim();
    dir = await mkdtemp(join(tmpdir(), 'shopshift-shutdown-'));
  });
  afterAll(async () => {
    await slack?.close();
  });

  const envFor = (dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_MANAGERS: 'U1',
    ...extra,
  });

  it('stops within the deadline with exit code 0, the store snapshot written and the journal empty', async () => {
    const dataDir = join(dir, 'clean');
    const bot = startShopshift(envFor(dataDir, { SHUTDOWN_TIMEOUT_MS: '8000' }));
    const base = `http://127.0.0.1:${await bot.port}`;
    // A write the journal holds until the snapshot is rewritten.
    await slack.sendSlashCommand(`${base}/slack/events`, { text: 'alerts subscribe listing_rejected', userId: 'U1', channelId: 'C5' }, { signingSecret: SIGNING_SECRET });
    await slack.waitFor(() => slack.responses.find((response) => JSON.stringify(response).includes('now receives alerts')));
    expect(readFileSync(join(dataDir, 'shopshift.journal.jsonl'), 'utf8')).toContain('C5');
    const health = await request(`${base}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();

    const signalledAt = performance.now();
    bot.child.kill('SIGTERM');
    // A second signal, as npm forwarding the platform's would send, does not cut the stop short.
    setTimeout(() => bot.child.kill('SIGINT'), 5);
    const { code, signal, at } = await bot.exited;
    const shutdownMs = Math.round(at - signalledAt);
    console.info(`SIGTERM to exit: ${shutdownMs} ms`);
    expect({ code, signal }, bot.output()).toEqual({ code: 0, signal: null });
    expect(shutdownMs).toBeLessThan(8_000);
    expect(existsSync(join(dataDir, 'shopshift.json'))).toBe(true);
    expect(readFileSync(join(dataDir, 'shopshift.journal.jsonl'), 'utf8')).toBe('');
    expect(readFileSync(join(dataDir, 'shopshift.json'), 'utf8')).toContain('C5');
    expect(bot.logLines()).toContainEqual(expect.objectContaining({ msg: 'stopped', exitCode: 0, abandoned: [], failed: [] }));
  }, 30_000);

  it('exits with 1 when a command is still running at the deadline, the store written all the same', async () => {
    // A catalog URL that never answers keeps an audit running.
    let asked = 0;
    const hanging: Server = createServer(() => void asked++);
    hanging.listen(0, '127.0.0.1');
    await new Promise((resolve) => hanging.once('listening', resolve));
    try {
      const dataDir = join(dir, 'late');
      const bot = startShopshift(envFor(dataDir, { SHUTDOWN_TIMEOUT_MS: '1500', FETCH_ALLOWED_PRIVATE: '127.0.0.1/32' }));
      const base = `http://127.0.0.1:${await bot.port}`;
      const catalog = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/products.csv`;
      await slack.sendSlashCommand(`${base}/slack/events`, { text: `audit source:${catalog}`, userId: 'U1', channelId: 'C6' }, { signingSecret: SIGNING_SECRET });
      await slack.waitFor(() => asked > 0);

      const signalledAt = performance.now();
      bot.child.kill('SIGTERM');
      const { code, at } = await bot.exited;
      expect(code, bot.output()).toBe(1);
      expect(at - signalledAt).toBeLessThan(3_000);
      expect(bot.logLines()).toContainEqual(expect.objectContaining({ msg: 'stop step did not finish in time; going on without it', step: 'intake' }));
      expect(readFileSync(join(dataDir, 'shopshift.journal.jsonl'), 'utf8')).toBe('');
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  }, 30_000);
});
