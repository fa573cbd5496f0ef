// Parameters: definitions and current values, propose (validated here and by the server), review queue, history.
import { api } from '../api.js';
import { can, needs } from '../roles.js';
import { confirmAction } from '../confirm.js';
import { h, fill, message, table, fmtTime, fmtValue, parseUtcLocal, toUtcLocal } from '../dom.js';
import { jobPicker } from './jobpicker.js';

export default async function parametersPage(main, [initialJob]) {
  const body = h('div');
  main.append(h('h2', 'Parameters'),
    h('p.muted', 'Operators propose new values with a reason; a different reviewer approves (the running job picks the values up) or rejects.'),
    h('div.row', h('label', { for: 'job' }, 'Job'), await jobPicker(initialJob, (job) => { location.hash = `#/parameters/${encodeURIComponent(job)}`; })),
    body);
  if (initialJob) await render(body, initialJob);
}

async function render(body, job) {
  const base = `/api/jobs/${encodeURIComponent(job)}/parameters`;
  const definitions = await api(`${base}/`);
  const status = h('div#param-status');
  const defsSection = h('section#definitions', h('h3', 'Definitions and current values'),
    table([
      ['Name', (d) => h('code', d.name)], ['Type', (d) => d.type], ['Description', (d) => d.description || h('span.muted', '—')],
      ['Bounds / choices', (d) => bounds(d)], ['Default', (d) => fmtValue(d.default)],
      ['Current', (d) => h('strong', { 'data-param': d.name }, fmtValue(d.current))],
    ], definitions.parameters, { id: 'definitions-table' }));
  const queue = h('section#queue');
  const history = h('section#history');
  const propose = can('operate') ? proposeForm(base, definitions.parameters, status, () => refresh())
    : h('p.note#propose-note', needs('Proposing new values', 'an operator or admin key'));
  fill(body, status, defsSection, propose, queue, history);
  async function refresh() {
    const [fresh, pending, past] = await Promise.all([api(`${base}/`), api(`${base}/proposals`), api(`${base}/history`)]);
    // The values in force now: the definitions table and the propose form's "current" hints.
    for (const d of fresh.parameters) {
      const cell = defsSection.querySelector(`[data-param="${CSS.escape(d.name)}"]`);
      if (cell) cell.textContent = fmtValue(d.current);
      const input = body.querySelector(`#propose-${CSS.escape(d.name)}`);
      if (input?.tagName === 'INPUT') input.placeholder = `(unchanged) current ${fmtValue(d.current)}`;
    }
    renderQueue(queue, job, base, pending, status, refresh);
    renderHistory(history, past);
  }
  await refresh();
}

const bounds = (d) => d.choices?.length ? `one of ${d.choices.map(fmtValue).join(', ')}`
  : [d.min != null ? `≥ ${d.min}` : null, d.max != null ? `≤ ${d.max}` : null].filter(Boolean).join(', ') || '—';

/** Client-side check mirroring the server's: type, bounds, choices. Returns [value, error]. */
export function parseValue(d, text) {
  let value;
  switch (d.type) {
    case 'int':
      if (!/^-?\d+$/.test(text.trim())) return [null, `must be an integer`];
      value = Number(text); break;
    case 'float':
      if (text.trim() === '' || !Number.isFinite(Number(text))) return [null, `must be a number`];
      value = Number(text); break;
    case 'bool':
      if (!['true', 'false'].includes(text)) return [null, `must be true or false`];
      value = text === 'true'; break;
    default:
      value = text;
  }
  if (typeof value === 'number') {
    if (d.min != null && value < d.min) return [null, `is below its minimum ${d.min}`];
    if (d.max != null && value > d.max) return [null, `is above its maximum ${d.max}`];
  }
  if (d.choices?.length && !d.choices.some((c) => c === value)) return [null, `must be one of ${d.choices.map(fmtValue).join(', ')}`];
  return [value, null];
}

function proposeForm(base, defs, status, refresh) {
  const inputs = {};
  const errors = {};
  const rows = defs.flatMap((d) => {
    const id = `propose-${d.name}`;
    inputs[d.name] = d.type === 'bool' || d.choices?.length
      ? h('select', { id, name: d.name }, h('option', { value: '' }, '(unchanged)'),
        (d.type === 'bool' ? ['true', 'false'] : d.choices.map(String)).map((c) => h('option', { value: c }, c)))
      : h('input', { id, name: d.name, type: 'text', placeholder: `(unchanged) current ${fmtValue(d.current)}` });
    errors[d.name] = h('div.field-error', { id: `${id}-error` });
    return [h('label', { for: id }, d.name), inputs[d.name], errors[d.name]];
  });
  const reason = h('input', { id: 'propose-reason', type: 'text', placeholder: 'why (required)' });
  const reasonError = h('div.field-error', { id: 'propose-reason-error' });
  const form = h('form.grid#propose-form', ...rows, h('label', { for: 'propose-reason' }, 'Reason'), reason, reasonError,
    h('span'), h('button', { type: 'submit' }, 'Propose'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    Object.values(errors).forEach((el) => { el.textContent = ''; });
    reasonError.textContent = '';
    const values = {};
    let bad = false;
    for (const d of defs) {
      const text = inputs[d.name].value;
      if (text === '') continue;
      const [value, error] = parseValue(d, text);
      if (error) { errors[d.name].textContent = `'${d.name}' ${error}.`; bad = true; } else values[d.name] = value;
    }
    if (!reason.value.trim()) { reasonError.textContent = 'A reason is required.'; bad = true; }
    if (!bad && Object.keys(values).length === 0) { fill(status, message('error', 'Enter at least one new value.')); return; }
    if (bad) { fill(status, message('error', 'Fix the highlighted values.')); return; }
    try {
      const p = await api(`${base}/proposals`, { method: 'POST', body: { values, reason: reason.value.trim() } });
      fill(status, message('ok', `Proposal ${p.id} created; a reviewer must approve it.`));
      form.reset();
      await refresh();
    } catch (err) {
      for (const [name, list] of Object.entries(err.fieldErrors)) if (errors[name]) errors[name].textContent = list.join(' ');
      fill(status, message('error', err.message));
    }
  });
  return h('section', h('h3', 'Propose new values'), form);
}

// "Backtest this proposal": a replay of the range with the proposal's values over the values in force at each event's time.
function backtestRange() {
  const now = Date.now();
  const from = h('input', { id: 'bt-proposal-from', type: 'datetime-local', value: toUtcLocal(now - 30 * 86400000) });
  const to = h('input', { id: 'bt-proposal-to', type: 'datetime-local', value: toUtcLocal(now + 60000) });
  return { from, to, view: h('div.row', h('label', { for: 'bt-proposal-from' }, 'Backtest from (UTC)'), from, h('label', { for: 'bt-proposal-to' }, 'to'), to) };
}

function renderQueue(section, job, base, pending, status, refresh) {
  const range = backtestRange();
  const backtest = async (p) => {
    const f = parseUtcLocal(range.from.value); const t = parseUtcLocal(range.to.value);
    if (!(f < t)) return fill(status, message('error', '"Backtest from" must be before "to".'));
    try {
      const run = await api('/api/backtests', { method: 'POST', body: { job, from: f, to: t, proposal: p.id } });
      location.hash = `#/backtests/${encodeURIComponent(run.id)}`;
    } catch (err) {
      fill(status, message('error', err.message));
    }
    return undefined;
  };
  const review = async (p, action, reasonInput) => {
    if (action === 'approve') {
      const ok = await confirmAction({ title: `Approve proposal ${p.id}?`,
        detail: `The running job picks up ${Object.entries(p.values).map(([k, v]) => `${k} = ${fmtValue(v)}`).join(', ')} from its next batch, in every runtime process.`,
        confirm: 'Approve and apply' });
      if (!ok) return;
    }
    try {
      const reason = reasonInput.value.trim();
      await api(`${base}/proposals/${encodeURIComponent(p.id)}/${action}`, { method: 'POST', body: reason ? { reason } : {} });
      fill(status, message('ok', `Proposal ${p.id} ${action === 'approve' ? 'approved and applied' : 'rejected'}.`));
      await refresh();
    } catch (err) {
      fill(status, message('error', err.message));
    }
  };
  const reviewer = can('review');
  const tester = can('backtest');
  fill(section, h('h3', `Review queue (${pending.length})`), pending.length === 0 || !tester ? null : range.view,
    pending.length === 0 || reviewer ? null : h('p.note#review-note', needs('Approving or rejecting', 'a reviewer or admin key')),
    pending.length === 0 ? h('p.muted', 'No pending proposals.') : table([
      ['Proposal', (p) => h('code', p.id)], ['Values', (p) => changes(p)], ['Proposed by', (p) => `${p.proposedBy}, ${fmtTime(p.proposedAt)}`],
      ['Reason', (p) => p.reason],
      ...(reviewer || tester ? [['Review', (p) => {
        const reason = h('input', { type: 'text', placeholder: 'reason (required to reject)', 'aria-label': 'review reason' });
        return h('div.row', { 'data-proposal': p.id }, reviewer ? reason : null,
          reviewer ? h('button', { on: { click: () => review(p, 'approve', reason) } }, 'Approve') : null,
          reviewer ? h('button.secondary', { on: { click: () => review(p, 'reject', reason) } }, 'Reject') : null,
          tester ? h('button.secondary', { 'data-backtest': p.id, on: { click: () => backtest(p) } }, 'Backtest this proposal') : null);
      }]] : []),
    ], pending, { id: 'queue-table' }));
}

const changes = (p) => h('ul', Object.entries(p.values).map(([k, v]) => h('li', h('code', k), `: ${fmtValue(p.previous?.[k])} → `, h('strong', fmtValue(v)))));

function renderHistory(section, past) {
  fill(section, h('h3', 'History'),
    past.length === 0 ? h('p.muted', 'Nothing reviewed yet.') : table([
      ['State', (p) => h(`span.badge.${p.state}`, p.state)], ['Values', (p) => changes(p)],
      ['Proposed', (p) => `${p.proposedBy}, ${fmtTime(p.proposedAt)}: ${p.reason}`],
      ['Reviewed', (p) => `${p.reviewedBy}, ${fmtTime(p.reviewedAt)}${p.reviewReason ? `: ${p.reviewReason}` : ''}`],
      ['Applied', (p) => p.applyError ? h('span.error', p.applyError) : fmtTime(p.appliedAt)],
    ], past, { id: 'history-table' }));
}
