import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { consoleDelivery } from '../../src/chat/console/delivery.js';
import { m, reply } from '../../src/chat/message.js';
import { runSandbox, type SandboxOutcome } from '../../src/cli/sandbox.js';
import { loadSimulators, type SimulatorModules } from '../../src/cli/sandbox-sims.js';
import { loadConfig } from '../../src/config.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import * as imageHost from '../sim/image-host.js';
import * as tiktokShop from '../sim/tiktok-shop.js';
import { captureLogs } from '../support/log-capture.js';

// The sandbox imports the simulators by path at run time; this assignment checks they still fit its types.
const simulators: SimulatorModules = { tiktok: tiktokShop, images: imageHost };

/** The sandbox on a scripted terminal: `type` writes a line, `waitFor` waits for the output to match. */
async function sandbox(options: { dataDir?: string; signal?: AbortSignal } = {}) {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'shopshift-sandbox-')));
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk) => (text += chunk));
  const logs = captureLogs();
  const done: Promise<SandboxOutcome> = runSandbox({
    config: loadConfig({ DATA_DIR: dataDir }), log: logs.log, input, output, simulators, reviewDelayMs: 200, groupWindowMs: 1_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  done.catch(() => undefined);
  async function waitFor(pattern: RegExp, timeoutMs = 8_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; the terminal shows:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  /** Types a line and waits until the output has grown past what was there, matching `pattern`. */
  async function type(line: string, pattern: RegExp): Promise<RegExpMatchArray> {
    const from = text.length;
    input.write(`${line}\n`);
    const sticky = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const until = Date.now() + 8_000;
    for (;;) {
      sticky.lastIndex = from;
      const match = sticky.exec(text);
      if (match) return match;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} after "${line}"; the terminal shows:\n${text.slice(from)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return { dataDir, input, output: () => text, waitFor, type, done, logs };
}

describe('the sandbox (npm start on a terminal, without settings)', () => {
  it('runs audit, migration, alerts, failures and the summary against the simulators in the terminal chat', async () => {
    const session = await sandbox();
    const { type, waitFor } = session;
    const [, tiktokUrl] = await waitFor(/TikTok Shop\s+simulated at (http:\/\/127\.0\.0\.1:\d+)/);
    await waitFor(/Type \/shop help, or exit to leave\./);
    expect(session.output()).toMatch(/SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    expect(session.output()).toMatch(/TIKTOK_APP_KEY, TIKTOK_APP_SECRET/);

    // The terminal is subscribed to every alert from the start.
    await type('/shop alerts list', /console\s+console\s+listing_rejected, listing_error, sync_failure, migration_failed, stuck_in_review, recovered/);

    await type('/shop audit', /AUDIT: 7 OF 10 PRODUCTS ARE BLOCKED[\s\S]*\(attachment audit-findings\.csv saved to /);

    await type('/shop migration start', /Migration started by you/);
    await waitFor(/Submitted █+ 100% \(3\/3\)/);
    // The apron's create fails (its category needs a size chart) and review rejects the mug (a missing
    // certificate): one alert for both, with the CSV of every failure in its thread.
    const [alert] = await waitFor(/\n\[alert\] c1: 2 LISTING FAILURES[\s\S]*?\n {2}↳ c1: All 2 failures of this alert\.\n {4}\(attachment (failures-\d+\.csv) saved to [^)]+\)/);
    expect(alert).toContain('• stoneware-mug: The required qualification is missed: Food Contact Safety Declaration.');
    expect(alert).toContain('• linen-apron: TikTok Shop rejected the product: Product sizechart image is required');
    const [acknowledge] = await waitFor(/\/shop alerts action:ack target:\S+/);

    await type('/shop failures', /2 LISTINGS FAILED TO PUBLISH[\s\S]*stoneware-mug[\s\S]*\[Retry linen-apron\]\s+\/shop failures retry:linen-apron/);
    await type('/shop migration status', /Submitted █+ 100% \(3\/3\)\nIn review: 0\nLive: 1\nRejected: 1\nFailed: 1/);

    // A button is shown as the command to type; acknowledging updates the alert where it was posted.
    await type(acknowledge, /Acknowledged 2 alerts/);
    await waitFor(/\[updated\] c1: 2 LISTING FAILURES[\s\S]*Acknowledged by you/);

    const [, png] = await type('/shop summary now', /DAILY SUMMARY[\s\S]*Rejected: 1[\s\S]*\(attachment summary-[\d-]+\.png saved to ([^)]+)\)/);
    expect(png).toBe(join(session.dataDir, 'sandbox', 'attachments', png!.split('/').pop()!));
    expect((await readFile(png!)).subarray(1, 4).toString()).toBe('PNG');

    session.input.end();
    expect(await session.done).toEqual({ ran: true });
    // The simulators are stopped and the store is flushed to the sandbox's folder.
    await expect(request(`${tiktokUrl}/api/v2/token/get`)).rejects.toThrow();
    const store = await openLowdbStore({ dir: join(session.dataDir, 'sandbox') });
    expect(await store.listings.countByState('ROW_Sandbox')).toMatchObject({ live: 1, rejected: 1, error: 1 });
    await store.close();
  }, 20_000);

  it('stops on Ctrl-C as at the end of input, and starts afresh the next time', async () => {
    const stop = new AbortController();
    const first = await sandbox({ signal: stop.signal });
    await first.type('/shop audit', /AUDIT: 7 OF 10/);
    stop.abort();
    expect(await first.done).toEqual({ ran: true });
    expect(first.output()).toContain('Stopping the sandbox…');

    const second = await sandbox({ dataDir: first.dataDir });
    await second.type('/shop migration status', /Submitted .* \(0\/0\)/);
    await second.type('/shop migration start', /Run an audit first/);
    second.input.end();
    await second.done;
  });

  it('leaves alone a folder it did not make', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'shopshift-sandbox-'));
    await mkdir(join(dataDir, 'sandbox'));
    await writeFile(join(dataDir, 'sandbox', 'notes.txt'), 'mine');
    const session = await sandbox({ dataDir });
    await expect(session.done).rejects.toThrow(/holds files it did not make/);
    expect(existsSync(join(dataDir, 'sandbox', 'notes.txt'))).toBe(true);
  });

  it('loads the simulators by path when running from the sources', async () => {
    const loaded = await loadSimulators();
    expect(loaded.modules?.tiktok.startTikTokShopSim).toBeTypeOf('function');
    expect(loaded.modules?.images.startImageHost).toBeTypeOf('function');
  });
});

describe('the terminal as an alert channel', () => {
  it('prints posts with a prefix, thread replies indented under them, and updates', async () => {
    let text = '';
    const filesDir = await mkdtemp(join(tmpdir(), 'shopshift-console-'));
    const delivery = consoleDelivery({ print: (line) => void (text += `${line}\n`), filesDir, root: 'shop' });
    const ref = await delivery.post('console', reply([m.heading('Mug rejected'), m.text('• watermark'), m.buttons({ label: 'Mute 24h', action: { command: 'alerts', args: { action: 'mute', target: 'mug', duration: '24h' } } })]), { key: 'o1' });
    await delivery.post('console', reply([m.text('All 2 failures.'), m.file('failures.csv', 'handle\nmug\n')]), { key: 'o2', threadRef: ref });
    await delivery.update('console', ref, reply([m.heading('Mug rejected'), m.text('✅ Recovered')]));
    expect(text).toBe([
      '',
      '[alert] c1: MUG REJECTED',
      '• watermark',
      '[Mute 24h]  /shop alerts action:mute target:mug duration:24h',
      '  ↳ c1: All 2 failures.',
      `    (attachment failures.csv saved to ${join(filesDir, 'failures.csv')})`,
      '',
      '[updated] c1: MUG REJECTED',
      '✅ Recovered',
      '',
    ].join('\n'));
    expect(await readFile(join(filesDir, 'failures.csv'), 'utf8')).toBe('handle\nmug\n');
  });
});
