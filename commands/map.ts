import { defineCommand, m, opt, reply } from '../src/chat/command.js';
import type { CategoryMapping } from '../src/store/store.js';

/** Discord shows 25 buttons a message (5 rows of 5), Slack 25 an actions block: one per row and "Accept all". */
const ROW_BUTTONS = 24;
const LABEL_MAX = 75;
/** Chat tables clip a cell at 40 characters (Discord every column); the leaf end of a path is the part that matters. */
const PATH_SHOWN = 40;

function leafEnd(path: string): string {
  if (path.length <= PATH_SHOWN) return path;
  const tail = path.slice(-(PATH_SHOWN - 2));
  return `… ${tail.slice(tail.indexOf(' ') + 1)}`;
}

function origin(mapping: CategoryMapping): string {
  switch (mapping.origin) {
    case 'accepted':
      return `suggested by TikTok Shop, accepted by ${mapping.by ?? 'someone'}`;
    case 'suggested':
      return 'suggested by TikTok Shop';
    case 'file':
      return 'mapping file';
    case 'manual':
      return `set by ${mapping.by ?? 'someone'}`;
  }
}

export default defineCommand({
  name: 'map',
  description: 'Map Shopify product types or categories to TikTok Shop categories, or take TikTok’s suggestions',
  examples: ['list', 'set "Tea Towels" 600144', 'suggest', 'accept 2', 'accept all'],
  options: {
    action: opt.choice(['list', 'set', 'suggest', 'accept'], 'What to do', { required: true }),
    type: opt.string('The Shopify product type or category, as in Shopify (accept: a row number of map suggest, or all)', { maxLength: 255 }),
    category: opt.string('The TikTok Shop category id', { maxLength: 30 }),
  },
  positional: ['action', 'type', 'category'],
  permission: ({ action }) => (action === 'list' || action === 'suggest' ? 'read' : 'manage'),
  // Suggest reads the whole catalog, as an audit does.
  cost: ({ action }) => (action === 'suggest' ? 'audit' : null),
  async handler(context, { action, type, category }) {
    const { mappings } = context.services;
    if (action === 'list') {
      const list = await mappings.list();
      if (list.length === 0) return reply([m.text('No categories mapped yet. Example: /shop map set "Mugs" 600024, or /shop map suggest')]);
      return reply([
        m.heading(`${list.length} category mappings`),
        m.table(['Shopify type or category', 'TikTok category', 'from'], list.map((mapping) => [mapping.key, mapping.categoryId, origin(mapping)])),
      ]);
    }
    if (action === 'suggest') {
      await context.progress('Looking for unmapped product types…');
      let lastUpdate = context.now();
      const outcome = await mappings.suggest((text) => {
        if (context.now() - lastUpdate < 5_000) return;
        lastUpdate = context.now();
        void context.progress(text);
      });
      const { rows } = outcome;
      if (rows.length === 0) return reply([m.text('Every product type and category in the catalog is mapped.')]);
      const acceptable = rows.map((row, index) => ({ row, number: index + 1 })).filter(({ row }) => row.categoryId !== null);
      const withButtons = acceptable.slice(0, ROW_BUTTONS);
      const products = rows.reduce((sum, row) => sum + row.products, 0);
      return reply([
        m.heading(`${rows.length} unmapped product types (${products.toLocaleString('en-US')} products): TikTok Shop suggests`),
        m.table(['#', 'Shopify type or category', 'products', 'TikTok id', 'suggested TikTok category'], rows.map((row, index) => [
          String(index + 1), row.key, row.products, row.categoryId ?? '-', row.categoryId === null ? '(no suggestion)' : leafEnd(row.path ?? ''),
        ])),
        ...(outcome.refused ? [m.text(`TikTok Shop would not suggest a category for ${outcome.refused} of them; map those with /shop map set.`)] : []),
        ...(acceptable.length > withButtons.length
          ? [m.text(`Buttons cover the first ${withButtons.length} rows; use /shop map accept <n> for a row or /shop map accept all.`)]
          : []),
        ...(withButtons.length
          ? [m.buttons(
            ...withButtons.map(({ row, number }) => ({ label: `Accept ${number}: ${row.key}`.slice(0, LABEL_MAX), action: { command: 'map', args: { action: 'accept', type: row.id } } })),
            { label: 'Accept all', style: 'primary' as const, action: { command: 'map', args: { action: 'accept', type: 'all' } } },
          )]
          : []),
      ]);
    }
    if (action === 'accept') {
      if (!type) return reply([m.text('Name the row of /shop map suggest to accept, or all: /shop map accept 2')], 'ephemeral');
      const { accepted, skipped } = await mappings.accept(type, context.user.name);
      const lines = [
        ...accepted.map((suggestion) => `${suggestion.key} → ${suggestion.categoryId} ${suggestion.path ?? ''}`.trim()),
        ...skipped.map(({ key, reason }) => `${key}: not changed, ${reason}`),
      ];
      const head = accepted.length
        ? `${accepted.length} suggested ${accepted.length === 1 ? 'category' : 'categories'} accepted by ${context.user.name}. Audit again to see which products ${accepted.length === 1 ? 'it unblocks' : 'they unblock'}.`
        : 'Nothing accepted.';
      return reply([m.text([head, ...lines].join('\n'))], accepted.length ? 'channel' : 'ephemeral');
    }
    if (!type || !category) return reply([m.text('Give the Shopify type or category and the TikTok category id: /shop map set "Mugs" 600024')], 'ephemeral');
    if (!/^\d+$/.test(category)) return reply([m.text(`"${category}" is not a TikTok category id (digits only).`)], 'ephemeral');
    await mappings.set(type, category, context.user.name);
    return reply([m.text(`${type} → ${category}, set by ${context.user.name}. Audit again to see which products it unblocks.`)]);
  },
});
