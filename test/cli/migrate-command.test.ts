import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit-command.js';
import { mapCommand } from '../../src/cli/map-command.js';
import { migrateCommand } from '../../src/cli/migrate-command.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError, UserInputError } from '../../src/errors.js';
import { samplePath } from '../../src/paths.js';
import { openLowdbStore } from '../../src/store/lowdb.js';
import type { Store } from '../../src/store/store.js';
import { captureLogs } from '../support/log-capture.js';

async function terminal(env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk) => (out += chunk));
  const dir = await mkdtemp(join(tmpdir(), 'shopshift-cli-'));
  let opened: Promise<Store> | null = null;
  const store = () => (opened ??= openLowdbStore({ dir }));
  return { io: { stdout, stderr: new PassThrough(), config: loadConfig(env), log: captureLogs().log, store }, output: () => out, dir };
}

describe('shopshift map', () => {
  it('sets, lists and removes a mapping', async () => {
    const { io, output } = await terminal();
    await mapCommand(['set', 'Posters', '600300'], io);
    await mapCommand(['list'], io);
    expect(output()).toMatch(/Posters → 600300 \(manual, /);
    await mapCommand(['remove', 'posters'], io);
    expect(output()).toContain('Removed posters.');
  });

  it('imports a mapping file', async () => {
    const { io, output, dir } = await terminal();
    await writeFile(join(dir, 'map.csv'), 'type,id\nMugs,600024\nVases,600159\n');
    await mapCommand(['import', join(dir, 'map.csv')], io);
    expect(output()).toContain('Imported 2 mappings');
  });

  it('refuses an id that is not a TikTok category id', async () => {
    const { io } = await terminal();
    await expect(mapCommand(['set', 'Posters', 'wall-art'], io)).rejects.toThrow('"wall-art" is not a TikTok category id (digits only).');
  });
});

describe('shopshift migrate', () => {
  it('asks for an audit before anything can be migrated', async () => {
    const { io } = await terminal();
    await expect(migrateCommand(['start', '--dry-run'], io)).rejects.toThrow(/Run an audit first/);
  });

  it('prints, in a dry run, the exact body it would send for each ready product, without credentials', async () => {
    const { io, output } = await terminal();
    await auditCommand([samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv'), '--no-progress'], io);
    const before = output().length;
    await migrateCommand(['start', '--dry-run'], { ...io, config: loadConfig({ CATEGORY_MAP_FILE: samplePath('category-map.csv') }) });
    const lines = output().slice(before).trim().split('\n').map((line) => JSON.parse(line) as { handle: string; body: { skus: unknown[]; category_id: string } });
    expect(lines.map((line) => line.handle).sort()).toEqual(['linen-apron', 'stoneware-mug', 'tea-towel-set']);
    expect(lines.find((line) => line.handle === 'linen-apron')?.body).toMatchObject({ category_id: '600133' });
    expect(lines.find((line) => line.handle === 'linen-apron')?.body.skus).toHaveLength(2);
  });

  it('names the missing TikTok Shop settings for a real run', async () => {
    const { io } = await terminal();
    await auditCommand([samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv'), '--no-progress'], io);
    await expect(migrateCommand(['start'], io)).rejects.toThrow(ConfigError);
    await expect(migrateCommand(['start'], io)).rejects.toThrow(/needs TIKTOK_APP_KEY, TIKTOK_APP_SECRET/);
  });

  it('shows progress', async () => {
    const { io, output } = await terminal();
    await auditCommand([samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv'), '--no-progress'], io);
    await migrateCommand(['status'], io);
    expect(output().trim().split('\n').at(-1)).toBe('0/3 submitted');
  });

  it('explains its usage for an unknown action or option', async () => {
    const { io } = await terminal();
    await expect(migrateCommand(['launch'], io)).rejects.toThrow(UserInputError);
    await expect(migrateCommand(['start', '--limit', 'ten'], io)).rejects.toThrow(/--limit: .*Usage: shopshift migrate/s);
  });
});

describe('shopshift migrate plan', () => {
  it('says how many listings a run would create and why it leaves the others out', async () => {
    const { io, output } = await terminal();
    await auditCommand([samplePath('sample-catalog.csv'), '--categories', samplePath('category-map.csv'), '--no-progress'], io);
    const before = output().length;
    await migrateCommand(['plan'], { ...io, config: loadConfig({ CATEGORY_MAP_FILE: samplePath('category-map.csv') }) });
    const lines = output().slice(before).trim().split('\n');
    expect(lines[0]).toMatch(/^A run would create 3 listings from sample-catalog\.csv/);
    expect(lines).toContain('  7 left out: blocked by the audit; fix them in Shopify and audit again (e.g. soy-candle, walnut-serving-board, gift-card, bud-vase, wool-throw)');
    expect(lines).toContain('  1 left out: not in the latest audit (added since, or skipped by status) (e.g. spring-tablecloth)');
  });
});
