// A small SVG line chart of (time, value) series, one line per series (e.g. per key); no library.
const NS = 'http://www.w3.org/2000/svg';
const el = (tag, attrs, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
};

/** Colours of the series, in order (repeats after the last). */
export const COLOURS = ['#2160c4', '#c4572a', '#1e7b34', '#8a3ab9', '#b58a00', '#0f8b8d', '#c2185b', '#5d6d7e', '#6d4c41', '#00838f'];

/**
 * series: [{name, points: [{t: ms, v: number}]}] (or a plain points array: one unnamed series). Returns an
 * <svg class="chart"> that scales to its container's width (viewBox), with a legend when there are several series.
 */
export function lineChart(series, { width = 720, height = 280, label = '' } = {}) {
  const all = Array.isArray(series) && series.length && !('points' in series[0]) ? [{ name: '', points: series }] : series;
  const pad = { left: 64, right: 16, top: 20, bottom: 36 };
  const lines = all.map((s) => ({ name: s.name, data: s.points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t)).sort((a, b) => a.t - b.t) }));
  const legend = lines.length > 1 ? 18 * Math.ceil(lines.length / 4) : 0;
  const total = height + legend;
  const svg = el('svg', { class: 'chart', width, height: total, viewBox: `0 0 ${width} ${total}`, role: 'img', 'aria-label': label });
  const data = lines.flatMap((l) => l.data);
  if (data.length === 0) {
    svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No numeric values to plot.'));
    return svg;
  }
  let [t0, t1] = [Math.min(...data.map((p) => p.t)), Math.max(...data.map((p) => p.t))];
  let [v0, v1] = [Math.min(...data.map((p) => p.v)), Math.max(...data.map((p) => p.v))];
  if (t0 === t1) { t0 -= 1; t1 += 1; }
  if (v0 === v1) { v0 -= 1; v1 += 1; }
  const x = (t) => pad.left + (t - t0) / (t1 - t0) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v - v0) / (v1 - v0) * (height - pad.top - pad.bottom);
  svg.append(el('line', { class: 'axis', x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom }));
  svg.append(el('line', { class: 'axis', x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom }));
  for (let i = 0; i <= 4; i++) {
    const v = v0 + (v1 - v0) * i / 4;
    svg.append(el('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatTick(v)));
    const t = t0 + (t1 - t0) * i / 4;
    svg.append(el('text', { x: x(t), y: height - pad.bottom + 16, 'text-anchor': 'middle' }, new Date(t).toISOString().slice(0, 16).replace('T', ' ')));
  }
  svg.append(el('text', { x: pad.left, y: 13 }, label));
  lines.forEach((line, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const g = el('g', { class: 'series', 'data-series': line.name });
    g.append(el('polyline', { class: 'line', style: `stroke:${colour}`, points: line.data.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
    for (const p of line.data) {
      const c = el('circle', { class: 'point', style: `fill:${colour}`, cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5 });
      c.append(el('title', {}, `${line.name ? `${line.name} ` : ''}${new Date(p.t).toISOString()}: ${p.v}`));
      g.append(c);
    }
    svg.append(g);
    if (lines.length > 1) {
      const lx = pad.left + (i % 4) * ((width - pad.left) / 4);
      const ly = height + 12 + 18 * Math.floor(i / 4);
      svg.append(el('rect', { x: lx, y: ly - 8, width: 10, height: 10, style: `fill:${colour}` }));
      svg.append(el('text', { class: 'legend', x: lx + 14, y: ly + 1 }, line.name.length > 24 ? `${line.name.slice(0, 23)}…` : line.name));
    }
  });
  return svg;
}

const formatTick = (v) => Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
