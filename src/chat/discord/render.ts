import {
  AttachmentBuilder, ButtonStyle, ComponentType, MessageFlags, type MessageMentionOptions,
  type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIEmbed, type APIEmbedField,
} from 'discord.js';
import { encodeAction, fileBytes, progressBar, type Button, type MessagePart, type Reply } from '../message.js';

export const NO_MENTIONS: MessageMentionOptions = { parse: [] };

/** A rendered message as discord.js send/edit options. */
export function payload(message: DiscordMessage) {
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    files: message.files.map((file) => new AttachmentBuilder(file.data, { name: file.name })),
    allowedMentions: message.mentionRoles.length ? { parse: [], roles: message.mentionRoles } : NO_MENTIONS,
  };
}

/** Message limits (chat-platforms.md §10). */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  /** Titles, descriptions, field names and values of all embeds together. */
  embedsTotal: 6000,
  rows: 5,
  buttonsPerRow: 5,
  label: 80,
  customId: 100,
  /** Per file, unless the interaction says the guild allows more (`attachment_size_limit`). */
  fileBytes: 10 * 1024 * 1024,
  /** The whole request; kept 1 MiB under Discord's 25 MiB for the JSON part and multipart framing. */
  requestBytes: 24 * 1024 * 1024,
} as const;

/** A cell is clipped to this many characters in a table, so one wide cell cannot push every row out. */
const MAX_CELL = 40;
/** Room kept at the end of the embeds for the note that says the reply was cut. */
const CUT_NOTE = '… (the rest did not fit in a Discord message)';
const EMBED_COLOR = 0xfe2c55;

export interface DiscordFile {
  name: string;
  contentType: string;
  /** Ready for `new AttachmentBuilder(data, { name })`. */
  data: Buffer;
}

export type DiscordButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  components: DiscordButtonRow[];
  files: DiscordFile[];
  /** 64 (EPHEMERAL) for a reply only the asker sees; Discord honours it on the first response and follow-ups. */
  flags: number;
  /** The one role this message may ping (the configured on-call role); every other mention stays inert. */
  mentionRoles: string[];
}

export interface RenderOptions {
  /** Per-file limit; the interaction's `attachmentSizeLimit` when known. */
  maxFileBytes?: number;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Our neutral `*bold*` is italics on Discord, where bold is `**bold**`. */
export function toDiscordMarkdown(text: string): string {
  return text.replace(/(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])/g, '**$1**');
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** A cell for a code block: one line, no fence that would end the block early. */
function cell(text: string): string {
  return clip(text.replace(/\s+/g, ' ').replace(/`/g, 'ˋ'), MAX_CELL);
}

function tableLines(columns: readonly string[], rows: readonly (readonly string[])[]): { header: string[]; rows: string[] } {
  const head = columns.map(cell);
  const body = rows.map((row) => columns.map((_, index) => cell(row[index] ?? '')));
  const widths = head.map((column, index) => Math.max(column.length, ...body.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((text, index) => text.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return { header: [line(head), widths.map((width) => '─'.repeat(width)).join('  ')], rows: body.map(line) };
}

/** Embeds filled in order, within the per-embed limits and the 6,000 characters they share. */
class EmbedWriter {
  readonly embeds: APIEmbed[] = [];
  private used = 0;
  private full = false;

  private get current(): APIEmbed {
    const last = this.embeds.at(-1);
    if (last) return last;
    const first: APIEmbed = { color: EMBED_COLOR };
    this.embeds.push(first);
    return first;
  }

  /** Characters still free overall, keeping room for the cut note. */
  private get free(): number {
    return DISCORD_LIMITS.embedsTotal - CUT_NOTE.length - 2 - this.used;
  }

  private isEmpty(embed: APIEmbed): boolean {
    return !embed.title && !embed.description && !embed.fields?.length;
  }

  private startEmbed(): boolean {
    if (this.embeds.length >= DISCORD_LIMITS.embeds) return false;
    this.embeds.push({ color: EMBED_COLOR });
    return true;
  }

  /** Discord shows an embed's description above its fields, so text after fields goes in the next embed. */
  private keepOrder(): void {
    if (this.current.fields?.length) this.startEmbed();
  }

  /** Room for more description in the current embed. */
  private descriptionRoom(): number {
    const description = this.current.description ?? '';
    return Math.min(DISCORD_LIMITS.description - description.length - (description ? 2 : 0), this.free);
  }

  private appendRaw(text: string): void {
    const embed = this.current;
    const before = embed.description?.length ?? 0;
    embed.description = embed.description ? `${embed.description}\n\n${text}` : text;
    this.used += embed.description.length - before;
  }

  heading(text: string): void {
    if (this.full || !text.trim()) return;
    if (!this.isEmpty(this.current) && !this.startEmbed()) return this.cut();
    const title = clip(text, Math.min(DISCORD_LIMITS.title, this.free));
    this.current.title = title;
    this.used += title.length;
  }

  text(text: string): void {
    // Discord refuses blank titles, descriptions and field names, so blank parts are left out.
    if (this.full || !text.trim()) return;
    this.keepOrder();
    if (text.length <= this.descriptionRoom()) return this.appendRaw(text);
    if (text.length <= Math.min(DISCORD_LIMITS.description, this.free) && this.startEmbed()) return this.appendRaw(text);
    const room = this.descriptionRoom();
    if (room > 20) this.appendRaw(clip(text, room));
    this.cut();
  }

  fields(fields: readonly { label: string; value: string }[]): void {
    for (const { label, value } of fields) {
      if (this.full) return;
      if ((this.current.fields?.length ?? 0) >= DISCORD_LIMITS.fields && !this.startEmbed()) return this.cut();
      const field: APIEmbedField = { name: clip(label.trim() || '-', DISCORD_LIMITS.fieldName), value: clip(value.trim() || '-', DISCORD_LIMITS.fieldValue), inline: true };
      if (field.name.length + field.value.length > this.free) return this.cut();
      (this.current.fields ??= []).push(field);
      this.used += field.name.length + field.value.length;
    }
  }

  /** A code block with as many rows as fit, then "… and N more". */
  table(columns: readonly string[], rows: readonly (readonly string[])[], moreHint: string): void {
    if (this.full) return;
    this.keepOrder();
    const lines = tableLines(columns, rows);
    const render = (shown: number) => {
      const block = ['```', ...lines.header, ...lines.rows.slice(0, shown), '```'].join('\n');
      const left = rows.length - shown;
      return left > 0 ? `${block}\n… and ${left.toLocaleString('en-US')} more${moreHint}` : block;
    };
    const fitting = (room: number) => {
      let shown = rows.length;
      while (shown > 0 && render(shown).length > room) shown--;
      return shown;
    };
    let room = this.descriptionRoom();
    let shown = fitting(room);
    if (shown < rows.length && !this.isEmpty(this.current) && fitting(Math.min(DISCORD_LIMITS.description, this.free)) > shown && this.startEmbed()) {
      // A fresh embed holds more rows than what is left of this one.
      room = this.descriptionRoom();
      shown = fitting(room);
    }
    const text = render(shown);
    if (text.length > room) return this.cut();
    this.appendRaw(text);
  }

  cut(): void {
    if (this.full) return;
    this.full = true;
    const embed = this.current;
    if ((embed.description?.length ?? 0) + CUT_NOTE.length + 2 <= DISCORD_LIMITS.description) this.appendRaw(CUT_NOTE);
  }

  /** The embeds with empty ones (a heading that never came) dropped. */
  result(): APIEmbed[] {
    return this.embeds.filter((embed) => !this.isEmpty(embed));
  }
}

function buttonRows(buttons: readonly Button[]): DiscordButtonRow[] {
  const seen = new Set<string>();
  const components: APIButtonComponentWithCustomId[] = [];
  for (const button of buttons) {
    if (components.length >= DISCORD_LIMITS.rows * DISCORD_LIMITS.buttonsPerRow) break;
    let customId: string;
    try {
      customId = encodeAction(button.action);
    } catch {
      continue; // Longer than a custom_id can hold: the button is left out rather than the whole reply failing.
    }
    if (seen.has(customId)) continue; // Discord refuses two components with one custom_id.
    seen.add(customId);
    const style = button.style === 'primary' ? ButtonStyle.Primary : button.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Secondary;
    components.push({ type: ComponentType.Button, style, label: clip(button.label.trim() || '…', DISCORD_LIMITS.label), custom_id: customId });
  }
  const rows: DiscordButtonRow[] = [];
  for (let at = 0; at < components.length; at += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: components.slice(at, at + DISCORD_LIMITS.buttonsPerRow) });
  }
  return rows;
}

/**
 * A reply as a Discord message: a text-only reply goes in `content`; anything richer becomes embeds
 * (a heading starts an embed, tables are code blocks cut to fit), buttons become action rows and files
 * attachments. Nothing returned breaks a Discord limit.
 */
export function renderDiscord(reply: Reply, options: RenderOptions = {}): DiscordMessage {
  const maxFileBytes = options.maxFileBytes ?? DISCORD_LIMITS.fileBytes;
  const files: DiscordFile[] = [];
  const notes: string[] = [];
  let requestBytes = 0;
  for (const part of reply.parts) {
    if (part.kind !== 'file') continue;
    const data = fileBytes(part);
    if (data.length > maxFileBytes || requestBytes + data.length > DISCORD_LIMITS.requestBytes) {
      notes.push(`${part.name} (${formatBytes(data.length)}) is too large to attach on Discord (at most ${formatBytes(maxFileBytes)} a file); run it from the command line for the whole file.`);
      continue;
    }
    requestBytes += data.length;
    files.push({ name: part.name, contentType: part.contentType, data });
  }
  const moreHint = files.some((file) => file.name.toLowerCase().endsWith('.csv')) ? ' (see the attached CSV)' : '';
  const shown: MessagePart[] = [...reply.parts.filter((part) => part.kind !== 'file' && part.kind !== 'buttons'), ...notes.map((text): MessagePart => ({ kind: 'text', text }))];
  const buttons = reply.parts.flatMap((part) => (part.kind === 'buttons' ? part.buttons : []));

  let content = '';
  let embeds: APIEmbed[] = [];
  const plain = shown.every((part) => part.kind === 'text') ? shown.map((part) => toDiscordMarkdown((part as { text: string }).text)).join('\n') : null;
  if (plain !== null && plain.length <= DISCORD_LIMITS.content) {
    content = plain.trim() ? plain : '';
  } else {
    const writer = new EmbedWriter();
    for (const part of shown) {
      switch (part.kind) {
        case 'heading':
          writer.heading(part.text);
          break;
        case 'text':
          writer.text(toDiscordMarkdown(part.text));
          break;
        case 'fields':
          writer.fields(part.fields);
          break;
        case 'progress':
          writer.text(`**${part.label}** \`${progressBar(part.done, part.total)}\` (${part.done.toLocaleString('en-US')}/${part.total.toLocaleString('en-US')})`);
          break;
        case 'table':
          writer.table(part.columns, part.rows, moreHint);
          break;
        default:
          break;
      }
    }
    embeds = writer.result();
  }
  const components = buttonRows(buttons);
  // Discord refuses an empty message.
  if (!content && embeds.length === 0 && files.length === 0 && components.length === 0) content = 'Done.';
  const role = reply.mention?.platform === 'discord' && /^\d{17,20}$/.test(reply.mention.id) ? reply.mention.id : null;
  if (role) content = `<@&${role}> ${content}`.trimEnd();
  return { content, embeds, components, files, flags: reply.visibility === 'ephemeral' ? MessageFlags.Ephemeral : 0, mentionRoles: role ? [role] : [] };
}
