import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit-command.js';
import { loadConfig } from '../../src/config.js';
import { UserInputError } from '../../src/errors.js';
import { projectRoot, samplePath } from '../../src/paths.js';
import { captureLogs } from '../support/log-capture.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';

function terminal() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (chunk) => (out += chunk));
  let opened: Promise<Store> | null = null;
  const store = () => (opened ??= mkdtemp(join(tmpdir(), 'shopshift-data-')).then((dir) => openLowdbStore({ dir })));
  return { io: { stdout, stderr, config: loadConfig({}), log: captureLogs().log, store }, output: () => out, store };
}

const SAMPLE = [samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv')];

describe('shopshift audit', () => {
  it('prints the text report and exits 1 when a product is blocked', async () => {
    const { io, output } = terminal();
    expect(await auditCommand(SAMPLE, io)).toBe(1);
    expect(output()).toContain('Blocked    7 (70%)');
    expect(output()).toContain('line 25: Broken row skipped');
  });

  it('records the run with each product’s verdict, for the migration to start from', async () => {
    const { io, store } = terminal();
    await auditCommand(SAMPLE, io);
    const run = await (await store()).audits.latest('default');
    expect(run?.location).toBe(samplePath('sample-catalog.csv'));
    expect(run?.counts).toEqual({ audited: 10, ready: 2, warnings: 1, blocked: 7, skipped: 1 });
    expect(run?.verdicts['stoneware-mug']).toBe('ready');
    expect(run?.verdicts['soy-candle']).toBe('blocked');
  });

  it('uses the category mappings kept in the store', async () => {
    const { io, store, output } = terminal();
    await (await store()).mappings.set({ shop: 'default', key: 'Posters', categoryId: '600300', origin: 'manual', by: null, updatedAt: 'now' });
    await auditCommand(SAMPLE, io);
    expect(output()).not.toContain('category-unmapped');
  });

  it('exits 0 when nothing is blocked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-'));
    const file = join(dir, 'ok.csv');
    await writeFile(file, [
      'Handle,Title,Body (HTML),Type,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Image Src',
      'mug,Stoneware Mug,<p>Big mug</p>,Mugs,Title,Default Title,MUG-1,400,shopify,5,12.00,https://cdn.example/mug.jpg',
    ].join('\n'));
    await writeFile(join(dir, 'map.csv'), 'type,id\nMugs,600024\n');
    const { io } = terminal();
    expect(await auditCommand([file, '--categories', join(dir, 'map.csv'), '--package', '12x12x12 cm'], io)).toBe(0);
  });

  it('writes every finding to a CSV file and still prints the summary', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'shopshift-')), 'findings.csv');
    const { io, output } = terminal();
    await auditCommand([...SAMPLE, '--format', 'csv', '--out', out], io);
    const rows = Papa.parse<Record<string, string>>(await readFile(out, 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(rows.length).toBeGreaterThan(8);
    expect(rows.find((row) => row.rule === 'seller-sku-duplicate')).toMatchObject({ handle: 'enamel-pin-set', variant_sku: 'FH-MUG-OAT', severity: 'blocker' });
    expect(output()).toContain(`Report written to ${out}`);
  });

  it('writes JSON that parses, with every audited product', async () => {
    const { io, output } = terminal();
    await auditCommand([...SAMPLE, '--format', 'json'], io);
    const report = JSON.parse(output());
    expect(report.products).toHaveLength(10);
    expect(report.summary.products.skipped).toEqual({ draft: 1 });
  });

  it('audits for the region asked for', async () => {
    const { io, output } = terminal();
    await auditCommand([...SAMPLE, '--region', 'uk', '--currency', 'usd'], io);
    expect(output()).toContain('Target: TikTok Shop GB, local seller; prices in USD');
    expect(output()).toContain('price-currency');
  });

  it('names the bad option and shows the usage', async () => {
    const { io } = terminal();
    await expect(auditCommand([...SAMPLE, '--format', 'pdf'], io)).rejects.toThrow(UserInputError);
    await expect(auditCommand([...SAMPLE, '--format', 'pdf'], io)).rejects.toThrow(/^--format: .*Usage: shopshift audit/s);
    await expect(auditCommand([], io)).rejects.toThrow(/Name the catalog to audit/);
    await expect(auditCommand([...SAMPLE, '--colour'], io)).rejects.toThrow(/Unknown option '--colour'/);
  });

  it('says clearly when the file does not exist', async () => {
    const { io } = terminal();
    await expect(auditCommand(['/nowhere/products.csv'], io)).rejects.toThrow('Cannot read /nowhere/products.csv: no such file.');
  });
});

const run = promisify(execFile);

describe('the shopshift command', () => {
  it('npm start audits the bundled sample with no credentials and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['bin/shopshift.js', 'start'], { cwd: projectRoot, env: { PATH: process.env.PATH } });
    expect(stdout).toContain('auditing the bundled sample catalog');
    expect(stdout).toContain('Products   11 read, 10 audited');
  });

  it('stops with one line naming a malformed setting', async () => {
    const error = await run(process.execPath, ['bin/shopshift.js', 'audit', 'x.csv'], {
      cwd: projectRoot, env: { PATH: process.env.PATH, TIKTOK_REGION: 'Mars' },
    }).catch((failure: { code: number; stderr: string }) => failure);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^shopshift: Invalid setting TIKTOK_REGION: .*\(got "Mars"\)/),
    ]);
  });
});

describe('shopshift audit when the catalog cannot be read', () => {
  it('leaves no half-written report behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-'));
    const out = join(dir, 'findings.csv');
    await writeFile(join(dir, 'people.csv'), 'name,email\nAda,ada@example.com\n');
    const { io } = terminal();
    await expect(auditCommand([join(dir, 'people.csv'), '--format', 'csv', '--out', out], io)).rejects.toThrow(/not a Shopify product CSV/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('shopshift audit --out', () => {
  it('says so before auditing when the report cannot be written', async () => {
    const { io } = terminal();
    await expect(auditCommand([...SAMPLE, '--out', '/no/such/folder/report.txt'], io)).rejects.toThrow(
      'Cannot write the report to /no/such/folder/report.txt: ENOENT.',
    );
  });
});
