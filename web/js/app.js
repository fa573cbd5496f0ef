// The single-page app: hash routing between the pages and the API-key box.
import { getKey, setKey, api, beginNavigation, isAborted } from './api.js';
import { h, fill, message } from './dom.js';
import parameters from './pages/parameters.js';
import jobs from './pages/jobs.js';
import backtests from './pages/backtests.js';
import events from './pages/events.js';
import parity from './pages/parity.js';
import offline from './pages/offline.js';
import publish from './pages/publish.js';
import select from './pages/select.js';
import catalog, { lineagePage as lineage } from './pages/catalog.js';

const pages = { parameters, jobs, backtests, events, parity, offline, publish, catalog, lineage, select };
const main = document.getElementById('page');
let stopCurrent = null;
let shown = 0; // navigation token: only the page shown last may touch the page area

// Each page renders into its own view; a page left mid-load keeps writing into its detached view, never over the next.
async function route() {
  const token = ++shown;
  beginNavigation();
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'parameters').split('/');
  const page = pages[name] ?? parameters;
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === name));
  if (stopCurrent) { stopCurrent(); stopCurrent = null; }
  const view = h('div.view', { 'data-page': name });
  const loading = h('div.loading#page-loading', { role: 'status' }, 'Loading…');
  fill(main, loading, view);
  let stop = null;
  try {
    stop = (await page(view, rest.map(decodeURIComponent))) ?? null;
  } catch (e) {
    if (token === shown && !isAborted(e)) view.append(message('error', e.message));
  }
  if (token !== shown) { stop?.(); return; } // another page is shown: this one stops now
  loading.remove();
  stopCurrent = stop;
}

async function showKey() {
  const status = document.getElementById('key-status');
  if (!getKey()) { status.textContent = 'no key'; status.className = 'muted'; return; }
  status.textContent = 'checking…';
  status.className = 'muted';
  try {
    const me = await api('/api/me', { signal: new AbortController().signal });
    status.textContent = `${me.name} (${me.roles.join(', ')})`;
    status.className = 'ok';
    document.body.dataset.roles = me.roles.join(' ');
  } catch (e) {
    status.textContent = e.status === 401 ? 'key not accepted' : e.unreachable ? 'API unreachable' : e.message;
    status.className = 'error';
    delete document.body.dataset.roles;
  }
}

// The badge follows the API: unreachable as soon as a request gets no answer, checked again once one does.
window.addEventListener('api-unreachable', () => {
  const status = document.getElementById('key-status');
  status.textContent = 'API unreachable';
  status.className = 'error';
});
window.addEventListener('api-reachable', () => showKey());

document.getElementById('api-key').value = getKey();
document.getElementById('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setKey(document.getElementById('api-key').value.trim());
  showKey();
  route();
});
window.addEventListener('hashchange', route);
showKey();
route();
