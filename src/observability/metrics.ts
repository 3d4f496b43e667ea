/**
 * A small metrics registry rendering the Prometheus text exposition format (version 0.0.4).
 * Six series need no client library: prom-client's histograms, default process metrics and
 * global registry would be most of what it brings, and the format is stable and short.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type LabelValues<L extends string> = { readonly [K in L]: string };

export interface Counter<L extends string> {
  inc(labels: LabelValues<L>, by?: number): void;
  /** Shows the series at 0 before its first increment, so a rate over it starts from the first event. */
  declare(labels: LabelValues<L>): void;
  value(labels: LabelValues<L>): number;
}

export interface Gauge<L extends string> {
  set(labels: LabelValues<L>, value: number): void;
  value(labels: LabelValues<L>): number | undefined;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames: readonly string[];
  series: Map<string, { labels: Record<string, string>; value: number }>;
  /** Computed at scrape time; replaces the stored series. */
  collect?: () => Promise<readonly { labels: Record<string, string>; value: number }[]>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatSample(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labelNames: readonly string[], labels: Record<string, string>): string {
  if (labelNames.length === 0) return '';
  return `{${labelNames.map((name) => `${name}="${escapeLabel(labels[name] ?? '')}"`).join(',')}}`;
}

export function createMetricsRegistry() {
  const families: Family[] = [];

  function family(name: string, help: string, type: Family['type'], labelNames: readonly string[]): Family {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const label of labelNames) if (!LABEL.test(label) || label.startsWith('__')) throw new Error(`invalid label name ${label}`);
    if (families.some((existing) => existing.name === name)) throw new Error(`metric ${name} registered twice`);
    const created: Family = { name, help, type, labelNames, series: new Map() };
    families.push(created);
    return created;
  }

  const keyOf = (entry: Family, labels: Record<string, string>) => JSON.stringify(entry.labelNames.map((name) => labels[name] ?? ''));

  function slot(entry: Family, labels: Record<string, string>) {
    const key = keyOf(entry, labels);
    let found = entry.series.get(key);
    if (!found) {
      found = { labels: { ...labels }, value: 0 };
      entry.series.set(key, found);
    }
    return found;
  }

  return {
    counter<const L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
      const entry = family(name, help, 'counter', labelNames);
      return {
        inc(labels, by = 1) {
          if (!(by >= 0)) throw new Error(`counter ${name} can only go up`);
          slot(entry, labels).value += by;
        },
        declare(labels) {
          slot(entry, labels);
        },
        value: (labels) => entry.series.get(keyOf(entry, labels))?.value ?? 0,
      };
    },

    gauge<const L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
      const entry = family(name, help, 'gauge', labelNames);
      return {
        set(labels, value) {
          slot(entry, labels).value = value;
        },
        value: (labels) => entry.series.get(keyOf(entry, labels))?.value,
      };
    },

    /** A gauge read when scraped (a queue's length), not kept up to date by the code that changes it. */
    collectedGauge<const L extends string>(name: string, help: string, labelNames: readonly L[], collect: () => Promise<readonly { labels: LabelValues<L>; value: number }[]>): void {
      family(name, help, 'gauge', labelNames).collect = collect;
    },

    /** Every family in the text exposition format; a family whose collection fails is left out, not the whole page. */
    async render(onCollectError?: (name: string, error: unknown) => void): Promise<string> {
      const lines: string[] = [];
      for (const entry of families) {
        let series = [...entry.series.values()];
        if (entry.collect) {
          try {
            series = [...(await entry.collect())];
          } catch (error) {
            onCollectError?.(entry.name, error);
            continue;
          }
        }
        lines.push(`# HELP ${entry.name} ${escapeHelp(entry.help)}`, `# TYPE ${entry.name} ${entry.type}`);
        for (const { labels, value } of series) lines.push(`${entry.name}${formatLabels(entry.labelNames, labels)} ${formatSample(value)}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

export type MetricsRegistry = ReturnType<typeof createMetricsRegistry>;
