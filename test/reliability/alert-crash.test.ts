import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openLowdbStore } from '../../src/store/lowdb.js';
import { startSlackSim } from '../sim/slack.js';
import { outboxKeysOf } from '../support/outbox-keys.js';

const WORKER = fileURLToPath(new URL('./alert-worker.ts', import.meta.url));
const CHANNEL = 'C0CRASH';
const EVENTS = 400;

/** Runs the worker; `killWhen` sees each line it prints and may ask for a SIGKILL. Resolves with the last "raised N". */
async function runWorker(args: string[], killWhen: (line: string) => boolean = () => false): Promise<{ raised: number; killed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let raised = 0;
  let killed = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const match = /^raised (\d+)$/.exec(line);
    if (match) raised = Number(match[1]);
    if (!killed && killWhen(line)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  await once(child, 'exit');
  return { raised, killed };
}

describe('kill -9 during an alert burst', () => {
  it('loses no accepted failure and posts no message twice once the next process has resumed', async () => {
    const slack = await startSlackSim();
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-crash-'));
    try {
      // Killed mid-burst, once some alerts are out and more are queued or in flight.
      const first = await runWorker(['raise', dir, slack.apiUrl, String(EVENTS)], () => slack.messages(CHANNEL).length >= 4);
      expect(first.killed).toBe(true);
      expect(first.raised).toBeLessThan(EVENTS);
      await runWorker(['resume', dir, slack.apiUrl]);

      const store = await openLowdbStore({ dir });
      const incidents = await store.incidents.openedSince('shop', 0);
      // Every failure the first process accepted (and maybe the one it was writing) is an incident.
      expect(incidents.length).toBeGreaterThanOrEqual(first.raised);
      const keys = outboxKeysOf(slack.messages(CHANNEL));
      expect(new Set(keys).size).toBe(keys.length);
      for (const incident of incidents) {
        expect(incident.pending).toEqual([]);
        expect(incident.posts).toHaveLength(1);
        const post = await store.outbox.get(incident.posts[0]!);
        expect(post).toMatchObject({ state: 'delivered' });
        expect(keys).toContain(post!.id);
      }
      expect(await store.outbox.unfinished()).toEqual([]);
      await store.close();
    } finally {
      await slack.close();
    }
  }, 60_000);
});
