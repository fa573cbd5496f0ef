// Calls the FeatureApi with the API key kept in localStorage; turns ProblemDetails answers into readable errors.
const KEY = 'featureplatform.apiKey';

export const getKey = () => localStorage.getItem(KEY) ?? '';
export const setKey = (key) => key ? localStorage.setItem(KEY, key) : localStorage.removeItem(KEY);

/** An HTTP error with the server's explanation (ProblemDetails title/detail and field errors). */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    const title = problem?.title ?? fallback;
    const detail = problem?.detail && problem.detail !== title ? `: ${problem.detail}` : '';
    const hint = status === 401 ? ' Enter a valid API key above (see the demo keys).' : '';
    super(`${title}${detail} (HTTP ${status})${hint}`);
    this.status = status;
    this.problem = problem;
    this.fieldErrors = problem?.errors ?? {};
  }
}

const explain = (status) => ({
  401: 'No valid API key — enter one above (see the demo keys).',
  403: 'Your API key lacks the role for this action.',
  404: 'Not found.',
})[status] ?? 'Request failed';

// The page being shown: its loads are aborted (and their late answers dropped) when another page is shown.
let navigation = new AbortController();

/** Starts showing a new page: the previous page's requests are aborted. Returns the new page's signal. */
export function beginNavigation() {
  navigation.abort();
  navigation = new AbortController();
  return navigation.signal;
}

/** True when the error is a request aborted because another page was shown (nothing to report). */
export const isAborted = (e) => e?.aborted === true || e?.name === 'AbortError';

// Whether the API answered the last request: 'api-reachable' / 'api-unreachable' events on window when it changes.
let reachable = true;
function reachability(now) {
  if (now === reachable) return;
  reachable = now;
  window.dispatchEvent(new CustomEvent(now ? 'api-reachable' : 'api-unreachable'));
}

/** An ApiError for a request that got no answer from the API (server down, network gone, gateway without upstream). */
function unreachable(status, detail) {
  const e = new ApiError(status, { title: 'The API is unreachable', detail: `${location.origin} did not answer (${detail}). Check that the platform is running; the page retries.` }, '');
  e.unreachable = true;
  return e;
}

/**
 * fetch + JSON; body may be an object (sent as JSON) or FormData. Resolves to the parsed JSON (or null).
 * Requests belong to the page being shown (aborted when another is shown) unless a signal is given.
 */
export async function api(path, { method = 'GET', body, raw = false, signal } = {}) {
  const headers = {};
  const key = getKey();
  if (key) headers['X-Api-Key'] = key;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  const own = signal ?? navigation.signal;
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal: own });
  } catch (e) {
    if (own.aborted) { const aborted = new ApiError(0, null, 'Aborted: another page is shown'); aborted.aborted = true; throw aborted; }
    reachability(false);
    throw unreachable(0, e.message);
  }
  if (own.aborted) { const aborted = new ApiError(0, null, 'Aborted: another page is shown'); aborted.aborted = true; throw aborted; }
  if (response.status === 502 || response.status === 504) { reachability(false); throw unreachable(response.status, `gateway answered ${response.status}`); }
  reachability(true);
  if (!response.ok) {
    let problem = null;
    const text = await response.text();
    try { problem = JSON.parse(text); } catch { problem = text ? { detail: text.slice(0, 500) } : null; }
    throw new ApiError(response.status, problem, explain(response.status));
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Same as api() but a 404 resolves to null. */
export async function apiOrNull(path, options) {
  try { return await api(path, options); } catch (e) { if (e.status === 404) return null; throw e; }
}
