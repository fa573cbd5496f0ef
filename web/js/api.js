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

/** fetch + JSON; body may be an object (sent as JSON) or FormData. Resolves to the parsed JSON (or null). */
export async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = {};
  const key = getKey();
  if (key) headers['X-Api-Key'] = key;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (e) {
    throw new ApiError(0, null, `The server did not answer (${e.message})`);
  }
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
