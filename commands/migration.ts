import { defineCommand, m, opt, reply, type CommandContext } from '../src/chat/command.js';
import type { MigrationProgress } from '../src/migration/progress.js';

const count = (n: number) => n.toLocaleString('en-US');

function formatEta(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.round(seconds / 3600);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function progressParts(progress: MigrationProgress) {
  const { total, submitted, byState, ratePerMinute, etaSeconds, job, oldestInReviewMs, quota } = progress;
  return [
    m.progress('Submitted', submitted, total),
    m.fields({
      'In review': oldestInReviewMs !== null && byState.in_review > 0 ? `${count(byState.in_review)} (oldest ${Math.floor(oldestInReviewMs / 3_600_000)} h)` : byState.in_review,
      Live: byState.live, Rejected: byState.rejected, Failed: byState.error,
      Rate: ratePerMinute === null ? '–' : `${ratePerMinute.toFixed(1)}/min`,
      ETA: etaSeconds === null ? '–' : formatEta(etaSeconds),
      // Only once it matters: a job under way or listings created today.
      ...(quota && quota.daily > 0 && (job || quota.usedToday > 0) ? { 'Quota today': `${count(quota.usedToday)} of ${count(quota.daily)}, resets ${quota.resetsAt.slice(0, 16).replace('T', ' ')} UTC` } : {}),
      Job: job ? `${job.status}${job.note ? ` (${job.note})` : ''}` : 'none running',
    }),
  ];
}

/** "Needs 3 days at 1,000 listings a day (TikTok's quota)", and what the shop's total cap leaves out. */
function quotaLines(quota: NonNullable<Awaited<ReturnType<CommandContext['services']['migration']['plan']>>['quota']>, toCreate: number): string[] {
  const lines: string[] = [];
  if (quota.daily > 0 && toCreate > 0) {
    lines.push(`Needs ${quota.days} ${quota.days === 1 ? 'day' : 'days'} at ${count(quota.daily)} listings a day (the shop's quota; ${count(quota.usedToday)} used today, resets ${quota.reset}).`);
  }
  if (quota.totalLeft !== null && toCreate > quota.totalLeft) {
    lines.push(`The shop's total quota of ${count(quota.total)} listings leaves room for ${count(quota.totalLeft)}; the other ${count(toCreate - quota.totalLeft)} wait until TikTok raises it.`);
  }
  return lines;
}

const postProgress = (context: CommandContext) => (progress: MigrationProgress) =>
  void context.post(reply([m.heading('Migration progress'), ...progressParts(progress)])).catch((error: unknown) => context.log.warn({ err: error }, 'progress post failed'));

export default defineCommand({
  name: 'migration',
  description: 'Push the audit’s ready products to TikTok Shop, and follow it',
  examples: ['status', 'plan', 'start --dry-run', 'start --limit 50', 'pause', 'resume'],
  options: {
    action: opt.choice(['status', 'plan', 'start', 'pause', 'resume'], 'What to do', { required: true }),
    'dry-run': opt.flag('Show what would be sent, send nothing'),
    limit: opt.integer('Push at most this many products in this run', { min: 1, max: 100_000 }),
  },
  positional: ['action'],
  permission: ({ action }) => (action === 'status' || action === 'plan' ? 'read' : 'manage'),
  cost: ({ action, 'dry-run': dryRun }) => ((action === 'start' && !dryRun) || action === 'resume' ? 'migration' : null),
  // A dry run changes nothing, so it is not activity.
  records: ({ action, 'dry-run': dryRun }) => action === 'pause' || action === 'resume' || (action === 'start' && !dryRun),
  async handler(context, args) {
    const { migration } = context.services;
    switch (args.action) {
      case 'status':
        return reply([m.heading('Migration'), ...progressParts(await migration.progress())]);
      case 'plan': {
        const plan = await migration.plan();
        const skipped = Object.entries(plan.skipped).filter(([, count]) => count > 0);
        return reply([
          m.heading(`A run would create ${plan.toCreate.toLocaleString('en-US')} listings`),
          m.text([`From the latest audit of ${plan.auditedFrom}.`, ...(plan.quota ? quotaLines(plan.quota, plan.toCreate) : [])].join('\n')),
          ...(skipped.length ? [m.table(['left out', 'products', 'e.g.'], skipped.map(([reason, count]) => [reason, count, (plan.examples[reason as keyof typeof plan.examples] ?? []).join(', ')]))] : []),
        ]);
      }
      case 'start':
        if (args['dry-run']) {
          const plan = await migration.plan();
          return reply([m.text(`Dry run: ${plan.toCreate.toLocaleString('en-US')} products would be created. Run the command line's "shopshift migrate start --dry-run" to see each body.`)], 'ephemeral');
        }
        await migration.start({ dryRun: false, limit: args.limit ?? null }, postProgress(context));
        return reply([m.text(`Migration started by ${context.user.name}${args.limit ? `, at most ${args.limit} products` : ''}. Progress follows here.`)]);
      case 'pause':
        await migration.pause(context.user.name);
        return reply([m.text(`Migration paused by ${context.user.name}; the products in flight finish first.`)]);
      case 'resume':
        await migration.resume(postProgress(context));
        return reply([m.text(`Migration resumed by ${context.user.name}.`)]);
    }
  },
});
