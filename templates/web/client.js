// A DOM-free client for the ossdirect signing functions and direct
// uploads to OSS: no page, no config file, nothing runs on import. The
// upload page (upload.js, through api.js) is built on it; another app
// imports it with its own settings (templates/web/README.md, "The client").
//
//   const client = createClient({ apiBase, token, apiKey, profile, retries })
//   client.upload(file, { mode: 'post' | 'put', onProgress })  {promise, abort}, with retries
//   client.post(file, hooks) / client.put(file, hooks)          one attempt
//   client.call(name, body, signal)                             any signing function (JSON)
//   client.describe(signal)                                     what the profile allows
//
// Multipart uploads: multipart.js (PartSigner, its `call` option) and
// parts.js (sendParts) with client.call. Errors are errors.js's ApiError
// (the functions' JSON), OssError (OSS's XML) and NetworkError (no
// answer); transient(err) says whether a retry can help.
import { ApiError, NetworkError, OssError, abortError, anySignal, backoff, isAbort, parseOssError, sleep } from './errors.js';
import { send } from './parts.js';

export { ApiError, NetworkError, OssError };

const CALL_TIMEOUT_MS = 30_000;

// transient: a failure that a new attempt, with a fresh signature, can
// get past (no answer, throttling, 5xx, an expired link or token, a
// clock off by more than 15 minutes). Refusals (size, type, forbidden,
// unknown profile) are not.
export function transient(err) {
  if (err instanceof NetworkError) return true;
  const status = err?.status ?? 0;
  if (status === 429 || status >= 500) return true;
  if (err instanceof OssError) {
    return ['RequestTimeTooSkewed', 'SecurityTokenExpired', 'InvalidSecurityToken', 'InvalidAccessKeyId', 'RequestTimeout'].includes(err.code)
      || (err.code === 'AccessDenied' && /expired/i.test(err.message));
  }
  return false;
}

// ossAnswer turns OSS's answer to an upload into its result: {stored,
// callback (the callback's JSON, when the profile has one), etag,
// requestId}, or {stored, callbackError} for 203 CallbackFailed (the
// object is stored, the app server's callback failed); it throws an
// OssError for anything else.
export function ossAnswer(res) {
  const requestId = res.header('x-oss-request-id') || '';
  if (res.status === 203) {
    const e = parseOssError(203, res.text, requestId);
    return { stored: true, callbackError: `${e.code || 'CallbackFailed'}: ${e.message}`, requestId };
  }
  if (res.status >= 200 && res.status < 300) {
    let callback = null;
    const body = (res.text || '').trim();
    if (body.startsWith('{') || body.startsWith('[')) {
      try { callback = JSON.parse(body); } catch { callback = null; }
    }
    return { stored: true, callback, etag: res.header('ETag') || '', requestId };
  }
  throw parseOssError(res.status, res.text, requestId);
}

// encodeKey escapes an object key for a URL path, keeping the slashes.
export const encodeKey = (key) => key.split('/').map(encodeURIComponent).join('/');

// createClient returns a client for the functions at options.apiBase
// ('' = this origin): token (a string, or a function returning one or a
// Promise of one, called before every request) is sent as a Bearer token,
// apiKey as X-Api-Key; profile names the upload profile; retries bounds
// upload()'s automatic retries of transient failures.
export function createClient(options = {}) {
  const opts = { apiBase: '', token: '', apiKey: '', profile: 'default', retries: 4, ...options };
  const base = String(opts.apiBase || '').replace(/\/+$/, '');

  async function authHeaders() {
    const h = {};
    const token = typeof opts.token === 'function' ? await opts.token() : opts.token;
    if (token) h.Authorization = `Bearer ${token}`;
    if (opts.apiKey) h['X-Api-Key'] = opts.apiKey;
    return h;
  }

  // request asks one function (a path under apiBase) and returns its JSON
  // (null for 204), or throws ApiError / NetworkError.
  async function request(method, name, body, signal) {
    const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
    const headers = { Accept: 'application/json', ...(await authHeaders()) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(`${base}/${name}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? anySignal([signal, timeout]) : timeout,
        cache: 'no-store',
      });
    } catch {
      if (signal?.aborted) throw abortError();
      throw new NetworkError(timeout.aborted ? `the signing service did not answer in ${CALL_TIMEOUT_MS / 1000} s` : 'could not reach the signing service');
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

  const uploadRequest = (file) => {
    const body = { profile: opts.profile, filename: file.name, size: file.size };
    if (file.type) body.contentType = file.type;
    return body;
  };

  // sendGrant sends file as the grant says and returns ossAnswer's result
  // with the object's url. hooks: onGrant(grant, key) once signed,
  // onProgress(bytes, total) in the file's bytes, onSent() when the last
  // byte left (OSS and the callback still to answer).
  async function sendGrant(file, grant, req, url, { signal, onGrant, onProgress, onSent }) {
    onGrant?.(grant, grant.key || grant.dir || '');
    const res = await send({
      ...req, signal, onSent,
      onProgress: (loaded, total) => onProgress?.(Math.min(file.size, (loaded / total) * file.size), file.size),
    });
    const out = ossAnswer(res);
    out.grant = grant;
    out.url = out.callback?.url || url;
    return out;
  }

  // post uploads file with a PostObject policy (post-signature): every
  // returned field, the file last.
  async function post(file, hooks = {}) {
    const grant = await request('POST', 'post-signature', uploadRequest(file), hooks.signal);
    const form = new FormData();
    for (const [k, v] of Object.entries(grant.fields || {})) form.append(k, v);
    form.append('file', file, file.name); // the file must be the last field
    return sendGrant(file, grant, { method: 'POST', url: grant.host, body: form }, grant.url || `${grant.host}/${encodeKey(grant.key || '')}`, hooks);
  }

  // put uploads file with a presigned PUT (presigned-url), sending exactly
  // the signed headers: a Content-Type only when one was signed.
  async function put(file, hooks = {}) {
    const grant = await request('POST', 'presigned-url', uploadRequest(file), hooks.signal);
    const headers = grant.headers || {};
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    const body = hasType ? file : file.slice(0, file.size, ''); // a typed Blob would add its own type
    const u = new URL(grant.url);
    return sendGrant(file, grant, { method: grant.method || 'PUT', url: grant.url, headers, body }, `${u.origin}${u.pathname}`, hooks);
  }

  // upload runs post or put, retrying transient failures with a fresh
  // signature up to opts.retries times (1 s, 2 s, 4 s… or Retry-After);
  // onRetry(err, attempt, waitMs) is told before each. abort() stops it.
  function upload(file, { mode = 'post', onRetry, ...hooks } = {}) {
    const controller = new AbortController();
    const signal = hooks.signal ? anySignal([hooks.signal, controller.signal]) : controller.signal;
    const once = mode === 'put' ? put : post;
    const promise = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(file, { ...hooks, signal });
        } catch (err) {
          if (isAbort(err) || signal.aborted || !transient(err) || attempt >= opts.retries) throw err;
          const wait = err.retryAfter || backoff(attempt);
          onRetry?.(err, attempt + 1, wait);
          await sleep(wait, signal);
        }
      }
    })();
    return { promise, abort: () => controller.abort() };
  }

  return {
    options: opts,
    call: (name, body, signal) => request('POST', name, body, signal),
    describe: (signal) => request('GET', `post-signature/profile?profile=${encodeURIComponent(opts.profile)}`, undefined, signal),
    uploadRequest, post, put, upload,
  };
}
