import { createMetricsRegistry } from './metrics.js';

export const UPSTREAM_SERVICES = ['tiktok', 'shopify', 'slack', 'discord'] as const;
export type UpstreamService = (typeof UPSTREAM_SERVICES)[number];
export type UpstreamOutcome = 'ok' | 'error';

/** How a command that reached its handler ended: answered, refused with a message (bad input, missing setting), or failed. */
export type CommandOutcome = 'ok' | 'user_error' | 'error';

export interface UpstreamStatus {
  /** ISO times; null before the first one. */
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
}

export interface BotMetricsDeps {
  /** Messages the outbox holds that are not delivered or given up yet; read at each scrape. */
  queued(): Promise<number>;
  now?: () => number;
  /** Chat platforms shown at 0 before their first message. */
  platforms?: readonly string[];
}

/** The bot's counters and gauges, and the upstream times /healthz reports. */
export function createBotMetrics(deps: BotMetricsDeps) {
  const now = deps.now ?? Date.now;
  const registry = createMetricsRegistry();
  const commands = registry.counter(
    'shopshift_commands_total',
    'Chat commands that reached their handler, by platform, command and outcome (ok; user_error: refused with a message; error: failed unexpectedly).',
    ['platform', 'command', 'outcome'],
  );
  const alertsSent = registry.counter('shopshift_alerts_sent_total', 'Outbox messages (alerts, their thread replies and updates, summaries) delivered, by platform.', ['platform']);
  const outboxFailed = registry.counter('shopshift_outbox_failed_total', 'Outbox messages given up (a permanent error or the last attempt failed), by platform.', ['platform']);
  const upstream = registry.counter(
    'shopshift_upstream_requests_total',
    'Requests to TikTok Shop and Shopify (every attempt), Discord (every REST call) and Slack (outbox deliveries and the start-up auth.test), by outcome.',
    ['service', 'outcome'],
  );
  registry.collectedGauge('shopshift_outbox_queue_depth', 'Outbox messages waiting to be delivered (pending, sending or waiting to retry).', [], async () => [
    { labels: {}, value: await deps.queued() },
  ]);
  const lastSuccess = registry.gauge('shopshift_last_upstream_success_timestamp_seconds', 'Unix time of the last successful request to each service.', ['service']);

  for (const service of UPSTREAM_SERVICES) for (const outcome of ['ok', 'error'] as const) upstream.declare({ service, outcome });
  for (const platform of deps.platforms ?? ['slack', 'discord']) {
    alertsSent.declare({ platform });
    outboxFailed.declare({ platform });
  }

  const times = new Map<UpstreamService, { lastSuccessAt: number | null; lastErrorAt: number | null }>(
    UPSTREAM_SERVICES.map((service) => [service, { lastSuccessAt: null, lastErrorAt: null }]),
  );
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

  return {
    commandRan(platform: string, command: string, outcome: CommandOutcome): void {
      commands.inc({ platform, command, outcome });
    },
    delivered(platform: string): void {
      alertsSent.inc({ platform });
    },
    givenUp(platform: string): void {
      outboxFailed.inc({ platform });
    },
    upstream(service: UpstreamService, outcome: UpstreamOutcome): void {
      upstream.inc({ service, outcome });
      const at = now();
      const entry = times.get(service)!;
      if (outcome === 'ok') {
        entry.lastSuccessAt = at;
        lastSuccess.set({ service }, at / 1000);
      } else {
        entry.lastErrorAt = at;
      }
    },
    upstreamStatus(): Record<UpstreamService, UpstreamStatus> {
      return Object.fromEntries(
        [...times].map(([service, entry]) => [service, { lastSuccessAt: iso(entry.lastSuccessAt), lastErrorAt: iso(entry.lastErrorAt) }]),
      ) as Record<UpstreamService, UpstreamStatus>;
    },
    /** The Prometheus text page. */
    render: registry.render,
  };
}

export type BotMetrics = ReturnType<typeof createBotMetrics>;
