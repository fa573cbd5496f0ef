// The metadata center: search across names; sources (declaration, observed schema), jobs, features, outputs; the
// lineage graph (SVG laid out in ../lineage.js). Routes: #/catalog, #/catalog/source/<name>, #/catalog/job/<name>,
// #/lineage and #/lineage/<node id>.
import { api } from '../api.js';
import { h, fill, message, table, fmtTime, fmtNumber } from '../dom.js';
import { lineageSvg } from '../lineage.js';

const sourceLink = (name) => h('a', { href: `#/catalog/source/${encodeURIComponent(name)}` }, name);
const jobLink = (name) => h('a', { href: `#/catalog/job/${encodeURIComponent(name)}` }, name);
const lineageLink = (id, text = 'lineage') => h('a', { href: `#/lineage/${encodeURIComponent(id)}` }, text);
const list = (items, link) => items.length ? items.flatMap((x, i) => [i ? ', ' : '', link ? link(x) : x]) : h('span.muted', '—');
const HIT_LINK = { source: (n) => `#/catalog/source/${encodeURIComponent(n)}`, job: (n) => `#/catalog/job/${encodeURIComponent(n)}` };

export default async function catalogPage(main, [kind, name]) {
  if (kind === 'source' && name) return sourcePage(main, name);
  if (kind === 'job' && name) return jobPage(main, name);
  const status = h('div#catalog-status');
  const results = h('section#catalog-results');
  const input = h('input', { id: 'catalog-search', type: 'search', placeholder: 'name, e.g. orders', 'aria-label': 'Search the catalog', size: 24 });
  const form = h('form.row#catalog-search-form', input, h('button', { type: 'submit' }, 'Search'), lineageLink('', 'Lineage graph'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return fill(results);
    try {
      const hits = await api(`/api/catalog/search?q=${encodeURIComponent(q)}`);
      fill(results, h('h3', `Results for “${q}”`), hits.length === 0 ? h('p.muted', 'Nothing matches.') : h('div.scroll', table([
        ['Kind', (x) => h('span.badge', x.kind)],
        ['Name', (x) => HIT_LINK[x.kind] ? h('a', { href: HIT_LINK[x.kind](x.name) }, x.name) : x.name],
        ['Description', (x) => x.description], ['', (x) => lineageLink(x.id)],
      ], hits, { id: 'catalog-hits' })));
    } catch (err) { fill(status, message('error', err.message)); }
    return null;
  });
  main.append(h('h2', 'Catalog'), h('p.muted', 'Sources, jobs, features and outputs of the platform, and how they connect.'), status, form, results);
  const [sources, jobs, features, outputs] = await Promise.all(['sources', 'jobs', 'features', 'outputs'].map((p) => api(`/api/catalog/${p}`)));
  main.append(
    h('section', h('h3', 'Sources'), h('div.scroll', table([
      ['Source', (s) => sourceLink(s.name)], ['Format', (s) => s.format], ['Keys', (s) => s.keyFields.join(', ') || '—'],
      ['Time field', (s) => s.timeField ?? '—'], ['Topics', (s) => s.topics.join(', ')], ['Origin', (s) => h('span.badge', s.origin)],
      ['Events seen', (s) => fmtNumber(s.observed?.events ?? 0), 'num'], ['Jobs', (s) => list([...new Set([...s.triggeredJobs, ...s.readByJobs])], jobLink)],
    ], sources, { id: 'catalog-sources' }))),
    h('section', h('h3', 'Jobs'), h('div.scroll', table([
      ['Job', (j) => jobLink(j.name)], ['Version', (j) => h('code', j.version.slice(0, 12))], ['Triggers', (j) => list(j.triggers, sourceLink)],
      ['Reads', (j) => list(j.reads, sourceLink)], ['Features', (j) => j.features.length, 'num'], ['', (j) => lineageLink(`job:${j.name}`)],
    ], jobs, { id: 'catalog-jobs' }))),
    h('section', h('h3', 'Features'), h('div.scroll', table([
      ['Feature', (f) => f.name], ['Type', (f) => f.type], ['Description', (f) => f.description], ['Job', (f) => jobLink(f.job)],
      ['Fresh to', (f) => fmtTime(f.freshness.lastEventTimeMs)],
    ], features, { id: 'catalog-features' }))),
    h('section', h('h3', 'Outputs'), h('div.scroll', table([['Job', (o) => jobLink(o.job)], ['Kind', (o) => o.kind], ['Target', (o) => o.target]],
      outputs, { id: 'catalog-outputs' }))));
  return null;
}

async function sourcePage(main, name) {
  const s = await api(`/api/catalog/sources/${encodeURIComponent(name)}`);
  const declared = Object.entries(s.declaredFields);
  main.append(h('p', h('a', { href: '#/catalog' }, '← Catalog')), h('h2#source-name', s.name),
    h('div.scroll', table([['Setting', (r) => r[0]], ['Value', (r) => r[1]]], [
      ['format', s.format], ['key fields', s.keyFields.join(', ') || '(the format\'s primary key)'], ['time field', s.timeField ?? '(envelope / transport time)'],
      ['id field', s.idField ?? '—'], ['topics', s.topics.join(', ')], ['RabbitMQ queue', s.rabbitQueue ?? '—'],
      ['declared field types', declared.length ? declared.map(([k, v]) => `${k}: ${v}`).join(', ') : '—'],
      ['max out-of-orderness', `${s.maxOutOfOrdernessMs} ms`], ['max delay', `${s.maxDelayMs} ms`],
      ['origin', s.origin + (s.revision ? ` (revision ${s.revision} by ${s.changedBy}, ${fmtTime(s.changedAt)})` : '')],
      ['triggers jobs', list(s.triggeredJobs, jobLink)], ['read by jobs', list(s.readByJobs, jobLink)],
    ], { id: 'source-declaration' })),
    h('p', lineageLink(`source:${s.name}`, 'Lineage of this source')));
  const o = s.observed;
  main.append(h('h3', 'Observed schema'), !o ? h('p.muted#observed-none', 'No events observed yet.') : h('div',
    h('p.muted', `${fmtNumber(o.events)} events stored, ${fmtNumber(o.inspected)} inspected; newest event ${fmtTime(o.lastEventTime)}; updated ${fmtTime(o.updatedAt)}.`),
    h('div.scroll', table([
      ['Field', (f) => h('code', f.path)], ['Type', (f) => f.type ?? 'null'],
      ['Null rate', (f) => `${(f.nullRate * 100).toFixed(1)} %`, 'num'], ['Examples', (f) => f.examples.flatMap((x, i) => [i ? ' · ' : '', h('code', x)])],
    ], o.fields, { id: 'observed-schema' }))));
  return null;
}

async function jobPage(main, name) {
  const jobs = await api('/api/catalog/jobs');
  const j = jobs.find((x) => x.name === name);
  if (!j) { main.append(message('error', `No job is named '${name}'.`)); return null; }
  main.append(h('p', h('a', { href: '#/catalog' }, '← Catalog')), h('h2#job-name', j.name), h('p', j.description),
    h('div.scroll', table([['', (r) => r[0]], ['', (r) => r[1]]], [
      ['version', h('code', j.version)], ['consistency', j.consistency], ['triggers', list(j.triggers, sourceLink)], ['reads', list(j.reads, sourceLink)],
      ['request source', j.requestSource], ['features', list(j.features)], ['outputs', list(j.outputs.map((x) => `${x.kind} ${x.target}`))],
      ['models', list(j.models)],
    ], { id: 'job-declaration' })),
    h('p', lineageLink(`job:${j.name}`, 'Lineage of this job')),
    h('h3', 'Versions'), h('div.scroll', table([
      ['Version', (v) => h('code', v.version.slice(0, 16))], ['First seen', (v) => fmtTime(v.firstSeen)], ['Last seen', (v) => fmtTime(v.lastSeen)],
      ['', (v) => v.current ? h('span.badge.Live', 'current') : ''],
    ], j.versions, { id: 'job-versions' })));
  return null;
}

/** #/lineage[/<node id>]: the graph (focused on a node when given), redrawn when the window's width changes. */
export async function lineagePage(main, [focus]) {
  const graph = await api(`/api/catalog/lineage${focus ? `?focus=${encodeURIComponent(focus)}` : ''}`);
  const holder = h('div.lineage-holder#lineage-graph');
  const legend = h('p.legend', h('span.key.trigger', 'trigger'), h('span.key.read', 'read'), h('span.key.produces', 'produces'), h('span.key.writes', 'writes'),
    h('span.key.uses', 'uses'));
  main.append(h('p', h('a', { href: '#/catalog' }, '← Catalog'), focus ? [' · ', h('a', { href: '#/lineage' }, 'whole graph')] : ''),
    h('h2', focus ? `Lineage of ${focus}` : 'Lineage'),
    h('p.muted', 'Which jobs read which sources (trigger or read), and what they produce. Choose a node to focus on it.'), legend, holder);
  let drawnFor = 0;
  const draw = () => {
    const width = Math.floor(holder.clientWidth);
    if (width === drawnFor) return;
    drawnFor = width;
    fill(holder, graph.nodes.length ? lineageSvg(graph, width, focus) : h('p.muted', 'Nothing to show.'));
  };
  draw();
  window.addEventListener('resize', draw);
  return () => window.removeEventListener('resize', draw);
}
