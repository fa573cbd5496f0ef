// Jobs dashboard: every job's state, counts and errors, its trigger sources' watermarks; auto-refreshes.
import { api, getKey, isAborted } from '../api.js';
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

function renderList(section, jobs, marks) {
  if (jobs.length === 0) { fill(section, h('p.muted', 'No jobs are registered on this host (the runtime has not loaded a jobs directory).')); return; }
  fill(section, table([
    ['Job', (j) => h('a', { href: `#/jobs/${encodeURIComponent(j.name)}` }, j.name)],
    ['State', (j) => h(`span.badge.${j.enabled ? 'enabled' : 'disabled'}`, j.enabled ? 'enabled' : 'disabled')],
    ['Version', (j) => j.version, 'num'],
    ['Triggers', (j) => j.triggers.map((t) => t.source).join(', ')],
    ['Consistency', (j) => j.consistency],
    ['Live runners', (j) => j.status.liveRunners + (j.status.restarts ? ` (${j.status.restarts} restarts)` : ''), 'num'],
    ['Events run', (j) => fmtNumber(j.status.eventsRun), 'num'],
    ['Results', (j) => fmtNumber(j.status.results), 'num'],
    ['Errors', (j) => h(j.status.errors > 0 ? 'strong.error' : 'span', { title: 'error records since this process started' }, fmtNumber(j.status.errors)), 'num'],
    ['Quarantined', (j) => h(j.status.quarantined > 0 ? 'strong.error.quarantined' : 'span.quarantined',
      { title: 'events the job gave up on after its retries (stored); open the job to retry them' }, fmtNumber(j.status.quarantined ?? 0)), 'num'],
    ['Busy (s)', (j) => fmtNumber(j.status.busySeconds), 'num'],
    ['Workers', (j) => j.status.lane == null ? '—' : h(j.status.lane.lastLoss ? 'span.error' : 'span',
      { title: `the job's own worker processes (every run of it, calls included)${j.status.lane.lastLoss ? `; last lost: ${j.status.lane.lastLoss}` : ''}` },
      `${j.status.lane.workers}${j.status.lane.restarts ? ` (${j.status.lane.restarts} restarts)` : ''}`), 'num'],
    ['Queue', (j) => j.status.lane == null ? '—' : h('span.queue', { title: 'runs (batches and calls) waiting for or running on the job\'s workers' }, fmtNumber(j.status.lane.queue)), 'num'],
    ['Worker busy (s)', (j) => j.status.lane == null ? '—' : h('span', { title: 'time the job\'s workers were running its logic' }, fmtNumber(j.status.lane.busySeconds, 1)), 'num'],
    ['Lag', (j) => h('span.lag', { title: 'event-time lag behind the trigger sources\' watermarks; pending = stored messages not run yet' },
      j.status.lagMs == null ? '—' : `${fmtNumber(j.status.lagMs / 1000, 1)} s`
        + (j.status.pendingMessages ? ` (${fmtNumber(j.status.pendingMessages)} pending)` : '')), 'num'],
    ['Throughput', (j) => j.status.eventsPerSecond == null ? '—' : `${fmtNumber(j.status.eventsPerSecond, 1)} ev/s`, 'num'],
    ['Source watermarks (event time)', (j) => h('div', j.triggers.map((t) => h('div', { title: 'every on-time event at or before this time is stored; late = events that arrived after the watermark had passed them' },
      `${t.source}: ${fmtTime(marks[t.source]?.eventTime)}${marks[t.source]?.lateEvents ? ` · ${marks[t.source].lateEvents} late` : ''}`)))],
  ], jobs, { id: 'jobs-table' }));
  // Throughput: the runtime's (last 30 s); without it, between refreshes from the events-run counter.
  const now = Date.now();
  for (const j of jobs.filter((x) => x.status.eventsPerSecond == null)) {
    const prev = lastCounts.get(j.name);
    if (prev && j.status.eventsRun != null && now > prev.at) j.status.eventsPerSecond = (j.status.eventsRun - prev.count) * 1000 / (now - prev.at);
    if (j.status.eventsRun != null) lastCounts.set(j.name, { count: j.status.eventsRun, at: now });
  }
}
const lastCounts = new Map();

async function renderDetail(section, name, status, refresh) {
  const job = await api(`/api/jobs/${encodeURIComponent(name)}`);
  const quarantine = await api(`/api/jobs/${encodeURIComponent(name)}/quarantine`);
  // Tracebacks the reader opened stay open across refreshes.
  const open = new Set([...section.querySelectorAll('details[open]')].map((d) => d.dataset.error));
  const toggle = async () => {
    try {
      await api(`/api/jobs/${encodeURIComponent(name)}/${job.enabled ? 'disable' : 'enable'}`, { method: 'POST' });
      fill(status, message('ok', `Job ${name} ${job.enabled ? 'disabled' : 'enabled'}.`));
    } catch (e) {
      fill(status, message('error', e.message));
    }
  };
  const retry = (entry) => async (ev) => {
    ev.target.disabled = true;
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
      h('button.secondary', { on: { click: toggle }, title: getKey() ? '' : 'needs an admin key' }, job.enabled ? 'Disable' : 'Enable'),
      h('span.muted', `${job.file}:${job.line}`)),
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
      ['', (e) => h('button.secondary', { on: { click: retry(e) }, title: getKey() ? 'run it again through the live path (admin)' : 'needs an admin key' }, 'Retry')],
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
