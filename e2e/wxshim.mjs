// A `wx` shim for Node: wx.request, wx.uploadFile and
// wx.getFileSystemManager().getFileInfo over REAL HTTP, shaped like the
// WeChat base library, so templates/miniprogram/ossdirect.js runs unmodified
// against the local stack.
//
// Fidelity points (WeChat docs: wx.request, wx.uploadFile, UploadTask,
// FileSystemManager.getFileInfo):
// - request: GET data becomes the query string; other methods send JSON (or
//   form-urlencoded when the content-type header says so); success gets
//   {data, statusCode, header, cookies, errMsg} for ANY HTTP status, data
//   parsed as JSON when dataType is 'json' (the default) and the body parses;
//   fail gets {errMsg: 'request:fail …'} only for transport errors.
// - uploadFile: one multipart/form-data POST, the formData fields first (in
//   object order), the file part last, named `name`, filename = last path
//   segment, Content-Type guessed from the extension (else
//   application/octet-stream); the file is streamed in chunks and
//   onProgressUpdate reports {progress, totalBytesSent,
//   totalBytesExpectedToSend} as chunks are handed to the socket; success
//   gets {data: <string>, statusCode, errMsg}; fail gets
//   {errMsg: 'uploadFile:fail …'}; abort() destroys the request and calls
//   fail with errMsg 'uploadFile:fail abort'.
// - paths: 'wxfile://x' and 'http://tmp/x' map to <root>/x, like WeChat's
//   temp files; any other path is a plain local path.
import http from 'node:http';
import https from 'node:https';
import { createReadStream, stat } from 'node:fs';
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
 * The shim records every call in `wx.log` ({api, url, method, header, statusCode, data, errMsg, …}).
 */
export function createWx(opts = {}) {
  const root = opts.root || process.cwd();
  const chunkSize = opts.chunkSize || 64 * 1024;
  const chunkDelayMs = opts.chunkDelayMs || 0;
  const log = [];

  function localPath(p) {
    if (p.startsWith('wxfile://')) return join(root, p.slice('wxfile://'.length));
    if (p.startsWith('http://tmp/')) return join(root, p.slice('http://tmp/'.length));
    return p;
  }

  function request(o) {
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

    const finish = once((ok, res) => {
      Object.assign(entry, ok ? { statusCode: res.statusCode, data: res.data } : { errMsg: res.errMsg });
      if (ok) o.success?.(res); else o.fail?.(res);
      o.complete?.(res);
    });
    const req = transport(url).request(url, { method: entry.method, headers: header });
    req.setTimeout(o.timeout || 60000, () => { finish(false, { errMsg: 'request:fail timeout' }); req.destroy(); });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => finish(false, { errMsg: `request:fail ${e.message}` }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let data = text;
        if ((o.dataType || 'json') === 'json') {
          try { data = JSON.parse(text); } catch { data = text; }
        }
        finish(true, { data, statusCode: res.statusCode, header: headerObject(res), cookies: [], errMsg: 'request:ok' });
      });
    });
    req.on('error', (e) => finish(false, { errMsg: `request:fail ${e.message}` }));
    req.end(body);
    return {
      abort() { finish(false, { errMsg: 'request:fail abort' }); req.destroy(); },
      onHeadersReceived() {},
      offHeadersReceived() {},
    };
  }

  function uploadFile(o) {
    const entry = { api: 'uploadFile', url: o.url, filePath: o.filePath, name: o.name, formData: { ...(o.formData || {}) }, progress: [] };
    log.push(entry);
    const listeners = new Set();
    let aborted = false;
    let req = null;
    let stream = null;
    const finish = once((ok, res) => {
      Object.assign(entry, ok ? { statusCode: res.statusCode, data: res.data } : { errMsg: res.errMsg });
      if (ok) o.success?.(res); else o.fail?.(res);
      o.complete?.(res);
    });

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
          for (const fn of [...listeners]) fn(p);
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

  function getFileSystemManager() {
    return {
      getFileInfo(o) {
        stat(localPath(o.filePath), (err, st) => {
          const res = err
            ? { errMsg: `getFileInfo:fail no such file or directory ${o.filePath}` }
            : { size: st.size, errMsg: 'getFileInfo:ok' };
          if (err) o.fail?.(res); else o.success?.(res);
          o.complete?.(res);
        });
      },
    };
  }

  return { request, uploadFile, getFileSystemManager, log };
}

function drained(req) {
  return new Promise((resolve) => {
    const done = () => { req.off('drain', done); req.off('close', done); resolve(); };
    req.on('drain', done);
    req.on('close', done);
  });
}
