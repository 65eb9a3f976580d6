// The page's settings (config.js over the defaults) and its calls to the
// signing functions: POST JSON with the caller's credentials, answers as
// JSON or an ApiError / NetworkError.
import config from './config.js';
import { ApiError, NetworkError, abortError, anySignal } from './errors.js';

export const cfg = {
  apiBase: '', token: '', apiKey: '', profile: 'default', mode: 'post', concurrency: 3,
  maxSize: 0, contentTypes: [], retries: 4, partSize: 1024 * 1024, parallel: 4,
  ...config,
};
export const apiBase = String(cfg.apiBase || '').replace(/\/+$/, '');

async function authHeaders() {
  const h = {};
  const token = typeof cfg.token === 'function' ? await cfg.token() : cfg.token;
  if (token) h.Authorization = `Bearer ${token}`;
  if (cfg.apiKey) h['X-Api-Key'] = cfg.apiKey;
  return h;
}

// callFunction POSTs body to one signing function (a path under apiBase,
// e.g. 'post-signature' or 'presigned-url/multipart/sign') and returns its
// JSON (null for 204), or throws ApiError (its JSON error) / NetworkError.
export async function callFunction(name, body, signal) {
  const timeout = AbortSignal.timeout(30_000);
  const both = signal ? anySignal([signal, timeout]) : timeout;
  let res;
  try {
    res = await fetch(`${apiBase}/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(await authHeaders()) },
      body: JSON.stringify(body),
      signal: both,
      cache: 'no-store',
    });
  } catch (err) {
    if (signal?.aborted) throw abortError();
    throw new NetworkError(timeout.aborted ? 'the signing service did not answer in 30 s' : 'could not reach the signing service');
  }
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('Retry-After')) * 1000 || 0;
    throw new ApiError(res.status, json && typeof json === 'object' ? json : { code: `HTTP${res.status}`, message: text.slice(0, 200) || res.statusText, requestId: res.headers.get('X-Request-Id') || '' }, retryAfter);
  }
  if (res.status === 204) return null;
  if (!json) throw new ApiError(res.status, { code: 'BadResponse', message: `${name} did not answer with JSON` });
  return json;
}

// describeProfile asks what the configured profile allows (GET
// post-signature/profile: {contentTypes, accept, minSize, maxSize, …}), so
// the page can filter its picker and refuse a file before anything is
// sent. It throws like callFunction; the server stays the authority.
export async function describeProfile(signal) {
  const timeout = AbortSignal.timeout(10_000);
  let res;
  try {
    res = await fetch(`${apiBase}/post-signature/profile?profile=${encodeURIComponent(cfg.profile)}`, {
      headers: { Accept: 'application/json', ...(await authHeaders()) },
      signal: signal ? anySignal([signal, timeout]) : timeout,
    });
  } catch {
    throw new NetworkError('could not reach the signing service');
  }
  const json = await res.json().catch(() => null);
  if (!res.ok || !json || typeof json !== 'object') {
    throw new ApiError(res.status, json && typeof json === 'object' ? json : { code: `HTTP${res.status}`, message: res.statusText }, 0);
  }
  return json;
}

// uploadRequest is what every signing function is asked for a file.
export function uploadRequest(file) {
  const body = { profile: cfg.profile, filename: file.name, size: file.size };
  if (file.type) body.contentType = file.type;
  return body;
}
