// Errors the upload pages tell apart, and cancellation: what a failed
// request was (the signing API's JSON error, OSS's XML error, no answer at
// all), and the waiting every mode shares (abortable sleeps, back-off,
// "until online"). upload.js decides what each error means for a person.

// ApiError is a signing function's JSON error {code, message, requestId}.
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code || '';
    this.requestId = body.requestId || '';
    this.retryAfter = retryAfter;
  }
}

// OssError is OSS's XML error <Error><Code/><Message/><RequestId/><EC/></Error>
// (or an ali-oss error carrying the same fields).
export class OssError extends Error {
  constructor(status, code, message, requestId = '', ec = '') {
    super(message || code || `HTTP ${status}`);
    this.name = 'OssError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.ec = ec;
  }
}

// NetworkError: the request never got an HTTP answer (offline, reset,
// stalled, or refused by CORS — the browser does not say which).
export class NetworkError extends Error {
  constructor(message = 'network error') {
    super(message);
    this.name = 'NetworkError';
  }
}

// ConfigError: the page cannot work as deployed (a script missing, …).
export class ConfigError extends Error {}

export const abortError = () => new DOMException('canceled', 'AbortError');
export const isAbort = (err) => err?.name === 'AbortError' || err?.name === 'cancel';

const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// parseOssError reads OSS's XML error (its flat <Error> needs no XML
// parser, so this also works without a DOM).
export function parseOssError(status, text, requestId = '') {
  if (text && text.includes('<Error>')) {
    const get = (tag) => (new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1] || '').trim()
      .replace(/&(lt|gt|amp|quot|apos);/g, (_, e) => XML_ENTITIES[e]);
    return new OssError(status, get('Code'), get('Message'), get('RequestId') || requestId, get('EC'));
  }
  return new OssError(status, status >= 500 ? 'InternalError' : `HTTP${status}`, (text || '').slice(0, 200) || `HTTP ${status}`, requestId);
}

// ---------------------------------------------------------------- waiting

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(abortError()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// anySignal is AbortSignal.any, with a fallback for browsers without it.
export function anySignal(signals) {
  if (AbortSignal.any) return AbortSignal.any(signals);
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) { c.abort(s.reason); break; }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

export function waitOnline(signal) {
  return new Promise((resolve, reject) => {
    if (navigator.onLine) return resolve();
    const done = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
    const onAbort = () => { window.removeEventListener('online', done); reject(abortError()); };
    window.addEventListener('online', done, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Exponential back-off with jitter: 1 s, 2 s, 4 s, 8 s … capped at 20 s.
export function backoff(attempt) {
  const base = Math.min(20_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
