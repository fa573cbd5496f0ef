// Backtests: launch a replay by time range or sample-table upload, follow its progress, see results and a chart.
import { api, isAborted } from '../api.js';
import { can, needs } from '../roles.js';
import { h, fill, message, table, fmtTime, fmtValue, fmtNumber, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';
import { drawChart } from '../chart.js';

const POLL_MS = 500;

export default async function backtestsPage(main, [runId]) {
  const status = h('div#backtest-status');
  const runView = h('section#run');
  const runs = h('section#runs');
  let job = null;
  const picker = await jobPicker(null, (j) => { job = j; });
  const now = Date.now();
  const from = h('input', { id: 'bt-from', type: 'datetime-local', value: toUtcLocal(now - 30 * 86400000) });
  const to = h('input', { id: 'bt-to', type: 'datetime-local', value: toUtcLocal(now + 60000) });
  const file = h('input', { id: 'bt-file', type: 'file', accept: '.csv,.json,.jsonl' });
  const label = h('input', { id: 'bt-label', type: 'text', placeholder: 'default: the file\'s name' });
  const rangeForm = h('form.grid#range-form', h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'bt-from' }, 'From (UTC)'), from, h('label', { for: 'bt-to' }, 'To (UTC, exclusive)'), to,
    h('span'), h('button', { type: 'submit', id: 'launch-range' }, 'Launch replay of range'));
  const uploadForm = h('form.grid#upload-form',
    h('label', { for: 'bt-file' }, 'Sample table'), file, h('label', { for: 'bt-label' }, 'Name of the run'), label, h('span'), h('span.muted', 'CSV or JSON lines with key, time[, label] columns; each row runs as of its time.'),
    h('span'), h('button', { type: 'submit', id: 'launch-upload' }, 'Launch sample run'));
  const launch = async (request) => {
    try {
      const run = await request();
      location.hash = `#/backtests/${encodeURIComponent(run.id)}`;
    } catch (e) {
      fill(status, message('error', e.message));
    }
  };
  rangeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = parseUtcLocal(from.value); const t = parseUtcLocal(to.value);
    if (!job) return fill(status, message('error', 'Choose a job.'));
    if (!(f < t)) return fill(status, message('error', '"From" must be before "To".'));
    return launch(() => api('/api/backtests', { method: 'POST', body: { job, from: f, to: t } }));
  });
  uploadForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!job) return fill(status, message('error', 'Choose a job.'));
    if (!file.files.length) return fill(status, message('error', 'Choose a sample-table file.'));
    const form = new FormData();
    form.append('job', job);
    form.append('file', file.files[0]);
    if (label.value.trim()) form.append('label', label.value.trim());
    return launch(() => api('/api/backtests', { method: 'POST', body: form }));
  });
  main.append(h('h2', 'Backtests'), status, ...(can('author')
    ? [h('h3', 'Launch'), rangeForm, h('p.muted', 'or'), uploadForm]
    : [h('p.note#launch-note', needs('Launching a backtest', 'an author or admin key'), ' Operators and reviewers backtest a parameter proposal from the Parameters page.')]),
  runView, runs);
  let stopped = false;
  let timer = null;
  const listRuns = async () => {
    let all;
    try {
      all = await api('/api/backtests');
    } catch (e) {
      // Not "No runs yet": the list is unknown. A list shown before stays (marked stale) under the error.
      if (isAborted(e)) return;
      const shown = runs.querySelector('table');
      shown?.classList.add('stale');
      fill(runs, h('h3', 'Runs'), h('div#runs-error', message('error', `Runs could not be loaded: ${e.message}`)), shown);
      return;
    }
    fill(runs, h('h3', 'Runs'), all.length === 0 ? h('p.muted', 'No runs yet.') : table([
      ['Run', (r) => h('a', { href: `#/backtests/${encodeURIComponent(r.id)}`, title: r.id }, r.label ?? r.id)], ['Job', (r) => `${r.job} v${r.jobVersion}`],
      ['What', (r) => readable(r)], ['State', (r) => h(`span.badge.${r.state}`, r.state)],
      ['Events', (r) => fmtNumber(r.progress.eventsDone), 'num'], ['Created', (r) => fmtTime(Date.parse(r.createdAt))],
    ], all));
  };
  if (runId) {
    const poll = async () => {
      let run;
      try {
        run = await api(`/api/backtests/${encodeURIComponent(runId)}`);
      } catch (e) {
        if (isAborted(e) || stopped) return;
        // Unreachable: keep what is shown and try again; any other error ends the polling.
        if (e.unreachable) { fill(status, message('error', e.message)); timer = setTimeout(poll, POLL_MS * 4); } else fill(runView, message('error', e.message));
        return;
      }
      fill(status);
      renderProgress(runView, run, status);
      if (run.isFinished) { await renderResults(runView, run); await listRuns(); } else if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    await poll();
  }
  await listRuns();
  return () => { stopped = true; clearTimeout(timer); };
}

// What a run replays, from its structured range (from/to, epoch ms) and the kind and source of its display text
// ("replay orders [t0, t1)" → "replay orders 2026-01-01 00:00:00 – 2026-01-02 00:00:00 UTC"); a sample run as named.
export const readable = (run) => (run.from != null && run.to != null
  ? `${run.trigger.split(' [')[0]} ${fmtTime(run.from)} – ${fmtTime(run.to)}` : run.trigger);

// Who started a run, for its lineage.
export const startedBy = (run) => (run.requestedBy ? `started by ${run.requestedBy}` : '');

function renderProgress(section, run, status) {
  const fraction = run.progress.fraction ?? (run.isFinished && run.state === 'Completed' ? 1 : 0);
  const cancel = async () => {
    try { await api(`/api/backtests/${encodeURIComponent(run.id)}/cancel`, { method: 'POST' }); } catch (e) { fill(status, message('error', e.message)); }
  };
  const p = run.progress;
  fill(section, h('h3', run.label ? `Run ${run.label}` : `Run ${run.id}`), run.label ? h('div.muted', run.id) : null,
    h('div.row', h(`span.badge.${run.state}#run-state`, run.state), h('span', `${run.job} v${run.jobVersion} — ${readable(run)}`), h('span.muted#run-by', startedBy(run)),
      run.isFinished || !can('author') ? null : h('button.secondary', { on: { click: cancel } }, 'Cancel')),
    h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(fraction * 100), id: 'run-progress' },
      h('div', { style: `width:${(fraction * 100).toFixed(1)}%` })),
    h('div.muted', `${fmtNumber(p.eventsDone)}${p.estimatedTotal != null ? ` of ${fmtNumber(p.estimatedTotal)}` : ''} events · ${fmtNumber(p.results)} results · `
      + `${fmtNumber(p.errors)} errors · ${fmtNumber(p.badRows)} bad rows · ${fmtNumber(p.eventsPerSecond, 1)} ev/s`
      + `${p.eta && !run.isFinished ? ` · ETA ${p.eta}` : ''}`),
    run.failureReason ? message('error', run.failureReason) : null,
    usedView(run),
    run.badRowSamples?.length ? table([['Line', (b) => b.line], ['Reason', (b) => b.reason]], run.badRowSamples) : null);
}

// The versions that ran and the parameter values used per stretch of event time (what-if overrides marked).
function usedView(run) {
  const versions = Object.entries(run.versions ?? {});
  const params = run.parameters;
  if (!versions.length && !params) return null;
  const overrides = params?.overrides ?? {};
  return h('div#run-used',
    versions.length ? h('p.muted', 'Versions: ', ...versions.map(([v, n]) => h('span', h('code', v), ` (${fmtNumber(n)} events) `))) : null,
    params?.segments?.length ? table([
      ['From', (s) => s.from == null ? 'start' : fmtTime(s.from)], ['To', (s) => s.to == null ? '—' : fmtTime(s.to)],
      ['Values', (s) => h('ul', Object.entries(s.values).map(([k, v]) => h('li', h('code', k), ': ', k in overrides ? h('strong', `${fmtValue(v)} (what-if)`) : fmtValue(v))))],
      ['Events', (s) => fmtNumber(s.events), 'num'],
    ], params.segments, { id: 'run-parameters' }) : null);
}

const PAGE_ROWS = 200;
/** Most keys drawn together (one line each). */
export const MAX_SERIES = 10;

// Results: column summary, a chart of one feature with one line per picked key (every row of each key; the server
// downsamples big runs to min/max per time bucket, a drag zooms in and fetches that range in detail), and the rows in
// pages of PAGE_ROWS with their position and the total. The server filters by key and counts.
async function renderResults(section, run) {
  const base = `/api/backtests/${encodeURIComponent(run.id)}/results`;
  let first;
  try { first = await api(`${base}?limit=${PAGE_ROWS}`); } catch (e) { if (!isAborted(e)) section.append(message('error', e.message)); return; }
  const numeric = first.columns.filter((c) => c.mean != null).map((c) => c.name);
  const keys = first.keys ?? [];
  const chart = seriesPanel(run.id, numeric, keys, first.keyCount ?? keys.length, first.keysTruncated);
  const keySelect = h('select#results-key', h('option', { value: '' }, `(all ${fmtNumber(first.keyCount ?? keys.length)} keys)`),
    keys.map((k) => h('option', { value: k.key }, `${k.key} (${fmtNumber(k.rows)})`)));
  const heading = h('h3#results-heading');
  const tableBox = h('div.scroll#results-box');
  const prev = h('button.secondary#results-prev', 'Previous');
  const next = h('button.secondary#results-next', 'Next');
  let offset = 0;
  let page = first;
  const keyFilter = () => keySelect.value;
  const hasLabels = () => page.rows.some((r) => r.label != null);
  const showPage = () => {
    const columns = first.columns.map((c) => c.name);
    const shown = page.rows.length;
    fill(heading, shown === 0 ? `Results (none of ${fmtNumber(page.total)})`
      : `Results ${fmtNumber(offset + 1)}–${fmtNumber(offset + shown)} of ${fmtNumber(page.total)}${keyFilter() ? ` for key ${keyFilter()}` : ''}`);
    fill(tableBox, table([['Key', (r) => r.key], ['Event time', (r) => fmtTime(r.eventTime)],
      ...(hasLabels() ? [['Label', (r) => fmtValue(r.label)]] : []),
      ...columns.map((c) => [c, (r) => fmtValue(r.values[c])])], page.rows, { id: 'results-table' }));
    prev.disabled = offset === 0;
    next.disabled = offset + shown >= page.total;
  };
  const load = async (at) => {
    try {
      page = await api(`${base}?offset=${at}&limit=${PAGE_ROWS}${keyFilter() ? `&key=${encodeURIComponent(keyFilter())}` : ''}`);
      offset = at;
      showPage();
    } catch (e) { if (!isAborted(e)) fill(tableBox, message('error', e.message)); }
  };
  prev.addEventListener('click', () => load(Math.max(0, offset - PAGE_ROWS)));
  next.addEventListener('click', () => load(offset + PAGE_ROWS));
  keySelect.addEventListener('change', () => load(0));
  section.append(
    h('h3', 'Summary by feature'),
    table([['Column', (c) => h('code', c.name)], ['Count', (c) => fmtNumber(c.count), 'num'], ['Nulls', (c) => fmtNumber(c.nulls), 'num'],
      ['Min', (c) => fmtNumber(c.min), 'num'], ['Max', (c) => fmtNumber(c.max), 'num'], ['Mean', (c) => fmtNumber(c.mean, 4), 'num'],
      ['Top values', (c) => (c.top ?? []).map((t) => `${fmtValue(t.value)} (${t.count})`).join(', ')]], first.columns, { id: 'summary-table' }),
    h('div.row', h('a', { href: `#/compare/${encodeURIComponent(run.id)}`, id: 'compare-link' }, 'Compare with live or another run')),
    h('h3', 'Chart'), chart.view,
    heading, h('div.row', h('label', { for: 'results-key' }, 'Key'), keySelect, prev, next,
      h('a', { href: `${base}.csv`, id: 'download-csv', on: { click: (e) => download(e, `${base}.csv`, `${run.id}.csv`) } }, 'Download CSV (all rows)'),
      h('a', { href: `${base}.parquet`, id: 'download-parquet', on: { click: (e) => download(e, `${base}.parquet`, `${run.id}.parquet`) } }, 'Parquet (typed, with lineage)')),
    tableBox);
  showPage();
  await chart.draw();
}

/**
 * The chart of a run: a feature picker, a key picker (up to MAX_SERIES keys, one line each; a filter when there are
 * many) and the chart of GET …/series. A drag zooms into a time range (fetched again in detail); "Reset zoom" shows all.
 * Returns {view, draw}.
 */
export function seriesPanel(runId, numeric, keys, keyCount, keysTruncated, { idPrefix = 'chart' } = {}) {
  const box = h(`div.chart-box#${idPrefix}`);
  const note = h(`p.muted#${idPrefix}-note`);
  const column = h(`select#${idPrefix}-column`, numeric.map((n) => h('option', { value: n }, n)));
  const byRows = [...keys].sort((a, b) => b.rows - a.rows);
  const picked = new Set(keyCount <= MAX_SERIES ? keys.map((k) => k.key) : byRows.slice(0, 1).map((k) => k.key));
  const filter = h(`input#${idPrefix}-key-filter`, { type: 'search', placeholder: 'filter keys', 'aria-label': 'filter keys' });
  const list = h(`div.key-picker#${idPrefix}-keys`, { role: 'group', 'aria-label': 'keys to chart' });
  const reset = h(`button.secondary#${idPrefix}-reset`, { type: 'button', hidden: true }, 'Reset zoom');
  let range = null; // [from, to) when zoomed
  let stop = () => {};
  const renderKeys = () => {
    const q = filter.value.trim().toLowerCase();
    fill(list, keys.filter((k) => !q || k.key.toLowerCase().includes(q)).slice(0, 200).map((k) => h('label',
      h('input', { type: 'checkbox', value: k.key, checked: picked.has(k.key), disabled: !picked.has(k.key) && picked.size >= MAX_SERIES,
        on: { change: (e) => { if (e.target.checked) picked.add(k.key); else picked.delete(k.key); renderKeys(); draw(); } } }),
      ` ${k.key} (${fmtNumber(k.rows)})`)));
  };
  filter.addEventListener('input', renderKeys);
  const draw = async () => {
    stop();
    if (numeric.length === 0) { fill(box, h('p.muted', 'No numeric feature columns to chart.')); return; }
    if (picked.size === 0) { fill(box, h('p.muted#chart-pick-key', `Pick up to ${MAX_SERIES} keys to chart (one line per key).`)); fill(note); return; }
    fill(box, h('p.loading', 'Loading…'));
    const chosen = [...picked];
    try {
      const q = chosen.map((k) => `key=${encodeURIComponent(k)}`).join('&') + (range ? `&from=${range[0]}&to=${range[1]}` : '');
      const s = await api(`/api/backtests/${encodeURIComponent(runId)}/series?column=${encodeURIComponent(column.value)}&${q}`);
      const rows = s.series.reduce((n, x) => n + x.rows, 0);
      const drawn = s.series.reduce((n, x) => n + x.points.length, 0);
      const down = s.series.filter((x) => x.downsampled);
      fill(note, `${fmtNumber(rows)} rows of ${chosen.length} key${chosen.length > 1 ? 's' : ''}${range ? ` from ${fmtTime(range[0])} to ${fmtTime(range[1])}` : ''}`
        + (down.length ? `; ${fmtNumber(drawn)} points drawn: ${down.map((x) => x.key).join(', ')} downsampled to the lowest and highest value per time bucket — drag over the chart to zoom in` : `; every row drawn — drag over the chart to zoom in`)
        + (keysTruncated ? ` (the first ${fmtNumber(keys.length)} of ${fmtNumber(keyCount)} keys are listed)` : ''));
      box.dataset.downsampled = String(down.length > 0);
      stop = await drawChart(box, s.series.map((x) => ({ name: x.key, points: x.points })), {
        label: `${column.value} over event time (UTC)`,
        onZoom: (from, to) => { range = [from, to]; reset.hidden = false; draw(); },
      });
    } catch (e) { if (!isAborted(e)) fill(box, message('error', e.message)); }
  };
  reset.addEventListener('click', () => { range = null; reset.hidden = true; draw(); });
  column.addEventListener('change', draw);
  renderKeys();
  const view = h('div',
    h('div.row', h('label', { for: `${idPrefix}-column` }, 'Feature'), column, reset),
    h('div', h('span.muted', `Keys (${fmtNumber(keyCount)}; up to ${MAX_SERIES} at once)`), keys.length > 8 ? filter : null, list),
    note, box);
  return { view, draw };
}

// The CSV needs the API key header, so it is fetched and saved as a blob rather than followed as a plain link.
async function download(e, url, name) {
  e.preventDefault();
  const response = await api(url, { raw: true });
  const a = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
  a.click();
  URL.revokeObjectURL(a.href);
}
