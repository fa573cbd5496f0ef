// Tiny DOM helpers: h('tag.class#id', {attrs, on: {event}}, ...children).
export function h(spec, attrs, ...children) {
  const [head, id] = spec.split('#');
  const [tag, ...classes] = head.split('.');
  const el = document.createElement(tag);
  if (classes.length) el.className = classes.join(' ');
  if (id) el.id = id;
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the content of el. */
export const fill = (el, ...children) => { el.replaceChildren(); append(el, children); return el; };

/** A message box: kind 'ok' or 'error'. */
export const message = (kind, text) => h(`div.message.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, text);

export const fmtTime = (ms) => ms == null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
export const fmtValue = (v) => v === null || v === undefined ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v);
export const fmtNumber = (n, digits = 2) => n == null ? '—' : Number.isInteger(n) ? n.toLocaleString('en') : n.toFixed(digits);

/** "2024-01-02T03:04" (a datetime-local value, read as UTC) → ms. */
export const parseUtcLocal = (text) => text ? Date.parse(text.length === 16 ? `${text}:00Z` : `${text}Z`) : NaN;
/** ms → datetime-local value in UTC. */
export const toUtcLocal = (ms) => new Date(ms).toISOString().slice(0, 16);

/** Table from rows: columns = [[header, row => cell, className?]]. */
export function table(columns, rows, attrs) {
  return h('table', attrs,
    h('thead', h('tr', columns.map(([title]) => h('th', title)))),
    h('tbody', rows.map((r) => h('tr', columns.map(([, cell, cls]) => h(cls ? `td.${cls}` : 'td', cell(r)))))));
}
