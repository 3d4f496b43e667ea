import { chmod, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBotMetrics } from '../../src/observability/bot-metrics.js';
import { checkHealth, isWritableDir } from '../../src/observability/health.js';

const runsAsRoot = process.getuid?.() === 0;

async function healthOf(dataDir: string, options: { queued?: () => Promise<number> } = {}) {
  const metrics = createBotMetrics({ queued: async () => 0 });
  return { metrics, check: () => checkHealth({ storeWritable: () => isWritableDir(dataDir), queued: options.queued ?? (async () => 3), upstream: () => metrics.upstreamStatus() }) };
}

describe('checkHealth', () => {
  it('is ok with 200 when the data folder is writable and nothing failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-health-'));
    const { check } = await healthOf(dir);
    expect(await check()).toEqual({
      httpStatus: 200,
      report: {
        status: 'ok', store: { writable: true }, outbox: { queued: 3 },
        upstream: Object.fromEntries(['tiktok', 'shopify', 'slack', 'discord'].map((service) => [service, { lastSuccessAt: null, lastErrorAt: null }])),
      },
    });
  });

  it('is degraded but 200 while a service\'s last request failed, and ok again after a success', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-health-'));
    const { metrics, check } = await healthOf(dir);
    metrics.upstream('tiktok', 'error');
    expect(await check()).toMatchObject({ httpStatus: 200, report: { status: 'degraded', upstream: { tiktok: { lastSuccessAt: null } } } });
    await new Promise((resolve) => setTimeout(resolve, 2));
    metrics.upstream('tiktok', 'ok');
    expect((await check()).report.status).toBe('ok');
  });

  it('answers 503 when the data folder is gone', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'shopshift-health-')), 'data');
    const { check } = await healthOf(dir);
    expect(await check()).toMatchObject({ httpStatus: 503, report: { status: 'degraded', store: { writable: false } } });
  });

  it('answers 503 when the data folder is read-only', async (context) => {
    context.skip(runsAsRoot, 'runs as root: a read-only mode does not stop root from writing (the removed-folder case covers 503)');
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-health-'));
    await chmod(dir, 0o500);
    try {
      const { check } = await healthOf(dir);
      expect(await check()).toMatchObject({ httpStatus: 503, report: { store: { writable: false } } });
    } finally {
      await chmod(dir, 0o700);
    }
  });

  it('reports an unreadable outbox as null and degraded, still 200', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-health-'));
    const { check } = await healthOf(dir, { queued: async () => Promise.reject(new Error('The store is closed.')) });
    expect(await check()).toMatchObject({ httpStatus: 200, report: { status: 'degraded', outbox: { queued: null } } });
  });

  it('takes a database store as writable while it answers, and answers 503 when it does not', async () => {
    const metrics = createBotMetrics({ queued: async () => 0 });
    const upstream = () => metrics.upstreamStatus();
    expect(await checkHealth({ queued: async () => 2, upstream })).toMatchObject({ httpStatus: 200, report: { status: 'ok', store: { writable: true }, outbox: { queued: 2 } } });
    expect(await checkHealth({ queued: () => Promise.reject(new Error('connect ECONNREFUSED')), upstream }))
      .toMatchObject({ httpStatus: 503, report: { status: 'degraded', store: { writable: false }, outbox: { queued: null } } });
  });

  it('writes nothing into the data folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopshift-health-'));
    const { check } = await healthOf(dir);
    await check();
    expect(await readdir(dir)).toEqual([]);
  });
});
