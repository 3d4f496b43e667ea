/**
 * Platform-neutral messages: commands and alerts build these, and the Slack, Discord and terminal
 * adapters render them within their own limits.
 */

/** What a button does when pressed: run `command` with `args`, as if typed. */
export interface ButtonAction {
  command: string;
  args: Record<string, string>;
}

export interface Button {
  label: string;
  action: ButtonAction;
  style?: 'primary' | 'danger';
}

export type MessagePart =
  | { kind: 'heading'; text: string }
  /** Plain text; *bold* and `code` are kept as marks every platform understands. */
  | { kind: 'text'; text: string }
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  | { kind: 'progress'; label: string; done: number; total: number }
  | { kind: 'table'; columns: string[]; rows: string[][] }
  | { kind: 'buttons'; buttons: Button[] }
  /** Binary files (a PNG) travel as base64, so a reply stays plain JSON in the outbox. */
  | { kind: 'file'; name: string; contentType: string; content: string; encoding?: 'base64' };

export interface Reply {
  parts: MessagePart[];
  /** Ephemeral replies are seen by the person who asked only; usage errors and refusals are ephemeral. */
  visibility: 'ephemeral' | 'channel';
  /**
   * Who to page: a Slack user-group id or a Discord role id, from the channel's settings, never from
   * catalog text (renderers keep every other mention inert).
   */
  mention?: { platform: 'slack' | 'discord'; id: string };
}

export const m = {
  heading: (text: string): MessagePart => ({ kind: 'heading', text }),
  text: (text: string): MessagePart => ({ kind: 'text', text }),
  fields: (fields: Record<string, string | number>): MessagePart => ({
    kind: 'fields',
    fields: Object.entries(fields).map(([label, value]) => ({ label, value: typeof value === 'number' ? value.toLocaleString('en-US') : value })),
  }),
  progress: (label: string, done: number, total: number): MessagePart => ({ kind: 'progress', label, done, total }),
  table: (columns: string[], rows: (string | number)[][]): MessagePart => ({
    kind: 'table',
    columns,
    rows: rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en-US') : cell))),
  }),
  buttons: (...buttons: Button[]): MessagePart => ({ kind: 'buttons', buttons }),
  file: (name: string, content: string, contentType = 'text/csv'): MessagePart => ({ kind: 'file', name, contentType, content }),
  image: (name: string, png: Uint8Array): MessagePart => ({ kind: 'file', name, contentType: 'image/png', content: Buffer.from(png).toString('base64'), encoding: 'base64' }),
};

/** A file part's bytes. */
export const fileBytes = (part: { content: string; encoding?: 'base64' }): Buffer => Buffer.from(part.content, part.encoding ?? 'utf8');

export const reply = (parts: MessagePart[], visibility: Reply['visibility'] = 'channel'): Reply => ({ parts, visibility });

// Discord's custom_id holds 100 characters, the tighter of the two platforms.
const MAX_ENCODED_ACTION = 100;

/** "command|key=value|…", short enough for a Discord custom_id; values are URI-encoded. */
export function encodeAction(action: ButtonAction): string {
  const encoded = [action.command, ...Object.entries(action.args).map(([key, value]) => `${key}=${encodeURIComponent(value)}`)].join('|');
  if (encoded.length > MAX_ENCODED_ACTION) throw new Error(`button action too long for Discord (${encoded.length} > ${MAX_ENCODED_ACTION}): ${action.command}`);
  return encoded;
}

export function decodeAction(encoded: string): ButtonAction | null {
  const [command, ...pairs] = encoded.split('|');
  if (!command) return null;
  const args: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) return null;
    try {
      args[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
    } catch {
      return null;
    }
  }
  return { command, args };
}

const BAR_WIDTH = 20;

export function progressBar(done: number, total: number): string {
  const share = total <= 0 ? 0 : Math.min(1, done / total);
  const filled = Math.round(share * BAR_WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${Math.round(share * 100)}%`;
}

/** The reply as plain text: the terminal chat, notification fallbacks, and specs. */
export function renderText(parts: readonly MessagePart[]): string {
  const lines: string[] = [];
  for (const part of parts) {
    switch (part.kind) {
      case 'heading':
        lines.push(part.text.toUpperCase());
        break;
      case 'text':
        lines.push(part.text);
        break;
      case 'fields':
        for (const field of part.fields) lines.push(`${field.label}: ${field.value}`);
        break;
      case 'progress':
        lines.push(`${part.label} ${progressBar(part.done, part.total)} (${part.done.toLocaleString('en-US')}/${part.total.toLocaleString('en-US')})`);
        break;
      case 'table': {
        const widths = part.columns.map((column, index) => Math.max(column.length, ...part.rows.map((row) => (row[index] ?? '').length)));
        const line = (cells: readonly string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
        lines.push(line(part.columns), ...part.rows.map(line));
        break;
      }
      case 'buttons':
        lines.push(part.buttons.map((button) => `[${button.label}]`).join(' '));
        break;
      case 'file':
        lines.push(`(attached: ${part.name}, ${fileBytes(part).length.toLocaleString('en-US')} bytes)`);
        break;
    }
  }
  return lines.join('\n');
}
