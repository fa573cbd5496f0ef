// Feature selection (圈选): a predicate builder over a job's feature columns, the count, a preview of the matching keys,
// exports (CSV / Parquet, as runs with progress) and saved selections. The predicate language: docs/selection.md.
import { api } from '../api.js';
import { h, fill, message, table, fmtTime, fmtValue, fmtNumber } from '../dom.js';
import { jobPicker } from './jobpicker.js';

const POLL_MS = 400;
const PAGE = 50;
const OPS = ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'is_null', 'is_not_null'];
const KIND_OF = { Number: 'number', String: 'string', Boolean: 'boolean', Timestamp: 'timestamp' };

// A link that downloads a finished export run's file with the API key (a plain href would send none).
function downloadLink(run, text) {
  const link = h('a', { href: '#', class: 'export-link', 'data-format': run.format, 'data-run': run.id }, text);
  link.addEventListener('click', async (e) => {
    e.preventDefault();
    const response = await api(run.file, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: `${run.job}-${run.id}.${run.format}` });
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  });
  return link;
}

export default async function selectPage(main) {
  let job = null;
  let schema = { columns: [] };
  let stopped = false;
  let timer = null;
  const status = h('div#select-status');
  const conditions = h('div.conditions#select-conditions');
  const combine = h('select', { id: 'select-combine' }, h('option', { value: 'and' }, 'all of'), h('option', { value: 'or' }, 'any of'));
  const maxAge = h('input', { id: 'select-max-age', type: 'number', min: '0', step: 'any', placeholder: 'any age' });
  const shown = h('div.checks#select-columns');
  const results = h('section#select-results');
  const exports = h('section#select-exports');
  const saved = h('section#select-saved');
  const history = h('section#select-history');
  const name = h('input', { id: 'select-name', type: 'text', placeholder: 'name to save as' });

  const loadSchema = async () => {
    if (!job) return;
    try {
      schema = await api(`/api/features/${encodeURIComponent(job)}:columns`);
    } catch (e) {
      schema = { columns: [] };
      fill(status, message('error', e.message));
    }
    fill(conditions);
    fill(shown, schema.columns.map((c) => h('label.check', h('input', { type: 'checkbox', value: c.name, 'data-column': c.name }), ` ${c.name}`)));
    if (schema.columns.length === 0) fill(status, message('info', `Job ${job} has no features in the store yet.`));
    else fill(status);
  };
  const picker = await jobPicker(null, async (j) => { job = j; await loadSchema(); });

  const addCondition = (preset) => {
    const columns = [...schema.columns.map((c) => c.name), '$updated'];
    const column = h('select.cond-column', { 'aria-label': 'column' }, columns.map((c) => h('option', { value: c }, c)));
    const op = h('select.cond-op', { 'aria-label': 'operator' }, OPS.map((o) => h('option', { value: o }, o)));
    const value = h('input.cond-value', { type: 'text', 'aria-label': 'value', placeholder: 'value (in: a, b, c)' });
    const high = h('input.cond-high', { type: 'text', 'aria-label': 'upper value', placeholder: 'and', hidden: true });
    const negate = h('input.cond-not', { type: 'checkbox', 'aria-label': 'not' });
    const remove = h('button.cond-remove', { type: 'button', 'aria-label': 'remove condition' }, '✕');
    const row = h('div.condition', h('label.check', negate, ' not'), column, op, value, high, remove);
    const sync = () => {
      high.hidden = op.value !== 'between';
      value.hidden = op.value === 'is_null' || op.value === 'is_not_null';
      const kind = kindOf(column.value);
      value.placeholder = kind === 'timestamp' ? '2026-01-01T00:00:00Z' : kind === 'boolean' ? 'true or false' : op.value === 'in' ? 'a, b, c' : 'value';
    };
    op.addEventListener('change', sync);
    column.addEventListener('change', sync);
    remove.addEventListener('click', () => row.remove());
    if (preset) { column.value = preset.column; op.value = preset.op; value.value = preset.value ?? ''; }
    sync();
    conditions.append(row);
  };

  const kindOf = (column) => {
    if (column === '$updated') return 'timestamp';
    const kinds = schema.columns.find((c) => c.name === column)?.kinds ?? [];
    return KIND_OF[kinds[0]] ?? 'string';
  };
  const literal = (column, text) => {
    const kind = kindOf(column);
    const t = text.trim();
    if (kind === 'number') return Number.isFinite(Number(t)) && t !== '' ? Number(t) : t;
    if (kind === 'boolean') return t === 'true' ? true : t === 'false' ? false : t;
    if (kind === 'timestamp') return /^\d+$/.test(t) ? { timestamp: Number(t) } : { timestamp: t };
    return t;
  };
  const predicate = () => {
    const terms = [...conditions.querySelectorAll('.condition')].map((row) => {
      const column = row.querySelector('.cond-column').value;
      const op = row.querySelector('.cond-op').value;
      const text = row.querySelector('.cond-value').value;
      const term = { column, op };
      if (op === 'between') term.values = [literal(column, text), literal(column, row.querySelector('.cond-high').value)];
      else if (op === 'in') term.values = text.split(',').map((v) => literal(column, v));
      else if (op !== 'is_null' && op !== 'is_not_null') term.value = literal(column, text);
      return row.querySelector('.cond-not').checked ? { not: term } : term;
    });
    return { [combine.value]: terms };
  };
  const request = (extra) => {
    const columns = [...shown.querySelectorAll('input:checked')].map((c) => c.value);
    const body = { predicate: predicate(), columns, ...extra };
    if (maxAge.value) body.maxAgeSeconds = Number(maxAge.value) * 3600;
    return body;
  };

  const run = async (cursor) => {
    if (!job) return fill(status, message('error', 'Choose a job.'));
    try {
      const body = request({ pageSize: PAGE, cursor });
      const page = await api(`/api/features/${encodeURIComponent(job)}:select`, { method: 'POST', body });
      fill(status);
      renderPage(page, body.columns, cursor);
    } catch (e) {
      fill(status, message('error', e.problem?.field ? `${e.problem.field}: ${e.problem.detail}` : e.message));
    }
    return null;
  };
  const renderPage = (page, columns, cursor) => {
    const next = page.nextCursor ? h('button', { type: 'button', id: 'select-next' }, 'Next page') : null;
    next?.addEventListener('click', () => run(page.nextCursor));
    fill(results, h('div.row', h('strong#select-count', `${fmtNumber(page.count)} entities match`),
      h('span.muted', `${page.engine} · ${page.tookMs.toFixed(1)} ms${cursor ? ' · later page' : ''}`)),
    page.pushedDown ? h('p.muted', 'Pushed down: ', h('code', page.pushedDown)) : null,
    page.keys.length === 0 ? h('p.muted', 'No keys on this page.') : h('div.scroll', table([
      ['Key', (k) => h('code', k.key)], ['Updated', (k) => fmtTime(k.updated)],
      ...columns.map((c) => [c, (k) => fmtValue(k.values?.[c])]),
    ], page.keys, { id: 'select-preview' })), next);
  };

  const exportAs = async (format) => {
    if (!job) return fill(status, message('error', 'Choose a job.'));
    const line = h('div.export-run', `${format}: starting…`);
    exports.append(line);
    let run;
    try {
      run = await api(`/api/features/${encodeURIComponent(job)}:select`, { method: 'POST', body: request({ export: format }) });
    } catch (e) {
      fill(line, message('error', e.message));
      return null;
    }
    const poll = async () => {
      if (stopped) return;
      try { run = await api(`/api/selections/runs/${encodeURIComponent(run.id)}`); } catch (e) { fill(line, message('error', e.message)); return; }
      if (run.state === 'Running') {
        fill(line, h('span', `${format} ${run.id}: `), h('progress', { max: '1', value: String(run.progress) }), h('span.muted', ` ${fmtNumber(run.written)} of ${run.total < 0 ? '…' : fmtNumber(run.total)} rows`));
        timer = setTimeout(poll, POLL_MS);
      } else if (run.state === 'Succeeded') {
        fill(line, downloadLink(run, `Download ${format} (${fmtNumber(run.written)} rows)`));
        await listHistory();
      } else {
        fill(line, message('error', run.error ?? run.state));
      }
    };
    await poll();
    return null;
  };

  // Export runs of every job, also those of earlier hosts, with their lineage (who, predicate, job version).
  const listHistory = async () => {
    let all;
    try {
      all = await api('/api/selections/runs');
    } catch (e) {
      return fill(history, h('h3', 'Past exports'), message('error', e.message));
    }
    return fill(history, h('h3', 'Past exports'), all.length === 0 ? h('p.muted', 'No exports yet.') : h('div.scroll', table([
      ['Started', (r) => fmtTime(r.startedAt)], ['Job', (r) => r.job], ['Format', (r) => r.format], ['State', (r) => r.state],
      ['Rows', (r) => fmtNumber(r.written)], ['By', (r) => r.requestedBy ?? ''], ['Version', (r) => (r.jobVersion ?? '').slice(0, 12)],
      ['Predicate', (r) => h('code', r.predicate ? JSON.stringify(r.predicate) : 'every entity')],
      ['', (r) => (r.file ? downloadLink(r, 'Download') : '')],
    ], all, { id: 'select-history-list' })));
  };

  const listSaved = async () => {
    const all = await api('/api/selections').catch(() => []);
    fill(saved, h('h3', 'Saved selections'), all.length === 0 ? h('p.muted', 'None saved yet.') : h('div.scroll', table([
      ['Name', (s) => h('strong', s.name)], ['Job', (s) => s.job], ['Description', (s) => s.description ?? ''],
      ['', (s) => { const b = h('button', { type: 'button', class: 'run-saved', 'data-name': s.name }, 'Run'); b.addEventListener('click', () => runSaved(s)); return b; }],
    ], all, { id: 'select-saved-list' })));
  };
  const runSaved = async (s) => {
    try {
      const page = await api(`/api/selections/${encodeURIComponent(s.name)}:run`, { method: 'POST', body: { pageSize: PAGE } });
      renderPage(page, s.columns, null);
    } catch (e) {
      fill(status, message('error', e.message));
    }
  };
  const save = async () => {
    if (!job || !name.value.trim()) return fill(status, message('error', 'Choose a job and a name.'));
    try {
      const body = request({});
      await api(`/api/selections/${encodeURIComponent(name.value.trim())}`, { method: 'PUT', body: { job, predicate: body.predicate, columns: body.columns, maxAgeSeconds: body.maxAgeSeconds ?? null } });
      fill(status, message('ok', `Saved as ${name.value.trim()}.`));
      await listSaved();
    } catch (e) {
      fill(status, message('error', e.problem?.field ? `${e.problem.field}: ${e.problem.detail}` : e.message));
    }
    return null;
  };

  const add = h('button', { type: 'button', id: 'select-add' }, '+ condition');
  add.addEventListener('click', () => addCondition());
  const form = h('form.grid#select-form',
    h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'select-combine' }, 'Match'), h('span', combine, h('span.muted', ' of the conditions')),
    h('span', 'Conditions'), h('div', conditions, add),
    h('label', { for: 'select-max-age' }, 'Updated within (hours)'), maxAge,
    h('span', 'Show columns'), shown,
    h('span'), h('div.row', h('button', { type: 'submit', id: 'select-run' }, 'Count and preview'),
      h('button', { type: 'button', id: 'select-csv' }, 'Export CSV'), h('button', { type: 'button', id: 'select-parquet' }, 'Export Parquet')),
    h('label', { for: 'select-name' }, 'Save'), h('div.row', name, h('button', { type: 'button', id: 'select-save' }, 'Save selection')));
  form.addEventListener('submit', (e) => { e.preventDefault(); run(null); });
  form.querySelector('#select-csv').addEventListener('click', () => exportAs('csv'));
  form.querySelector('#select-parquet').addEventListener('click', () => exportAs('parquet'));
  form.querySelector('#select-save').addEventListener('click', save);
  main.append(h('h2', 'Selection'), h('p.muted', 'Choose entities by their features: conditions on the job\'s feature columns ($updated is the row\'s newest event time).'),
    status, form, results, exports, saved, history);
  await Promise.all([listSaved(), listHistory()]);
  return () => { stopped = true; clearTimeout(timer); };
}
