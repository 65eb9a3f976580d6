// ossdirect upload page: the browser uploads straight to OSS; the signing
// functions only decide who may upload what, where. Four modes share one
// queue and one UI:
//   post      — PostObject: POST a form with every field post-signature returned, the file last
//   put       — presigned PUT: PUT the file with exactly the headers presigned-url returned
//   sts       — STS credentials from sts-token; ali-oss runs the multipart protocol, the
//               parts go as File slices to URLs it presigns (parallel, pause/resume,
//               resumable after a reload; hashing in a Worker, nothing heavy on the page)
//   multipart — presigned multipart (multipart.js): presigned-url starts, signs, checks and
//               completes the upload; the parts go as File slices, no SDK at all
// No build step: ES modules the browser loads as is. Configure config.js.
import { apiBase, callFunction, cfg, client, describeProfile, uploadRequest } from './api.js';
import { encodeKey } from './client.js';
import {
  ApiError, ConfigError, NetworkError, OssError, abortError, backoff, isAbort, sleep, waitOnline,
} from './errors.js';
import { LANGUAGES, language, pickLanguage, setLanguage, t } from './i18n.js';
import { MIN_PART_SIZE, checkpointStore, choosePartSize, doneBytes, keptParts, partCount, sendParts } from './parts.js';
import { abortPresigned, presignedCheckpoints, uploadPresigned } from './multipart.js';

const MODES = { post: 'POST', put: 'PUT', sts: 'STS', multipart: 'Multipart' };
const ALIOSS_SRC = 'node_modules/ali-oss/dist/aliyun-oss-sdk.min.js';
const MD5_WORKER_SRC = 'md5-worker.js';
const PART_URL_SECONDS = 15 * 60;
const STS_RENEW_MS = 2 * 60_000; // renew temporary credentials this long before they expire

// ---------------------------------------------------------------- formatting

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1).replace(/\.0$/, '')} ${UNITS[i]}`;
}

export function formatDuration(s) {
  if (!Number.isFinite(s) || s < 0) return '';
  s = Math.ceil(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// ---------------------------------------------------------------- errors

// explain turns any failure into what the person sees and what the queue
// does next: retry (now or after a back-off, with a fresh signature) or stop.
function explain(err, item) {
  if (err instanceof ConfigError) return { text: err.message, retry: false };
  if (err instanceof NetworkError) {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      return { text: t('offline'), retry: 'online', final: t('offlineFinal') };
    }
    return { text: t('networkLost', { detail: err.message }), retry: 'backoff', final: t('networkLostFinal') };
  }
  if (err instanceof ApiError) return explainApiError(err);
  const code = err?.code || '';
  const status = err?.status ?? 0;
  const msg = err?.message || '';
  if (/etag of expose-headers/i.test(msg)) return { text: t('corsEtag'), retry: false, permanent: true };
  if (!(err instanceof OssError) && (status === -1 || status === -2 || /RequestError|ConnectionTimeout|ResponseTimeout|Network/i.test(err?.name || '') || (!code && /XHR error|network/i.test(msg)))) {
    return explain(new NetworkError(msg || 'no answer'), item);
  }
  const rid = err?.requestId ? t('requestId', { id: err.requestId }) : '';
  switch (code) {
    case 'AccessDenied':
      if (/expired/i.test(msg)) return { text: t('linkExpired'), retry: 'now', fresh: true, final: t('linkExpiredFinal', { why: msg, rid }) };
      if (item.resumed) return { text: t('savedGone'), retry: 'now', restart: true, final: t('savedGoneFinal', { why: msg, rid }) };
      if (/content-length-range/i.test(msg)) return { text: t('ossSize', { msg, rid }), retry: false, permanent: true };
      if (/content-type/i.test(msg)) return { text: t('ossType', { msg, rid }), retry: false, permanent: true };
      return { text: t('ossRefused', { msg, rid }), retry: false, permanent: true };
    case 'RequestTimeTooSkewed':
      return { text: t('clockSkew'), retry: 'now', fresh: true, final: t('clockSkewFinal', { rid }) };
    case 'SecurityTokenExpired':
    case 'InvalidSecurityToken':
    case 'InvalidAccessKeyId':
      if (item.mode === 'sts') return { text: t('stsExpired'), retry: 'now', fresh: true, final: t('stsExpiredFinal', { why: code, rid }) };
      return { text: t('linkExpired'), retry: 'now', fresh: true, final: t('linkExpiredFinal', { why: code, rid }) };
    case 'EntityTooLarge':
      return { text: t('entityTooLarge', { msg, rid }), retry: false, permanent: true };
    case 'FileAlreadyExists':
      return { text: t('existsRetry', { rid }), retry: false };
    case 'SignatureDoesNotMatch':
      return { text: t('signatureMismatch', { rid }), retry: false };
    case 'InvalidDigest':
    case 'BadDigest':
      return { text: t('damaged'), retry: 'now', final: t('damagedFinal', { code, rid }) };
    case 'NoSuchUpload':
      return { text: t('uploadGone'), retry: 'now', restart: true, final: t('uploadGoneFinal', { rid }) };
    case 'NoSuchBucket':
    case 'InvalidBucketName':
      return { text: t('noBucket', { code, rid }), retry: false, permanent: true };
    case 'SlowDown':
    case 'QpsLimitExceeded':
    case 'RequestTimeout':
    case 'InternalError':
    case 'ServiceUnavailable':
      return { text: t('ossBusy', { code }), retry: 'backoff', final: t('ossBusyFinal', { code, msg, rid }) };
  }
  if (status >= 500 || status === 429) {
    return { text: t('ossStatus', { status, code }), retry: 'backoff', final: t('ossStatusFinal', { status, code, msg, rid }) };
  }
  if (status >= 400) return { text: t('ossRefusedCode', { code: code || status, msg, rid }), retry: false, permanent: status !== 408 };
  return { text: t('failed', { msg: msg || String(err) }), retry: false };
}

// explainApiError maps the signing functions' JSON errors. A 400 names the
// field and the allowed values ("size: 5 out of range; allowed: 1 … 4 bytes").
function explainApiError(err) {
  const rid = err.requestId ? t('requestId', { id: err.requestId }) : '';
  const m = /^([\w.-]+): (.*?)(?:; allowed: (.*))?$/s.exec(err.message || '');
  const field = m?.[1] || '';
  const reason = m?.[2] || err.message;
  const allowed = m?.[3] || '';
  const msg = err.message;
  switch (err.status) {
    case 400: {
      if (field === 'size') {
        const range = /^(\d+) … (\d+) bytes$/.exec(allowed);
        const got = /^(\d+)/.exec(reason);
        if (range && got) {
          const [size, min, max] = [Number(got[1]), Number(range[1]), Number(range[2])];
          if (size > max) return { text: tooLarge(size, max), retry: false, permanent: true, field };
          if (size < min) return { text: tooSmall(size, min), retry: false, permanent: true, field };
        }
      }
      if (field === 'parts') { // presigned multipart complete: a part OSS lacks or holds otherwise
        return { text: t('partsMissing', { why: reason }), retry: 'now', final: t('partsMissingFinal', { why: reason, rid }) };
      }
      if (field === 'filename' || field === 'contentType') {
        return { text: typeRefused(reason.replace(/\s*not allowed$/, ''), allowed), retry: false, permanent: true, field };
      }
      return { text: t('serverRefused', { field: field ? `${field}: ` : '', why: reason, allowed, rid }), retry: false, permanent: true, field };
    }
    case 401:
      return { text: t('notSignedIn', { msg, rid }), retry: false };
    case 403:
      if (field === 'token') return { text: t('savedGoneWhy', { why: reason }), retry: 'now', restart: true, final: t('savedGoneFinal', { why: reason, rid }) };
      return { text: t('forbidden', { msg, rid }), retry: false, permanent: true };
    case 404:
      if (field === 'uploadId') return { text: t('uploadGone'), retry: 'now', restart: true, final: t('uploadGoneFinal', { rid }) };
      if (err.code === 'NoSuchProfile') return { text: t('unknownProfile', { why: reason, allowed }), retry: false, permanent: true };
      return { text: t('noFunction', { msg, rid }), retry: false, permanent: true };
    case 409:
      if (err.code === 'FileAlreadyExists') return { text: t('exists', { rid }), retry: false };
      break;
    case 413:
      return { text: t('requestTooLarge', { msg, rid }), retry: false, permanent: true };
    case 429:
      return { text: t('tooMany'), retry: 'backoff', delay: err.retryAfter, final: t('tooManyFinal', { rid }) };
  }
  if (err.status >= 500) {
    return { text: t('signingDown', { status: err.status, code: err.code }), retry: 'backoff', delay: err.retryAfter, final: t('signingDownFinal', { status: err.status, code: err.code, msg, rid }) };
  }
  return { text: t('signingRefused', { code: err.code, msg, rid }), retry: false };
}

// ---------------------------------------------------------------- helpers

function extensionOf(name) {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name || '');
  return m ? `.${m[1].toLowerCase()}` : '';
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}


function isLocalHost(url) {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.startsWith('[');
  } catch { return false; }
}

function typeAllowed(type, patterns) {
  return patterns.some((p) => p === type || (p.endsWith('/*') && type.startsWith(p.slice(0, -1))));
}

const tooLarge = (size, max) => t('tooLarge', { size: formatBytes(size), max: formatBytes(max) });
const tooSmall = (size, min) => t('tooSmall', { size: formatBytes(size), min: formatBytes(min) });
const typeRefused = (what, allowed) => t('typeRefused', { what, allowed });

// limits are what the page checks before sending anything: the profile's
// description (post-signature/profile), with config.js's maxSize and
// contentTypes as overrides — or the only checks when the description
// cannot be fetched. The server stays the authority either way.
const limits = { maxSize: cfg.maxSize > 0 ? cfg.maxSize : 0, minSize: 0, contentTypes: cfg.contentTypes || [], known: false, problem: '' };

async function loadLimits() {
  try {
    const d = await describeProfile();
    if (!(cfg.maxSize > 0) && d.maxSize > 0) limits.maxSize = d.maxSize;
    if (d.minSize > 0) limits.minSize = d.minSize;
    if (!cfg.contentTypes?.length && Array.isArray(d.contentTypes)) limits.contentTypes = d.contentTypes;
    limits.known = true;
  } catch (err) {
    console.warn('the profile\'s limits are unknown; the server checks each file', err);
    if (err instanceof ApiError && err.code === 'NoSuchProfile') limits.problem = err;
  }
}

// precheck refuses, before any request, a file the limits rule out; null
// when the file may be sent. A file without a type is left to the server,
// which may know it by its extension.
function precheck(file) {
  const refuse = (text) => ({ text, retry: false, permanent: true, field: 'precheck' });
  if (limits.maxSize > 0 && file.size > limits.maxSize) return refuse(tooLarge(file.size, limits.maxSize));
  if (limits.minSize > 0 && file.size < limits.minSize) return refuse(tooSmall(file.size, limits.minSize));
  if (limits.contentTypes.length && file.type && !typeAllowed(file.type, limits.contentTypes)) {
    return refuse(typeRefused(file.type, limits.contentTypes.join(', ')));
  }
  return null;
}

// ---------------------------------------------------------------- the modes

// grantHooks follow one POST or PUT upload of client.js on the item: its
// key once signed, the bytes sent, and OSS still to answer.
const grantHooks = (item, signal) => ({
  signal,
  onGrant: (grant, key) => {
    item.grant = grant;
    item.setKey(key);
    item.setPhase('uploading', t('uploading'));
  },
  onProgress: (bytes) => item.progress(bytes),
  onSent: () => item.setPhase('processing', t('sentWaiting')),
});

async function uploadPost(item, signal) {
  item.setPhase('signing', t('askingForm'));
  return client.post(item.file, grantHooks(item, signal));
}

async function uploadPut(item, signal) {
  item.setPhase('signing', t('askingUrl'));
  return client.put(item.file, grantHooks(item, signal));
}

let aliOssLoading = null;
function loadAliOss() {
  if (window.OSS) return Promise.resolve(window.OSS);
  aliOssLoading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = new URL(ALIOSS_SRC, import.meta.url).href;
    s.onload = () => {
      if (!window.OSS) return reject(new ConfigError(t('aliOssBroken')));
      resolve(window.OSS);
    };
    s.onerror = () => {
      aliOssLoading = null;
      reject(new ConfigError(t('aliOssMissing', { src: ALIOSS_SRC })));
    };
    document.head.append(s);
  });
  return aliOssLoading;
}

// The STS mode's checkpoints (parts.js checkpointStore): the parts it saw
// finish, though on resume the page asks OSS which parts it has.
const checkpoints = checkpointStore(`ossdirect:multipart:${cfg.profile}`, ['name', 'size', 'partSize', 'uploadId', 'doneParts']);

// Content-MD5 of each part, computed in a Worker (md5-worker.js, spark-md5)
// so hashing never blocks the page; OSS checks it and refuses a part that
// arrived damaged. Without Worker support the parts go without it.
let md5Worker = null;
let md5Seq = 0;
const md5Pending = new Map();
function contentMD5(blob) {
  if (md5Worker === false) return Promise.resolve('');
  if (!md5Worker) {
    try {
      md5Worker = new Worker(new URL(MD5_WORKER_SRC, import.meta.url));
    } catch (err) {
      console.warn('Content-MD5 disabled: no Worker', err);
      md5Worker = false;
      return Promise.resolve('');
    }
    md5Worker.onmessage = ({ data }) => {
      const p = md5Pending.get(data.id);
      md5Pending.delete(data.id);
      if (data.error) p?.reject(new ConfigError(t('hashFailed', { why: data.error })));
      else p?.resolve(data.md5);
    };
    md5Worker.onerror = (e) => { // the worker script did not load: go on without
      e.preventDefault?.();
      console.warn('Content-MD5 disabled: the hashing worker failed', e.message || '');
      md5Worker = false;
      for (const p of md5Pending.values()) p.resolve('');
      md5Pending.clear();
    };
  }
  const id = ++md5Seq;
  return new Promise((resolve, reject) => {
    md5Pending.set(id, { resolve, reject });
    md5Worker.postMessage({ id, blob }); // a Blob crosses by reference: no copy here
  });
}

// stsClient returns the item's ali-oss client with credentials valid for a
// while yet: the first call (or item.freshCredentials, after OSS refused the
// token) asks sts-token; later calls renew them shortly before they expire,
// one renewal shared by the parts in flight. ali-oss's own timer-based
// refresh is not used: it lets parallel parts go on with the old token
// (ali-oss#1363) and signs URLs before refreshing.
async function stsClient(item, signal) {
  const OSS = await loadAliOss();
  const due = !item.client || item.freshCredentials || Date.now() > item.stsExpires - STS_RENEW_MS;
  if (!due) return item.client;
  if (!item.refreshing) {
    if (['queued', 'retrying', 'signing'].includes(item.state)) {
      item.setPhase('signing', t(item.client ? 'freshCredentials' : 'askingCredentials'));
    }
    item.refreshing = callFunction('sts-token', uploadRequest(item.file), signal).finally(() => { item.refreshing = null; });
  }
  const sts = await item.refreshing;
  if (item.sts !== sts) {
    item.sts = sts;
    const lifetime = Date.parse(sts.Expiration) - Date.now();
    item.stsExpires = Date.now() + (Number.isFinite(lifetime) ? lifetime : 15 * 60_000);
    const creds = { accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken };
    if (item.client) {
      Object.assign(item.client.options, creds);
    } else {
      item.client = new OSS({
        ...creds,
        endpoint: sts.endpoint,
        sldEnable: isLocalHost(sts.endpoint), // path style /bucket/key on IP endpoints (the local stack)
        authorizationV4: true,
        region: `oss-${sts.region}`,
        bucket: sts.bucket,
        secure: String(sts.endpoint).startsWith('https:'),
        refreshSTSTokenInterval: 24 * 3600_000, // renewal is stsClient's job
        timeout: 120_000,
      });
    }
    item.freshCredentials = false;
  }
  return item.client;
}

// callbackHeaders are sts-token's `headers` (x-oss-callback,
// x-oss-callback-var): they belong on the request that creates the object —
// CompleteMultipartUpload, or the single PutObject of a small file — and on
// nothing else.
const callbackHeaders = (item) => ({ ...(item.sts?.headers || {}) });

// listParts asks OSS which parts of the upload it already has (every page).
async function listParts(client, cp) {
  const out = [];
  let marker;
  for (;;) {
    const r = await client.listParts(cp.name, cp.uploadId, { 'max-parts': 1000, ...(marker ? { 'part-number-marker': marker } : {}) });
    for (const p of [].concat(r.parts || [])) out.push({ number: Number(p.PartNumber), etag: p.ETag, size: Number(p.Size) });
    if (String(r.isTruncated) !== 'true' || !r.nextPartNumberMarker) return out;
    marker = r.nextPartNumberMarker;
  }
}

// uploadSts uploads with temporary credentials: files under 100 KiB in one
// PutObject, larger ones as a multipart upload. ali-oss signs and runs
// Initiate, ListParts, Complete and Abort; the parts themselves go as plain
// XHRs of File slices to URLs ali-oss presigns (V4), so the page never reads
// a part into JavaScript memory, hashes only in a Worker, shows progress
// within each part, and Pause/Cancel stop the parts in flight at once.
async function uploadSts(item, signal) {
  let client = await stsClient(item, signal);
  const sts = item.sts;
  if (!item.key) {
    const saved = checkpoints.load(item.file);
    if (saved && saved.name.startsWith(sts.prefix)) {
      item.checkpoint = { ...saved };
      item.resumed = true;
      item.setKey(saved.name);
    } else {
      item.setKey(`${sts.prefix}${uuid()}${extensionOf(item.file.name)}`);
    }
  }
  const mime = item.file.type || 'application/octet-stream';
  const file = item.file;

  if (file.size < MIN_PART_SIZE && !item.checkpoint?.uploadId) {
    item.setPhase('uploading', t('uploading'));
    const r = await client.put(item.key, file, { mime, headers: callbackHeaders(item) });
    if (signal.aborted) throw abortError(); // too small to interrupt: the cancel comes after
    return stsResult(item, sts, r.data, r.res?.headers?.etag);
  }

  let cp = item.checkpoint;
  if (cp?.uploadId) {
    item.setPhase('uploading', t('checkingParts'));
    const have = await listParts(client, cp);
    cp.doneParts = keptParts(cp, have);
    if (item.resumed && !item.noted) {
      item.noted = true;
      item.note(t('continuing', { done: cp.doneParts.length, total: partCount(cp) }));
    }
  } else {
    item.setPhase('uploading', t('startingMultipart'));
    const init = await client.initMultipartUpload(item.key, { mime });
    cp = { name: item.key, size: file.size, partSize: choosePartSize(file.size, cfg.partSize), uploadId: init.uploadId, doneParts: [] };
  }
  item.checkpoint = cp;
  checkpoints.save(file, cp);
  item.setPhase('uploading', t(cp.doneParts.length ? 'uploadingRest' : 'uploading'));
  await sendParts({
    file, plan: cp, parallel: cfg.parallel, signal,
    // Each part is signed (V4) with its Content-MD5, so OSS refuses a part
    // damaged on the way; a failed part stops the upload (the queue retries
    // it from the checkpoint, with fresh credentials when they expired).
    sign: async (n, blob, s) => {
      const md5 = await contentMD5(blob);
      const headers = md5 ? { 'Content-MD5': md5 } : {};
      const url = await (await stsClient(item, s)).signatureUrlV4('PUT', PART_URL_SECONDS, { headers, queries: { partNumber: String(n), uploadId: cp.uploadId } }, cp.name);
      return { url, headers };
    },
    onPart: () => checkpoints.save(file, cp),
    onProgress: (sent, done, total) => item.showParts(sent, done, total),
  });

  item.setPhase('processing', t('completing'));
  client = await stsClient(item, signal);
  let result;
  try {
    result = await client.completeMultipartUpload(cp.name, cp.uploadId, cp.doneParts, { headers: callbackHeaders(item) });
  } catch (err) {
    if (err?.status === 203 || err?.code === 'CallbackFailed') {
      checkpoints.clear(file);
      item.checkpoint = null;
      return { stored: true, callbackError: `${err.code || 'CallbackFailed'}: ${err.message}`, url: objectUrl(sts, item.key) };
    }
    throw err;
  }
  checkpoints.clear(file);
  item.checkpoint = null;
  return stsResult(item, sts, result.data, result.etag);
}

function stsResult(item, sts, raw, etag) {
  const data = raw && typeof raw === 'object' && !(raw instanceof Uint8Array) ? raw : null;
  return { stored: true, callback: data, etag, url: data?.url || objectUrl(sts, item.key) };
}

function objectUrl(sts, key) {
  const u = new URL(sts.endpoint);
  return isLocalHost(sts.endpoint) ? `${u.origin}/${sts.bucket}/${encodeKey(key)}` : `${u.protocol}//${sts.bucket}.${u.host}/${encodeKey(key)}`;
}

// abortMultipart discards the parts of a canceled upload so nothing billed
// and invisible stays behind (anchors #26).
async function abortMultipart(item) {
  const cp = item.checkpoint;
  checkpoints.clear(item.file);
  item.checkpoint = null;
  if (!cp?.uploadId || !item.client) return true;
  try {
    const client = await stsClient(item);
    await client.abortMultipartUpload(cp.name, cp.uploadId);
    return true;
  } catch (err) {
    return err?.code === 'NoSuchUpload';
  }
}

// transfers: each mode's upload(item, signal), which resolves with the
// result or throws for the queue to explain; the multipart modes also
// abort(item) (cancel: discard the parts sent, true when nothing is left)
// and keep checkpoints, so that they can be paused and resumed.
const transfers = {
  post: { upload: uploadPost },
  put: { upload: uploadPut },
  sts: { upload: uploadSts, abort: abortMultipart, checkpoints },
  multipart: {
    // A file smaller than a part goes in one presigned PUT.
    upload: (item, signal) => (item.file.size < MIN_PART_SIZE ? uploadPut(item, signal) : uploadPresigned(item, signal)),
    abort: abortPresigned,
    checkpoints: presignedCheckpoints,
  },
};
const resumable = (item) => Boolean(transfers[item.mode].abort);

// ---------------------------------------------------------------- the queue

const items = [];
let nextId = 1;
const FINAL = new Set(['done', 'warning', 'error', 'canceled']);

class Item {
  constructor(file, mode) {
    this.id = nextId++;
    this.file = file;
    this.mode = mode;
    this.state = 'queued';
    this.loaded = 0;
    this.attempt = 0;
    this.samples = [];
    this.key = '';
    this.el = document.getElementById('item-template').content.firstElementChild.cloneNode(true);
    this.$ = (sel) => this.el.querySelector(sel);
    this.el.dataset.id = String(this.id);
    this.el.dataset.mode = mode;
    this.el.dataset.name = file.name;
    this.$('.name').textContent = file.name;
    this.$('.name').title = file.name;
    this.$('.mode').textContent = MODES[mode];
    this.$('.size').textContent = formatBytes(file.size);
    if (file.type.startsWith('image/')) {
      this.thumbUrl = URL.createObjectURL(file); // the bucket is private: preview the local file
      const img = this.$('.thumb img');
      img.onerror = () => { // not a picture the browser can draw
        img.hidden = true;
        this.$('.thumb .icon').textContent = extensionOf(file.name).slice(1, 5).toUpperCase() || 'IMG';
      };
      img.src = this.thumbUrl;
      img.alt = t('preview', { name: file.name });
      img.hidden = false;
    } else {
      this.$('.thumb .icon').textContent = extensionOf(file.name).slice(1, 5).toUpperCase() || 'FILE';
    }
    for (const [cls, act] of [['cancel', cancel], ['retry', retry], ['remove', removeAndFocus], ['pause', pause], ['resume', resume]]) {
      this.$(`.${cls}`).onclick = () => act(this);
    }
    this.translate();
    this.render();
  }

  setKey(key) {
    this.key = key;
    this.el.dataset.key = key;
  }

  setPhase(state, message) {
    const changed = state !== this.state;
    this.state = state;
    announce(this);
    if (changed && (FINAL.has(state) || state === 'paused')) scheduleEarlier();
    if (FINAL.has(state) || state === 'paused') this.retryNote = '';
    if (message !== undefined) {
      // While a retry runs, keep saying why it is retrying.
      this.message(this.retryNote && state !== 'retrying' ? `${this.retryNote} — ${message}` : message);
    }
    this.render();
  }

  // fail marks the upload failed with why's final text ({text, final,
  // permanent, field}, as explain answers).
  fail(why, text = why.final || why.text) {
    this.permanent = Boolean(why.permanent);
    if (why.field) this.el.dataset.errorField = why.field;
    this.setPhase('error');
    this.message(text, 'error');
  }

  message(text, kind = '') {
    const m = this.$('.message');
    m.textContent = text;
    m.className = `message ${kind}`;
  }

  note(text) {
    this.notes = text;
  }

  // showParts: bytes sent of a multipart upload, and done of its total parts.
  showParts(bytes, done, total) {
    this.el.dataset.parts = `${done}/${total}`;
    this.progress(bytes);
  }

  progress(bytes) {
    this.loaded = Math.max(0, Math.min(bytes, this.file.size));
    const now = performance.now();
    this.samples.push([now, this.loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 4000) this.samples.shift();
    this.render();
  }

  speed() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 - t0 > 250 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  render() {
    const el = this.el;
    const size = this.file.size || 1;
    const done = this.state === 'done' || this.state === 'warning';
    const pct = done ? 100 : Math.floor((this.loaded / size) * 100);
    el.dataset.state = this.state;
    el.dataset.progress = String(pct);
    this.$('.bar').value = pct;
    this.$('.bar').setAttribute('aria-label', `${this.file.name}: ${pct} %`);
    this.$('.pct').textContent = `${pct} %`;
    const active = this.state === 'uploading';
    const speed = active ? this.speed() : 0;
    this.$('.speed').textContent = speed > 0 ? `${formatBytes(speed)}/s` : '';
    this.$('.eta').textContent = speed > 0 ? t('left', { time: formatDuration((this.file.size - this.loaded) / speed) }) : '';
    this.$('.state-label').textContent = t(`state_${this.state}`);
    const running = ['signing', 'uploading', 'processing', 'retrying'].includes(this.state);
    const focused = this.el.contains(document.activeElement) ? document.activeElement : null;
    this.$('.pause').hidden = !(resumable(this) && running);
    this.$('.resume').hidden = this.state !== 'paused';
    // A refusal no retry can fix (too large, wrong type, forbidden…) offers none.
    this.$('.retry').hidden = !((this.state === 'error' && !this.permanent) || this.state === 'canceled');
    this.$('.cancel').hidden = FINAL.has(this.state) || this.state === 'canceling';
    this.$('.remove').hidden = !FINAL.has(this.state);
    // The focused button went away (Pause became Resume, Cancel…): move
    // focus to what replaced it, or on; never leave it on <body>.
    if (focused?.hidden) {
      const mine = this.buttons()[0];
      if (mine) mine.focus();
      else focusNear(this);
    }
    scheduleSummary();
  }

  // translate names the entry's buttons in the page's language, each for
  // its file ("Remove small.png"): a list of identical "Remove" buttons
  // tells a screen reader user nothing.
  translate() {
    for (const cls of ['cancel', 'retry', 'remove', 'pause', 'resume']) {
      const b = this.$(`.${cls}`);
      b.textContent = t(cls);
      b.setAttribute('aria-label', t('buttonFor', { action: t(cls), name: this.file.name }));
    }
    const img = this.$('.thumb img');
    if (!img.hidden) img.alt = t('preview', { name: this.file.name });
    this.$('.callback-title').textContent = t('callbackResult');
    this.$('.callback').setAttribute('aria-label', t('callbackResult'));
    this.$('.object-label').textContent = t(this.privateObject ? 'objectPrivate' : 'object');
    this.render();
  }

  buttons() {
    return [...this.el.querySelectorAll('.actions button')].filter((b) => !b.hidden);
  }
}

// focusNear focuses the first button of the entry after item (or before
// it), or the file control when there is none: where to go when item's
// buttons disappear or item itself does.
function focusNear(item) {
  const i = items.indexOf(item);
  const others = [...items.slice(i + 1), ...items.slice(0, Math.max(0, i)).reverse()];
  for (const o of others) {
    const b = o !== item && o.buttons()[0];
    if (b) { b.focus(); return; }
  }
  document.getElementById('file-input').focus();
}

// announce tells screen readers an entry's state changes (queued →
// uploading → done / failed), one polite message per change, batched per
// frame; progress percentages are not announced.
const SPOKEN = {
  queued: 'queued', signing: 'uploading', uploading: 'uploading', processing: 'uploading', paused: 'paused',
  done: 'done', warning: 'warning', error: 'error', canceled: 'canceled',
};
const spoken = [];
function announce(item) {
  const said = SPOKEN[item.state];
  if (!said || said === item.said) return;
  item.said = said;
  if (!spoken.length) {
    requestAnimationFrame(() => {
      document.getElementById('announcer').textContent = spoken.map((x) => `${x.file.name}: ${t(`spoken_${x.said}`)}.`).join(' ');
      spoken.length = 0;
    });
  }
  if (!spoken.includes(item)) spoken.push(item);
}

let running = 0;

function pump() {
  for (const item of items) {
    if (running >= Math.max(1, cfg.concurrency)) break;
    if (item.state === 'queued' && item.checked) run(item);
  }
  scheduleSummary();
}

// run drives one file through its mode with retries. Each attempt of a
// signed mode asks for a fresh signature, so an expired policy or URL is
// never reused; STS uploads keep their checkpoint and only refresh the
// credentials.
async function run(item) {
  running++;
  item.controller = new AbortController();
  const { signal } = item.controller;
  item.samples = [];
  try {
    for (;;) {
      try {
        let out = await transfers[item.mode].upload(item, signal);
        if (out.callbackError && !refusedByCallback(out) && !signal.aborted) out = await confirmUpload(item, out, signal);
        if (signal.aborted) {
          // The cancel came after OSS had stored the file.
          item.intent = null;
          finish(item, out, t('canceledTooLate'));
        } else {
          finish(item, out);
        }
        return;
      } catch (err) {
        if (isAbort(err) || signal.aborted) {
          await stopped(item);
          return;
        }
        const why = explain(err, item);
        console.warn('upload failed', item.file.name, err, why);
        if (why.retry && item.attempt < cfg.retries) {
          item.attempt++;
          if (why.restart) {
            transfers[item.mode].checkpoints?.clear(item.file);
            item.checkpoint = null;
            item.resumed = false;
            item.setKey('');
          }
          if (why.fresh) item.freshCredentials = true;
          const note = t('attempt', { n: item.attempt + 1, of: cfg.retries + 1 });
          item.retryNote = `${why.text} (${note})`;
          if (why.retry === 'online') {
            item.setPhase('retrying', why.text);
            await waitOnline(signal);
          } else if (why.retry === 'backoff') {
            const wait = why.delay || backoff(item.attempt - 1);
            item.setPhase('retrying', t('retryIn', { text: why.text, wait: formatDuration(wait / 1000), note }));
            await sleep(wait, signal);
          } else {
            item.setPhase('retrying', t('retryNow', { text: why.text, note }));
          }
          item.samples = [];
          if (!resumable(item)) item.progress(0);
          continue;
        }
        // Out of retries (or none configured): say what happened, and how
        // many retries were made when there were any — never "retrying".
        const n = item.attempt;
        item.fail(why, why.retry && n ? t('gaveUp', { text: why.final || why.text, n }) : undefined);
        return;
      }
    }
  } catch (err) {
    if (isAbort(err)) await stopped(item);
    else item.fail({ text: String(err?.message || err) });
  } finally {
    running--;
    item.controller = null;
    pump();
  }
}

async function stopped(item) {
  if (item.intent === 'pause') {
    item.intent = null;
    item.progress(doneBytes(item.checkpoint)); // the parts in flight were stopped: only whole parts count
    item.setPhase('paused', t('paused', { pct: Math.floor((item.loaded / (item.file.size || 1)) * 100) }));
    return;
  }
  item.intent = null;
  if (resumable(item)) {
    item.setPhase('canceling', t('cancelingParts'));
    const clean = await transfers[item.mode].abort(item);
    item.setPhase('canceled', t(clean ? 'canceledClean' : 'canceledLeft'));
  } else {
    item.setPhase('canceled', t('canceledClean'));
  }
}

// refusedByCallback: the callback function refused what OSS stored (the
// file breaks the upload's rules, or is not this grant's); OSS relays its
// 403 inside the 203 CallbackFailed message.
const refusedByCallback = (out) => out.refused || /Error status : 403\b/.test(out.callbackError || '');

// grantCallback is the callback parameter of the item's grant (the
// PostObject field, the x-oss-callback header of presigned-url and
// sts-token, or what presigned multipart's create answered), which carries
// the grant's binding.
function grantCallback(item) {
  const headers = { ...(item.grant?.headers || {}), ...(item.sts?.headers || {}) };
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'x-oss-callback');
  return item.grant?.fields?.callback || item.grant?.callback || (name ? headers[name] : '');
}

// confirmUpload asks the callback function to verify and report an upload
// whose OSS callback failed (203 CallbackFailed: the app server was slow or
// unreachable) — POST callback/confirm with the key and the grant's
// callback parameter. Its answer replaces the failed callback's; if it
// fails too, the upload stays stored with the warning.
async function confirmUpload(item, out, signal) {
  const callback = grantCallback(item);
  if (!callback || !item.key) return out;
  item.setPhase('processing', t('confirming'));
  try {
    const answer = await callFunction('callback/confirm', { key: item.key, callback }, signal);
    return { ...out, callback: answer, callbackError: '', confirmed: out.callbackError, url: answer.url || out.url };
  } catch (err) {
    if (isAbort(err) || signal.aborted) throw err;
    if (err instanceof ApiError && err.status === 403) {
      return { ...out, refused: true, callbackError: `${err.code}: ${err.message}` };
    }
    return { ...out, callbackError: `${out.callbackError}; confirming it afterwards failed too (${err.message || err})` };
  }
}

function finish(item, out, extra = '') {
  item.loaded = item.file.size;
  const result = item.$('.result');
  result.hidden = false;
  const a = item.$('.url');
  item.privateObject = false;
  item.$('.object-label').textContent = t('object');
  a.href = out.url || '#';
  a.textContent = out.url || item.key;
  item.el.dataset.url = out.url || '';
  checkReadable(item, out.url);
  const pre = item.$('.callback');
  const box = item.$('.callback-box');
  if (out.callback) {
    pre.textContent = JSON.stringify(out.callback, null, 2);
    box.hidden = false;
  } else if (out.callbackError) {
    pre.textContent = out.callbackError;
    box.hidden = false;
  } else {
    box.hidden = true;
  }
  const resumed = item.notes ? ` ${item.notes}` : '';
  if (out.callbackError && refusedByCallback(out)) {
    // The callback function refused what OSS stored: the file breaks the
    // upload's rules (and is deleted or quarantined, as the profile says)
    // or is not covered by this page's grant. Not a success, not a retry.
    item.fail({ permanent: true, text: t('callbackRefused', { why: out.callbackError }) });
    return;
  }
  if (out.callbackError) {
    item.setPhase('warning');
    item.message(`${t('callbackWarning', { why: out.callbackError })}${resumed}`, 'warning');
  } else if (out.confirmed && !extra) {
    item.setPhase('done');
    item.message(`${t('confirmedLater', { why: out.confirmed })}${resumed}`, 'ok');
  } else {
    item.setPhase('done');
    item.message(`${extra || (item.attempt ? t('uploadedAfter', { n: item.attempt }) : t('uploaded'))}${resumed}`, 'ok');
  }
}

// checkReadable asks once (HEAD, no retries) whether the object's URL can
// be read as it is; a 403 — a private bucket — leaves the URL as text
// labelled as needing a signed URL instead of a link that cannot open.
// No answer (CORS, offline) leaves the link alone.
async function checkReadable(item, url) {
  if (!/^https?:/.test(url || '')) return;
  try {
    const res = await fetch(url, { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
    item.el.dataset.readable = String(res.ok);
    if (res.status === 403) {
      item.privateObject = true;
      item.$('.url').removeAttribute('href');
      item.$('.object-label').textContent = t('objectPrivate');
    }
  } catch { /* not answered: keep the link */ }
}

function cancel(item) {
  if (item.state === 'queued') {
    item.setPhase('canceled', t('canceledBefore'));
    return;
  }
  if (item.state === 'paused') {
    item.setPhase('canceling', t('cancelingParts'));
    transfers[item.mode].abort(item).then((clean) => item.setPhase('canceled', t(clean ? 'canceledClean' : 'canceledLeft')));
    return;
  }
  if (item.controller) {
    item.intent = 'cancel';
    item.setPhase('canceling', t('canceling'));
    item.controller.abort();
  }
}

function pause(item) {
  if (!resumable(item) || !item.controller) return;
  item.intent = 'pause';
  item.setPhase('canceling', t('pausing'));
  item.controller.abort();
}

function resume(item) {
  if (item.state !== 'paused') return;
  item.attempt = 0;
  item.setPhase('queued', t('waitingResume'));
  pump();
}

function retry(item) {
  item.attempt = 0;
  item.loaded = 0;
  item.notes = '';
  item.permanent = false;
  item.$('.result').hidden = true;
  delete item.el.dataset.errorField;
  if (!resumable(item) || item.state === 'canceled') {
    item.checkpoint = null;
    item.client = null;
    item.setKey('');
  }
  item.setPhase('queued', t('waiting'));
  pump();
}

// removeAndFocus is the Remove button: focus goes to the next entry (or
// the file control), not to <body>.
function removeAndFocus(item) {
  focusNear(item);
  remove(item);
}

function remove(item) {
  if (!FINAL.has(item.state)) return;
  if (resumable(item) && item.checkpoint?.uploadId) transfers[item.mode].abort(item); // do not leave parts behind
  if (item.thumbUrl) URL.revokeObjectURL(item.thumbUrl);
  item.el.remove();
  items.splice(items.indexOf(item), 1);
  scheduleSummary();
}

// ---------------------------------------------------------------- earlier uploads

// The "continue earlier uploads" list: multipart uploads (STS and no-SDK)
// whose checkpoints this browser kept, interrupted by a reload or a closed
// tab. A page cannot reopen a file by itself, so each entry asks for the
// same file: picked again (same name, size and date), it continues where
// the parts on the server end, in its own mode; another file is added as
// a new upload.
const RESUMABLE = [['sts', () => checkpoints], ['multipart', () => presignedCheckpoints]];
let wanted = null; // the entry whose file the picker was opened for
let earlierQueued = false;

function scheduleEarlier() {
  if (earlierQueued) return;
  earlierQueued = true;
  requestAnimationFrame(() => { earlierQueued = false; renderEarlier(); });
}

const sameFile = (f, e) => f.name === e.name && f.size === e.size && f.lastModified === e.lastModified;

function renderEarlier() {
  const rows = [];
  for (const [mode, store] of RESUMABLE) {
    for (const e of store().list()) {
      if (items.some((i) => !FINAL.has(i.state) && i.state !== 'paused' && sameFile(i.file, e))) continue; // going on now
      const li = document.createElement('li');
      li.dataset.name = e.name;
      li.dataset.mode = mode;
      const pct = Math.floor((doneBytes({ size: e.size, partSize: e.cp.partSize, doneParts: e.cp.doneParts }) / (e.size || 1)) * 100);
      const text = document.createElement('span');
      text.textContent = t('earlierItem', { name: e.name, size: formatBytes(e.size), mode: MODES[mode], pct });
      const pick = document.createElement('button');
      pick.type = 'button';
      pick.textContent = t('earlierPick', { name: e.name });
      pick.onclick = () => {
        const radio = document.querySelector(`input[name="mode"][value="${mode}"]`);
        if (radio && !radio.checked) {
          radio.checked = true;
          radio.dispatchEvent(new Event('change', { bubbles: true }));
        }
        wanted = e;
        document.getElementById('file-input').click();
      };
      li.append(text, pick);
      rows.push(li);
    }
  }
  document.getElementById('earlier-list').replaceChildren(...rows);
  document.getElementById('earlier').hidden = !rows.length;
}

// picked tells, after the picker opened for an earlier upload, whether
// the person chose that file (it continues) or another (a new upload).
function picked(files) {
  const e = wanted;
  wanted = null;
  if (!e) return;
  document.getElementById('earlier-status').textContent = files.some((f) => sameFile(f, e)) ? '' : t('earlierWrongFile', { name: e.name });
}

// addFiles queues files; each is checked against the profile's limits
// (once they are known, or the fetch failed) before it may start.
export function addFiles(files, mode = currentMode()) {
  const added = [];
  for (const file of files) {
    const item = new Item(file, mode);
    items.push(item);
    added.push(item);
    document.getElementById('queue').append(item.el);
  }
  scheduleEarlier();
  limitsReady.then(() => {
    for (const item of added) {
      item.checked = true;
      const refused = item.state === 'queued' && precheck(item.file);
      if (refused) item.fail(refused);
    }
    pump();
  });
}

// ---------------------------------------------------------------- summary

let summaryQueued = false;
function scheduleSummary() {
  if (summaryQueued) return;
  summaryQueued = true;
  requestAnimationFrame(() => { summaryQueued = false; renderSummary(); });
}

function renderSummary() {
  const el = document.getElementById('summary');
  if (!items.length) {
    el.textContent = t('noFiles');
  } else {
    const count = (pred) => items.filter(pred).length;
    const active = items.filter((i) => !FINAL.has(i.state));
    const counted = items.filter((i) => i.state !== 'error' && i.state !== 'canceled');
    const total = counted.reduce((n, i) => n + i.file.size, 0);
    const loaded = counted.reduce((n, i) => n + i.loaded, 0);
    const speed = active.reduce((n, i) => n + (i.state === 'uploading' ? i.speed() : 0), 0);
    const parts = [t('files', { n: items.length })];
    const done = count((i) => i.state === 'done' || i.state === 'warning');
    const failed = count((i) => i.state === 'error');
    if (done) parts.push(t('nDone', { n: done }));
    if (failed) parts.push(t('nFailed', { n: failed }));
    if (active.length) {
      parts.push(t('bytesOf', { loaded: formatBytes(loaded), total: formatBytes(total) }));
      if (speed > 0) parts.push(`${formatBytes(speed)}/s`, t('left', { time: formatDuration((total - loaded) / speed) }));
    }
    el.textContent = parts.join(' · ');
  }
  document.getElementById('cancel-all').disabled = !items.some((i) => !FINAL.has(i.state));
  document.getElementById('clear-finished').disabled = !items.some((i) => FINAL.has(i.state));
}

// ---------------------------------------------------------------- page wiring

function currentMode() {
  return document.querySelector('input[name="mode"]:checked')?.value || 'post';
}

// filesFromDrop expands dropped folders (one level of API, any depth).
async function filesFromDrop(dt) {
  const entries = [...(dt.items || [])].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length || entries.every((e) => e.isFile)) return [...dt.files];
  const out = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

// describeLimits puts the limits in words, next to the drop zone.
function describeLimits() {
  if (limits.problem) return explainApiError(limits.problem).text;
  const [min, max] = [formatBytes(limits.minSize), formatBytes(limits.maxSize)];
  const bits = [];
  if (limits.minSize > 1 && limits.maxSize > 0) bits.push(t('limitsRange', { min, max }));
  else if (limits.maxSize > 0) bits.push(t('limitsUpTo', { max }));
  else if (limits.minSize > 1) bits.push(t('limitsAtLeast', { min }));
  if (limits.contentTypes.length) bits.push(t('limitsTypes', { types: limits.contentTypes.join(', ') }));
  else if (limits.known) bits.push(t('limitsAnyType'));
  return bits.length ? t('limitsProfile', { profile: cfg.profile, bits: bits.join(t('limitsJoin')) }) : t('limitsServer', { profile: cfg.profile });
}

// limitsReady settles once the profile's limits are known (or could not
// be fetched); files wait for it before their pre-check.
let limitsReady = Promise.resolve();

function showLimits(input) {
  const accept = limits.contentTypes.join(',');
  if (accept) input.accept = accept;
  else input.removeAttribute('accept');
  document.getElementById('limits').textContent = describeLimits();
}

// ---------------------------------------------------------------- language

const LANG_KEY = 'ossdirect-lang';

function savedLanguage() {
  try { return localStorage.getItem(LANG_KEY) || ''; } catch { return ''; }
}

// applyLanguage shows the page in lang: index.html's data-i18n texts and
// data-i18n-label names, <html lang>, each entry's buttons and labels, the
// summary and the limits. Messages already shown stay as they were said.
function applyLanguage(lang) {
  setLanguage(lang);
  document.documentElement.lang = language();
  document.title = t('pageTitle');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const item of items) item.translate();
  document.getElementById('limits').textContent = describeLimits();
  scheduleEarlier();
  scheduleSummary();
}

function initLanguage() {
  const select = document.getElementById('lang');
  for (const [value, name] of Object.entries(LANGUAGES)) {
    const o = document.createElement('option');
    o.value = value;
    o.lang = value;
    o.textContent = name;
    select.append(o);
  }
  applyLanguage(pickLanguage(navigator.languages || [navigator.language], savedLanguage()));
  select.value = language();
  select.addEventListener('change', () => {
    try { localStorage.setItem(LANG_KEY, select.value); } catch { /* private mode: this page only */ }
    applyLanguage(select.value);
  });
}

function init() {
  initLanguage();
  const input = document.getElementById('file-input');
  const zone = document.getElementById('dropzone');
  const mode = MODES[cfg.mode] ? cfg.mode : 'post';
  const radio = document.querySelector(`input[name="mode"][value="${mode}"]`);
  if (radio) radio.checked = true;
  showLimits(input);
  limitsReady = loadLimits().then(() => showLimits(input));
  document.getElementById('api-base').textContent = apiBase || window.location.origin;
  document.getElementById('profile-name').textContent = cfg.profile;

  // ali-oss (680 KB) takes a moment of the main thread to start: load it
  // when the page is idle and STS mode is chosen, not when an upload begins.
  const preload = () => {
    if (currentMode() !== 'sts') return;
    // An idle callback may wait for ever on a busy page: 2 s at most.
    const idle = window.requestIdleCallback ? (f) => window.requestIdleCallback(f, { timeout: 2000 }) : (f) => setTimeout(f, 50);
    // The hashing worker starts then too (its script compiles off the page,
    // but not for free on a one-core machine).
    idle(() => loadAliOss().then(() => contentMD5(new Blob([]))).then(() => {
      document.documentElement.dataset.aliOss = 'ready';
    }).catch((err) => console.warn(err.message)));
  };
  document.getElementById('modes').addEventListener('change', preload);
  preload();

  input.addEventListener('change', () => {
    picked([...input.files]);
    addFiles([...input.files]);
    input.value = '';
  });
  input.addEventListener('cancel', () => { wanted = null; });
  // Files and images pasted anywhere on the page are queued.
  document.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files || [])];
    if (!files.length) return;
    e.preventDefault();
    addFiles(files);
  });
  renderEarlier();
  // Dropping anywhere on the page must not navigate away from it.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (e) => { if (e.dataTransfer?.types?.includes('Files')) e.preventDefault(); });
  }
  let depth = 0;
  zone.addEventListener('dragenter', (e) => { e.preventDefault(); depth++; zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; zone.classList.remove('over'); } });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; });
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    depth = 0;
    zone.classList.remove('over');
    addFiles(await filesFromDrop(e.dataTransfer));
  });
  // Both toolbar buttons are disabled by what they do: focus goes on.
  document.getElementById('cancel-all').addEventListener('click', () => {
    for (const item of [...items]) if (!FINAL.has(item.state) && item.state !== 'canceling') cancel(item);
    input.focus();
  });
  document.getElementById('clear-finished').addEventListener('click', () => {
    for (const item of [...items]) if (FINAL.has(item.state)) remove(item);
    const next = items.find((i) => i.buttons().length);
    (next ? next.buttons()[0] : input).focus();
  });
  window.addEventListener('beforeunload', (e) => {
    if (items.some((i) => ['signing', 'uploading', 'processing', 'retrying'].includes(i.state))) e.preventDefault();
  });
  limitsReady.then(() => { document.documentElement.dataset.ready = 'true'; });
}

init();
