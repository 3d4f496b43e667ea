import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileBytes, renderText, type ButtonAction, type MessagePart, type Reply } from '../message.js';

export interface ReplyPrinter {
  /** Writes one block of text (a line break is added). */
  print(text: string): void;
  /** Where file parts are written, since a terminal cannot show them. */
  filesDir: string;
  /** The root command, to show a button as the command to type (`/shop alerts ack …`). */
  root: string;
}

const quoted = (value: string) => (value === '' || /[\s"“”'‘’]/.test(value) ? `"${value.replace(/"/g, '')}"` : value);

/** A button's action as the text that runs it: a terminal cannot press buttons, so it shows what to type. */
export const typedAction = (root: string, action: ButtonAction): string =>
  [`/${root} ${action.command}`, ...Object.entries(action.args).map(([key, value]) => `${key}:${quoted(value)}`)].join(' ');

function forTerminal(parts: readonly MessagePart[], root: string): MessagePart[] {
  return parts.map((part) => {
    if (part.kind !== 'buttons') return part;
    const width = Math.max(...part.buttons.map((button) => button.label.length + 2));
    return { kind: 'text', text: part.buttons.map((button) => `${`[${button.label}]`.padEnd(width)}  ${typedAction(root, button.action)}`).join('\n') };
  });
}

/**
 * Prints a reply as the terminal shows it: the parts as text (renderText, buttons as the commands to
 * type), each file saved under `filesDir` with a line saying where. `decorate` frames the text (a prefix,
 * an indent for thread replies).
 */
export async function printReply(reply: Reply, printer: ReplyPrinter, decorate: (text: string) => string = (text) => text): Promise<void> {
  const files = reply.parts.filter((part) => part.kind === 'file');
  const shown = reply.parts.filter((part) => part.kind !== 'file');
  const lines: string[] = [];
  if (shown.length) lines.push(renderText(forTerminal(shown, printer.root)));
  for (const file of files) {
    await mkdir(printer.filesDir, { recursive: true });
    const path = join(printer.filesDir, file.name);
    await writeFile(path, fileBytes(file));
    lines.push(`(attachment ${file.name} saved to ${path})`);
  }
  if (lines.length) printer.print(decorate(lines.join('\n')));
}
