// What the caller may do, from GET /api/me: its roles and the server's policies they satisfy ("can"). Pages show only the
// controls the caller may use; the server still checks every call.
import { api, getKey } from './api.js';

let me = null;
let loading = Promise.resolve(null);

/** Loads the caller (after a key change); resolves to {name, roles, can} or null (no key, key refused, API down). */
export function loadMe() {
  const key = getKey();
  loading = !key ? Promise.resolve(null)
    : api('/api/me', { signal: new AbortController().signal }).then((m) => { me = { ...m, can: new Set(m.can ?? []) }; return me; },
      (e) => { me = null; throw e; });
  if (!key) me = null;
  return loading;
}

/** Waits for the caller to be known (a failed load counts as no caller). */
export const whenMe = () => loading.catch(() => null);

/**
 * True when the caller satisfies the server policy: read, forward (post messages, promote, roll back, retire), operate
 * (propose parameters, parity corrections), review (approve/reject), author (backtests, publishing), backtest (a proposal's
 * backtest), admin (enable/disable jobs, quarantine retries).
 */
export const can = (policy) => me?.can.has(policy) ?? false;

/** A muted note saying which role an action needs, shown instead of the control. */
export const needs = (what, roles) => `${what} needs ${roles} (your key: ${me ? me.roles.join(', ') || 'no role' : 'none accepted'}).`;
