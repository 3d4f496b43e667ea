import { parseArgs } from 'node:util';
import { REGIONS, regionCodeSchema } from '../audit/regions.js';
import { allRules } from '../audit/rules/index.js';
import { UserInputError } from '../errors.js';
import type { CommandIo } from './audit-command.js';

/** `shopshift rules`: the rule catalogue with each rule's severity, source and fix, and the region's limits. */
export function rulesCommand(args: string[], io: CommandIo): number {
  const { values } = parseArgs({ args, options: { region: { type: 'string' } } });
  const region = regionCodeSchema.safeParse((values.region ?? io.config.TIKTOK_REGION).toUpperCase().replace(/^UK$/, 'GB'));
  if (!region.success) throw new UserInputError(`--region must be one of ${Object.keys(REGIONS).join(', ')}.`);
  const limits = REGIONS[region.data];
  const lines = [
    `TikTok Shop ${limits.code} (${limits.name}): currency ${limits.currency}, title ${limits.titleMin}-${limits.titleMax} characters, at most ${limits.maxSkus} SKUs,`,
    `local price ${limits.localPrice.min}-${limits.localPrice.max.toLocaleString('en-US')} ${limits.currency}, package dimensions ${limits.dimensionsRequiredLocal ? 'required' : 'optional'} for local sellers.`,
    '',
  ];
  for (const rule of allRules) {
    lines.push(`${rule.id} (${rule.severity}): ${rule.summary}`, `  source: ${rule.fact}`, `  fix:    ${rule.hint}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
