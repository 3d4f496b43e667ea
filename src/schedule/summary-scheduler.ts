import cron, { type ScheduledTask } from 'node-cron';
import type { ChannelPoster } from '../alerts/alerts.js';
import type { Logger } from '../log.js';
import type { SummarySchedule, Store } from '../store/store.js';
import { buildDailySummary } from './daily-summary.js';

export interface SummarySchedulerDeps {
  store: Store;
  shop: string;
  posters: Partial<Record<SummarySchedule['platform'], ChannelPoster>>;
  log: Logger;
  now(): number;
}

/** node-cron's pattern for a daily HH:MM. */
export const dailyPattern = (time: string): string => {
  const [hours, minutes] = time.split(':');
  return `${Number(minutes)} ${Number(hours)} * * *`;
};

/**
 * One node-cron task per channel's daily summary, in the channel's time zone. `reload` rebuilds the
 * tasks from the store after a schedule changes; a run that is still going is not started twice.
 */
export function createSummaryScheduler(deps: SummarySchedulerDeps) {
  let tasks: ScheduledTask[] = [];

  async function post(schedule: SummarySchedule): Promise<void> {
    const poster = deps.posters[schedule.platform];
    if (!poster) return;
    try {
      await poster(schedule.channelId, await buildDailySummary(deps.store, deps.shop, deps.now()));
      deps.log.info({ job: 'daily-summary', platform: schedule.platform, channelId: schedule.channelId }, 'summary posted');
    } catch (error) {
      deps.log.error({ err: error, job: 'daily-summary', channelId: schedule.channelId }, 'summary not posted');
    }
  }

  async function stop(): Promise<void> {
    await Promise.all(tasks.map((task) => task.destroy()));
    tasks = [];
  }

  return {
    async reload(): Promise<number> {
      await stop();
      const schedules = await deps.store.summaries.list(deps.shop);
      tasks = schedules.map((schedule) =>
        cron.schedule(dailyPattern(schedule.time), () => post(schedule), {
          timezone: schedule.timezone,
          noOverlap: true,
          name: `summary:${schedule.platform}:${schedule.channelId}`,
        }),
      );
      return tasks.length;
    },
    stop,
  };
}
