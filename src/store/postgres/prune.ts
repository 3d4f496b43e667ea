import { HISTORY_KEPT_MS } from '../state.js';
import type { Db } from './db.js';

export const AUDITS_KEPT_PER_SHOP = 5;

/**
 * Deletes what the embedded store drops when it writes its snapshot: activity past its keep time, expired
 * mutes, and resolved incidents, finished messages, days and processed webhook ids older than 30 days;
 * and every shop's audit runs but its latest five (their verdicts go with them). Returns rows deleted per table.
 */
export async function pruneStore(db: Db, { now, activityKeptMs }: { now: number; activityKeptMs: number }): Promise<Record<string, number>> {
  const historyFrom = now - HISTORY_KEPT_MS;
  const statements: [table: string, sql: string, params: unknown[]][] = [
    ['activity', 'delete from activity where at_ms is null or at_ms < $1', [now - activityKeptMs]],
    ['mutes', 'delete from mutes where until_ms is null or until_ms <= $1', [now]],
    ['incidents', 'delete from incidents where resolved_at is not null and (resolved_at_ms is null or resolved_at_ms <= $1)', [historyFrom]],
    ['outbox', "delete from outbox where state not in ('pending', 'sending') and (updated_at_ms is null or updated_at_ms <= $1)", [historyFrom]],
    ['days', 'delete from days where date < $1 collate "C"', [new Date(historyFrom).toISOString().slice(0, 10)]],
    ['processed_webhooks', 'delete from processed_webhooks where processed_at_ms < $1', [historyFrom]],
    ['audits', `delete from audits where id in (
       select id from (select id, row_number() over (partition by shop order by saved_seq desc) as rank from audits) ranked where rank > $1)`, [AUDITS_KEPT_PER_SHOP]],
  ];
  const deleted: Record<string, number> = {};
  for (const [table, sql, params] of statements) {
    const rows = await db.query(`with gone as (${sql} returning 1) select count(*)::int as count from gone`, params);
    deleted[table] = (rows[0]?.count as number | undefined) ?? 0;
  }
  return deleted;
}
