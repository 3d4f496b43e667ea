import type { types as slack } from '@slack/bolt';
import { encodeAction, fileBytes, progressBar, renderText, type MessagePart, type Reply } from '../message.js';

/** Block Kit limits (chat-platforms.md §6). */
export const SLACK_LIMITS = {
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  blocks: 50,
  /** Our own cap on the notification fallback: Slack truncates at 40,000, but only the start is ever read. */
  fallbackText: 3000,
} as const;

/** A column is clipped to this many characters in a table, so one wide cell cannot push every row out. */
const MAX_CELL = 40;
/** The last column is not padded, so it may run longer (hints, reasons) and simply wraps. */
const MAX_LAST_CELL = 200;
/** Room kept at the end of a table section for the "… and N more" line. */
const SUMMARY_ROOM = 80;

export type SlackBlock = slack.KnownBlock;

export interface SlackFile {
  name: string;
  data: Buffer;
  contentType: string;
}

export interface SlackMessage {
  /** Notification and accessibility fallback: the reply as plain text. */
  text: string;
  blocks: SlackBlock[];
  /** File parts, uploaded separately (files.uploadV2). */
  files: SlackFile[];
}

/** The three characters Slack's mrkdwn needs escaped (everywhere, code blocks included). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Clips escaped text without cutting an entity such as "&amp;" in half. */
function clipEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCut(text, max - 1))}…`;
}

/** Moves a cut back to before an entity that it would split. */
function safeCut(text: string, at: number): number {
  const amp = text.lastIndexOf('&', at - 1);
  if (amp >= 0 && at - amp < 5) {
    const semicolon = text.indexOf(';', amp);
    if (semicolon >= at) return amp;
  }
  return at;
}

/** Splits escaped text into pieces of at most `max` characters, preferring line breaks, then spaces. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 2) cut = safeCut(rest, max);
    const piece = rest.slice(0, cut).trimEnd();
    if (piece) pieces.push(piece);
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.trim()) pieces.push(rest);
  return pieces;
}

const mrkdwnSection = (text: string): slack.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

function tableSection(part: Extract<MessagePart, { kind: 'table' }>, hasFile: boolean): slack.SectionBlock {
  const last = part.columns.length - 1;
  // A reduce, not Math.max(...rows): a spread of a hundred thousand rows overflows the stack.
  const widths = part.columns.map((column, index) =>
    Math.min(index === last ? MAX_LAST_CELL : MAX_CELL, part.rows.reduce((width, row) => Math.max(width, (row[index] ?? '').length), column.length)));
  const line = (cells: readonly string[]) =>
    clipEscaped(escapeMrkdwn(widths.map((width, index) => clip(cells[index] ?? '', width).padEnd(width)).join('  ').trimEnd()), SLACK_LIMITS.sectionText - SUMMARY_ROOM - 8);
  const budget = SLACK_LIMITS.sectionText - SUMMARY_ROOM;
  const lines = [line(part.columns)];
  let used = '```\n'.length + lines[0]!.length + '\n```'.length;
  let shown = 0;
  for (const row of part.rows) {
    const next = line(row);
    if (used + 1 + next.length > budget) break;
    lines.push(next);
    used += 1 + next.length;
    shown++;
  }
  const omitted = part.rows.length - shown;
  const summary = omitted > 0 ? `\n… and ${omitted.toLocaleString('en-US')} more${hasFile ? ' (see the attached CSV)' : ''}` : '';
  return mrkdwnSection(`\`\`\`\n${lines.join('\n')}\n\`\`\`${summary}`);
}

function buttonElement(button: Extract<MessagePart, { kind: 'buttons' }>['buttons'][number], index: number): slack.Button {
  return {
    type: 'button',
    action_id: `shopshift:${index}`,
    text: { type: 'plain_text', text: clip(button.label, SLACK_LIMITS.buttonText), emoji: true },
    value: encodeAction(button.action),
    ...(button.style ? { style: button.style } : {}),
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Keeps a message within 50 blocks: the content is cut with a note, the buttons stay. */
function withinBlockLimit(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const actions = blocks.filter((block) => block.type === 'actions').slice(0, 10);
  const content = blocks.filter((block) => block.type !== 'actions');
  const room = SLACK_LIMITS.blocks - actions.length - 1;
  const note = mrkdwnSection(`_… ${(content.length - room).toLocaleString('en-US')} more sections did not fit in one Slack message._`);
  return [...content.slice(0, room), note, ...actions];
}

/** A platform-neutral reply as a Slack message within Block Kit's limits; files come back apart for upload. */
export function renderSlack(reply: Pick<Reply, 'parts' | 'mention'>): SlackMessage {
  const blocks: SlackBlock[] = [];
  // The configured on-call group, written raw: it is a setting, not catalog text.
  const page = reply.mention?.platform === 'slack' && /^S[A-Z0-9]+$/.test(reply.mention.id) ? `<!subteam^${reply.mention.id}>` : '';
  if (page) blocks.push(mrkdwnSection(page));
  const files: SlackFile[] = [];
  const hasFile = reply.parts.some((part) => part.kind === 'file');
  let buttons = 0;
  for (const part of reply.parts) {
    switch (part.kind) {
      case 'heading':
        if (part.text.trim()) blocks.push({ type: 'header', text: { type: 'plain_text', text: clip(part.text.trim(), SLACK_LIMITS.headerText), emoji: true } });
        break;
      case 'text':
        for (const piece of splitText(escapeMrkdwn(part.text), SLACK_LIMITS.sectionText)) blocks.push(mrkdwnSection(piece));
        break;
      case 'fields':
        for (const group of chunk(part.fields, SLACK_LIMITS.fields)) {
          blocks.push({
            type: 'section',
            fields: group.map((field) => ({ type: 'mrkdwn', text: clipEscaped(`*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value)}`, SLACK_LIMITS.fieldText) })),
          });
        }
        break;
      case 'progress':
        blocks.push(mrkdwnSection(clipEscaped(`*${escapeMrkdwn(part.label)}*  ${progressBar(part.done, part.total)}  (${part.done.toLocaleString('en-US')}/${part.total.toLocaleString('en-US')})`, SLACK_LIMITS.sectionText)));
        break;
      case 'table':
        blocks.push(tableSection(part, hasFile));
        break;
      case 'buttons':
        for (const group of chunk(part.buttons, SLACK_LIMITS.actionsElements)) {
          blocks.push({ type: 'actions', elements: group.map((button) => buttonElement(button, buttons++)) });
        }
        break;
      case 'file':
        files.push({ name: part.name, data: fileBytes(part), contentType: part.contentType });
        break;
    }
  }
  const text = clipEscaped(escapeMrkdwn(renderText(reply.parts)), SLACK_LIMITS.fallbackText);
  return { text: page ? `${page} ${text}` : text, blocks: withinBlockLimit(blocks), files };
}
