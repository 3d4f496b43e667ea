import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { renderSummaryChart, type SummaryChartData } from '../../src/schedule/summary-chart.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const day = (date: string, submitted: number) => ({
  date, live: Math.round(submitted * 0.8), inReview: Math.round(submitted * 0.1), rejected: Math.round(submitted * 0.06),
  error: Math.round(submitted * 0.04), pending: 1000 - submitted,
});
const fortnight = (firstDay: number, count: number) =>
  Array.from({ length: count }, (_, i) => day(`2026-11-${String(firstDay + i).padStart(2, '0')}`, 60 * (i + 1)));

const full: SummaryChartData = {
  days: fortnight(1, 14),
  failuresByReason: [
    { reason: 'Main image has a watermark or text overlay', count: 14 },
    { reason: 'Category requires a certification document (CE, UKCA or FCC) that was not supplied with the product listing', count: 9 },
    { reason: 'Package dimensions missing', count: 6 },
    { reason: 'Prohibited keyword in title', count: 3 },
    { reason: 'TIKTOK_RATE_LIMITED', count: 1 },
  ],
};
const empty: SummaryChartData = { days: [], failuresByReason: [] };

/** Width and height from the IHDR chunk, which a PNG must start with. */
function pngSize(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

type Rgb = [number, number, number];
const colours = {
  green: ([r, g, b]: Rgb) => g > 120 && g > r + 50 && g > b + 50,
  blue: ([r, , b]: Rgb) => b > 150 && b > r + 60,
  orange: ([r, g, b]: Rgb) => r > 200 && g > 100 && g < 180 && b < 60,
  red: ([r, g, b]: Rgb) => r > 160 && g < 80 && b < 80,
  lightGrey: ([r, g, b]: Rgb) => [r, g, b].every((c) => c > 190 && c < 225) && Math.abs(r - b) < 25,
};

/** Decodes the PNG and gives each pixel's colour, row by row, in the columns [fromX, toX). */
async function pixels(png: Buffer, fromX: number, toX: number): Promise<Rgb[][]> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  return Array.from({ length: image.height }, (_, y) =>
    Array.from({ length: toX - fromX }, (_, i): Rgb => {
      const at = (y * image.width + fromX + i) * 4;
      return [data[at]!, data[at + 1]!, data[at + 2]!];
    }),
  );
}

const count = (rows: Rgb[][], is: (pixel: Rgb) => boolean) => rows.flat().filter(is).length;

// At the default 1200 px the progress panel is about the left 56%.
const progressPanel = (png: Buffer) => pixels(png, 0, 660);
const failuresPanel = (png: Buffer) => pixels(png, 680, 1200);
const sha256 = (png: Buffer) => createHash('sha256').update(png).digest('hex');

describe('renderSummaryChart', () => {
  it('renders a 1200×600 PNG by default', async () => {
    const png = await renderSummaryChart(full);
    expect(pngSize(png)).toEqual({ width: 1200, height: 600 });
    expect(png.length).toBeGreaterThan(5_000);
    mkdirSync('test/.out', { recursive: true });
    writeFileSync('test/.out/summary-chart.png', png);
  });

  it('renders at the size asked for', async () => {
    expect(pngSize(await renderSummaryChart(full, { width: 800, height: 400 }))).toEqual({ width: 800, height: 400 });
  });

  it('stacks live in green, in review in blue, rejected in orange, failed in red and pending in light grey', async () => {
    const panel = await progressPanel(await renderSummaryChart({ ...full, failuresByReason: [] }));
    // A legend swatch is about 170 px; an area is thousands.
    for (const is of Object.values(colours)) expect(count(panel, is)).toBeGreaterThan(2_000);
  });

  it('draws one red bar per reason', async () => {
    const panel = await failuresPanel(await renderSummaryChart(full));
    const redRows = panel.map((row) => row.some(colours.red));
    expect(redRows.filter((red, y) => red && !redRows[y - 1]).length).toBe(5);
  });

  it('shortens a very long reason so the bars keep most of the panel', async () => {
    // Unshortened, the label takes the half of the panel Chart.js allows and is cut off at its left edge.
    const panel = await pixels(await renderSummaryChart(full), 672, 1200);
    const barsStartAt = Math.min(...panel.map((row) => row.findIndex(colours.red)).filter((x) => x >= 0));
    expect(barsStartAt).toBeLessThan(panel[0]!.length * 0.45);
  });

  it('keeps the 8 largest reasons', async () => {
    const reasons = Array.from({ length: 12 }, (_, i) => ({ reason: `reason ${i}`, count: i + 1 }));
    const largestFirst = reasons.toReversed();
    expect(sha256(await renderSummaryChart({ days: full.days, failuresByReason: reasons })))
      .toBe(sha256(await renderSummaryChart({ days: full.days, failuresByReason: largestFirst.slice(0, 8) })));
  });

  it('keeps the last 14 days', async () => {
    const days = fortnight(1, 20);
    expect(sha256(await renderSummaryChart({ days, failuresByReason: full.failuresByReason })))
      .toBe(sha256(await renderSummaryChart({ days: days.slice(-14), failuresByReason: full.failuresByReason })));
  });

  it('draws a note instead of a chart when there are no days and no failures', async () => {
    const png = await renderSummaryChart(empty);
    expect(pngSize(png)).toEqual({ width: 1200, height: 600 });
    const whole = await pixels(png, 0, 1200);
    for (const is of [colours.green, colours.red]) expect(count(whole, is)).toBe(0);
    // Titles and notes only: far less to compress than the full chart.
    expect(png.length * 3).toBeLessThan((await renderSummaryChart(full)).length);
  });

  it('renders a single day, which has no area to fill', async () => {
    expect(pngSize(await renderSummaryChart({ days: full.days.slice(-1), failuresByReason: [] }))).toEqual({ width: 1200, height: 600 });
  });
});
