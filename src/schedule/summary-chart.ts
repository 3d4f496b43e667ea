import { createCanvas, type Canvas } from '@napi-rs/canvas';
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Title,
  type ChartConfiguration, type ChartItem, type Plugin,
} from 'chart.js';

export interface SummaryChartData {
  /** Oldest first, up to 14 days: the listing counts by state at the end of each day (UTC date 'YYYY-MM-DD'). */
  days: { date: string; live: number; inReview: number; rejected: number; error: number; pending: number }[];
  /** New failures in the last day by reason, largest first (the chart keeps the top 8 and truncates long labels). */
  failuresByReason: { reason: string; count: number }[];
}

type Day = SummaryChartData['days'][number];

const MAX_DAYS = 14;
const TOP_REASONS = 8;
const LEFT_SHARE = 0.56;
// Chart.js gives a vertical axis at most half its chart and cuts longer labels off; a third and a bit leaves room for ticks and padding.
const LABEL_SHARE = 0.36;
const LABEL_FONT_PX = 12;
const FONT_FAMILY = "'DejaVu Sans', Arial, sans-serif";
const TEXT = '#333333';
const GRID = '#e5e5e5';
const FAILED_RED = '#c92a2a';

// Stacked bottom to top: done work at the bottom, failures next, work not yet started on top.
const STATES: { key: keyof Omit<Day, 'date'>; label: string; colour: string }[] = [
  { key: 'live', label: 'Live', colour: '#2f9e44' },
  { key: 'inReview', label: 'In review', colour: '#4c8fd6' },
  { key: 'rejected', label: 'Rejected', colour: '#f08c00' },
  { key: 'error', label: 'Failed', colour: FAILED_RED },
  { key: 'pending', label: 'Pending', colour: '#ced4da' },
];

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Filler, Legend, Title);

const font = (size: number, weight: 'normal' | 'bold' = 'normal') => ({ family: FONT_FAMILY, size, weight });

/** The daily summary's PNG: listings by state over the last 14 days, and the last day's new failures by reason. */
export async function renderSummaryChart(data: SummaryChartData, options: { width?: number; height?: number } = {}): Promise<Buffer> {
  const width = Math.round(options.width ?? 1200);
  const height = Math.round(options.height ?? 600);
  const leftWidth = Math.round(width * LEFT_SHARE);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  // Opaque, so the chart reads the same in dark-mode chat clients.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  drawPanel(canvas, 0, progressChart(data.days.slice(-MAX_DAYS)), leftWidth, height);
  drawPanel(canvas, leftWidth, failuresChart(data.failuresByReason, width - leftWidth), width - leftWidth, height);
  return canvas.encode('png');
}

/** Chart.js clears its whole canvas, so each panel is drawn on its own and copied in. */
function drawPanel(target: Canvas, x: number, config: ChartConfiguration, width: number, height: number): void {
  const panel = createCanvas(width, height);
  // Chart.js only needs getContext('2d') and width/height, which @napi-rs/canvas has.
  const chart = new Chart(panel as unknown as ChartItem, { ...config, options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 } });
  target.getContext('2d').drawImage(panel, x, 0);
  chart.destroy();
}

function progressChart(days: Day[]): ChartConfiguration {
  const empty = days.length === 0;
  return {
    type: 'line',
    data: {
      labels: days.map((day) => shortDate(day.date)),
      datasets: STATES.map((state, i) => ({
        label: state.label,
        data: days.map((day) => day[state.key]),
        borderColor: state.colour,
        backgroundColor: state.colour,
        fill: i === 0 ? 'origin' : '-1',
        borderWidth: 1,
        // A single day has no area to fill, so show its points.
        pointRadius: days.length === 1 ? 4 : 0,
      })),
    },
    options: {
      layout: { padding: { top: 8, right: 16, bottom: 8, left: 12 } },
      scales: {
        x: { display: !empty, offset: days.length === 1, grid: { color: GRID }, ticks: { color: TEXT, font: font(12) }, title: { display: true, text: 'day (UTC)', color: TEXT, font: font(12) } },
        y: {
          display: !empty, stacked: true, beginAtZero: true, grid: { color: GRID },
          ticks: { color: TEXT, font: font(12), precision: 0 }, title: { display: true, text: 'listings', color: TEXT, font: font(12) },
        },
      },
      plugins: {
        title: { display: true, text: 'Migration progress, last 14 days', color: TEXT, font: font(16, 'bold'), padding: { bottom: 8 } },
        legend: { display: !empty, position: 'bottom', labels: { color: TEXT, font: font(12), boxWidth: 14 } },
      },
    },
    plugins: empty ? [note('No migration data yet')] : [],
  };
}

function failuresChart(failuresByReason: SummaryChartData['failuresByReason'], panelWidth: number): ChartConfiguration {
  const top = failuresByReason.filter((f) => f.count > 0).sort((a, b) => b.count - a.count).slice(0, TOP_REASONS);
  const empty = top.length === 0;
  return {
    type: 'bar',
    data: {
      labels: top.map((f) => fitLabel(f.reason, LABEL_FONT_PX, panelWidth * LABEL_SHARE)),
      datasets: [{ label: 'new failures', data: top.map((f) => f.count), backgroundColor: FAILED_RED, maxBarThickness: 36 }],
    },
    options: {
      indexAxis: 'y',
      layout: { padding: { top: 8, right: 36, bottom: 8, left: 12 } },
      scales: {
        x: {
          display: !empty, beginAtZero: true, grid: { color: GRID },
          ticks: { color: TEXT, font: font(12), precision: 0 }, title: { display: true, text: 'listings', color: TEXT, font: font(12) },
        },
        y: { display: !empty, grid: { display: false }, ticks: { color: TEXT, font: font(LABEL_FONT_PX) } },
      },
      plugins: {
        title: { display: true, text: 'New failures by reason, last 24 h', color: TEXT, font: font(16, 'bold'), padding: { bottom: 8 } },
        legend: { display: false },
      },
    },
    plugins: [empty ? note('No new failures') : barValues],
  };
}

/** Centres a grey note in an empty panel, under its title. */
function note(text: string): Plugin {
  return {
    id: 'note',
    afterDraw(chart) {
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.fillStyle = '#868e96';
      ctx.font = `15px ${FONT_FAMILY}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, (chartArea.left + chartArea.right) / 2, (chartArea.top + chartArea.bottom) / 2);
      ctx.restore();
    },
  };
}

/** Writes each bar's count just past its end. */
const barValues: Plugin = {
  id: 'bar-values',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    ctx.save();
    ctx.fillStyle = TEXT;
    ctx.font = `12px ${FONT_FAMILY}`;
    ctx.textBaseline = 'middle';
    meta.data.forEach((bar, i) => ctx.fillText(String(chart.data.datasets[0]?.data[i] ?? ''), bar.x + 4, bar.y));
    ctx.restore();
  },
};

const shortDate = (date: string): string =>
  new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** Shortens a label to fit `maxWidthPx`; Chart.js would otherwise clip it at the left edge. */
function fitLabel(label: string, fontPx: number, maxWidthPx: number): string {
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = `${fontPx}px ${FONT_FAMILY}`;
  if (ctx.measureText(label).width <= maxWidthPx) return label;
  let end = label.length - 1;
  while (end > 1 && ctx.measureText(`${label.slice(0, end).trimEnd()}…`).width > maxWidthPx) end -= 1;
  return `${label.slice(0, end).trimEnd()}…`;
}
