// Presigned multipart without an SDK (docs/MULTIPART.md): the presigned-url
// function starts the upload (create), signs each part's URL with the
// part's exact size (sign, in batches), says which parts OSS has (list),
// and checks and completes the upload (complete) or discards it (abort).
// The browser only PUTs File slices to the URLs it is given (parts.js), so
// the page needs neither STS credentials nor ali-oss.
//
//   multipartCall(op, body, signal)   one operation: 'create', 'sign', 'list', 'complete', 'abort'
//   new PartSigner({upload, partCount}).sign(n)
//                                     part n's {url, headers, method}, signed in batches
//   uploadPresigned(item, signal)     the upload page's "Multipart (no SDK)" mode
//   abortPresigned(item)              its cancel
//
// uppy.html uses multipartCall and PartSigner for @uppy/aws-s3's multipart.
import { callFunction, cfg, uploadRequest } from './api.js';
import { ApiError, NetworkError, OssError, backoff, sleep, waitOnline } from './errors.js';
import { t } from './i18n.js';
import { checkpointStore, choosePartSize, keptParts, partCount, sendParts } from './parts.js';

const MAX_BATCH = 100; // the most part numbers one sign call may ask for
const LOOKAHEAD_MS = 2 * 60_000; // sign about this long of sending at once
const DEFAULT_URL_SECONDS = 5 * 60; // when a URL does not say (x-oss-expires)

// multipartCall runs one operation of the presigned-url function.
export const multipartCall = (op, body, signal) => callFunction(`presigned-url/multipart/${op}`, body, signal);

// bound is what every operation after create names: the upload and its token.
const bound = (u) => ({ key: u.key, uploadId: u.uploadId, token: u.token });

// PartSigner hands out the signed UploadPart requests of one upload
// ({key, uploadId, token} as create answered). Asked for part n, it signs
// n and the parts after it that are not signed yet, as many as about two
// minutes of sending needs at the pace parts have been finishing (at least
// minBatch, at most 100), so that a 10,000-part upload makes few calls
// (the signing functions are rate-limited per caller) while no URL waits
// long enough to expire: one with less than a minute left (a quarter of
// its lifetime for short ones) is signed again. skip(n) names parts not to
// sign ahead (already on OSS); done(n) tells it a part finished.
// call(op, body, signal) runs an operation: multipartCall by default; a
// client.js user passes (op, body, signal) =>
// client.call(`presigned-url/multipart/${op}`, body, signal).
export class PartSigner {
  #upload;
  #call;
  #count;
  #skip;
  #minBatch;
  #signed = new Map(); // part number → Promise of {url, headers, method, deadline}
  #handed = new Set();
  #finished = []; // when the latest parts finished (ms)
  #ttl = 0; // the URLs' lifetime (ms), once known

  constructor({ upload, partCount: count, minBatch = 8, skip = () => false, call = multipartCall }) {
    this.#upload = bound(upload);
    this.#call = call;
    this.#count = count;
    this.#minBatch = Math.min(MAX_BATCH, minBatch);
    this.#skip = skip;
  }

  // sign resolves with part n's {url, headers, method}; fresh signs it again
  // whatever was signed before (a retry).
  async sign(n, signal, fresh = false) {
    const earlier = this.#signed.get(n);
    this.#signed.delete(n);
    const got = earlier && !fresh ? await earlier.catch(() => null) : null;
    const margin = Math.min(60_000, this.#ttl / 4);
    if (got && got.deadline - Date.now() > margin) return this.#hand(n, got);
    this.#request(this.#batchFrom(n), signal);
    const signed = await this.#signed.get(n);
    this.#signed.delete(n);
    return this.#hand(n, signed);
  }

  // done records that part n is on OSS, to pace the batches.
  done() {
    this.#finished.push(performance.now());
    if (this.#finished.length > 20) this.#finished.shift();
  }

  #hand(n, { url, headers, method }) {
    this.#handed.add(n);
    return { url, headers, method };
  }

  #batchSize() {
    const f = this.#finished;
    if (f.length < 2) return this.#minBatch;
    const perMs = (f.length - 1) / Math.max(1, f[f.length - 1] - f[0]);
    const ahead = this.#ttl ? Math.min(LOOKAHEAD_MS, this.#ttl / 2) : LOOKAHEAD_MS;
    return Math.max(this.#minBatch, Math.min(MAX_BATCH, Math.ceil(perMs * ahead)));
  }

  #batchFrom(n) {
    const size = this.#batchSize();
    const batch = [n];
    for (let m = n + 1; m <= this.#count && batch.length < size; m++) {
      if (!this.#signed.has(m) && !this.#handed.has(m) && !this.#skip(m)) batch.push(m);
    }
    return batch;
  }

  #request(partNumbers, signal) {
    const asked = Date.now();
    const answer = this.#call('sign', { ...this.#upload, partNumbers }, signal).then((res) => {
      const byNumber = new Map();
      for (const p of res.parts || []) {
        const seconds = Number(new URL(p.url).searchParams.get('x-oss-expires')) || DEFAULT_URL_SECONDS;
        this.#ttl = seconds * 1000;
        byNumber.set(p.partNumber, { url: p.url, headers: p.headers || {}, method: p.method || 'PUT', deadline: asked + seconds * 1000 });
      }
      return byNumber;
    });
    for (const m of partNumbers) {
      const one = answer.then((byNumber) => byNumber.get(m) || Promise.reject(new ApiError(500, { code: 'BadResponse', message: `sign did not answer part ${m}` })));
      one.catch(() => {}); // a part no one asks for again must not report an unhandled rejection
      this.#signed.set(m, one);
    }
  }
}

// ---------------------------------------------------------------- the page's mode

// The checkpoint of each file's upload, so that it continues after a
// reload: what create answered, which the other operations need.
export const presignedCheckpoints = checkpointStore(`ossdirect:presigned:${cfg.profile}`,
  ['key', 'uploadId', 'token', 'partSize', 'size', 'callback', 'expire', 'doneParts']);

const tokenLeft = (cp) => cp.expire * 1000 - Date.now();

// gone: the server will not continue this upload (completed or aborted
// on OSS, or its token expired or is another caller's): start again.
const gone = (err) => err instanceof ApiError && (err.status === 404 || (err.status === 403 && /^token:/.test(err.message)));

function forget(item) {
  presignedCheckpoints.clear(item.file);
  item.checkpoint = null;
}

// resumed continues the item's upload — the one in this page (a pause, a
// retry) or the one saved for the file (a reload) — with the parts OSS
// has; null when there is none to continue.
async function resumed(item, signal) {
  let cp = item.checkpoint;
  if (!cp) {
    const saved = presignedCheckpoints.load(item.file);
    if (!saved || tokenLeft(saved) < 60_000) return null;
    cp = { ...saved, doneParts: [] };
    item.resumed = true;
  }
  item.setKey(cp.key);
  item.setPhase('uploading', t('checkingParts'));
  let have;
  try {
    have = (await multipartCall('list', bound(cp), signal)).parts || [];
  } catch (err) {
    if (!gone(err)) throw err;
    if (err.status === 404) {
      // Gone on OSS: maybe completed by a complete whose answer was lost.
      const done = await multipartCall('complete', { ...bound(cp), parts: [] }, signal).catch(() => null);
      if (done?.completedBefore) return { ...cp, completed: done };
    }
    console.warn('the saved upload cannot be continued', err);
    forget(item);
    if (item.resumed) item.note(t('earlierFailed', { why: err.message }));
    item.resumed = false;
    return null;
  }
  cp.doneParts = keptParts(cp, have.map((p) => ({ number: p.partNumber, etag: p.etag, size: p.size })));
  if (item.resumed && !item.noted) {
    item.noted = true;
    item.note(t('continuing', { done: cp.doneParts.length, total: partCount(cp) }));
  }
  return cp;
}

async function created(item, signal) {
  item.setPhase('signing', t('startingMultipart'));
  const file = item.file;
  const c = await multipartCall('create', { ...uploadRequest(file), partSize: choosePartSize(file.size, cfg.partSize) }, signal);
  const cp = { key: c.key, uploadId: c.uploadId, token: c.token, partSize: c.partSize, size: file.size, callback: c.callback || '', expire: c.expire, doneParts: [] };
  presignedCheckpoints.save(file, cp);
  item.setKey(cp.key);
  return cp;
}

// partRetryDelay says whether a part that failed may be sent again with a
// fresh URL, and after how many ms (null: no, the queue decides).
function partRetryDelay(err, attempt) {
  if (err instanceof NetworkError) return backoff(attempt);
  const status = err?.status ?? 0;
  if (err instanceof ApiError) return status === 429 || status >= 500 ? err.retryAfter || backoff(attempt) : null;
  if (!(err instanceof OssError)) return null;
  if (err.code === 'RequestTimeTooSkewed' || (err.code === 'AccessDenied' && /expired/i.test(err.message))) return 0;
  if (status >= 500 || status === 429 || ['SlowDown', 'QpsLimitExceeded', 'RequestTimeout'].includes(err.code)) return backoff(attempt);
  return null;
}

// uploadPresigned uploads item.file as a presigned multipart upload:
// create (or continue the saved one), sign parts in batches shortly before
// they go, PUT them cfg.parallel at a time — a part that fails is signed
// and sent again on its own, up to cfg.retries times — and complete. The
// checkpoint in localStorage lets the same file continue after a reload.
export async function uploadPresigned(item, signal) {
  const cp = (await resumed(item, signal)) || (await created(item, signal));
  if (cp.completed) {
    forget(item);
    item.note(t('completedBefore'));
    return { stored: true, callback: cp.completed, etag: cp.completed.etag || '', url: cp.completed.url || '' };
  }
  item.checkpoint = cp;
  item.grant = cp; // its callback parameter, for confirm after 502 CallbackFailed
  const have = new Set(cp.doneParts.map((p) => p.number));
  const signer = new PartSigner({ upload: cp, partCount: partCount(cp), minBatch: 2 * cfg.parallel, skip: (n) => have.has(n) });
  let objectUrl = '';
  let retrying = false;
  item.setPhase('uploading', t(cp.doneParts.length ? 'uploadingRest' : 'uploading'));
  await sendParts({
    file: item.file, plan: cp, parallel: cfg.parallel, signal,
    sign: async (n, blob, s, fresh) => {
      const signed = await signer.sign(n, s, fresh);
      objectUrl ||= signed.url.split('?')[0];
      return signed;
    },
    retryPart: async (err, n, attempt, s) => {
      const wait = partRetryDelay(err, attempt);
      if (wait === null || attempt >= cfg.retries) return false;
      console.warn(`part ${n} failed; sending it again`, err);
      retrying = true;
      const why = err instanceof NetworkError ? t('networkLostShort', { detail: err.message }) : `${err.code || err.status}: ${err.message}`;
      item.setPhase('uploading', t('partRetry', { n, why, wait: wait ? Math.ceil(wait / 1000) : 0, attempt: attempt + 2, of: cfg.retries + 1 }));
      if (err instanceof NetworkError) await waitOnline(s);
      await sleep(wait, s);
      return true;
    },
    onPart: () => {
      signer.done();
      presignedCheckpoints.save(item.file, cp); // the parts done, for the page's "continue" list after a reload
      if (retrying) {
        retrying = false;
        item.setPhase('uploading', t('uploading'));
      }
    },
    onProgress: (sent, done, total) => item.showParts(sent, done, total),
  });

  item.setPhase('processing', t('completing'));
  let answer;
  try {
    // Not abortable: once asked, the server may complete it, and a cancel
    // from now on comes too late (the queue says so).
    answer = await multipartCall('complete', { ...bound(cp), parts: cp.doneParts.map((p) => ({ partNumber: p.number, etag: p.etag })) });
  } catch (err) {
    if (err instanceof ApiError && err.status === 502 && err.code === 'CallbackFailed') {
      forget(item);
      return { stored: true, callbackError: `${err.code}: ${err.message}`, url: objectUrl };
    }
    throw err;
  }
  forget(item);
  return { stored: true, callback: answer, etag: answer?.etag || '', url: answer?.url || objectUrl };
}

// abortPresigned discards the parts of a canceled upload; false when the
// server could not be asked (the bucket's lifecycle rule removes them then).
export async function abortPresigned(item) {
  const cp = item.checkpoint;
  forget(item);
  if (!cp?.uploadId) return true;
  try {
    await multipartCall('abort', bound(cp));
    return true;
  } catch (err) {
    console.warn('abort failed', err);
    return false;
  }
}
