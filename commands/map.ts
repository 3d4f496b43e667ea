import { defineCommand, m, opt, reply } from '../src/chat/command.js';

export default defineCommand({
  name: 'map',
  description: 'Map a Shopify product type or category to a TikTok Shop category',
  examples: ['list', 'set "Tea Towels" 600144'],
  options: {
    action: opt.choice(['list', 'set'], 'What to do', { required: true }),
    type: opt.string('The Shopify product type or category, as in Shopify', { maxLength: 255 }),
    category: opt.string('The TikTok Shop category id', { maxLength: 30 }),
  },
  positional: ['action', 'type', 'category'],
  permission: ({ action }) => (action === 'list' ? 'read' : 'manage'),
  async handler(context, { action, type, category }) {
    if (action === 'list') {
      const mappings = await context.services.mappings.list();
      if (mappings.length === 0) return reply([m.text('No categories mapped yet. Example: /shop map set "Mugs" 600024')]);
      return reply([
        m.heading(`${mappings.length} category mappings`),
        m.table(['Shopify type or category', 'TikTok category', 'set by'], mappings.map((mapping) => [mapping.key, mapping.categoryId, `${mapping.origin}${mapping.by ? ` (${mapping.by})` : ''}`])),
      ]);
    }
    if (!type || !category) return reply([m.text('Give the Shopify type or category and the TikTok category id: /shop map set "Mugs" 600024')], 'ephemeral');
    if (!/^\d+$/.test(category)) return reply([m.text(`"${category}" is not a TikTok category id (digits only).`)], 'ephemeral');
    await context.services.mappings.set(type, category, context.user.name);
    return reply([m.text(`${type} → ${category}, set by ${context.user.name}. Audit again to see which products it unblocks.`)]);
  },
});
