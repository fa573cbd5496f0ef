// Parity check: replay a job over a range and compare with what live produced; counts, causes, and each row not equal.
import { api } from '../api.js';
import { can } from '../roles.js';
import { confirmAction } from '../confirm.js';
import { h, fill, message, table, fmtTime, fmtNumber, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';

const POLL_MS = 500;
const CAUSES = {
  version: 'live computed with another job version',
  parameters: 'live ran with parameter values other than those in force at the event\'s time',
  'late-data': 'an input was stored after live computed (repair pending or missed)',
  other: 'none of the above',
};

export default async function parityPage(main, [checkId]) {
  const status = h('div#parity-status');
  const view = h('section#parity-check');
  const checks = h('section#parity-checks');
  let job = null;
  const picker = await jobPicker(null, (j) => { job = j; });
  const now = Date.now();
  const from = h('input', { id: 'pc-from', type: 'datetime-local', value: toUtcLocal(now - 86400000) });
  const to = h('input', { id: 'pc-to', type: 'datetime-local', value: toUtcLocal(now) });
  const correct = h('input', { id: 'pc-correct', type: 'checkbox' });
  const form = h('form.grid#parity-form', h('label', { for: 'job' }, 'Job'), picker,
    h('label', { for: 'pc-from' }, 'From (UTC)'), from, h('label', { for: 'pc-to' }, 'To (UTC, exclusive)'), to,
    ...(can('operate') ? [h('label', { for: 'pc-correct' }, 'Correct'), h('span', correct, h('span.muted', ' also rewrite the outputs that differ'))] : []),
    h('span'), h('button', { type: 'submit', id: 'launch-parity' }, 'Check parity'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = parseUtcLocal(from.value); const t = parseUtcLocal(to.value);
    if (!job) return fill(status, message('error', 'Choose a job.'));
    if (!(f < t)) return fill(status, message('error', '"From" must be before "To".'));
    if (correct.checked && !await confirmAction({ title: `Correct ${job}'s outputs?`, confirm: 'Check and correct', danger: true,
      detail: `Every output row live produced between ${fmtTime(f)} and ${fmtTime(t)} that differs from the replay is rewritten (feature store, event center, Kafka/RabbitMQ correction messages).` })) return null;
    try {
      const check = await api('/api/parity', { method: 'POST', body: { job, from: f, to: t, correct: correct.checked } });
      location.hash = `#/parity/${encodeURIComponent(check.id)}`;
    } catch (err) {
      fill(status, message('error', err.message));
    }
    return null;
  });
  main.append(h('h2', 'Parity'), h('p.muted', 'Replays the range as a backtest does and compares each trigger event\'s rows with what live produced (its latest revision).'),
    status, form, view, checks);
  let stopped = false;
  let timer = null;
  const list = async () => {
    const all = await api('/api/parity').catch((e) => { fill(status, message('error', e.message)); return []; });
    fill(checks, h('h3', 'Checks'), all.length === 0 ? h('p.muted', 'No checks yet.') : h('div.scroll', table([
      ['Check', (c) => h('a', { href: `#/parity/${encodeURIComponent(c.id)}` }, c.id)], ['Job', (c) => c.job],
      ['Range', (c) => `${fmtTime(c.from)} – ${fmtTime(c.to)}`], ['Kind', (c) => c.correct ? 'correction' : 'check'],
      ['State', (c) => h(`span.badge.${c.state}`, c.state)], ['Not equal', (c) => fmtNumber(notEqual(c.counts)), 'num'],
    ], all)));
  };
  if (checkId) {
    const poll = async () => {
      let check;
      try { check = await api(`/api/parity/${encodeURIComponent(checkId)}`); } catch (e) { fill(view, message('error', e.message)); return; }
      render(view, check);
      if (check.isFinished) await list(); else if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    await poll();
  }
  await list();
  return () => { stopped = true; clearTimeout(timer); };
}

const notEqual = (c) => c.differing + c.liveMissing + c.replayMissing;

function render(section, check) {
  const c = check.counts;
  const verdict = !check.isFinished ? null : check.state !== 'Completed' ? message('error', check.failureReason ?? check.state)
    : notEqual(c) === 0 ? message('ok', 'Parity holds: every row live produced equals the replay.')
      : message(check.correct ? 'ok' : 'error', check.correct ? `${fmtNumber(c.corrected)} rows rewritten.` : `${fmtNumber(notEqual(c))} rows are not equal.`);
  const causes = Object.entries(c.byCause ?? {});
  fill(section, h('h3', `${check.correct ? 'Correction' : 'Check'} ${check.id}`),
    h('div.row', h(`span.badge.${check.state}#parity-state`, check.state), h('span', `${check.job}: ${fmtTime(check.from)} – ${fmtTime(check.to)}`),
      h('span.muted', `${fmtNumber(check.eventsDone)}${check.estimatedTotal != null ? ` of ${fmtNumber(check.estimatedTotal)}` : ''} events replayed`)),
    verdict,
    h('div.scroll', table([['Equal', () => fmtNumber(c.equal), 'num'], ['Differing', () => fmtNumber(c.differing), 'num'],
      ['Live missing', () => fmtNumber(c.liveMissing), 'num'], ['Replay missing', () => fmtNumber(c.replayMissing), 'num'],
      ['Events', () => fmtNumber(c.computations), 'num'], ...(check.correct ? [['Corrected', () => fmtNumber(c.corrected), 'num']] : [])], [c], { id: 'parity-counts' })),
    causes.length ? h('div.scroll', table([['Cause', ([k]) => h('code', k)], ['Rows', ([, n]) => fmtNumber(n), 'num'], ['Meaning', ([k]) => CAUSES[k] ?? '']],
      causes, { id: 'parity-causes' })) : null,
    check.differences.length ? h('div',
      h('h3', `Rows not equal${check.truncated ? ` (first ${fmtNumber(check.differences.length)})` : ''}`),
      h('div.scroll', table([
        ['Event', (d) => h('span', h('code', `${d.source}/${d.eventId}`), h('br'), h('span.muted', `${d.key} · ${fmtTime(d.eventTime)} · row ${d.rowIndex}`))],
        ['Outcome', (d) => d.outcome], ['Cause', (d) => h('span', h('strong', d.cause), h('br'), h('span.muted', d.detail))],
        ['Live', (d) => h('code.json', d.live == null ? '—' : JSON.stringify(d.live))], ['Replay', (d) => h('code.json', d.replay == null ? '—' : JSON.stringify(d.replay))],
      ], check.differences, { id: 'parity-differences' }))) : null);
}
