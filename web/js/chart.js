// Line charts of (time, value) series, one line per series (e.g. per key), drawn by uPlot (npm, web/node_modules; installed
// by scripts/install-web.sh). Times are ms and shown in UTC; a drag over the plot zooms into that time range.
import { h, fill, message } from './dom.js';

/** Colours of the series, in order (repeats after the last). */
export const COLOURS = ['#2160c4', '#c4572a', '#1e7b34', '#8a3ab9', '#b58a00', '#0f8b8d', '#c2185b', '#5d6d7e', '#6d4c41', '#00838f'];

let library = null;
const loadLibrary = () => {
  library ??= import('../node_modules/uplot/dist/uPlot.esm.js').then((m) => m.default);
  return library;
};

/** Series on one time axis: the union of their times, null where a series has no point (lines span the gaps). */
export function align(series) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const y = new Array(times.length).fill(null);
    for (const [t, v] of s.points) y[at.get(t)] = v;
    return y;
  });
  return [times, ...ys];
}

/**
 * Draws series = [{name, points: [[t ms, value]]}] into box (a div; its width is followed). onZoom(from, to) is called with
 * the time range the user dragged over (ms). Returns a function that removes the chart. The box gets data-series (how many
 * lines) and data-points (how many points in all) for whoever reads the page.
 */
export async function drawChart(box, series, { label = '', height = 280, onZoom } = {}) {
  let uPlot;
  try { uPlot = await loadLibrary(); } catch (e) {
    fill(box, message('error', `The charting library could not be loaded (${e.message}); install it with scripts/install-web.sh.`));
    return () => {};
  }
  const points = series.reduce((n, s) => n + s.points.length, 0);
  box.dataset.series = String(series.length);
  box.dataset.points = String(points);
  if (points === 0) { fill(box, h('p.muted', 'No numeric values to plot.')); return () => {}; }
  const width = () => Math.max(200, box.clientWidth || 600);
  const opts = {
    title: label,
    width: width(),
    height,
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    legend: { live: true },
    series: [{ label: 'time (UTC)', value: (u, ts) => (ts == null ? '—' : new Date(ts).toISOString().replace('T', ' ').replace('.000Z', '').replace('Z', '')) }, ...series.map((s, i) => ({
      label: s.name, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: true,
      points: { show: s.points.length <= 400, size: 5, fill: COLOURS[i % COLOURS.length] },
    }))],
    axes: [{ space: 90, values: (u, splits) => timeTicks(splits) }, { size: 60 }],
    hooks: {
      setSelect: [(u) => {
        if (!onZoom || u.select.width < 3) return;
        const from = Math.floor(u.posToVal(u.select.left, 'x'));
        const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x')) + 1;
        onZoom(from, to);
      }],
    },
  };
  fill(box);
  const chart = new uPlot(opts, align(series), box);
  box.chart = chart;
  const resize = new ResizeObserver(() => { if (Math.abs(chart.width - width()) > 2) chart.setSize({ width: width(), height }); });
  resize.observe(box);
  return () => { resize.disconnect(); chart.destroy(); };
}

/** Tick labels in UTC, as precise as the ticks' spacing needs (ISO order: dates, then 24-hour times). */
export function timeTicks(splits) {
  const step = splits.length > 1 ? splits[1] - splits[0] : 0;
  const iso = (t) => new Date(t).toISOString();
  if (step >= 86_400_000) return splits.map((t) => iso(t).slice(0, 10));
  if (step >= 3_600_000) return splits.map((t) => iso(t).slice(5, 16).replace('T', ' '));
  if (step >= 60_000) return splits.map((t, i) => (i === 0 || iso(t).slice(0, 10) !== iso(splits[i - 1]).slice(0, 10) ? iso(t).slice(5, 16).replace('T', ' ') : iso(t).slice(11, 16)));
  return splits.map((t) => iso(t).slice(11, 19));
}

/** A small inline SVG line of values (e.g. events per second over the last minutes), scaled to its own min/max. */
export function sparkline(values, { width = 90, height = 22, title = '' } = {}) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const t = document.createElementNS(NS, 'title');
  t.textContent = title;
  svg.append(t);
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return svg;
  const lo = Math.min(...finite); const hi = Math.max(...finite);
  const y = (v) => height - 2 - (hi === lo ? (height - 4) / 2 : (v - lo) / (hi - lo) * (height - 4));
  const line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', values.map((v, i) => `${(i / (values.length - 1) * (width - 2) + 1).toFixed(1)},${Number.isFinite(v) ? y(v).toFixed(1) : height - 2}`).join(' '));
  svg.append(line);
  return svg;
}
