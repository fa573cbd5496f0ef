// Publishing: upload a job module (validated at once) or copy a standard scenario, backtest a version against live, review,
// promote, roll back, retire.
import { api } from '../api.js';
import { can, needs } from '../roles.js';
import { confirmAction } from '../confirm.js';
import { h, fill, message, table, fmtTime, fmtNumber, fmtValue, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';

export default async function publishPage(main) {
  const status = h('div#pub-status');
  const versions = h('section#pub-versions');
  const report = h('section#pub-report');
  let job = null;
  const picker = await jobPicker(null, (j) => { job = j; refresh(); });
  const file = h('input', { id: 'pub-file', type: 'file', accept: '.py,.zip' });
  const note = h('input', { id: 'pub-message', type: 'text', placeholder: 'what changed' });
  const upload = h('form.grid#pub-form', h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'pub-file' }, 'Module'), file, h('label', { for: 'pub-message' }, 'Message'), note,
    h('span'), h('button', { type: 'submit', id: 'pub-submit' }, 'Publish'));
  const now = Date.now();
  const from = h('input', { id: 'pub-from', type: 'datetime-local', value: toUtcLocal(now - 86400000) });
  const to = h('input', { id: 'pub-to', type: 'datetime-local', value: toUtcLocal(now) });
  const range = h('div.row', h('label', { for: 'pub-from' }, 'Backtest range (UTC)'), from, h('label', { for: 'pub-to' }, 'to'), to);

  const say = (kind, text) => fill(status, message(kind, text));
  const act = async (what, call) => {
    try { const r = await call(); say('ok', what); await refresh(); return r; } catch (e) { say('error', e.message); return null; }
  };
  const path = () => `/api/registry/jobs/${encodeURIComponent(job)}`;

  upload.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!job) return say('error', 'Choose a job.');
    if (!file.files.length) return say('error', 'Choose a .py module or a .zip of modules.');
    const body = new FormData();
    body.append('file', file.files[0]);
    body.append('message', note.value.trim());
    const v = await act('Published and validated.', () => api(`${path()}/versions`, { method: 'POST', body }));
    if (v) say('ok', `Version ${v.version} validated.`);
    return null;
  });

  const pair = (s, get) => `${fmtNumber(get(s.live))} / ${fmtNumber(get(s.candidate))}`;
  const quantiles = (x) => (x.quantiles && x.quantiles.p50 !== undefined ? `${fmtNumber(x.quantiles.p5)} · ${fmtNumber(x.quantiles.p50)} · ${fmtNumber(x.quantiles.p95)}` : '–');

  async function backtest(version) {
    const f = parseUtcLocal(from.value); const t = parseUtcLocal(to.value);
    if (!(f < t)) return say('error', 'The backtest range needs "from" before "to".');
    fill(report, h('p.muted', `Backtesting ${version}…`));
    const r = await act(`Version ${version} backtested.`, () => api(`${path()}/versions/${version}/backtest`, { method: 'POST', body: { from: f, to: t } }));
    if (!r) { fill(report); return null; }
    const c = r.parity.counts;
    fill(report, h('h3', `Backtest of ${version} against live`),
      h('p#pub-rows-changed', `${fmtNumber(r.rowsChanged)} rows changed of ${fmtNumber(c.computations)} events (${fmtNumber(c.equal)} equal, ${fmtNumber(c.differing)} differing, `
        + `${fmtNumber(c.liveMissing)} only in the candidate, ${fmtNumber(c.replayMissing)} only live).`),
      r.features.length === 0 ? h('p.muted', 'No rows to compare.') : h('div.scroll', table([
        ['Feature', (s) => s.feature], ['Rows changed', (s) => fmtNumber(s.changed), 'num'],
        ['Count live / cand.', (s) => pair(s, (x) => x.count)], ['Nulls', (s) => pair(s, (x) => x.nulls)],
        ['Mean', (s) => pair(s, (x) => x.mean)], ['Std dev', (s) => pair(s, (x) => x.stddev)],
        ['p5 · p50 · p95 live', (s) => quantiles(s.live)], ['p5 · p50 · p95 cand.', (s) => quantiles(s.candidate)],
        ['PSI', (s) => fmtNumber(s.psi), 'num'], ['KS', (s) => fmtNumber(s.ks), 'num'],
      ], r.features, { id: 'pub-shift' })),
      h('p.muted', 'Over every compared row. PSI: under 0.1 stable, 0.1–0.25 moderate, above 0.25 a major shift; KS: largest gap between the two cumulative distributions.'),
      r.parity.differences.length === 0 ? null : h('div.scroll', table([
        ['Event', (d) => `${d.source}/${d.eventId}`], ['Key', (d) => d.key], ['Live', (d) => h('code.json', fmtValue(d.live))],
        ['Candidate', (d) => h('code.json', fmtValue(d.replay))],
      ], r.parity.differences.slice(0, 10), { id: 'pub-diffs' })));
    return null;
  }

  const review = async (version, approve) => {
    const answer = await confirmAction(approve
      ? { title: `Approve version ${version} of ${job}?`, detail: 'Once approved it can be promoted to run live in every runtime process.', confirm: 'Approve', reason: 'optional' }
      : { title: `Reject version ${version} of ${job}?`, detail: 'It can no longer be promoted.', confirm: 'Reject', reason: 'required', danger: true });
    if (!answer) return null;
    return act(approve ? `Version ${version} approved.` : `Version ${version} rejected.`,
      () => api(`${path()}/versions/${version}/${approve ? 'approve' : 'reject'}`, { method: 'POST', body: { reason: answer.reason } }));
  };
  const move = async (version, action) => {
    const ok = await confirmAction({ title: `${action === 'promote' ? 'Promote' : 'Roll back to'} version ${version} of ${job}?`,
      detail: 'Every runtime process runs it live and on call from its next batch.', confirm: action === 'promote' ? 'Promote' : 'Roll back' });
    if (!ok) return null;
    return act(`${action === 'promote' ? 'Promoted' : 'Rolled back to'} ${version}: every runtime process runs it from its next batch.`,
      () => api(`${path()}/${action}`, { method: 'POST', body: { version } }));
  };

  const retire = async () => {
    const answer = await confirmAction({ title: `Retire job ${job}?`, detail: 'It stops running live and on call in every runtime process; its versions stay and can be promoted again.',
      confirm: 'Retire', reason: 'required', danger: true });
    if (!answer) return null;
    return act(`Job ${job} retired: it stops running live and on call in every runtime process.`,
      () => api(`${path()}/retire`, { method: 'POST', body: { reason: answer.reason } }));
  };

  const actions = (v, live) => {
    const buttons = [];
    if (can('author') && (v.state === 'Validated' || v.state === 'Backtested')) buttons.push(h('button.secondary', { 'data-action': 'backtest', on: { click: () => backtest(v.version) } }, 'Backtest'));
    if (can('review') && v.state === 'Backtested') buttons.push(h('button.secondary', { 'data-action': 'approve', on: { click: () => review(v.version, true) } }, 'Approve'));
    if (can('review') && ['Validated', 'Backtested', 'Approved'].includes(v.state)) buttons.push(h('button.secondary', { 'data-action': 'reject', on: { click: () => review(v.version, false) } }, 'Reject'));
    if (can('forward') && v.state === 'Approved' && v.version !== live) buttons.push(h('button', { 'data-action': 'promote', on: { click: () => move(v.version, 'promote') } }, 'Promote'));
    if (can('forward') && ['Retired', 'Local'].includes(v.state) && v.version !== live) buttons.push(h('button.secondary', { 'data-action': 'rollback', on: { click: () => move(v.version, 'rollback') } }, 'Roll back to'));
    return h('span.row', buttons);
  };

  // Standard scenarios: a template job copied with parameters into a draft version of a (new) job.
  const scenarioBox = h('section#pub-scenarios');
  async function scenarios() {
    let list;
    try { list = await api('/api/registry/scenarios'); } catch (e) { fill(scenarioBox, message('error', e.message)); return; }
    const pick = h('select', { id: 'scn-name' }, list.map((s) => h('option', { value: s.name }, s.name)));
    const jobName = h('input', { id: 'scn-job', type: 'text', placeholder: 'the new job\'s name' });
    const describe = h('p.muted#scn-desc');
    const fields = h('div.grid#scn-params');
    const chosen = () => list.find((s) => s.name === pick.value);
    const render = () => {
      const s = chosen();
      fill(describe, s.description);
      fill(fields, ...s.parameters.flatMap((p) => [h('label', { for: `scn-${p.name}` }, p.name),
        h('input', { id: `scn-${p.name}`, type: 'text', value: p.default ?? '', placeholder: p.description, title: p.description, 'data-param': p.name })]));
    };
    const create = async () => {
      const name = jobName.value.trim();
      if (!name) return say('error', 'Name the job the scenario becomes.');
      const parameters = {};
      fields.querySelectorAll('input[data-param]').forEach((i) => { if (i.value.trim()) parameters[i.dataset.param] = i.value.trim(); });
      let v;
      try { v = await api(`/api/registry/scenarios/${encodeURIComponent(pick.value)}`, { method: 'POST', body: { job: name, parameters } }); } catch (e) { return say('error', e.message); }
      job = name;
      if (picker.tagName === 'SELECT' && ![...picker.options].some((o) => o.value === name)) picker.append(h('option', { value: name }, name));
      if (picker.tagName === 'SELECT') picker.value = name;
      say('ok', `Draft version ${v.version} of job ${name} created from scenario ${pick.value} and validated.`);
      await refresh();
      return null;
    };
    pick.addEventListener('change', render);
    fill(scenarioBox, h('h3', 'Start from a standard scenario'),
      h('div.grid', h('label', { for: 'scn-name' }, 'Scenario'), pick, h('label', { for: 'scn-job' }, 'Job'), jobName), describe, fields,
      h('button.secondary', { id: 'scn-create', type: 'button', on: { click: create } }, 'Create draft'));
    render();
  }

  async function refresh() {
    if (!job) return;
    let list;
    try { list = await api(`${path()}/versions`); } catch (e) { fill(versions, message('error', e.message)); return; }
    const live = list.live?.version ?? null;
    const retired = live === '';
    const liveText = retired ? `Retired (by ${list.live.by}, ${fmtTime(list.live.at)}): no version runs; promote or roll back to one to run the job again.`
      : live ? `Live: ${live} (${list.live.action} by ${list.live.by}, ${fmtTime(list.live.at)})` : 'Nothing promoted yet: each process runs its jobs directory\'s version.';
    fill(versions, h('h3', 'Versions'),
      h('p#pub-live', liveText, h('span.muted', ` — this process runs ${list.running ?? '—'}`)),
      retired || !(live || list.running) || !can('forward') ? null
        : h('p', h('button.secondary', { id: 'pub-retire', on: { click: retire } }, 'Retire job'),
          h('span.muted', ' stops it in every runtime process; its versions stay and can be promoted again.')),
      list.versions.length === 0 ? h('p.muted', 'No versions registered.') : h('div.scroll', table([
        ['Version', (v) => h('code', v.version)], ['State', (v) => h(`span.badge.${v.state}`, v.state)], ['Author', (v) => v.author],
        ['Message', (v) => v.message], ['Created', (v) => fmtTime(v.createdAt)], ['', (v) => actions(v, live)],
      ], list.versions, { id: 'pub-table' })));
    versions.querySelectorAll('#pub-table tbody tr').forEach((tr, i) => tr.setAttribute('data-version', list.versions[i].version));
  }

  main.append(h('h2', 'Publish'),
    h('p.muted', 'Upload a job module (or a zip with helper modules): it is validated at once. Backtest it against live, have another reviewer approve it, then promote it; any earlier version can be rolled back to.'),
    status, ...(can('author') ? [upload, scenarioBox, range]
      : [h('p.note#pub-note', needs('Publishing, scenarios and backtests', 'an author or admin key')), h('div.row', h('label', { for: 'job' }, 'Job'), picker)]),
    versions, report);
  await Promise.all([refresh(), can('author') ? scenarios() : null]);
}
