import { describe, expect, it } from 'vitest';
import { createBotMetrics } from '../../src/observability/bot-metrics.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { parsePrometheusText } from './prometheus-text.js';

describe('the metrics registry', () => {
  it('renders counters and gauges in the text exposition format', async () => {
    const registry = createMetricsRegistry();
    const requests = registry.counter('demo_requests_total', 'Requests.', ['service', 'outcome']);
    requests.inc({ service: 'tiktok', outcome: 'ok' });
    requests.inc({ service: 'tiktok', outcome: 'ok' }, 2);
    registry.gauge('demo_last_seconds', 'Last time.', ['service']).set({ service: 'tiktok' }, 1700000000.5);
    expect(await registry.render()).toBe([
      '# HELP demo_requests_total Requests.',
      '# TYPE demo_requests_total counter',
      'demo_requests_total{service="tiktok",outcome="ok"} 3',
      '# HELP demo_last_seconds Last time.',
      '# TYPE demo_last_seconds gauge',
      'demo_last_seconds{service="tiktok"} 1700000000.5',
      '',
    ].join('\n'));
  });

  it('escapes label values and help text', async () => {
    const registry = createMetricsRegistry();
    registry.counter('demo_total', 'Back\\slash and\nnew line.', ['command']).inc({ command: 'say "hi"\\\n' });
    const page = await registry.render();
    expect(page).toContain('# HELP demo_total Back\\\\slash and\\nnew line.');
    expect(page).toContain('demo_total{command="say \\"hi\\"\\\\\\n"} 1');
    expect(parsePrometheusText(page).value('demo_total', { command: 'say "hi"\\\n' })).toBe(1);
  });

  it('shows a declared series at 0 before its first increment', async () => {
    const registry = createMetricsRegistry();
    registry.counter('demo_total', 'Demo.', ['platform']).declare({ platform: 'slack' });
    expect(parsePrometheusText(await registry.render()).value('demo_total', { platform: 'slack' })).toBe(0);
  });

  it('reads a collected gauge at each scrape and leaves it out when reading fails', async () => {
    const registry = createMetricsRegistry();
    let depth: number | Error = 4;
    registry.collectedGauge('demo_depth', 'Depth.', [], async () => {
      if (depth instanceof Error) throw depth;
      return [{ labels: {}, value: depth }];
    });
    registry.counter('demo_total', 'Demo.', []).inc({});
    expect(parsePrometheusText(await registry.render()).value('demo_depth')).toBe(4);
    depth = 7;
    expect(parsePrometheusText(await registry.render()).value('demo_depth')).toBe(7);
    depth = new Error('store closed');
    const failed: string[] = [];
    const page = parsePrometheusText(await registry.render((name) => failed.push(name)));
    expect(page.value('demo_depth')).toBeUndefined();
    expect(page.value('demo_total')).toBe(1);
    expect(failed).toEqual(['demo_depth']);
  });

  it('refuses a counter going down and a name registered twice', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter('demo_total', 'Demo.', []);
    expect(() => counter.inc({}, -1)).toThrow(/only go up/);
    expect(() => registry.gauge('demo_total', 'Again.', [])).toThrow(/twice/);
    expect(() => registry.gauge('bad-name', 'Bad.', [])).toThrow(/invalid metric name/);
  });
});

describe('the bot metrics', () => {
  it('lists every shopshift series, upstream ones at 0 from the start', async () => {
    const metrics = createBotMetrics({ queued: async () => 2, now: () => 1_700_000_000_000 });
    metrics.commandRan('slack', 'audit', 'ok');
    metrics.upstream('tiktok', 'ok');
    const page = parsePrometheusText(await metrics.render());
    expect([...page.types]).toEqual([
      ['shopshift_commands_total', 'counter'],
      ['shopshift_alerts_sent_total', 'counter'],
      ['shopshift_outbox_failed_total', 'counter'],
      ['shopshift_upstream_requests_total', 'counter'],
      ['shopshift_outbox_queue_depth', 'gauge'],
      ['shopshift_last_upstream_success_timestamp_seconds', 'gauge'],
    ]);
    expect(page.value('shopshift_commands_total', { platform: 'slack', command: 'audit', outcome: 'ok' })).toBe(1);
    expect(page.value('shopshift_upstream_requests_total', { service: 'shopify', outcome: 'error' })).toBe(0);
    expect(page.value('shopshift_alerts_sent_total', { platform: 'discord' })).toBe(0);
    expect(page.value('shopshift_outbox_queue_depth')).toBe(2);
    expect(page.value('shopshift_last_upstream_success_timestamp_seconds', { service: 'tiktok' })).toBe(1_700_000_000);
    expect(page.value('shopshift_last_upstream_success_timestamp_seconds', { service: 'slack' })).toBeUndefined();
  });

  it('keeps the last success and the last error of each service', () => {
    let now = 1_000;
    const metrics = createBotMetrics({ queued: async () => 0, now: () => now });
    metrics.upstream('shopify', 'ok');
    now = 2_000;
    metrics.upstream('shopify', 'error');
    expect(metrics.upstreamStatus().shopify).toEqual({ lastSuccessAt: new Date(1_000).toISOString(), lastErrorAt: new Date(2_000).toISOString() });
    expect(metrics.upstreamStatus().discord).toEqual({ lastSuccessAt: null, lastErrorAt: null });
  });
});
