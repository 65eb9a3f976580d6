// Sending files with XHR: one request with byte progress (send), and the
// parts of a multipart upload (sendParts) — File slices PUT to presigned
// UploadPart URLs, several at a time, each read from disk by the browser
// as it goes (never into JavaScript memory), with byte progress within
// every part and the ETag OSS answers. Shared by the STS mode (ali-oss
// signs the URLs) and the presigned multipart mode (the presigned-url
// function signs them), with the checkpoints that let either continue
// after a reload.
import { NetworkError, OssError, abortError, anySignal, isAbort, parseOssError } from './errors.js';

const STALL_MS = 60_000;
const CHECKPOINT_TTL = 7 * 24 * 3600 * 1000;
export const MIN_PART_SIZE = 100 * 1024; // OSS's smallest part but the last
const MAX_PARTS = 10_000;

// send runs one XHR with upload progress; resolves with the HTTP answer
// (any status), rejects with NetworkError or AbortError.
export function send({ method, url, headers = {}, body, signal, onProgress, onSent }) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const xhr = new XMLHttpRequest();
    let stallTimer;
    let stalled = false;
    const arm = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => { stalled = true; xhr.abort(); }, STALL_MS);
    };
    const cleanup = () => { clearTimeout(stallTimer); signal?.removeEventListener('abort', onAbort); };
    const onAbort = () => xhr.abort();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { arm(); if (e.lengthComputable) onProgress?.(e.loaded, e.total); };
    xhr.upload.onload = () => { arm(); onSent?.(); };
    xhr.onload = () => {
      cleanup();
      resolve({ status: xhr.status, text: xhr.responseText, header: (h) => xhr.getResponseHeader(h) });
    };
    xhr.onerror = () => { cleanup(); reject(new NetworkError('the connection failed')); };
    xhr.onabort = () => {
      cleanup();
      reject(stalled ? new NetworkError(`no progress for ${STALL_MS / 1000} s`) : abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    xhr.send(body);
  });
}

// ---------------------------------------------------------------- part geometry

// A plan is {size, partSize, doneParts: [{number, etag}]}: part n is bytes
// [(n-1)·partSize, min(n·partSize, size)) of the file.
export const partCount = (plan) => Math.ceil(plan.size / plan.partSize);

// choosePartSize is the part size for a file of size bytes: the one wanted
// (config.js partSize), raised to OSS's minimum and so that the file has at
// most 10,000 parts.
export const choosePartSize = (size, wanted) => Math.max(MIN_PART_SIZE, Math.floor(wanted) || 0, Math.ceil(size / MAX_PARTS));
export const partLength = (plan, n) => (n === partCount(plan) ? plan.size - plan.partSize * (n - 1) : plan.partSize);

// doneBytes is how many bytes the plan's finished parts hold.
export function doneBytes(plan) {
  if (!plan) return 0;
  let n = 0;
  for (const p of plan.doneParts || []) n += partLength(plan, p.number);
  return Math.min(n, plan.size);
}

// keptParts are the parts OSS has ([{number, etag, size}]) that this plan
// cuts the same way; anything else is sent again.
export const keptParts = (plan, have) => have
  .filter((p) => p.number <= partCount(plan) && p.size === partLength(plan, p.number))
  .map(({ number, etag }) => ({ number, etag }));

// ---------------------------------------------------------------- checkpoints

// checkpointStore keeps multipart checkpoints in localStorage under prefix
// (which names the mode and profile), one per file (name, size, last
// modified), so that a reload does not lose the parts already on the
// server: add the same file again and the upload continues. Only fields
// are stored; a checkpoint older than a week, or for another size, is
// ignored.
export function checkpointStore(prefix, fields) {
  const id = (file) => `${prefix}|${file.name}|${file.size}|${file.lastModified}`;
  return {
    load(file) {
      try {
        const cp = JSON.parse(localStorage.getItem(id(file)) || 'null');
        if (cp && cp.uploadId && Date.now() - cp.savedAt < CHECKPOINT_TTL && cp.size === file.size) return cp;
      } catch { /* unavailable or corrupt */ }
      return null;
    },
    save(file, cp) {
      try {
        const kept = Object.fromEntries(fields.map((f) => [f, cp[f]]));
        localStorage.setItem(id(file), JSON.stringify({ ...kept, savedAt: Date.now() }));
      } catch { /* quota or private mode: resume within the page only */ }
    },
    clear(file) { try { localStorage.removeItem(id(file)); } catch { /* ignore */ } },
    // list names the saved checkpoints, newest first: [{name, size,
    // lastModified, cp}] (the file each belongs to, and what was saved).
    list() {
      const out = [];
      try {
        for (let i = 0; i < localStorage.length; i++) {
          const k = localStorage.key(i);
          if (!k.startsWith(`${prefix}|`)) continue;
          const m = /^(.*)\|(\d+)\|(\d+)$/s.exec(k.slice(prefix.length + 1));
          const cp = m && JSON.parse(localStorage.getItem(k) || 'null');
          if (cp?.uploadId && Date.now() - cp.savedAt < CHECKPOINT_TTL) out.push({ name: m[1], size: Number(m[2]), lastModified: Number(m[3]), cp });
        }
      } catch { /* unavailable or corrupt */ }
      return out.sort((a, b) => b.cp.savedAt - a.cp.savedAt);
    },
  };
}

// ---------------------------------------------------------------- sending parts

// sendParts sends the parts of file that plan.doneParts lacks, parallel at
// a time, each a File slice PUT to the URL sign(n, blob, signal, fresh)
// gives ({url, headers, method}); fresh is true when part n is sent again.
// Every part OSS accepts is added to plan.doneParts (then onPart(n, etag));
// onProgress(bytes, done, total) reports the bytes sent, finished parts'
// and those in flight, and the finished parts. A failed part is given to
// retryPart(err, n, attempt, signal), when set, which resolves true to send
// it again (signed afresh) or false to give up. The first failure given up
// on stops the other parts and is thrown.
export async function sendParts({ file, plan, parallel, sign, retryPart, onPart, onProgress, signal }) {
  const total = partCount(plan);
  const have = new Set(plan.doneParts.map((p) => p.number));
  const todo = [];
  for (let n = 1; n <= total; n++) if (!have.has(n)) todo.push(n);
  const inflight = new Map();
  let done = doneBytes(plan);
  const show = () => {
    let sent = done;
    for (const b of inflight.values()) sent += b;
    onProgress?.(sent, plan.doneParts.length, total);
  };
  show();
  const stop = new AbortController();
  const both = anySignal([signal, stop.signal]);
  const sendPart = async (n) => {
    const start = (n - 1) * plan.partSize;
    // No type: a typed Blob would add a Content-Type the URL was not signed with.
    const blob = file.slice(start, start + partLength(plan, n), '');
    for (let attempt = 0; ; attempt++) {
      try {
        const { url, headers = {}, method = 'PUT' } = await sign(n, blob, both, attempt > 0);
        inflight.set(n, 0);
        const res = await send({
          method, url, headers, body: blob, signal: both,
          onProgress: (loaded) => { inflight.set(n, Math.min(loaded, blob.size)); show(); },
        });
        if (res.status !== 200) throw parseOssError(res.status, res.text, res.header('x-oss-request-id') || '');
        const etag = res.header('ETag');
        if (!etag) throw new OssError(0, '', 'Please set the etag of expose-headers in OSS');
        inflight.delete(n);
        plan.doneParts.push({ number: n, etag });
        done += blob.size;
        onPart?.(n, etag);
        show();
        return;
      } catch (err) {
        inflight.delete(n);
        if (isAbort(err) || both.aborted || !retryPart) throw err;
        show();
        if (!(await retryPart(err, n, attempt, both))) throw err;
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !both.aborted) await sendPart(todo[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(Math.max(1, parallel), todo.length) }, worker));
  } catch (err) {
    stop.abort();
    throw err;
  }
  if (signal.aborted) throw abortError();
  plan.doneParts.sort((a, b) => a.number - b.number);
}
