// The single-page app: hash routing between the pages and the API-key box.
import { getKey, setKey, api } from './api.js';
import { fill, message } from './dom.js';
import parameters from './pages/parameters.js';
import jobs from './pages/jobs.js';
import backtests from './pages/backtests.js';
import events from './pages/events.js';
import parity from './pages/parity.js';
import publish from './pages/publish.js';
import catalog, { lineagePage as lineage } from './pages/catalog.js';

const pages = { parameters, jobs, backtests, events, parity, publish, catalog, lineage };
const main = document.getElementById('page');
let stopCurrent = null;

async function route() {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'parameters').split('/');
  const page = pages[name] ?? parameters;
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === name));
  if (stopCurrent) { stopCurrent(); stopCurrent = null; }
  fill(main);
  try {
    stopCurrent = (await page(main, rest.map(decodeURIComponent))) ?? null;
  } catch (e) {
    main.append(message('error', e.message));
  }
}

async function showKey() {
  const status = document.getElementById('key-status');
  if (!getKey()) { status.textContent = 'no key'; return; }
  try {
    const me = await api('/api/me');
    status.textContent = `${me.name} (${me.roles.join(', ')})`;
    status.className = 'ok';
  } catch (e) {
    status.textContent = e.status === 401 ? 'key not accepted' : e.message;
    status.className = 'error';
  }
}

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
