// A small SVG line chart of (time, value) points; no library.
const NS = 'http://www.w3.org/2000/svg';
const el = (tag, attrs, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
};

/** points: [{t: ms, v: number}] sorted or not. Returns an <svg class="chart">. */
export function lineChart(points, { width = 720, height = 280, label = '' } = {}) {
  const pad = { left: 64, right: 16, top: 20, bottom: 36 };
  const svg = el('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  const data = points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  if (data.length === 0) {
    svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No numeric values to plot.'));
    return svg;
  }
  let [t0, t1] = [data[0].t, data[data.length - 1].t];
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
  svg.append(el('polyline', { class: 'line', points: data.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
  for (const p of data) {
    const c = el('circle', { class: 'point', cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5 });
    c.append(el('title', {}, `${new Date(p.t).toISOString()}: ${p.v}`));
    svg.append(c);
  }
  return svg;
}

const formatTick = (v) => Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
