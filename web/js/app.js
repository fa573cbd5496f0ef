// The single-page app: hash routing between the pages and the API-key box.
import { getKey, setKey, beginNavigation, isAborted } from './api.js';
import { loadMe, whenMe } from './roles.js';
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
import compare from './pages/compare.js';

const pages = { parameters, jobs, backtests, compare, events, parity, offline, publish, catalog, lineage, select };
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
  document.querySelector('header').classList.remove('nav-open');
  if (stopCurrent) { stopCurrent(); stopCurrent = null; }
  const view = h('div.view', { 'data-page': name });
  const loading = h('div.loading#page-loading', { role: 'status' }, 'Loading…');
  fill(main, loading, view);
  let stop = null;
  await whenMe(); // the controls shown depend on the caller's roles
  if (token !== shown) return;
  try {
    stop = (await page(view, rest.map(decodeURIComponent))) ?? null;
  } catch (e) {
    if (token === shown && !isAborted(e)) {
      // The page could not load: its heading (from the navigation) and why.
      if (!view.querySelector('h2')) view.prepend(h('h2', document.querySelector(`nav a[data-page="${name}"]`)?.textContent ?? name));
      view.append(message('error', e.message));
    }
  }
  if (token !== shown) { stop?.(); return; } // another page is shown: this one stops now
  loading.remove();
  stopCurrent = stop;
}

async function showKey() {
  const status = document.getElementById('key-status');
  if (!getKey()) { loadMe(); status.textContent = 'no key'; status.className = 'muted'; delete document.body.dataset.roles; return; }
  status.textContent = 'checking…';
  status.className = 'muted';
  try {
    const me = await loadMe();
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

// Narrow screens: the navigation collapses behind a menu button.
document.getElementById('nav-toggle').addEventListener('click', () => {
  const open = document.querySelector('header').classList.toggle('nav-open');
  document.getElementById('nav-toggle').setAttribute('aria-expanded', String(open));
});

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
