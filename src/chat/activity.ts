import type { AnyCommand, CommandContext } from './command.js';

/** Arguments are people's own text: kept as typed, but no longer than this. */
export const DETAIL_MAX_CHARS = 200;

const quoted = (value: string) => (/[\s"]/.test(value) || value === '' ? `"${value.replaceAll('"', "'")}"` : value);

/**
 * A run as someone could type it again: the command with its leading choice ("migration start") as the
 * action, the other arguments as the detail ("--limit 50"). Positional values stay positional until one
 * is missing, after which they are named so that they still read right.
 */
export function describeRun(command: AnyCommand, args: Record<string, unknown>): { action: string; detail: string } {
  const words: string[] = [];
  const shown = new Set<string>();
  let action = command.name;
  let inOrder = true;
  command.positional.forEach((name, index) => {
    const value = args[name];
    if (value === undefined || value === false) {
      inOrder = false;
      return;
    }
    if (!inOrder) return;
    shown.add(name);
    if (index === 0 && command.options[name]?.kind === 'choice') action = `${action} ${String(value)}`;
    else words.push(quoted(String(value)));
  });
  for (const [name, value] of Object.entries(args)) {
    if (shown.has(name) || value === undefined || value === false) continue;
    words.push(value === true ? `--${name}` : `--${name} ${quoted(String(value))}`);
  }
  const detail = words.join(' ');
  return { action, detail: detail.length > DETAIL_MAX_CHARS ? `${detail.slice(0, DETAIL_MAX_CHARS - 1)}…` : detail };
}

/** Records a finished state-changing run; the log must never cost the person their reply, so a failure is only logged. */
export async function recordRun(context: CommandContext, command: AnyCommand, args: Record<string, unknown>, ok: boolean): Promise<void> {
  try {
    await context.services.activity.record({
      at: new Date(context.now()).toISOString(),
      platform: context.user.platform,
      channelId: context.channelId,
      userId: context.user.id,
      userName: context.user.name,
      ...describeRun(command, args),
      ok,
    });
  } catch (error) {
    context.log.warn({ err: error, command: command.name, userId: context.user.id }, 'activity not recorded');
  }
}
