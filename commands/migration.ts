import { defineCommand, m, opt, reply, type CommandContext } from '../src/chat/command.js';
import type { MigrationProgress } from '../src/migration/progress.js';

function progressParts(progress: MigrationProgress) {
  const { total, submitted, byState, ratePerMinute, etaSeconds, job } = progress;
  return [
    m.progress('Submitted', submitted, total),
    m.fields({
      'In review': byState.in_review, Live: byState.live, Rejected: byState.rejected, Failed: byState.error,
      Rate: ratePerMinute === null ? '–' : `${ratePerMinute.toFixed(1)}/min`,
      ETA: etaSeconds === null ? '–' : etaSeconds < 90 ? `${etaSeconds} s` : `${Math.round(etaSeconds / 60)} min`,
      Job: job ? `${job.status}${job.note ? ` (${job.note})` : ''}` : 'none running',
    }),
  ];
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
          m.text(`From the latest audit of ${plan.auditedFrom}.`),
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
