import type { Logger } from './log.js';

export interface StopStep {
  name: string;
  run(): Promise<unknown>;
}

export interface StopOutcome {
  /** Steps not finished in their time: left running (or started and not waited for) so the steps after them still run. */
  abandoned: string[];
  failed: string[];
}

/**
 * Runs the steps one after another before `deadlineAt`. Each step keeps back a little time for every
 * step after it (by default the smaller of 500 ms and a share of the time left), so a slow first step
 * (requests still being answered) cannot starve the quick ones that follow. A step not finished in its
 * time is abandoned and the next one starts; a step that fails is logged and the next one starts.
 */
export async function stopInOrder(
  steps: readonly StopStep[],
  options: { log: Logger; deadlineAt?: number; reservePerStepMs?: number; now?: () => number },
): Promise<StopOutcome> {
  const { log, deadlineAt = Infinity, now = Date.now } = options;
  const budgetMs = deadlineAt - now();
  const reservePerStepMs = options.reservePerStepMs ?? (Number.isFinite(budgetMs) ? Math.min(500, Math.max(0, budgetMs) / (2 * steps.length)) : 0);
  const outcome: StopOutcome = { abandoned: [], failed: [] };
  for (const [index, step] of steps.entries()) {
    const started = now();
    const leftMs = deadlineAt - reservePerStepMs * (steps.length - 1 - index) - started;
    const running = step.run().then(() => 'done' as const, (error: unknown) => {
      log.error({ err: error, step: step.name }, 'stop step failed');
      return 'failed' as const;
    });
    let timer: NodeJS.Timeout | undefined;
    const result = leftMs <= 0
      ? 'late'
      : await Promise.race([running, ...(Number.isFinite(leftMs) ? [new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), leftMs)))] : [])]);
    clearTimeout(timer);
    if (result === 'failed') outcome.failed.push(step.name);
    if (result === 'late') {
      log.error({ step: step.name, waitedMs: now() - started }, 'stop step did not finish in time; going on without it');
      outcome.abandoned.push(step.name);
    } else {
      log.debug({ step: step.name, ms: now() - started }, 'stopped');
    }
  }
  return outcome;
}
