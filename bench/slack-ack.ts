// How fast the Slack app acknowledges slash commands (time to HTTP 200) under bursts of concurrent /shop help.
// The app runs in its own process, as in production, so the simulator and the driver do not share its event loop;
// the replies (response_url posts) still go to the simulator and are waited for after each wave.
// Usage as a child: tsx bench/slack-ack.ts serve <slack-api-url> <signing-secret>
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { createCommands } from '../commands/index.js';
import { createServices } from '../src/chat/services.js';
import { createSlackApp } from '../src/chat/slack/app.js';
import { loadConfig } from '../src/config.js';
import { openLowdbStore } from '../src/store/lowdb.js';
import { startSlackSim } from '../test/sim/slack.js';

export interface SlackAckBench {
  perWave: number;
  /** Measured waves, after the warm-up ones. */
  waves: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 200 (measured waves only). */
  non200: number;
  seconds: number;
  /** One-minute load average when the run ended, and the cores: the driver and the app share this machine. */
  loadAverage: number;
  cores: number;
}

const percentile = (sorted: readonly number[], share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;

/** The child: the real app (store, services, commands) on 127.0.0.1:0; prints its port, stops when stdin closes. */
async function serve(apiUrl: string, signingSecret: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-slack-bench-'));
  const config = loadConfig({ DATA_DIR: dir, SLACK_BOT_TOKEN: 'xoxb-sim-bot-token', SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: apiUrl, PORT: '0' });
  const log = pino({ level: 'silent' });
  const store = await openLowdbStore({ dir });
  const services = createServices({ config, store, log, now: () => Date.now() });
  const bot = createSlackApp({ settings: config, commands: createCommands('shop'), root: 'shop', services, log, now: () => Date.now(), host: '127.0.0.1', apiRetries: 0 });
  await bot.start();
  process.stdout.write(`${JSON.stringify({ port: bot.port() })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await bot.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

export async function benchSlackAck({ perWave = 100, warmupWaves = 3, waves = 10 } = {}): Promise<SlackAckBench> {
  const started = performance.now();
  const signingSecret = 'bench-signing-secret';
  const slack = await startSlackSim();
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'serve', slack.apiUrl, signingSecret], { stdio: ['pipe', 'pipe', 'inherit'] });
  const latencies: number[] = [];
  let non200 = 0;
  try {
    const lines = createInterface({ input: child.stdout });
    const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error('the Slack app did not start'); })])) as [string];
    const appUrl = `http://127.0.0.1:${(JSON.parse(first) as { port: number }).port}/slack/events`;
    for (let wave = 0; wave < warmupWaves + waves; wave++) {
      const expected = slack.responses.length + perWave;
      const answers = await Promise.all(
        Array.from({ length: perWave }, (_, i) => slack.sendSlashCommand(appUrl, { text: 'help', userId: `U${i}`, channelId: 'C1' }, { signingSecret })),
      );
      // Each wave is a fresh burst: the replies of the last one are all out before the next starts.
      await slack.waitFor(() => slack.responses.length >= expected, 10_000);
      if (wave < warmupWaves) continue;
      for (const answer of answers) {
        latencies.push(answer.ms);
        if (answer.status !== 200) non200++;
      }
    }
  } finally {
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
    await slack.close();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perWave, waves, samples: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0, non200,
    seconds: (performance.now() - started) / 1000, loadAverage: loadavg()[0] ?? 0, cores: availableParallelism(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3]!, process.argv[4]!);
}
