import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { RESTEvents } from 'discord.js';
import { createCommands } from '../commands/index.js';
import { alertsForStatusChange, createAlerts, type AlertEvent, type Alerts, type ChannelPoster } from './alerts/alerts.js';
import { createOutbox, type ChannelDelivery, type Platform } from './alerts/outbox.js';
import { createDiscordBot } from './chat/discord/client.js';
import { createServices, type ShopshiftServices } from './chat/services.js';
import { createSlackApp, type SlackRoute } from './chat/slack/app.js';
import { createJobRunner, processOwner } from './schedule/job-runner.js';
import { reconcileJob, reconcileJobName } from './schedule/reconcile-job.js';
import { QUOTA_RESUME_CRON, quotaResumeJob, quotaResumeJobName } from './schedule/resume-job.js';
import { STUCK_REVIEW_CRON, stuckReviewJob, stuckReviewJobName } from './schedule/stuck-review-job.js';
import { listingQuotaFrom } from './migration/quota.js';
import type { RunLedger } from './schedule/run-ledger.js';
import { openRunLedgerFor } from './store/open.js';
import { createSummaryScheduler } from './schedule/summary-scheduler.js';
import { createMigrationDeps, createTikTokFromConfig, shopifyAccessFrom, sourceLimitsFrom, vaultFrom, type UpstreamObserver } from './app.js';
import { resealSecrets } from './secrets/token-store.js';
import { ConfigError } from './errors.js';
import type { TikTokShopClient } from './tiktok/api.js';
import type { Config } from './config.js';
import { shopKeyOf } from './config.js';
import { createHttpServer, type RawRoute } from './http/server.js';
import type { Logger } from './log.js';
import { handleTikTokWebhook, type StatusChange } from './migration/track.js';
import type { CommitWithAlerts } from './store/commit.js';
import { handleShopifyWebhook } from './shopify/webhooks.js';
import { auditSettingsFrom, createAuditContext } from './audit/context.js';
import type { Reaudit } from './audit/reaudit.js';
import { createBotMetrics, type BotMetrics } from './observability/bot-metrics.js';
import { countCommands } from './observability/count-commands.js';
import { checkHealth, isWritableDir } from './observability/health.js';
import { PROMETHEUS_CONTENT_TYPE } from './observability/metrics.js';
import { stopInOrder, type StopOutcome, type StopStep } from './stop-in-order.js';
import type { Store } from './store/store.js';

export const hasChatCredentials = (config: Config): boolean => Boolean(config.SLACK_BOT_TOKEN || config.DISCORD_TOKEN);

/** The alerts a listing's change of state raises (the shop is the listing's own). */
const statusAlertsOf = (_shop: string, change: StatusChange): AlertEvent[] => alertsForStatusChange(change);

/** A change written with the alerts `eventsOf` finds in it, under the shop's alert lock (see CommitWithAlerts). */
const commitWithAlerts = <Change>(alerts: Pick<Alerts, 'withLock'>, eventsOf: (shop: string, change: Change) => AlertEvent[]): CommitWithAlerts<Change> =>
  (shop, work) => alerts.withLock(shop, (locked, record) => work(locked, async (change) => void (await record(eventsOf(shop, change)))));

/** The alerts a re-audit of a listed product calls for: a sync failure, or the recovery from one. */
function syncAlertsOf(shop: string, result: Reaudit): AlertEvent[] {
  return [
    ...(result.syncFailure ? [{ kind: 'sync_failure', shop, ...result.syncFailure } as const] : []),
    ...(result.syncRecovered ? [{ kind: 'recovered', shop, handle: result.syncRecovered, of: ['sync_failure'] } as const] : []),
  ];
}

/** The bot's own HTTP routes: TikTok's and Shopify's webhooks (when configured), the health check and the metrics. */
async function botRoutes(
  config: Config, store: Store, log: Logger, alerts: Pick<Alerts, 'withLock'>, metrics: BotMetrics,
): Promise<Record<string, RawRoute>> {
  const queued = async () => (await store.outbox.unfinished()).length;
  const routes: Record<string, RawRoute> = {
    'GET /healthz': async () => {
      const { httpStatus, report } = await checkHealth({
        ...(config.DATABASE_URL ? {} : { storeWritable: () => isWritableDir(config.DATA_DIR) }), queued, upstream: () => metrics.upstreamStatus(),
      });
      return { status: httpStatus, body: JSON.stringify(report), contentType: 'application/json; charset=utf-8' };
    },
    'GET /metrics': async () => ({
      status: 200,
      body: await metrics.render((name, error) => log.warn({ err: error, metric: name }, 'metric not collected')),
      contentType: PROMETHEUS_CONTENT_TYPE,
    }),
  };
  if (config.TIKTOK_APP_KEY && config.TIKTOK_APP_SECRET) {
    const shop = shopKeyOf(config);
    routes['POST /webhooks/tiktok'] = async ({ body, headers }) => {
      const answer = await handleTikTokWebhook(
        {
          store, appKey: config.TIKTOK_APP_KEY!, appSecret: config.TIKTOK_APP_SECRET!, log, now: () => Date.now(),
          shopFor: (shopId) => (!config.TIKTOK_SHOP_ID || shopId === config.TIKTOK_SHOP_ID ? shop : null),
          // The delivery marked processed, the listing's state and its alert are kept together: a process that dies
          // before answering leaves nothing half done, and TikTok's retry (to any process) does it all.
          commit: commitWithAlerts(alerts, statusAlertsOf),
        },
        body,
        headers.authorization,
      );
      return { status: answer.status, body: answer.body };
    };
  }
  if (config.SHOPIFY_WEBHOOK_SECRET) {
    const shop = shopKeyOf(config);
    const context = await createAuditContext(auditSettingsFrom(config), await store.mappings.list(shop));
    routes['POST /webhooks/shopify'] = async ({ body, headers }) => {
      const answer = await handleShopifyWebhook(
        {
          store, secret: config.SHOPIFY_WEBHOOK_SECRET!, context, statuses: new Set(config.AUDIT_STATUSES), log,
          // One bot serves one shop; the HMAC, keyed with the app's secret, is what authenticates the sender.
          shopFor: () => shop,
          // The delivery marked processed, the verdict and the sync alert are kept together, as TikTok's are.
          commit: commitWithAlerts(alerts, syncAlertsOf),
        },
        body,
        headers,
      );
      return { status: answer.status, body: answer.body };
    };
  }
  return routes;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The same routes mounted on Bolt's HTTP server, so Slack and the webhooks share one port. */
function asSlackRoutes(routes: Record<string, RawRoute>, log: Logger): SlackRoute[] {
  return Object.entries(routes).map(([key, route]) => {
    const [method, path] = key.split(' ') as [string, string];
    return {
      method,
      path,
      handler(request: IncomingMessage, response: ServerResponse) {
        const chunks: Buffer[] = [];
        let size = 0;
        request.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        request.on('end', () => {
          if (size > MAX_BODY_BYTES) return void response.writeHead(413).end('body too large');
          route({ body: Buffer.concat(chunks), headers: request.headers }).then(
            (answer) => response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain; charset=utf-8' }).end(answer.body),
            (error: unknown) => {
              log.error({ err: error, path }, 'http route failed');
              response.writeHead(500).end('internal error');
            },
          );
        });
      },
    };
  });
}

function tiktokOrNull(config: Config, log: Logger, observe: UpstreamObserver, store: Store): TikTokShopClient | null {
  try {
    return createTikTokFromConfig(config, log, { observe, store });
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
}

/** The reconcile job on its cron: listings polled when TikTok sends no webhooks, changed products re-audited; changes raise alerts. */
async function createReconcileRunner(
  config: Config, store: Store, log: Logger, alerts: Pick<Alerts, 'withLock'>, raise: (event: AlertEvent) => Promise<unknown>,
  run: { ledger: RunLedger; owner: string }, observe: UpstreamObserver,
) {
  const shop = shopKeyOf(config);
  const runner = createJobRunner({ ...run, log, now: () => Date.now() });
  const context = await createAuditContext(auditSettingsFrom(config), await store.mappings.list(shop));
  await runner.setJobs([{
    name: reconcileJobName(shop),
    pattern: config.RECONCILE_CRON,
    timezone: 'UTC',
    run: reconcileJob({
      store, shop, log, now: () => Date.now(), ...run,
      tiktok: tiktokOrNull(config, log, observe, store),
      hasTikTokWebhook: config.TIKTOK_WEBHOOKS,
      // Each polled change is written with its alerts, as a webhook's is; nothing is left to raise after.
      commit: commitWithAlerts(alerts, statusAlertsOf),
      onChange: () => undefined,
      shopify: shopifyAccessFrom(config, log, observe),
      download: sourceLimitsFrom(config),
      audit: { context, statuses: new Set(config.AUDIT_STATUSES) },
      onReaudit: async (result) => {
        for (const event of syncAlertsOf(shop, result)) await raise(event);
      },
    }),
  }]);
  return runner;
}

/**
 * The migration's own schedules: a migration paused for the daily listing quota resumes after the reset,
 * without a person; listings in review too long raise a "stuck in review" alert.
 */
async function createMigrationJobsRunner(
  config: Config, store: Store, log: Logger, raise: (event: AlertEvent) => Promise<unknown>, run: { ledger: RunLedger; owner: string },
  services: ShopshiftServices,
) {
  const shop = shopKeyOf(config);
  const runner = createJobRunner({ ...run, log, now: () => Date.now() });
  await runner.setJobs([
    {
      name: quotaResumeJobName(shop),
      pattern: QUOTA_RESUME_CRON,
      timezone: 'UTC',
      run: quotaResumeJob({
        store, shop, log, now: () => Date.now(), reset: listingQuotaFrom(config).reset,
        resume: () => services.migration.resume((progress) => log.info({ shop, submitted: progress.submitted, total: progress.total, job: progress.job?.status }, 'resumed migration progress')),
      }),
    },
    {
      name: stuckReviewJobName(shop),
      pattern: STUCK_REVIEW_CRON,
      timezone: 'UTC',
      run: stuckReviewJob({ store, shop, log, now: () => Date.now(), afterHours: config.REVIEW_STUCK_AFTER_HOURS, raise }),
    },
  ]);
  return runner;
}

export interface BotOptions {
  /** Deliveries for platforms the bot does not connect itself: the terminal chat's ('console'). */
  deliveries?: Partial<Record<Platform, ChannelDelivery>>;
  /** The interface the HTTP server listens on when Slack's does not serve the routes; every interface by default. */
  host?: string;
}

export interface RunningBot {
  /** The HTTP port serving Slack (HTTP mode), the webhooks, /healthz and /metrics. */
  port: number | null;
  /** The services the adapters use, for a chat the caller runs itself (the terminal). */
  services: ShopshiftServices;
  metrics: BotMetrics;
  /**
   * Stops in order: new requests (the HTTP server, Slack), the schedules, the alert engine, the outbox
   * (after the message in flight), then Discord, whose client the outbox posts through. The store is
   * the caller's to close. With `deadlineAt`, a step still running then is abandoned (see stopInOrder).
   */
  stop(options?: { deadlineAt?: number }): Promise<StopOutcome>;
}

/**
 * Starts the chat bot: Slack (HTTP or Socket Mode) and/or Discord, whichever has credentials, over one
 * set of commands and services; TikTok and Shopify webhooks on the same port; alerts to the channels
 * subscribed to them.
 */
export async function startBot(config: Config, store: Store, log: Logger, options: BotOptions = {}): Promise<RunningBot> {
  const root = config.SHOP_COMMAND;
  const shop = shopKeyOf(config);
  const vault = vaultFrom(config);
  if (vault) {
    const resealed = await resealSecrets(store, vault, Date.now());
    if (resealed) log.info({ resealed }, 'stored secrets re-sealed with the new SHOPSHIFT_SECRET_KEY');
  }
  const metrics = createBotMetrics({ queued: async () => (await store.outbox.unfinished()).length });
  const observe: UpstreamObserver = (service, outcome) => metrics.upstream(service, outcome);
  const commands = countCommands(createCommands(root), (platform, command, outcome) => metrics.commandRan(platform, command, outcome));
  // Messages go out through the adapters, which need the services first: their deliveries are bound once they are up.
  const deliveries: Partial<Record<Platform, ChannelDelivery>> = { ...options.deliveries };
  const outbox = createOutbox({
    store, deliveries, log,
    settings: { pacingMs: { slack: config.SLACK_CHANNEL_PACING_MS, discord: config.DISCORD_CHANNEL_PACING_MS }, maxAttempts: config.OUTBOX_MAX_ATTEMPTS, claimMs: config.OUTBOX_CLAIM_MS },
    // Discord's REST calls are all counted below; Slack's own client is the outbox's, so its deliveries are its upstream calls.
    onDelivered: (message) => {
      metrics.delivered(message.platform);
      if (message.platform === 'slack') metrics.upstream('slack', 'ok');
    },
    onFailed: (message, { givenUp, attempted }) => {
      if (givenUp) metrics.givenUp(message.platform);
      if (attempted && message.platform === 'slack') metrics.upstream('slack', 'error');
    },
  });
  const alerts = createAlerts({ store, outbox, log, shops: [shop], settings: { groupWindowMs: config.ALERT_GROUP_WINDOW_MS, remindEveryMs: config.ALERT_REMIND_EVERY_MS } });
  const raise = (event: AlertEvent) => alerts.raise(event).catch((error: unknown) => log.error({ err: error }, 'alert failed'));
  const posterFor = (platform: Platform): ChannelPoster => async (channelId, reply) => void (await outbox.send({ platform, channelId, reply }));
  const posters = { slack: posterFor('slack'), discord: posterFor('discord'), ...(deliveries.console ? { console: posterFor('console') } : {}) };
  // The ledger of scheduled runs: a missed run is caught up once, and of two processes only one runs each occurrence.
  const { ledger, close: closeLedger } = await openRunLedgerFor(config, log);
  const owner = processOwner();
  const summaries = createSummaryScheduler({ store, shop, posters, log, now: () => Date.now(), ledger, owner });
  const reconcile = await createReconcileRunner(config, store, log, alerts, raise, { ledger, owner }, observe);
  const services = createServices({
    config, store, log, now: () => Date.now(), raise, acknowledge: (messageId, by) => alerts.acknowledge(messageId, by), onSummariesChanged: () => summaries.reload(),
    migrationDeps: () => createMigrationDeps(config, store, log, { dryRun: false, observe }),
  });
  const migrationJobs = await createMigrationJobsRunner(config, store, log, raise, { ledger, owner }, services);
  const routes = await botRoutes(config, store, log, alerts, metrics);
  const intake: (() => Promise<void>)[] = [];
  const disconnect: (() => Promise<void>)[] = [];

  const slackOverHttp = Boolean(config.SLACK_BOT_TOKEN) && !config.SLACK_SOCKET_MODE;
  let port: number | null = null;
  if (config.SLACK_BOT_TOKEN) {
    const slack = createSlackApp({ settings: config, commands, root, services, log, now: () => Date.now(), routes: slackOverHttp ? asSlackRoutes(routes, log) : [] });
    await slack.start();
    // start() checked the token with auth.test.
    metrics.upstream('slack', 'ok');
    deliveries.slack = slack.delivery;
    port = slack.port();
    intake.push(() => slack.stop());
    log.info({ mode: slackOverHttp ? 'http' : 'socket', port: slack.port() }, 'slack connected');
  }
  if (!slackOverHttp) {
    const server = createHttpServer({ routes, log });
    server.listen(config.PORT, options.host);
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    intake.push(() => new Promise((resolve) => server.close(() => resolve())));
  }
  if (config.DISCORD_TOKEN) {
    const discord = createDiscordBot({ settings: config, commands, root, services, log, now: () => Date.now() });
    discord.client.rest.on(RESTEvents.Response, (_request, response) => metrics.upstream('discord', response.ok ? 'ok' : 'error'));
    await discord.start();
    deliveries.discord = discord.delivery;
    disconnect.push(() => discord.stop());
    log.info('discord connected');
  }

  await summaries.reload();
  // What a restart left queued goes out now; pending alerts are grouped and sent on the timer.
  void outbox.wake();
  alerts.start();
  reconcile.start();
  migrationJobs.start();
  const steps: StopStep[] = [
    { name: 'intake', run: () => Promise.all(intake.map((stop) => stop())) },
    { name: 'schedules', run: () => Promise.all([reconcile.stop(), migrationJobs.stop(), summaries.stop()]) },
    { name: 'alerts', run: () => alerts.stop() },
    { name: 'outbox', run: () => outbox.stop() },
    { name: 'adapters', run: () => Promise.all(disconnect.map((stop) => stop())) },
    { name: 'ledger', run: () => closeLedger() },
  ];
  let stopping: Promise<StopOutcome> | null = null;
  return {
    port,
    services,
    metrics,
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        log.info('stopping');
        return stopInOrder(steps, { log, ...(stopOptions.deadlineAt === undefined ? {} : { deadlineAt: stopOptions.deadlineAt }) });
      })();
      return stopping;
    },
  };
}

/** Time kept back from the deadline for writing the store's snapshot, which runs last. */
const storeReserveMs = (timeoutMs: number) => Math.min(1_000, Math.floor(timeoutMs / 4));

/**
 * The bot until SIGTERM or SIGINT, then a graceful stop within SHUTDOWN_TIMEOUT_MS: the bot in order
 * (see RunningBot.stop), then the store flushed and closed. Resolves with the exit code: 0 when every
 * step finished, 1 when one failed or was abandoned. Past the deadline it exits at once with 1.
 */
export async function runBot(config: Config, store: Store, log: Logger): Promise<number> {
  const bot = await startBot(config, store, log);
  // npm forwards the signal it got to us, and Heroku signals every process of the dyno: one stop often
  // comes as two signals, so a later one is no reason to give up on writing the store (the deadline holds).
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    let received: NodeJS.Signals | null = null;
    const onSignal = (next: NodeJS.Signals) => {
      if (received) return void log.info({ signal: next }, 'already shutting down');
      received = next;
      resolve(next);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
  const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
  const startedAt = Date.now();
  const deadlineAt = startedAt + timeoutMs;
  log.info({ signal, timeoutMs }, 'shutting down');
  // The journal already holds every write, so exiting without the snapshot loses nothing; the platform would kill us soon anyway.
  const deadline = setTimeout(() => {
    log.error({ timeoutMs }, 'shutdown did not finish in time; exiting');
    process.exit(1);
  }, timeoutMs);

  const outcome = await bot.stop({ deadlineAt: deadlineAt - storeReserveMs(timeoutMs) });
  let storeClosed = true;
  try {
    await store.flush();
    await store.close();
  } catch (error) {
    storeClosed = false;
    log.error({ err: error }, 'store not flushed');
  }
  const exitCode = outcome.abandoned.length === 0 && outcome.failed.length === 0 && storeClosed ? 0 : 1;
  log[exitCode === 0 ? 'info' : 'error']({ ms: Date.now() - startedAt, ...outcome, exitCode }, 'stopped');
  // Nothing should keep the process alive now; if something does, it gets a moment, then exit anyway.
  clearTimeout(deadline);
  setTimeout(() => {
    log.warn({ ms: Date.now() - startedAt }, 'stopped, but open handles kept the process alive; exiting');
    process.exit(exitCode);
  }, Math.max(0, Math.min(1_000, deadlineAt - Date.now()))).unref();
  return exitCode;
}
