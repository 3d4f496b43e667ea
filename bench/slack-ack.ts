// How fast the Slack app acknowledges slash commands (time to HTTP 200) under bursts of concurrent /shop help.
// The app runs in its own process, as in production, so the simulator and the driver do not share its event loop;
// the replies (response_url posts) still go to the simulator and are waited for after each wave.
//
// Measured once warm: on this machine (2 cores, shared by the app, the driver and the simulator) the JIT takes
// about twenty waves to settle; the first (cold) wave is reported on its own. Each request is timed by the client
// from just before its bytes are written to the end of the app's answer; all of a wave's requests are in flight at once,
// on kept-alive connections, built and signed before the wave (signing is Slack's work, not the app's).
// The replies are timed too (command sent to reply received), so that an ack made faster by holding replies back shows.
// Usage as a child: tsx bench/slack-ack.ts serve <slack-api-url> <signing-secret>
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
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
import { signSlackRequest, slashCommandBody, startSlackSim } from '../test/sim/slack.js';

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
  warmupWaves: number;
  /** p99 of the first wave, on a cold app. */
  coldP99Ms: number;
  /** From sending a command to its reply reaching response_url (measured waves; millisecond clock). */
  replyP50Ms: number;
  replyP99Ms: number;
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

interface SignedCommand {
  body: string;
  headers: Record<string, string>;
  responseUrl: string;
}

interface AckAnswer {
  status: number;
  /** performance.now() just before the request was written. */
  sentAt: number;
  ms: number;
  responseUrl: string;
}

/** /shop help as Slack sends it: form body, fresh response_url and trigger id, signed with the app's secret. */
function signedCommand(simUrl: string, signingSecret: string, userId: string): SignedCommand {
  const responseUrl = `${simUrl}/response/${randomBytes(6).toString('hex')}`;
  const body = slashCommandBody({
    token: 'legacy-verification-token', teamId: 'T0SIM', teamDomain: 'sim', channelId: 'C1', channelName: 'ops', userId, userName: userId.toLowerCase(),
    command: '/shop', text: 'help', apiAppId: 'A0SIM', responseUrl, triggerId: `${Date.now()}.${randomBytes(4).toString('hex')}`,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    responseUrl,
    headers: {
      'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)),
      'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signSlackRequest(signingSecret, timestamp, body),
    },
  };
}

/** Sends one wave: every request in flight at once, each timed from just before its write to the end of its answer. */
function sendWave(agent: Agent, appUrl: URL, commands: readonly SignedCommand[]): Promise<AckAnswer[]> {
  return Promise.all(commands.map(({ body, headers, responseUrl }) => new Promise<AckAnswer>((resolve, reject) => {
    const req = request({ agent, host: appUrl.hostname, port: appUrl.port, path: appUrl.pathname, method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sentAt, ms: performance.now() - sentAt, responseUrl }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const sentAt = performance.now();
    req.end(body);
  })));
}

export async function benchSlackAck({ perWave = 100, warmupWaves = 20, waves = 10 } = {}): Promise<SlackAckBench> {
  const started = performance.now();
  const signingSecret = 'bench-signing-secret';
  const slack = await startSlackSim();
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'serve', slack.apiUrl, signingSecret], { stdio: ['pipe', 'pipe', 'inherit'] });
  // One kept-alive connection per concurrent request, as Slack's many senders would hold.
  const agent = new Agent({ keepAlive: true, maxSockets: perWave });
  const measured: AckAnswer[] = [];
  let coldP99Ms = 0;
  try {
    const lines = createInterface({ input: child.stdout });
    const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error('the Slack app did not start'); })])) as [string];
    const appUrl = new URL(`http://127.0.0.1:${(JSON.parse(first) as { port: number }).port}/slack/events`);
    for (let wave = 0; wave < warmupWaves + waves; wave++) {
      const expected = slack.responses.length + perWave;
      const commands = Array.from({ length: perWave }, (_, i) => signedCommand(slack.url, signingSecret, `U${i}`));
      const answers = await sendWave(agent, appUrl, commands);
      // Each wave is a fresh burst: the replies of the last one are all out before the next starts.
      await slack.waitFor(() => slack.responses.length >= expected, 10_000);
      if (wave === 0) coldP99Ms = percentile(answers.map((answer) => answer.ms).sort((a, b) => a - b), 0.99);
      if (wave >= warmupWaves) measured.push(...answers);
    }
  } finally {
    agent.destroy();
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
    await slack.close();
  }
  const sorted = measured.map((answer) => answer.ms).sort((a, b) => a - b);
  const repliedAt = new Map(slack.responses.map((post) => [post.url, post.at]));
  const replies = measured.map((answer) => (repliedAt.get(answer.responseUrl) ?? Number.NaN) - (performance.timeOrigin + answer.sentAt)).sort((a, b) => a - b);
  return {
    perWave, waves, samples: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0,
    non200: measured.filter((answer) => answer.status !== 200).length, warmupWaves, coldP99Ms, replyP50Ms: percentile(replies, 0.5), replyP99Ms: percentile(replies, 0.99),
    seconds: (performance.now() - started) / 1000, loadAverage: loadavg()[0] ?? 0, cores: availableParallelism(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3]!, process.argv[4]!);
}
