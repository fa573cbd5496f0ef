// The lineage graph drawn as SVG, laid out here (no library): layers source/model → job → feature/output.
// Wide screens: one column per layer, left to right. Narrow screens (a phone): one band per layer, top to bottom,
// its nodes in a grid that fits the width (one per row on a phone, edges in lanes down the left margin). Nodes are ordered to keep edges short (each by the mean position of its
// neighbours in the previous layer). Each node links to the graph focused on it; its full name is its <title>.
const SVG = 'http://www.w3.org/2000/svg';
const LAYER = { source: 0, model: 0, job: 1, feature: 2, output: 2 };
const NODE_H = 30;
const GAP = 10;
const CHAR_W = 7; // px per character of the 12px label font (approximate, monospace-safe)

function el(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** Orders each layer's nodes by the mean index of their neighbours in the layer before. */
function order(nodes, edges) {
  const layers = [[], [], []];
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) layers[LAYER[n.kind] ?? 2].push(n);
  for (let l = 1; l < layers.length; l++) {
    const index = new Map(layers[l - 1].map((n, i) => [n.id, i]));
    const score = (n) => {
      const near = edges.filter((e) => e.to === n.id && index.has(e.from)).map((e) => index.get(e.from))
        .concat(edges.filter((e) => e.from === n.id && index.has(e.to)).map((e) => index.get(e.to)));
      return near.length ? near.reduce((a, b) => a + b, 0) / near.length : Infinity;
    };
    layers[l].sort((a, b) => score(a) - score(b) || a.name.localeCompare(b.name));
  }
  // Sources with no job sink to the end of their column.
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  layers[0].sort((a, b) => Number(!used.has(a.id)) - Number(!used.has(b.id)));
  return layers;
}

function label(text, width) {
  const max = Math.max(4, Math.floor((width - 14) / CHAR_W));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Spreads a column's nodes to the wanted y (mean of their neighbours'), in order, at least a row apart. */
function spread(layer, pos, edges, top) {
  const want = (n) => {
    const ys = edges.filter((e) => e.from === n.id || e.to === n.id).map((e) => pos.get(e.from === n.id ? e.to : e.from)).filter(Boolean).map((p) => p.y);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
  };
  const wanted = layer.map((n) => [n, want(n)]).sort((a, b) => a[1] - b[1]);
  let next = top;
  for (const [n, y] of wanted) {
    const p = pos.get(n.id);
    p.y = Math.max(next, Number.isFinite(y) ? y : next);
    next = p.y + NODE_H + GAP;
  }
}

/**
 * Positions: { id → {x, y, w, h} } and the drawing's size, for a container `width` px wide. Wide: three columns, the
 * feature/output column in order, jobs and sources moved level with what they connect to. Narrow: one band per layer;
 * with one node per row the edges run in lanes down the left margin (one lane per edge's start), so none hides behind
 * a node.
 */
export function layout(nodes, edges, width) {
  const layers = order(nodes, edges);
  const pos = new Map();
  const margin = 8;
  if (width >= 640) {
    const colW = Math.min(240, Math.floor((width - 2 * margin - 2 * 70) / 3));
    const x = [margin, margin + colW + 70, margin + 2 * (colW + 70)];
    const top = margin + 22;
    layers.forEach((layer, l) => layer.forEach((n, i) => pos.set(n.id, { x: x[l], y: top + i * (NODE_H + GAP), w: colW, h: NODE_H })));
    spread(layers[1], pos, edges.filter((e) => layers[2].some((n) => n.id === e.to)), top);
    spread(layers[0], pos, edges.filter((e) => layers[1].some((n) => n.id === e.to)), top);
    const height = Math.max(...[...pos.values()].map((p) => p.y + NODE_H), top) + margin;
    return { pos, width: x[2] + colW + margin, height, mode: 'columns', heads: x.map((v) => ({ x: v, y: margin + 12 })) };
  }
  let nodeW = Math.min(170, width - 2 * margin);
  const cols = Math.max(1, Math.floor((width - 2 * margin + GAP) / (nodeW + GAP)));
  const starts = [...new Set(edges.map((e) => e.from))];
  const lanes = cols === 1 ? new Map(starts.map((id, i) => [id, i])) : new Map();
  const laneGap = lanes.size ? Math.min(9, Math.floor(70 / lanes.size)) : 0;
  const left = margin + (lanes.size ? lanes.size * laneGap + 10 : 0);
  if (cols === 1) nodeW = Math.min(340, width - left - margin); // one column: the width for whole names
  let y = margin;
  const heads = [];
  layers.forEach((layer) => {
    heads.push({ x: left, y: y + 12 });
    y += 22;
    layer.forEach((n, i) => pos.set(n.id, { x: left + (i % cols) * (nodeW + GAP), y: y + Math.floor(i / cols) * (NODE_H + GAP), w: nodeW, h: NODE_H }));
    y += Math.ceil(layer.length / cols) * (NODE_H + GAP) + 34;
  });
  return { pos, width: left + cols * nodeW + (cols - 1) * GAP + margin, height: y, mode: cols === 1 ? 'lanes' : 'bands', heads, lanes, laneGap, margin };
}

/** The graph as an <svg> for a container `width` px wide; onNode(id) when a node is chosen. */
export function lineageSvg(graph, width, focus) {
  const g = layout(graph.nodes, graph.edges, width);
  const { pos, width: w, height, heads } = g;
  const svg = el('svg', { class: 'lineage', width: w, height, viewBox: `0 0 ${w} ${height}`, role: 'img', 'aria-label': 'Lineage graph' });
  svg.append(el('title', {}, 'Lineage: sources and models → jobs → features and outputs'));
  ['sources, models', 'jobs', 'features, outputs'].forEach((t, i) => svg.append(el('text', { class: 'head', x: heads[i].x, y: heads[i].y }, t)));
  for (const e of graph.edges) {
    const a = pos.get(e.from); const b = pos.get(e.to);
    if (!a || !b) continue;
    let d;
    if (g.mode === 'lanes') {
      const lane = g.margin + g.lanes.get(e.from) * g.laneGap;
      d = `M${a.x},${a.y + a.h / 2 - 4} H${lane} V${b.y + b.h / 2} H${b.x}`;
    } else if (g.mode === 'bands') {
      d = `M${a.x + a.w / 2},${a.y + a.h} C${a.x + a.w / 2},${a.y + a.h + 30} ${b.x + b.w / 2},${b.y - 30} ${b.x + b.w / 2},${b.y}`;
    } else {
      d = `M${a.x + a.w},${a.y + a.h / 2} C${a.x + a.w + 35},${a.y + a.h / 2} ${b.x - 35},${b.y + b.h / 2} ${b.x},${b.y + b.h / 2}`;
    }
    svg.append(el('path', { class: `edge ${e.kind}`, d, 'data-from': e.from, 'data-to': e.to, 'data-kind': e.kind }, el('title', {}, `${e.from} ${e.kind} → ${e.to}`)));
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id);
    const link = el('a', { href: `#/lineage/${encodeURIComponent(n.id)}`, class: `node ${n.kind}${n.id === focus ? ' focus' : ''}`, 'data-id': n.id });
    link.append(el('title', {}, `${n.kind}: ${n.name}`), el('rect', { x: p.x, y: p.y, width: p.w, height: p.h, rx: 5 }),
      el('text', { x: p.x + 7, y: p.y + p.h / 2 + 4 }, label(n.name, p.w)));
    svg.append(link);
  }
  return svg;
}
