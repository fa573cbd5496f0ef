// Jobs dashboard: every job's state, counts and errors, its trigger sources' watermarks; auto-refreshes.
import { api, isAborted } from '../api.js';
import { can, needs } from '../roles.js';
import { confirmAction } from '../confirm.js';
import { sparkline } from '../chart.js';
import { h, fill, message, table, fmtTime, fmtValue, fmtNumber } from '../dom.js';

const REFRESH_MS = 3000;

export default async function jobsPage(main, [selected]) {
  const status = h('div');
  const connection = h('div#jobs-connection');
  const list = h('section#jobs');
  const detail = h('section#job-detail');
  const stamp = h('span.muted#updated');
  main.append(h('h2', 'Jobs'), h('div.row', h('span.muted', `Refreshes every ${REFRESH_MS / 1000} s.`), stamp), connection, status, list, detail);
  let stopped = false;
  let timer = null;
  const tick = async () => {
    try {
      const jobs = await api('/api/jobs');
      const sources = [...new Set(jobs.flatMap((j) => j.triggers.map((t) => t.source)))];
      const marks = Object.fromEntries(await Promise.all(sources.map(async (s) => [s, await api(`/api/watermarks/${encodeURIComponent(s)}`).catch(() => null)])));
      renderList(list, jobs, marks);
      if (selected) await renderDetail(detail, selected, status, tick);
      fill(stamp, `Updated ${new Date().toLocaleTimeString()}`);
      fill(connection);
      list.classList.remove('stale');
    } catch (e) {
      if (isAborted(e) || stopped) return;
      // The table stays as last loaded, marked stale, with the reason; the next refresh clears both.
      fill(connection, message('error', e.unreachable
        ? `${e.message} The table below is from ${stamp.textContent ? stamp.textContent.replace('Updated ', '') : 'no successful load yet'}.`
        : e.message));
      list.classList.add('stale');
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}

// Throughput per job over the refreshes of this page (when the API gives no series of its own): the last SPARK_POINTS.
const SPARK_POINTS = 40;
const seen = new Map();
const ago = (ms) => {
  if (ms == null) return '—';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 90 ? `${Math.round(s)} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : s < 172800 ? `${Math.round(s / 3600)} h ago` : fmtTime(ms);
};

function throughput(j) {
  if (Array.isArray(j.status.throughput) && j.status.throughput.length) {
    const step = j.status.throughputStepSeconds ?? 10;
    return { values: j.status.throughput, what: `live events per second, every ${step} s over the last ${Math.round(j.status.throughput.length * step / 60)} min` };
  }
  const list = seen.get(j.name) ?? [];
  if (j.status.eventsPerSecond != null) list.push(j.status.eventsPerSecond);
  while (list.length > SPARK_POINTS) list.shift();
  seen.set(j.name, list);
  return { values: list, what: `events per second at each refresh of this page (last ${list.length})` };
}

function renderList(section, jobs, marks) {
  if (jobs.length === 0) { fill(section, h('p.muted', 'No jobs are registered on this host (the runtime has not loaded a jobs directory).')); return; }
  // Throughput: the runtime's (last 30 s); without it, between refreshes from the events-run counter.
  const now = Date.now();
  for (const j of jobs.filter((x) => x.status.eventsPerSecond == null)) {
    const prev = lastCounts.get(j.name);
    if (prev && j.status.eventsRun != null && now > prev.at) j.status.eventsPerSecond = (j.status.eventsRun - prev.count) * 1000 / (now - prev.at);
    if (j.status.eventsRun != null) lastCounts.set(j.name, { count: j.status.eventsRun, at: now });
  }
  const late = (j) => j.status.lateEvents ?? j.triggers.reduce((n, t) => n + (marks[t.source]?.lateEvents ?? 0), 0);
  fill(section, table([
    ['Job', (j) => h('div', h('a', { href: `#/jobs/${encodeURIComponent(j.name)}` }, j.name),
      h('div.muted', { title: 'version (content hash) and consistency level' }, `v${j.version.slice(0, 8)} · ${j.consistency}`))],
    ['State', (j) => h(`span.badge.${j.enabled ? 'enabled' : 'disabled'}`, j.enabled ? 'enabled' : 'disabled')],
    ['Lag', (j) => h('span.lag', { title: 'event-time lag behind the trigger sources\' watermarks; pending = stored events not run yet' },
      j.status.lagMs == null ? '—' : `${fmtNumber(j.status.lagMs / 1000, 1)} s`,
      h('div.muted.pending', `${fmtNumber(j.status.pendingMessages ?? 0)} events`)), 'num'],
    ['Late', (j) => h('span.late', { title: j.status.lateEvents != null ? 'late events of the job\'s trigger sources (arrived after the watermark passed them; repaired)'
      : 'late events of the job\'s trigger sources (arrived after the watermark passed them; repaired), from the sources\' watermarks' }, fmtNumber(late(j))), 'num'],
    ['Errors', (j) => h(j.status.errors > 0 ? 'strong.error.errors' : 'span.errors', { title: j.status.errorsSinceStart === undefined ? 'error records since this process started'
      : `stored error records of the last 24 hours (every process), as the job's detail lists them; ${j.status.errorsSinceStart} written by this process since it started` }, fmtNumber(j.status.errors)), 'num'],
    ['Quarantined', (j) => h(j.status.quarantined > 0 ? 'strong.error.quarantined' : 'span.quarantined',
      { title: 'events the job gave up on after its retries (stored); open the job to retry them' }, fmtNumber(j.status.quarantined ?? 0)), 'num'],
    ['Last output', (j) => {
      const at = typeof j.status.lastOutputAt === 'string' ? Date.parse(j.status.lastOutputAt) : j.status.lastOutputAt;
      return h('span.last-output', { title: at == null ? 'no live output since this process started' : `last live result rows written ${fmtTime(at)}` }, ago(at));
    }],
    ['Throughput', (j) => {
      const t = throughput(j);
      return h('div', j.status.eventsPerSecond == null ? '—' : `${fmtNumber(j.status.eventsPerSecond, 1)} ev/s`, sparkline(t.values, { title: t.what }));
    }, 'num'],
    ['Run', (j) => h('div', { title: 'events run and result rows since this process started; live runners' },
      `${fmtNumber(j.status.eventsRun)} ev · ${fmtNumber(j.status.results)} rows`,
      h('div.muted', `${j.status.liveRunners} runner${j.status.liveRunners === 1 ? '' : 's'}${j.status.restarts ? ` (${j.status.restarts} restarts)` : ''} · ${fmtNumber(j.status.busySeconds)} s busy`)), 'num'],
    ['Workers', (j) => j.status.lane == null ? '—' : h(j.status.lane.lastLoss ? 'div.error' : 'div',
      { title: `the job's own worker processes (every run of it, calls included): workers, runs queued, time busy${j.status.lane.lastLoss ? `; last lost: ${j.status.lane.lastLoss}` : ''}` },
      `${j.status.lane.workers}${j.status.lane.restarts ? ` (${j.status.lane.restarts} restarts)` : ''}`,
      h('div.muted', 'queue ', h('span.queue', fmtNumber(j.status.lane.queue)), ` · ${fmtNumber(j.status.lane.busySeconds, 1)} s`)), 'num'],
    ['Source watermarks (event time)', (j) => h('div', j.triggers.map((t) => watermark(t.source, marks[t.source])))],
  ], jobs, { id: 'jobs-table' }));
}
const lastCounts = new Map();

// A source's event-time watermark; an idle source's follows the clock (nothing is pending), so its data's own mark shows.
function watermark(source, mark) {
  if (mark?.state === 'idle') {
    return h('div', { title: `idle: every partition is caught up and quiet; the watermark (${fmtTime(mark.eventTime)}) follows the clock. Shown: the highest mark its stored events reached.` },
      `${source}: ${mark.dataEventTime == null ? 'no data' : fmtTime(mark.dataEventTime)} `, h('span.badge', 'idle'));
  }
  return h('div', { title: 'every on-time event at or before this time is stored; late = events that arrived after the watermark had passed them' },
    `${source}: ${fmtTime(mark?.eventTime)}`, mark?.state === 'behind' ? [' ', h('span.badge.disabled', `behind: ${fmtNumber(mark.pendingMessages)} pending`)] : null);
}

async function renderDetail(section, name, status, refresh) {
  const job = await api(`/api/jobs/${encodeURIComponent(name)}`);
  const quarantine = await api(`/api/jobs/${encodeURIComponent(name)}/quarantine`);
  // Tracebacks the reader opened stay open across refreshes.
  const open = new Set([...section.querySelectorAll('details[open]')].map((d) => d.dataset.error));
  const toggle = async () => {
    const ok = await confirmAction({
      title: `${job.enabled ? 'Disable' : 'Enable'} job ${name}?`,
      detail: job.enabled ? 'It stops running live after its current batch in every runtime process (replays and calls still run); its outputs stop updating until it is enabled again.'
        : 'It runs live again from where it stopped, in every runtime process.',
      confirm: job.enabled ? 'Disable' : 'Enable', danger: job.enabled,
    });
    if (!ok) return;
    try {
      await api(`/api/jobs/${encodeURIComponent(name)}/${job.enabled ? 'disable' : 'enable'}`, { method: 'POST' });
      fill(status, message('ok', `Job ${name} ${job.enabled ? 'disabled' : 'enabled'}.`));
    } catch (e) {
      fill(status, message('error', e.message));
    }
  };
  const retry = (entry) => async (ev) => {
    const button = ev.target;
    const ok = await confirmAction({ title: `Retry event ${entry.eventId}?`,
      detail: 'It runs again through the live path; on success its results are written to the job\'s outputs and it leaves the quarantine.', confirm: 'Retry' });
    if (!ok) return;
    button.disabled = true;
    try {
      const outcome = await api(`/api/jobs/${encodeURIComponent(name)}/quarantine/${encodeURIComponent(entry.id)}/retry`, { method: 'POST' });
      fill(status, outcome.succeeded
        ? message('ok', `Event ${entry.eventId} ran: ${outcome.results} result rows written; it left the quarantine.`)
        : message('error', `Event ${entry.eventId} failed again: ${outcome.entry?.errorType}: ${outcome.entry?.message}`));
    } catch (e) {
      fill(status, message('error', e.message));
    }
    await refresh();
  };
  fill(section, h('h3', `Job ${job.name} (version ${job.version})`),
    h('p', job.description || h('span.muted', 'No description.')),
    h('div.row', h(`span.badge.${job.enabled ? 'enabled' : 'disabled'}`, job.enabled ? 'enabled' : 'disabled'),
      can('admin') ? h('button.secondary', { on: { click: toggle } }, job.enabled ? 'Disable' : 'Enable') : h('span.note', needs('Enabling or disabling', 'an admin key')),
      job.file ? h('span.muted', `${job.file}:${job.line}`) : null),
    job.status.lastError ? message('error', `Last live runner failure: ${job.status.lastError}`) : null,
    h('h3', 'Triggers'), table([['Source', (t) => t.source], ['Where', (t) => t.where.join(' and ') || '—']], job.triggers),
    h('h3', 'Outputs'), table([['Column', (o) => h('code', o.name)], ['Type', (o) => o.type], ['Nullable', (o) => o.nullable ? 'yes' : 'no'], ['Description', (o) => o.description]], job.outputs),
    h('h3', 'Parameters'), table([['Name', (p) => h('code', p.name)], ['Type', (p) => p.type], ['Current', (p) => fmtValue(p.current)]], job.parameters),
    h('h3', `Quarantined events (${quarantine.count})`),
    quarantine.count === 0 ? h('p.muted', 'None: no event failed its retries.') : h('div.scroll', table([
      ['Event', (e) => h('div', h('div', `${e.source}/${e.key}`), h('code', e.eventId), h('div.muted', fmtTime(e.eventTime)))],
      ['Attempts', (e) => fmtNumber(e.attempts), 'num'],
      ['Last failed', (e) => h('div', fmtTime(e.lastFailedAt), h('div.muted', `${e.mode}, version ${e.jobVersion}`))],
      ['Error', (e) => {
        const id = `q/${e.id}`;
        return h('details', { 'data-error': id, open: open.has(id) }, h('summary', `${e.errorType}: ${e.message}`), h('pre.traceback', e.traceback),
          h('pre.traceback', JSON.stringify(e.event.after ?? e.event.before, null, 2)));
      }],
      ...(can('admin') ? [['', (e) => h('button.secondary', { on: { click: retry(e) }, title: 'run it again through the live path (admin)' }, 'Retry')]] : []),
    ], quarantine.entries, { id: 'quarantine-table' })),
    quarantine.next ? h('p.muted', `Showing the first ${quarantine.entries.length} of ${quarantine.count}.`) : null,
    h('h3', `Recent errors (${job.recentErrors.length})`),
    job.recentErrors.length === 0 ? h('p.muted', 'None.') : table([
      ['At', (e) => fmtTime(e.at)], ['Version', (e) => e.jobVersion], ['Event', (e) => `${e.source}/${e.key} ${e.eventId} @ ${fmtTime(e.eventTime)}`],
      ['Error', (e) => {
        const id = `${e.at}/${e.source}/${e.eventId}`;
        return h('details', { 'data-error': id, open: open.has(id) }, h('summary', `${e.errorType}: ${e.message}`), h('pre', e.traceback));
      }],
    ], job.recentErrors, { id: 'errors-table' }));
}
