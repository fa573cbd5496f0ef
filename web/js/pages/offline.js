// Backfills (replay a range into the feature store, newest event time wins) and slices (every entity of a source as of T).
import { api } from '../api.js';
import { h, fill, message, table, fmtTime, fmtNumber, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';

const POLL_MS = 1000;

export default async function offlinePage(main) {
  const status = h('div#offline-status');
  const backfills = h('section#backfills');
  const slices = h('section#slices');
  let job = null;
  const picker = await jobPicker(null, (j) => { job = j; });
  const now = Date.now();
  const from = h('input', { id: 'bf-from', type: 'datetime-local', value: toUtcLocal(now - 86400000) });
  const to = h('input', { id: 'bf-to', type: 'datetime-local', value: toUtcLocal(now) });
  const label = h('input', { id: 'bf-label', type: 'text', maxlength: 200, placeholder: 'optional' });
  const backfillForm = h('form.grid#backfill-form', h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'bf-from' }, 'From (UTC)'), from, h('label', { for: 'bf-to' }, 'To (UTC, exclusive)'), to,
    h('label', { for: 'bf-label' }, 'Name'), label,
    h('span'), h('button', { type: 'submit', id: 'launch-backfill' }, 'Backfill the feature store'));
  backfillForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = parseUtcLocal(from.value); const t = parseUtcLocal(to.value);
    if (!job) return fill(status, message('error', 'Choose a job.'));
    if (!(f < t)) return fill(status, message('error', '"From" must be before "To".'));
    try {
      const run = await api('/api/backfills', { method: 'POST', body: { job, from: f, to: t, label: label.value.trim() || null } });
      fill(status, message('ok', `Backfill ${run.id} started.`));
      await refresh();
    } catch (err) { fill(status, message('error', err.message)); }
    return null;
  });
  const source = h('select#slice-source');
  const asOf = h('input', { id: 'slice-asof', type: 'datetime-local', value: toUtcLocal(now) });
  const sliceForm = h('form.grid#slice-form', h('label', { for: 'slice-source' }, 'Source'), source,
    h('label', { for: 'slice-asof' }, 'As of (UTC)'), asOf, h('span'), h('button', { type: 'submit', id: 'launch-slice' }, 'Take a slice'));
  sliceForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = parseUtcLocal(asOf.value);
    if (!source.value || Number.isNaN(t)) return fill(status, message('error', 'Choose a source and a time.'));
    try {
      const slice = await api(`/api/sources/${encodeURIComponent(source.value)}/slices`, { method: 'POST', body: { asOf: t } });
      fill(status, message('ok', `Slice ${slice.id} started.`));
      await refresh();
    } catch (err) { fill(status, message('error', err.message)); }
    return null;
  });
  const sources = await api('/api/sources').catch(() => []);
  fill(source, ...sources.map((s) => h('option', { value: s.name }, s.name)));
  main.append(h('h2', 'Backfills & slices'),
    h('p.muted', 'A backfill replays a range into the feature store; a result older than the stored value of its key is skipped (newest event time wins). A slice is the state of every entity of a source as of a time, as Parquet and CSV.'),
    status, h('h3', 'Backfill'), backfillForm, backfills, h('h3', 'Slice'), sliceForm, slices);
  let stopped = false;
  let timer = null;
  const refresh = async () => {
    const [runs, taken] = await Promise.all([api('/api/backfills').catch(() => []), api('/api/slices').catch(() => [])]);
    fill(backfills, runs.length === 0 ? h('p.muted', 'No backfills yet.') : h('div.scroll', table([
      ['Backfill', (b) => b.id], ['Job', (b) => b.backfill.job], ['Range', (b) => `${fmtTime(b.backfill.from)} – ${fmtTime(b.backfill.to)}`],
      ['State', (b) => h(`span.badge.${b.run.state}`, b.run.state)],
      ['Events', (b) => `${fmtNumber(b.run.progress.eventsDone)}${b.run.progress.estimatedTotal != null ? ` of ${fmtNumber(b.run.progress.estimatedTotal)}` : ''}`, 'num'],
      ['Written', (b) => fmtNumber(b.backfill.written), 'num'], ['Skipped (newer stored)', (b) => fmtNumber(b.backfill.skippedNewer), 'num'],
      ['Version', (b) => h('code', (b.run.jobVersion ?? '').slice(0, 12))], ['By', (b) => b.backfill.requestedBy],
    ], runs, { id: 'backfills-table' })));
    fill(slices, taken.length === 0 ? h('p.muted', 'No slices yet.') : h('div.scroll', table([
      ['Slice', (s) => s.id], ['Source', (s) => s.source], ['As of', (s) => fmtTime(s.asOf)], ['State', (s) => h(`span.badge.${s.state}`, s.state)],
      ['Entities', (s) => fmtNumber(s.entities), 'num'], ['Complete', (s) => s.state === 'Completed' ? (s.complete ? 'yes' : 'watermark before T') : '—'],
      ['Files', (s) => s.state !== 'Completed' ? '—' : h('span', download(`/api/slices/${s.id}/slice.parquet`, `${s.source}-${s.asOf}.parquet`, 'Parquet'), ' ',
        download(`/api/slices/${s.id}/slice.csv`, `${s.source}-${s.asOf}.csv`, 'CSV'))],
    ], taken, { id: 'slices-table' })));
    const busy = runs.some((b) => !b.run.isFinished) || taken.some((s) => s.state === 'Running');
    if (busy && !stopped) { clearTimeout(timer); timer = setTimeout(refresh, POLL_MS); }
  };
  await refresh();
  return () => { stopped = true; clearTimeout(timer); };
}

// Files need the API key header: fetched and saved as a blob.
function download(url, name, text) {
  return h('a', { href: url, on: { click: async (e) => {
    e.preventDefault();
    const response = await api(url, { raw: true });
    const a = h('a', { href: URL.createObjectURL(await response.blob()), download: name });
    a.click();
    URL.revokeObjectURL(a.href);
  } } }, text);
}
