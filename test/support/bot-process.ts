import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../src/paths.js';

export interface BotProcess {
  /** http://127.0.0.1:PORT: Slack's events, the webhooks, /healthz. */
  url: string;
  /** The process's log lines, parsed. */
  lines: Record<string, unknown>[];
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: dies at once, as in a crash. */
  kill(): Promise<void>;
}

/**
 * `shopshift start` as its own process (the Procfile's command), with only the given settings; resolves
 * once its HTTP port is known. The bot logs JSON lines to stderr: the port is read from "slack connected", so LOG_LEVEL must
 * be info or finer.
 */
export async function startBotProcess(env: NodeJS.ProcessEnv, { timeoutMs = 30_000 } = {}): Promise<BotProcess> {
  const child: ChildProcess = spawn(process.execPath, ['bin/shopshift.js', 'start'], {
    cwd: projectRoot, env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let errors = '';
  child.stdout!.on('data', (chunk) => (errors += chunk));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start in ${timeoutMs} ms: ${errors}`)), timeoutMs);
    void exited.then(([code]) => reject(new Error(`the bot exited with ${code} before it started: ${errors}`)));
    createInterface({ input: child.stderr! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'slack connected' && typeof line.port === 'number') {
          clearTimeout(timer);
          resolve(line.port);
        }
      } catch {
        errors += `${text}\n`;
      }
    });
  });
  try {
    const url = `http://127.0.0.1:${await port}`;
    return {
      url,
      lines,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return (await exited)[0];
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
