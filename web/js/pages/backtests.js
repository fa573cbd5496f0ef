// Backtests: launch a replay by time range or sample-table upload, follow its progress, see results and a chart.
import { api } from '../api.js';
import { h, fill, message, table, fmtTime, fmtValue, fmtNumber, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';
import { lineChart } from '../chart.js';

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
  const rangeForm = h('form.grid#range-form', h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'bt-from' }, 'From (UTC)'), from, h('label', { for: 'bt-to' }, 'To (UTC, exclusive)'), to,
    h('span'), h('button', { type: 'submit', id: 'launch-range' }, 'Launch replay of range'));
  const uploadForm = h('form.grid#upload-form',
    h('label', { for: 'bt-file' }, 'Sample table'), file, h('span'), h('span.muted', 'CSV or JSON lines with key, time[, label] columns; each row runs as of its time.'),
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
    return launch(() => api('/api/backtests', { method: 'POST', body: form }));
  });
  main.append(h('h2', 'Backtests'), status, h('h3', 'Launch'), rangeForm, h('p.muted', 'or'), uploadForm, runView, runs);
  let stopped = false;
  let timer = null;
  const listRuns = async () => {
    const all = await api('/api/backtests').catch((e) => { fill(status, message('error', e.message)); return []; });
    fill(runs, h('h3', 'Runs'), all.length === 0 ? h('p.muted', 'No runs yet.') : table([
      ['Run', (r) => h('a', { href: `#/backtests/${encodeURIComponent(r.id)}` }, r.id)], ['Job', (r) => `${r.job} v${r.jobVersion}`],
      ['What', (r) => readable(r.trigger)], ['State', (r) => h(`span.badge.${r.state}`, r.state)],
      ['Events', (r) => fmtNumber(r.progress.eventsDone), 'num'], ['Created', (r) => fmtTime(Date.parse(r.createdAt))],
    ], all));
  };
  if (runId) {
    const poll = async () => {
      let run;
      try { run = await api(`/api/backtests/${encodeURIComponent(runId)}`); } catch (e) { fill(runView, message('error', e.message)); return; }
      renderProgress(runView, run, status);
      if (run.isFinished) { await renderResults(runView, run); await listRuns(); } else if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    await poll();
  }
  await listRuns();
  return () => { stopped = true; clearTimeout(timer); };
}

// "replay orders [1220918400000, 1221350400000)" → the times as UTC dates.
const readable = (trigger) => trigger.replace(/\b\d{12,14}\b/g, (ms) => fmtTime(Number(ms)));

function renderProgress(section, run, status) {
  const fraction = run.progress.fraction ?? (run.isFinished && run.state === 'Completed' ? 1 : 0);
  const cancel = async () => {
    try { await api(`/api/backtests/${encodeURIComponent(run.id)}/cancel`, { method: 'POST' }); } catch (e) { fill(status, message('error', e.message)); }
  };
  const p = run.progress;
  fill(section, h('h3', `Run ${run.id}`),
    h('div.row', h(`span.badge.${run.state}#run-state`, run.state), h('span', `${run.job} v${run.jobVersion} — ${readable(run.trigger)}`),
      run.isFinished ? null : h('button.secondary', { on: { click: cancel } }, 'Cancel')),
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

async function renderResults(section, run) {
  const base = `/api/backtests/${encodeURIComponent(run.id)}/results`;
  let page;
  try { page = await api(`${base}?limit=500`); } catch (e) { section.append(message('error', e.message)); return; }
  const numeric = page.columns.filter((c) => c.mean != null).map((c) => c.name);
  const chartBox = h('div#chart');
  const keys = [...new Set(page.rows.map((r) => r.key))];
  const column = h('select#chart-column', numeric.map((n) => h('option', { value: n }, n)));
  const keySelect = h('select#chart-key', h('option', { value: '' }, '(all keys)'), keys.slice(0, 500).map((k) => h('option', { value: k }, k)));
  const draw = () => {
    const rows = page.rows.filter((r) => !keySelect.value || r.key === keySelect.value);
    fill(chartBox, numeric.length === 0 ? h('p.muted', 'No numeric feature columns to chart.')
      : lineChart(rows.map((r) => ({ t: r.eventTime, v: Number(r.values[column.value]) })), { label: `${column.value} over event time` }));
  };
  column.addEventListener('change', draw);
  keySelect.addEventListener('change', draw);
  const columns = page.rows.length ? Object.keys(page.rows[0].values) : [];
  section.append(
    h('h3', 'Summary by feature'),
    table([['Column', (c) => h('code', c.name)], ['Count', (c) => fmtNumber(c.count), 'num'], ['Nulls', (c) => fmtNumber(c.nulls), 'num'],
      ['Min', (c) => fmtNumber(c.min), 'num'], ['Max', (c) => fmtNumber(c.max), 'num'], ['Mean', (c) => fmtNumber(c.mean, 4), 'num'],
      ['Top values', (c) => (c.top ?? []).map((t) => `${fmtValue(t.value)} (${t.count})`).join(', ')]], page.columns, { id: 'summary-table' }),
    h('h3', 'Chart'), h('div.row', h('label', { for: 'chart-column' }, 'Feature'), column, h('label', { for: 'chart-key' }, 'Key'), keySelect), chartBox,
    h('h3', `Results (${fmtNumber(page.rows.length)} of ${fmtNumber(page.total)})`),
    h('p', h('a', { href: `${base}.csv`, id: 'download-csv', on: { click: (e) => download(e, `${base}.csv`, `${run.id}.csv`) } }, 'Download CSV')),
    table([['Key', (r) => r.key], ['Event time', (r) => fmtTime(r.eventTime)], ...columns.map((c) => [c, (r) => fmtValue(r.values[c])])],
      page.rows.slice(0, 200), { id: 'results-table' }));
  draw();
}

// The CSV needs the API key header, so it is fetched and saved as a blob rather than followed as a plain link.
async function download(e, url, name) {
  e.preventDefault();
  const response = await api(url, { raw: true });
  const a = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
  a.click();
  URL.revokeObjectURL(a.href);
}
