import Papa from 'papaparse';
import { encodeAction, m, reply, type Button, type MessagePart, type Reply } from '../chat/message.js';
import type { Incident } from '../store/schema.js';

/** Items named in a grouped alert; the attached CSV lists all of them. */
export const GROUP_ITEMS_SHOWN = 10;
const TOP_REASONS = 5;
const MUTE_FOR = '24h';

const ADVICE: Record<Incident['kind'], string> = {
  listing_rejected: 'Fix it in Shopify, then edit the listing on TikTok Shop.',
  listing_error: 'Retry once the cause is fixed; the next migration run also picks it up.',
  sync_failure: 'The TikTok listing keeps its last good version until the product is fixed in Shopify.',
  migration_failed: 'Resume the migration with /shop migration resume once the cause is fixed.',
  stuck_in_review: 'TikTok review usually takes from seconds to 2 business days. Check the product in Seller Center for a pending requirement (certificates, KYC), or ask TikTok Shop seller support about its product id.',
};

const clock = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** A button only when its action fits Discord's 100-character custom id (a very long handle may not). */
function fitting(...buttons: Button[]): Button[] {
  return buttons.filter((button) => {
    try {
      encodeAction(button.action);
      return true;
    } catch {
      return false;
    }
  });
}

const acknowledgeButton = (messageId: string, label = 'Acknowledge'): Button => ({ label, action: { command: 'alerts', args: { action: 'ack', target: messageId } } });

/** Where a set of incidents stands now: recovered, acknowledged, still failing. */
function statusLine(incidents: readonly Incident[]): string | null {
  const resolved = incidents.filter((incident) => incident.resolvedAt !== null);
  const acknowledged = incidents.find((incident) => incident.acknowledgedBy !== null);
  const repeats = incidents.reduce((sum, incident) => sum + incident.occurrences - 1, 0);
  const parts: string[] = [];
  if (incidents.length === 1 && resolved.length === 1) parts.push(`✅ Recovered ${clock(resolved[0]!.resolvedAt!)}`);
  else if (resolved.length === incidents.length) parts.push(`✅ All ${incidents.length} recovered`);
  else if (resolved.length) parts.push(`✅ ${resolved.length} of ${incidents.length} recovered`);
  if (acknowledged) parts.push(`Acknowledged by ${acknowledged.acknowledgedBy} ${clock(acknowledged.acknowledgedAt!)}`);
  if (repeats > 0) parts.push(`reported ${repeats} more time${repeats === 1 ? '' : 's'} since`);
  return parts.length ? parts.join(' · ') : null;
}

function singleAlert(incident: Incident, messageId: string): MessagePart[] {
  const open = incident.resolvedAt === null;
  const handle = incident.subject.startsWith('job:') ? null : incident.subject;
  const buttons = open
    ? fitting(
      ...(incident.kind === 'listing_error' && handle ? [{ label: 'Retry', action: { command: 'failures', args: { retry: handle } }, style: 'primary' as const }] : []),
      ...(incident.acknowledgedBy === null ? [acknowledgeButton(messageId)] : []),
      ...(handle ? [{ label: `Mute ${MUTE_FOR}`, action: { command: 'alerts', args: { action: 'mute', target: handle, duration: MUTE_FOR } } }] : []),
    )
    : [];
  const status = statusLine([incident]);
  return [
    m.heading(incident.headline),
    m.text(incident.reasons.length ? incident.reasons.map((reason) => `• ${reason}`).join('\n') : 'TikTok gave no reason.'),
    m.text(ADVICE[incident.kind]),
    ...(status ? [m.text(status)] : []),
    ...(buttons.length ? [m.buttons(...buttons)] : []),
  ];
}

const KIND_LABELS: Record<Incident['kind'], string> = {
  listing_rejected: 'Rejected by review', listing_error: 'Could not be listed', sync_failure: 'Sync failures', migration_failed: 'Migrations stopped',
  stuck_in_review: 'Stuck in review',
};

/** Counts of the incidents' first reasons, largest first. */
export function topReasons(incidents: readonly Incident[], limit = TOP_REASONS): [string, number][] {
  const counts = new Map<string, number>();
  for (const incident of incidents) {
    const reason = incident.reasons[0] ?? 'no reason given';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
}

function groupAlert(incidents: readonly Incident[], messageId: string): MessagePart[] {
  const byKind = new Map<Incident['kind'], number>();
  for (const incident of incidents) byKind.set(incident.kind, (byKind.get(incident.kind) ?? 0) + 1);
  const unacknowledged = incidents.some((incident) => incident.resolvedAt === null && incident.acknowledgedBy === null);
  const status = statusLine(incidents);
  const shown = incidents.slice(0, GROUP_ITEMS_SHOWN);
  return [
    m.heading(`${incidents.length.toLocaleString('en-US')} listing failures`),
    m.fields(Object.fromEntries([...byKind].map(([kind, count]) => [KIND_LABELS[kind], count]))),
    m.table(['top reasons', 'products'], topReasons(incidents)),
    m.text(
      shown.map((incident) => `• ${incident.subject}: ${incident.reasons[0] ?? 'no reason given'}`).join('\n') +
        (incidents.length > shown.length ? `\n… and ${(incidents.length - shown.length).toLocaleString('en-US')} more in the CSV in this alert's thread.` : ''),
    ),
    ...(status ? [m.text(status)] : []),
    ...(unacknowledged ? [m.buttons(acknowledgeButton(messageId, 'Acknowledge all'))] : []),
  ];
}

/**
 * The alert message for the incidents one post announced, as they stand now: built again from the
 * store when one recovers or is acknowledged, so the original message can be replaced.
 */
export function alertMessage(incidents: readonly Incident[], messageId: string): Reply {
  const parts = incidents.length === 1 ? singleAlert(incidents[0]!, messageId) : groupAlert(incidents, messageId);
  return reply(parts);
}

/** Every incident of a grouped alert, one row each, for the file in its thread. */
export function incidentsCsv(incidents: readonly Incident[]): string {
  const rows = incidents.map((incident) => [incident.subject, incident.kind, incident.reasons.join('; '), incident.openedAt, incident.occurrences]);
  return `${Papa.unparse({ fields: ['product', 'kind', 'reasons', 'first_seen', 'occurrences'], data: rows }, { newline: '\n', escapeFormulae: true })}\n`;
}

export function csvMessage(incidents: readonly Incident[], openedAt: string): Reply {
  return reply([
    m.text(`All ${incidents.length.toLocaleString('en-US')} failures of this alert.`),
    m.file(`failures-${openedAt.slice(0, 16).replace(/[-:T]/g, '')}.csv`, incidentsCsv(incidents)),
  ]);
}

export function recoveryMessage(recovered: readonly Incident[]): Reply {
  const names = recovered.slice(0, GROUP_ITEMS_SHOWN).map((incident) => incident.subject);
  const more = recovered.length - names.length;
  return reply([m.text(`✅ Recovered: ${names.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}.`)]);
}

export function reminderMessage(stillOpen: readonly Incident[], openedAt: string, messageId: string): Reply {
  return reply([
    m.text(`⏰ Still failing since ${clock(openedAt)} and not acknowledged: ${stillOpen.length.toLocaleString('en-US')} ${stillOpen.length === 1 ? 'listing' : 'listings'} (${stillOpen.slice(0, 3).map((incident) => incident.subject).join(', ')}${stillOpen.length > 3 ? ', …' : ''}).`),
    m.buttons(acknowledgeButton(messageId)),
  ]);
}
