// A `wx` shim for Node: wx.request, wx.uploadFile,
// wx.getFileSystemManager().getFileInfo/readFile and the synchronous
// storage API over REAL HTTP and real files, shaped like the WeChat base
// library, so templates/miniprogram/ossdirect.js runs unmodified against the
// local stack.
//
// Fidelity points (WeChat docs: wx.request, RequestTask, wx.uploadFile,
// UploadTask, FileSystemManager.getFileInfo/readFile, wx.setStorageSync):
// - request: GET data becomes the query string; other methods send an
//   ArrayBuffer as its raw bytes, a string as is, an object as JSON (or
//   form-urlencoded when the content-type header says so); content-type is
//   application/json unless the header sets it, whatever the data (the
//   documented default, so an ArrayBuffer PUT carries it too); success gets
//   {data, statusCode, header, cookies, errMsg} for ANY HTTP status, header
//   with the server's own header-name case, data parsed as JSON when
//   dataType is 'json' (the default) and the body parses, an ArrayBuffer
//   when responseType is 'arraybuffer'; fail gets {errMsg: 'request:fail …'}
//   only for transport errors; RequestTask.abort() ends in
//   'request:fail abort'. There is no upload progress event for request
//   (RequestTask has onHeadersReceived and onChunkReceived only).
// - uploadFile: one multipart/form-data POST, the formData fields first (in
//   object order), the file part last, named `name`, filename = last path
//   segment, Content-Type guessed from the extension (else
//   application/octet-stream); the file is streamed in chunks and
//   onProgressUpdate reports {progress, totalBytesSent,
//   totalBytesExpectedToSend} as chunks are handed to the socket; success
//   gets {data: <string>, statusCode, errMsg}; fail gets
//   {errMsg: 'uploadFile:fail …'}; abort() destroys the request and calls
//   fail with errMsg 'uploadFile:fail abort'.
// - readFile: without encoding, res.data is an ArrayBuffer of the bytes
//   [position, position + length) (base library 2.10.0+); position must be
//   in [0, fileLength - 1] and length in [1, fileLength - position], else
//   fail {errMsg: 'readFile:fail …'}.
// - storage: setStorageSync keeps what JSON.stringify makes of the data (at
//   most 1 MB a key, 10 MB in all, else it throws), getStorageSync answers
//   '' for a missing key. Pass the same `storage` to a new shim to model a
//   mini-program restarted on the same phone.
// - paths: 'wxfile://x' and 'http://tmp/x' map to <root>/x, like WeChat's
//   temp files; any other path is a plain local path.
// - getSystemInfoSync (and getAppBaseInfo, base library 2.20.1+, when asked
//   for) answers the user's language the way WeChat spells it: 'zh_CN',
//   'zh_TW', 'en'.
//
// Test hooks (not WeChat): `log` records every call (a request's JSON body
// as `json`, its bytes as `bytes`); `onLog(fn)` calls fn
// synchronously whenever an entry starts or ends, BEFORE the caller's
// callback runs; `kill()` models the mini-program being killed: open
// requests are dropped, no callback ever runs again and later calls do
// nothing; `until(predicate)` resolves once predicate(entry) holds, checked
// now (entry undefined) and at each entry's start or end;
// `inFlight`/`maxInFlight` count open request/uploadFile calls (WeChat
// allows 10 at once).
import http from 'node:http';
import https from 'node:https';
import { createReadStream, stat, open as openFile, read, close } from 'node:fs';
import { join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

const FILE_TYPES = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  bmp: 'image/bmp', heic: 'image/heic', svg: 'image/svg+xml', mp4: 'video/mp4', mov: 'video/quicktime',
  mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', wav: 'audio/wav', pdf: 'application/pdf',
  txt: 'text/plain', json: 'application/json',
};

export function guessFileType(name) {
  const i = name.lastIndexOf('.');
  const ext = i > 0 ? name.slice(i + 1).toLowerCase() : '';
  return FILE_TYPES[ext] || 'application/octet-stream';
}

function transport(url) {
  return url.protocol === 'https:' ? https : http;
}

// rawHeaders keeps the server's header case, as WeChat reports it.
function headerObject(res) {
  const out = {};
  for (let i = 0; i < res.rawHeaders.length; i += 2) out[res.rawHeaders[i]] = res.rawHeaders[i + 1];
  return out;
}

function once(fn) {
  let done = false;
  return (...args) => {
    if (done) return;
    done = true;
    fn(...args);
  };
}

function qs(data) {
  return Object.entries(data)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'object' ? JSON.stringify(v) : String(v))}`)
    .join('&');
}

/**
 * createWx returns a fresh shim.
 * @param {object} [opts]
 * @param {string} [opts.root] folder that wxfile:// and http://tmp/ paths map to
 * @param {number} [opts.chunkSize] bytes per streamed file chunk (default 64 KiB)
 * @param {number} [opts.chunkDelayMs] pause after each chunk (0 = none): slows uploads down for abort tests
 * @param {Map} [opts.storage] the phone's storage (createStorage()); shared by shims that model restarts
 * @param {string|null} [opts.language] WeChat's language ('en' by default, 'zh_CN', …); null: no getSystemInfoSync
 * @param {boolean} [opts.appBaseInfo] also provide wx.getAppBaseInfo (same language)
 * The shim records every call in `wx.log` ({api, url, method, header, statusCode, data, errMsg, …}).
 */
export function createWx(opts = {}) {
  const root = opts.root || process.cwd();
  const chunkSize = opts.chunkSize || 64 * 1024;
  const chunkDelayMs = opts.chunkDelayMs || 0;
  const storage = opts.storage || createStorage();
  const language = opts.language === undefined ? 'en' : opts.language;
  const log = [];
  const listeners = new Set();
  const running = new Set(); // drop() of every request still running
  let seq = 0;
  let killed = false;
  const stats = { inFlight: 0, maxInFlight: 0 };

  // changed records a log entry's start or end and tells the listeners,
  // before the caller hears of it.
  function changed(entry, started) {
    if (started) {
      entry.start = ++seq;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    } else {
      entry.end = ++seq;
      stats.inFlight--;
    }
    for (const fn of [...listeners]) fn(entry);
  }

  function localPath(p) {
    if (p.startsWith('wxfile://')) return join(root, p.slice('wxfile://'.length));
    if (p.startsWith('http://tmp/')) return join(root, p.slice('http://tmp/'.length));
    return p;
  }

  const inert = { abort() {}, onHeadersReceived() {}, offHeadersReceived() {}, onChunkReceived() {}, offChunkReceived() {}, onProgressUpdate() {}, offProgressUpdate() {} };

  function request(o) {
    if (killed) return inert;
    const entry = { api: 'request', url: o.url, method: (o.method || 'GET').toUpperCase(), header: { ...(o.header || {}) } };
    log.push(entry);
    const header = {};
    for (const [k, v] of Object.entries(o.header || {})) header[k.toLowerCase()] = String(v);
    let url = new URL(o.url);
    let body;
    if (o.data !== undefined && o.data !== null) {
      if (entry.method === 'GET') {
        const extra = typeof o.data === 'object' ? qs(o.data) : String(o.data);
        if (extra) url = new URL(o.url + (o.url.includes('?') ? '&' : '?') + extra);
      } else {
        if (!header['content-type']) header['content-type'] = 'application/json';
        if (o.data instanceof ArrayBuffer) body = Buffer.from(o.data);
        else if (typeof o.data === 'string') body = Buffer.from(o.data);
        else if (header['content-type'].includes('x-www-form-urlencoded')) body = Buffer.from(qs(o.data));
        else body = Buffer.from(JSON.stringify(o.data));
      }
    } else if (!header['content-type']) {
      header['content-type'] = 'application/json';
    }
    if (body) header['content-length'] = String(body.length);
    entry.sentUrl = url.href;
    entry.sentHeader = { ...header };
    entry.bytes = body ? body.length : 0;
    if (body && header['content-type'].includes('json') && !(o.data instanceof ArrayBuffer)) {
      try { entry.json = JSON.parse(body.toString('utf8')); } catch { /* not JSON after all */ }
    }

    let req;
    const finish = once((ok, res) => {
      running.delete(drop);
      Object.assign(entry, ok ? { statusCode: res.statusCode, data: res.data, responseHeader: res.header } : { errMsg: res.errMsg });
      changed(entry, false);
      if (killed) return;
      if (ok) o.success?.(res); else o.fail?.(res);
      o.complete?.(res);
    });
    const drop = () => req.destroy();
    running.add(drop);
    changed(entry, true);
    req = transport(url).request(url, { method: entry.method, headers: header });
    req.setTimeout(o.timeout || 60000, () => { finish(false, { errMsg: 'request:fail timeout' }); req.destroy(); });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => finish(false, { errMsg: `request:fail ${e.message}` }));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let data = text;
        if (o.responseType === 'arraybuffer') {
          data = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
        } else if ((o.dataType || 'json') === 'json') {
          try { data = JSON.parse(text); } catch { data = text; }
        }
        finish(true, { data, statusCode: res.statusCode, header: headerObject(res), cookies: [], errMsg: 'request:ok' });
      });
    });
    req.on('error', (e) => finish(false, { errMsg: `request:fail ${e.message}` }));
    req.end(body);
    return {
      abort() { entry.aborted = true; finish(false, { errMsg: 'request:fail abort' }); req.destroy(); },
      onHeadersReceived() {},
      offHeadersReceived() {},
      onChunkReceived() {},
      offChunkReceived() {},
    };
  }

  function uploadFile(o) {
    if (killed) return inert;
    const entry = { api: 'uploadFile', url: o.url, filePath: o.filePath, name: o.name, formData: { ...(o.formData || {}) }, progress: [] };
    log.push(entry);
    const listeners = new Set();
    let aborted = false;
    let req = null;
    let stream = null;
    const drop = () => { aborted = true; stream?.destroy(); req?.destroy(); };
    const finish = once((ok, res) => {
      running.delete(drop);
      Object.assign(entry, ok ? { statusCode: res.statusCode, data: res.data } : { errMsg: res.errMsg });
      changed(entry, false);
      if (killed) return;
      if (ok) o.success?.(res); else o.fail?.(res);
      o.complete?.(res);
    });
    running.add(drop);
    changed(entry, true);

    const path = localPath(o.filePath);
    stat(path, (err, st) => {
      if (aborted) return;
      if (err || !st.isFile()) {
        finish(false, { errMsg: `uploadFile:fail file not found: ${o.filePath}` });
        return;
      }
      const boundary = `----WebKitFormBoundary${randomBytes(8).toString('hex')}`;
      let head = '';
      for (const [k, v] of Object.entries(o.formData || {})) {
        head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`;
      }
      const filename = basename(path);
      head += `--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${filename}"\r\nContent-Type: ${guessFileType(filename)}\r\n\r\n`;
      const headBuf = Buffer.from(head, 'utf8');
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const total = st.size;
      const headers = {};
      for (const [k, v] of Object.entries(o.header || {})) {
        if (k.toLowerCase() !== 'content-type') headers[k] = String(v);
      }
      headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
      headers['Content-Length'] = String(headBuf.length + total + tail.length);
      entry.contentLength = headBuf.length + total + tail.length;
      entry.fileContentType = guessFileType(filename);

      const url = new URL(o.url);
      req = transport(url).request(url, { method: 'POST', headers });
      let responded = false;
      req.setTimeout(o.timeout || 60000, () => { finish(false, { errMsg: 'uploadFile:fail timeout' }); req.destroy(); });
      req.on('response', (res) => {
        responded = true;
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => finish(false, { errMsg: `uploadFile:fail ${e.message}` }));
        res.on('end', () => finish(true, { data: Buffer.concat(chunks).toString('utf8'), statusCode: res.statusCode, errMsg: 'uploadFile:ok' }));
      });
      // A server that answers early and closes makes further writes fail:
      // once a response has started, that response is the outcome.
      req.on('error', (e) => { if (!responded) finish(false, { errMsg: `uploadFile:fail ${e.message}` }); });

      (async () => {
        if (!req.write(headBuf)) await drained(req);
        let sent = 0;
        stream = createReadStream(path, { highWaterMark: chunkSize });
        for await (const chunk of stream) {
          if (aborted || req.destroyed) return;
          const flushed = req.write(chunk) ? Promise.resolve() : drained(req);
          await flushed;
          sent += chunk.length;
          const p = { progress: total ? Math.floor((sent * 100) / total) : 100, totalBytesSent: sent, totalBytesExpectedToSend: total };
          entry.progress.push(p.progress);
          if (!killed) for (const fn of [...listeners]) fn(p);
          if (chunkDelayMs) await new Promise((r) => setTimeout(r, chunkDelayMs));
        }
        if (total === 0) {
          entry.progress.push(100);
          for (const fn of [...listeners]) fn({ progress: 100, totalBytesSent: 0, totalBytesExpectedToSend: 0 });
        }
        if (!aborted && !req.destroyed) req.end(tail);
      })().catch((e) => {
        if (!aborted && !responded) finish(false, { errMsg: `uploadFile:fail ${e.message}` });
        req.destroy();
      });
    });

    return {
      abort() {
        if (aborted) return;
        aborted = true;
        entry.aborted = true;
        finish(false, { errMsg: 'uploadFile:fail abort' });
        stream?.destroy();
        req?.destroy();
      },
      onProgressUpdate(fn) { listeners.add(fn); },
      offProgressUpdate(fn) { if (fn) listeners.delete(fn); else listeners.clear(); },
      onHeadersReceived() {},
      offHeadersReceived() {},
    };
  }

  // reply calls a file or storage API's callbacks, unless the mini-program was killed.
  function reply(o, ok, res) {
    if (killed) return;
    if (ok) o.success?.(res); else o.fail?.(res);
    o.complete?.(res);
  }

  function readFile(o) {
    if (killed) return;
    const entry = { api: 'readFile', filePath: o.filePath, position: o.position, length: o.length, encoding: o.encoding };
    log.push(entry);
    const fail = (msg) => { entry.errMsg = `readFile:fail ${msg}`; reply(o, false, { errMsg: entry.errMsg }); };
    const path = localPath(o.filePath);
    stat(path, (err, st) => {
      if (err || !st.isFile()) return fail(`no such file or directory, open ${o.filePath}`);
      const position = o.position ?? 0;
      if (!Number.isInteger(position) || position < 0 || (position > 0 && position >= st.size)) return fail('the value of "position" is out of range');
      const length = o.length ?? st.size - position;
      if (!Number.isInteger(length) || length < (st.size ? 1 : 0) || position + length > st.size) return fail('the value of "length" is out of range');
      openFile(path, 'r', (err, fd) => {
        if (err) return fail(err.message);
        const buf = Buffer.alloc(length);
        const readAll = (off) => {
          if (off === length) {
            close(fd, () => {});
            // A fresh ArrayBuffer holding exactly the bytes, as WeChat answers.
            const data = o.encoding ? buf.toString(o.encoding === 'utf-8' ? 'utf8' : o.encoding) : buf.buffer.slice(buf.byteOffset, buf.byteOffset + length);
            entry.bytes = length;
            reply(o, true, { data, errMsg: 'readFile:ok' });
            return;
          }
          read(fd, buf, off, length - off, position + off, (err, n) => {
            if (err || n === 0) { close(fd, () => {}); fail(err ? err.message : 'unexpected end of file'); return; }
            readAll(off + n);
          });
        };
        readAll(0);
      });
    });
  }

  function getFileSystemManager() {
    return {
      getFileInfo(o) {
        stat(localPath(o.filePath), (err, st) => {
          const res = err
            ? { errMsg: `getFileInfo:fail no such file or directory ${o.filePath}` }
            : { size: st.size, errMsg: 'getFileInfo:ok' };
          reply(o, !err, res);
        });
      },
      readFile,
    };
  }

  // Storage: what JSON.stringify makes of the data, like WeChat.
  function setStorageSync(key, data) {
    if (killed) return;
    const json = JSON.stringify(data);
    if (json === undefined) throw new Error('setStorageSync:fail data not serializable');
    if (Buffer.byteLength(json) > 1024 * 1024) throw new Error('setStorageSync:fail exceed max size 1MB');
    let total = Buffer.byteLength(json);
    for (const [k, v] of storage) if (k !== key) total += Buffer.byteLength(v);
    if (total > 10 * 1024 * 1024) throw new Error('setStorageSync:fail exceed storage max size 10MB');
    storage.set(String(key), json);
  }
  function getStorageSync(key) {
    return storage.has(String(key)) ? JSON.parse(storage.get(String(key))) : '';
  }
  function removeStorageSync(key) {
    if (!killed) storage.delete(String(key));
  }
  function getStorageInfoSync() {
    let bytes = 0;
    for (const v of storage.values()) bytes += Buffer.byteLength(v);
    return { keys: [...storage.keys()], currentSize: Math.ceil(bytes / 1024), limitSize: 10240 };
  }

  // systemInfo: a few of the fields WeChat answers, the language among them.
  const systemInfo = () => ({ language, version: '8.0.50', SDKVersion: '3.4.0', platform: 'devtools', system: 'iOS 17.0' });
  const info = {};
  if (language !== null) info.getSystemInfoSync = systemInfo;
  if (language !== null && opts.appBaseInfo) {
    info.getAppBaseInfo = () => ({ language, version: '8.0.50', SDKVersion: '3.4.0', host: { env: 'WeChat' }, theme: 'light', enableDebug: false });
  }

  return {
    request, uploadFile, getFileSystemManager, setStorageSync, getStorageSync, removeStorageSync, getStorageInfoSync,
    ...info,
    log, storage,
    get inFlight() { return stats.inFlight; },
    get maxInFlight() { return stats.maxInFlight; },
    onLog(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    kill() {
      killed = true;
      for (const drop of [...running]) drop();
      running.clear();
    },
    get killed() { return killed; },
    until(predicate, what = 'a state', timeoutMs = 60000) {
      return new Promise((resolve, reject) => {
        const check = (entry) => {
          if (!predicate(entry)) return;
          off();
          clearTimeout(timer);
          resolve();
        };
        const off = this.onLog(check);
        const timer = setTimeout(() => { off(); reject(new Error(`wx shim: ${what} not reached within ${timeoutMs} ms`)); }, timeoutMs);
        check();
      });
    },
  };
}

// createStorage is a phone's storage for wx.*StorageSync: key → JSON text.
export function createStorage() {
  return new Map();
}

function drained(req) {
  return new Promise((resolve) => {
    const done = () => { req.off('drain', done); req.off('close', done); resolve(); };
    req.on('drain', done);
    req.on('close', done);
  });
}
