// Run comparison: a backtest against live (a parity check over its range: src/Runtime/Parity) or against another run
// (version vs version, parameters vs parameters): what each ran with, the summary of every feature side by side, and
// one key's feature over time from both runs on one chart. Routes: #/compare, #/compare/<a>, #/compare/<a>/<b>.
import { api, isAborted } from '../api.js';
import { h, fill, message, table, fmtTime, fmtNumber, fmtValue } from '../dom.js';
import { drawChart } from '../chart.js';
import { readable, startedBy } from './backtests.js';

const LIVE = 'live';
// The run's range from the API's structured fields (epoch ms); null for a sample-table run.
const rangeOf = (run) => (run.from != null && run.to != null ? [run.from, run.to] : null);
const name = (r) => `${r.label ?? r.id} — ${r.job} v${r.jobVersion.slice(0, 8)}`;

export default async function comparePage(main, [a, b]) {
  const status = h('div#compare-status');
  const view = h('section#compare');
  main.append(h('h2', 'Compare runs'),
    h('p.muted', 'A backtest against what live produced over the same range (a parity check), or against another run: another job version or other parameter values.'),
    status);
  const runs = (await api('/api/backtests')).filter((r) => r.isFinished && r.state === 'Completed');
  if (runs.length === 0) { main.append(h('p.muted#compare-empty', 'No completed backtests yet: launch one on the Backtests page, then compare it here.')); return; }
  const pickA = h('select#cmp-a', h('option', { value: '' }, '(choose a run)'), runs.map((r) => h('option', { value: r.id, selected: r.id === a }, name(r))));
  const pickB = h('select#cmp-b', h('option', { value: '' }, '(choose)'), h('option', { value: LIVE, selected: b === LIVE }, 'live (parity check over the range)'),
    runs.filter((r) => r.id !== a).map((r) => h('option', { value: r.id, selected: r.id === b }, name(r))));
  const go = () => { location.hash = `#/compare/${[pickA.value, pickB.value].filter(Boolean).map(encodeURIComponent).join('/')}`; };
  pickA.addEventListener('change', go);
  pickB.addEventListener('change', go);
  main.append(h('div.grid.compare-pick', h('div.row', h('label', { for: 'cmp-a' }, 'Run A'), pickA), h('div.row', h('label', { for: 'cmp-b' }, 'against'), pickB)), view);
  const runA = runs.find((r) => r.id === a);
  if (!runA || !b) return;
  if (b === LIVE) { liveView(view, status, runA); return; }
  const runB = runs.find((r) => r.id === b);
  if (!runB) { fill(view, message('error', `There is no completed run '${b}'.`)); return; }
  await runsView(view, runA, runB);
}

function liveView(view, status, run) {
  const range = rangeOf(run);
  if (!range) { fill(view, message('error', 'A sample-table run has no time range to compare with live: choose a run of a time range.')); return; }
  const launch = async () => {
    try {
      const check = await api('/api/parity', { method: 'POST', body: { job: run.job, from: range[0], to: range[1] } });
      location.hash = `#/parity/${encodeURIComponent(check.id)}`;
    } catch (e) { fill(status, message('error', e.message)); }
  };
  fill(view, h('p', `Replays ${run.job} over ${fmtTime(range[0])} – ${fmtTime(range[1])} with the version and parameter values in force and compares every row with what live produced; `
    + 'each difference is explained (version, parameters, late data).'),
  h('button#cmp-parity', { type: 'button', on: { click: launch } }, 'Check against live'));
}

async function runsView(view, runA, runB) {
  const base = (r) => `/api/backtests/${encodeURIComponent(r.id)}`;
  const [ra, rb] = await Promise.all([api(`${base(runA)}/results?limit=1`), api(`${base(runB)}/results?limit=1`)]);
  const used = (r) => h('div', h('div', h('strong', r.label ?? r.id)), h('div.muted', readable(r)), h('div.muted', startedBy(r)),
    h('div', 'Versions: ', Object.entries(r.versions ?? {}).map(([v, n]) => h('span', h('code', v.slice(0, 12)), ` (${fmtNumber(n)}) `))),
    h('div', 'Parameters: ', Object.entries(r.parameters?.overrides ?? {}).length
      ? Object.entries(r.parameters.overrides).map(([k, v]) => `${k} = ${fmtValue(v)} (what-if)`).join(', ') : 'as in force at each event'));
  const colsA = new Map(ra.columns.map((c) => [c.name, c]));
  const colsB = new Map(rb.columns.map((c) => [c.name, c]));
  const names = [...new Set([...colsA.keys(), ...colsB.keys()])];
  const delta = (x, y) => (x == null || y == null ? '—' : fmtNumber(y - x, 4));
  const numeric = names.filter((n) => colsA.get(n)?.mean != null && colsB.get(n)?.mean != null);
  const keysB = new Map(rb.keys.map((k) => [k.key, k.rows]));
  const shared = ra.keys.filter((k) => keysB.has(k.key)).sort((x, y) => y.rows - x.rows);
  const column = h('select#cmp-column', numeric.map((n) => h('option', { value: n }, n)));
  const key = h('select#cmp-key', shared.slice(0, 500).map((k) => h('option', { value: k.key }, `${k.key} (${fmtNumber(k.rows)} / ${fmtNumber(keysB.get(k.key))})`)));
  const box = h('div.chart-box#cmp-chart');
  let stop = () => {};
  const draw = async () => {
    stop();
    if (!numeric.length || !shared.length) { fill(box, h('p.muted', 'The runs share no numeric feature and key to chart.')); return; }
    try {
      const q = `column=${encodeURIComponent(column.value)}&key=${encodeURIComponent(key.value)}`;
      const [sa, sb] = await Promise.all([api(`${base(runA)}/series?${q}`), api(`${base(runB)}/series?${q}`)]);
      stop = await drawChart(box, [{ name: `A ${runA.label ?? runA.id}`, points: sa.series[0].points }, { name: `B ${runB.label ?? runB.id}`, points: sb.series[0].points }],
        { label: `${column.value} of ${key.value} (UTC)` });
    } catch (e) { if (!isAborted(e)) fill(box, message('error', e.message)); }
  };
  column.addEventListener('change', draw);
  key.addEventListener('change', draw);
  fill(view, h('div.compare-grid', h('div#cmp-used-a', h('h3', 'A'), used(runA)), h('div#cmp-used-b', h('h3', 'B'), used(runB))),
    h('h3', 'Features side by side'),
    table([['Feature', (n) => h('code', n)],
      ['Rows A / B', (n) => `${fmtNumber(colsA.get(n)?.count)} / ${fmtNumber(colsB.get(n)?.count)}`, 'num'],
      ['Mean A', (n) => fmtNumber(colsA.get(n)?.mean, 4), 'num'], ['Mean B', (n) => fmtNumber(colsB.get(n)?.mean, 4), 'num'],
      ['Δ mean', (n) => delta(colsA.get(n)?.mean, colsB.get(n)?.mean), 'num'],
      ['Min A / B', (n) => `${fmtNumber(colsA.get(n)?.min)} / ${fmtNumber(colsB.get(n)?.min)}`, 'num'],
      ['Max A / B', (n) => `${fmtNumber(colsA.get(n)?.max)} / ${fmtNumber(colsB.get(n)?.max)}`, 'num'],
      ['Nulls A / B', (n) => `${fmtNumber(colsA.get(n)?.nulls)} / ${fmtNumber(colsB.get(n)?.nulls)}`, 'num'],
    ], names, { id: 'cmp-summary' }),
    h('h3', 'One key over time'),
    h('div.row', h('label', { for: 'cmp-column' }, 'Feature'), column, h('label', { for: 'cmp-key' }, 'Key (rows A / B)'), key),
    shared.length ? null : h('p.muted', 'The runs have no key in common.'), box);
  await draw();
}
