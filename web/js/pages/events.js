// Event browser: a source/key's state as of a time and its history; feature look-up by job/key.
import { api, apiOrNull } from '../api.js';
import { h, fill, message, table, fmtTime, fmtValue, parseUtcLocal } from '../dom.js';

export default async function eventsPage(main) {
  let sources = [];
  try { sources = await api('/api/sources/'); } catch (e) { main.append(message('error', e.message)); }
  const source = h('select#ev-source', sources.map((s) => h('option', { value: s.name }, `${s.name} (key: ${s.keyFields.join(', ')})`)));
  const key = h('input#ev-key', { type: 'text', placeholder: 'entity key' });
  const asOf = h('input#ev-asof', { type: 'datetime-local', step: 1 });
  const result = h('section#ev-result');
  const form = h('form.grid#event-form', h('label', { for: 'ev-source' }, 'Source'), source, h('label', { for: 'ev-key' }, 'Key'), key,
    h('label', { for: 'ev-asof' }, 'As of (UTC; empty = now)'), asOf, h('span'), h('button', { type: 'submit' }, 'Look up'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!key.value.trim()) return fill(result, message('error', 'Enter a key.'));
    const at = asOf.value ? parseUtcLocal(asOf.value) : Date.now();
    const path = `/api/events/${encodeURIComponent(source.value)}/${encodeURIComponent(key.value.trim())}`;
    try {
      const [state, history] = await Promise.all([apiOrNull(`${path}?asOf=${at}`), api(`${path}/history?to=${at + 1}&limit=200`)]);
      fill(result, h('h3', `State of ${source.value}/${key.value.trim()} as of ${fmtTime(at)}`),
        state ? eventView(state) : h('p.muted#ev-none', 'No event at or before that time.'),
        h('h3', `History (${history.length})`),
        history.length === 0 ? h('p.muted', 'No events.') : table([
          ['Event time', (ev) => fmtTime(ev.eventTime)], ['Operation', (ev) => ev.operation], ['Event id', (ev) => h('code', ev.eventId)],
          ['After', (ev) => h('code', fmtValue(ev.after))]], [...history].reverse(), { id: 'ev-history' }));
    } catch (err) {
      fill(result, message('error', err.message));
    }
  });

  const job = h('input#ft-job', { type: 'text', placeholder: 'job' });
  const fkey = h('input#ft-key', { type: 'text', placeholder: 'entity key' });
  const features = h('section#ft-result');
  const featureForm = h('form.grid#feature-form', h('label', { for: 'ft-job' }, 'Job'), job, h('label', { for: 'ft-key' }, 'Key'), fkey,
    h('span'), h('button', { type: 'submit' }, 'Look up features'));
  featureForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const f = await api(`/api/features/${encodeURIComponent(job.value.trim())}/${encodeURIComponent(fkey.value.trim())}`);
      fill(features, h('p', `Computed by ${f.job} v${f.version} from event ${f.eventId ?? '—'} at ${fmtTime(f.eventTime)}`),
        table([['Feature', ([k]) => h('code', k)], ['Value', ([, v]) => fmtValue(v)]], Object.entries(f.values), { id: 'ft-table' }));
    } catch (err) {
      fill(features, message('error', err.message));
    }
  });
  main.append(h('h2', 'Event browser'), h('p.muted', 'An entity\'s state as of a time (its last event at or before it), and its events.'),
    form, result, h('h2', 'Feature look-up'), featureForm, features);
}

function eventView(ev) {
  return h('div#ev-state', table([['Field', ([k]) => k], ['Value', ([, v]) => v]], [
    ['event id', ev.eventId], ['operation', ev.operation], ['event time', fmtTime(ev.eventTime)], ['ingested', fmtTime(ev.ingestTime)],
  ].filter(([, v]) => v !== undefined)), h('pre#ev-after', JSON.stringify(ev.after ?? ev, null, 2)));
}
