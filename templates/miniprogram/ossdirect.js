// ossdirect.js: direct uploads from a WeChat mini-program to Alibaba Cloud
// OSS with a server-signed PostObject policy (the ossdirect `post-signature`
// function). CommonJS, no dependencies, ES2017 syntax, only `wx` APIs.
//
//   const ossdirect = require('./ossdirect');
//
//   const task = ossdirect.uploadFile(tempFilePath, {
//     api: 'https://upload.example.com',   // base URL of the functions
//     profile: 'images',                    // upload profile (optional)
//     token: 'eyJ…',                        // Authorization: Bearer … (optional)
//     onProgress: function (p) { console.log(p.progress) }
//   });
//   task.abort();                           // cancel at any time
//   task.promise.then(function (res) {      // or: await task
//     // res.key, res.url, res.callback (the callback function's JSON, or null)
//   }, function (err) {
//     // err.code, err.message, err.requestId, err.hint, err.kind, err.retryable
//   });
//
// Flow: wx.request GET <api>/post-signature?profile&filename&contentType&size,
// then wx.uploadFile({url: host, filePath, name: 'file', formData: fields}).
// Transient failures (network, 5xx, 429, an expired policy or request, clock
// skew) are retried with exponential backoff and a FRESH signature; policy
// violations (too large, wrong type, file exists, …) are never retried.
//
// See README.md next to this file for every option and error kind.

'use strict';

var SIGNATURE_PATH = '/post-signature';

// Canonical content type per extension: the table the functions use to
// check a file name against a content type (shared/upload/mediatypes.go),
// copied by cmd/mptypes. Change the Go table, then run
// `go generate ./shared/upload`; a Go test fails while this copy is stale.
// BEGIN GENERATED CONTENT_TYPES: go generate ./shared/upload (cmd/mptypes) from shared/upload/mediatypes.go. DO NOT EDIT.
var CONTENT_TYPES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  heif: 'image/heif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/vnd.microsoft.icon',
  svg: 'image/svg+xml',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  xml: 'application/xml',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  html: 'text/html',
  htm: 'text/html',
  js: 'text/javascript',
  css: 'text/css',
  bin: 'application/octet-stream'
};
// END GENERATED CONTENT_TYPES

// Plain-language hints per error kind. Override any of them per call with
// options.hints (e.g. to translate them).
var HINTS = {
  aborted: 'The upload was cancelled.',
  network: 'The network is unavailable or too slow. Check the connection and try again.',
  expired: 'The upload link expired before the upload finished. Please try again.',
  clock: 'The clock of this phone or of the upload server is off by more than 15 minutes. Check the date and time settings, then try again.',
  'too-large': 'The file is too large for this upload.',
  'too-small': 'The file is empty or smaller than this upload allows.',
  type: 'This type of file is not allowed here.',
  exists: 'A file with the same name already exists.',
  auth: 'You are not signed in, or not allowed to upload. Sign in again and retry.',
  rate: 'Too many uploads in a short time. Wait a moment and try again.',
  server: 'The upload service is temporarily unavailable. Try again later.',
  config: 'The upload service is not set up correctly. Please contact support.',
  callback: 'The file was uploaded, but the app server did not confirm it.',
  denied: 'The storage service refused this upload.',
  invalid: 'The upload request was rejected.',
  unknown: 'The upload failed.'
};

// ---------------------------------------------------------------- helpers

function getWx() {
  if (typeof wx === 'undefined' || !wx || typeof wx.uploadFile !== 'function') {
    throw new Error('ossdirect: the global `wx` is not available (run inside a WeChat mini-program)');
  }
  return wx;
}

// fileName returns the last path segment: "wxfile://tmp_ab12.png" → "tmp_ab12.png".
function fileName(path) {
  var s = String(path).split('?')[0].split('#')[0];
  var i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  return i >= 0 ? s.slice(i + 1) : s;
}

function extension(name) {
  var i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

function guessContentType(name) {
  var ext = extension(fileName(name));
  return Object.prototype.hasOwnProperty.call(CONTENT_TYPES, ext) ? CONTENT_TYPES[ext] : '';
}

function formatBytes(n) {
  if (n >= 1048576) return (Math.round(n / 104857.6) / 10) + ' MB';
  if (n >= 1024) return (Math.round(n / 102.4) / 10) + ' KB';
  return n + ' bytes';
}

function decodeXml(s) {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|quot|apos|lt|gt|amp);/g, function (all, e) {
    if (e.charAt(0) === '#') {
      var cp = e.charAt(1) === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCharCode(cp);
    }
    return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[e];
  });
}

function xmlElement(xml, name) {
  var m = new RegExp('<' + name + '>([\\s\\S]*?)</' + name + '>').exec(xml);
  return m ? decodeXml(m[1]).trim() : '';
}

// parseOssError reads OSS's <Error><Code/><Message/><RequestId/>…</Error>
// body; null when the body is not one.
function parseOssError(body) {
  if (typeof body !== 'string' || body.indexOf('<Error>') < 0) return null;
  return {
    code: xmlElement(body, 'Code'),
    message: xmlElement(body, 'Message'),
    requestId: xmlElement(body, 'RequestId'),
    hostId: xmlElement(body, 'HostId'),
    ec: xmlElement(body, 'EC')
  };
}

function headerValue(headers, name) {
  if (!headers) return '';
  var want = name.toLowerCase();
  for (var k in headers) {
    if (Object.prototype.hasOwnProperty.call(headers, k) && k.toLowerCase() === want) return String(headers[k]);
  }
  return '';
}

function parseJSON(text) {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

// ossError builds the one error shape every failure has.
function ossError(props, hints) {
  var err = new Error(props.message || props.code || 'upload failed');
  err.name = 'OssDirectError';
  err.code = props.code || 'UnknownError';
  err.kind = props.kind || 'unknown';
  err.source = props.source || 'client';
  err.requestId = props.requestId || '';
  err.statusCode = props.statusCode || 0;
  err.retryable = !!props.retryable;
  var hint = (hints && hints[err.kind]) || HINTS[err.kind] || HINTS.unknown;
  if (props.limit && !(hints && hints[err.kind])) hint = hint.replace(/\.$/, ' (the limit is ' + props.limit + ').');
  err.hint = hint;
  var extra = ['field', 'ec', 'errMsg', 'retryAfter', 'key', 'url', 'body'];
  for (var i = 0; i < extra.length; i++) {
    if (props[extra[i]] !== undefined && props[extra[i]] !== '') err[extra[i]] = props[extra[i]];
  }
  return err;
}

function abortError(hints) {
  var err = ossError({ code: 'Aborted', kind: 'aborted', message: 'upload aborted', source: 'client' }, hints);
  err.aborted = true;
  return err;
}

function isOssDirectError(err) {
  return !!err && err.name === 'OssDirectError' && typeof err.kind === 'string';
}

// classifyOss maps an OSS error response to {kind, retryable, limit}.
function classifyOss(status, e) {
  var code = e.code;
  var msg = e.message || '';
  if (code === 'RequestTimeTooSkewed') return { kind: 'clock', retryable: true };
  if (code === 'SecurityTokenExpired' || /Policy expired|Request has expired/i.test(msg)) {
    return { kind: 'expired', retryable: true };
  }
  var range = /content-length-range"?\s*,\s*(\d+)\s*,\s*(\d+)/.exec(msg);
  if (code === 'EntityTooLarge') return { kind: 'too-large', limit: range ? formatBytes(+range[2]) : '' };
  if (code === 'EntityTooSmall') return { kind: 'too-small' };
  if (code === 'FileAlreadyExists') return { kind: 'exists' };
  if (code === 'AccessDenied' && /content-type/i.test(msg)) return { kind: 'type' };
  if (code === 'AccessDenied' && range) return { kind: 'too-large', limit: formatBytes(+range[2]) };
  if (/^(SignatureDoesNotMatch|InvalidAccessKeyId|InvalidSecurityToken|NoSuchBucket|InvalidPolicyDocument|InvalidBucketName)$/.test(code)) {
    return { kind: 'config' };
  }
  if (status >= 500 && status !== 501) return { kind: 'server', retryable: true };
  if (code === 'AccessDenied') return { kind: 'denied' };
  return { kind: 'unknown' };
}

// classifyApi maps a signing-function error {code, message} to {kind, retryable, limit}.
function classifyApi(status, body, declaredSize) {
  var msg = body.message || '';
  var field = /^([A-Za-z]+):/.exec(msg);
  field = field ? field[1] : '';
  if (status === 401 || status === 403) return { kind: 'auth', field: field };
  if (status === 429) return { kind: 'rate', retryable: true, field: field };
  if (status >= 500 && status !== 501) return { kind: 'server', retryable: true, field: field };
  if (status === 404 || status === 501) return { kind: 'config', field: field };
  if (field === 'size') {
    var range = /allowed:\s*(\d+)\D+?(\d+)\s*bytes/.exec(msg);
    if (range && declaredSize > +range[2]) return { kind: 'too-large', limit: formatBytes(+range[2]), field: field };
    if (range && declaredSize < +range[1]) return { kind: 'too-small', field: field };
    return { kind: 'invalid', field: field };
  }
  if (field === 'contentType' || (field === 'filename' && /extension/.test(msg))) return { kind: 'type', field: field };
  return { kind: 'invalid', field: field };
}

function networkError(errMsg, hints) {
  return ossError({
    code: /timeout/i.test(errMsg || '') ? 'Timeout' : 'NetworkError',
    kind: 'network',
    source: 'network',
    message: errMsg || 'network error',
    errMsg: errMsg,
    retryable: true
  }, hints);
}

// ---------------------------------------------------------------- the steps

function fileSize(filePath) {
  return new Promise(function (resolve) {
    var w = getWx();
    var fsm = typeof w.getFileSystemManager === 'function' ? w.getFileSystemManager() : null;
    if (!fsm || typeof fsm.getFileInfo !== 'function') {
      resolve(undefined);
      return;
    }
    try {
      fsm.getFileInfo({
        filePath: filePath,
        success: function (res) { resolve(typeof res.size === 'number' ? res.size : undefined); },
        fail: function () { resolve(undefined); }
      });
    } catch (e) {
      resolve(undefined);
    }
  });
}

function query(params) {
  var parts = [];
  for (var k in params) {
    if (Object.prototype.hasOwnProperty.call(params, k) && params[k] !== undefined && params[k] !== null && params[k] !== '') {
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(params[k])));
    }
  }
  return parts.join('&');
}

// sign asks the post-signature function for a fresh PostObject form.
function sign(job, token) {
  return new Promise(function (resolve, reject) {
    var o = job.options;
    var header = {};
    if (token) header.Authorization = 'Bearer ' + token;
    if (o.apiKey) header['X-Api-Key'] = o.apiKey;
    var qs = query({ profile: o.profile, filename: job.name, contentType: job.contentType, size: job.size });
    var req = {
      url: String(o.api).replace(/\/+$/, '') + SIGNATURE_PATH + (qs ? '?' + qs : ''),
      method: 'GET',
      header: header,
      dataType: 'json',
      success: function (res) {
        var data = typeof res.data === 'string' ? parseJSON(res.data) : res.data;
        var status = res.statusCode;
        if (status >= 200 && status < 300 && data && typeof data === 'object' && data.host && data.fields) {
          resolve(data);
          return;
        }
        var body = data && typeof data === 'object' ? data : {};
        var c = status >= 200 && status < 300 ? { kind: 'config' } : classifyApi(status, body, job.size);
        var retryAfter = parseInt(headerValue(res.header, 'Retry-After'), 10);
        reject(ossError({
          code: body.code || (status >= 200 && status < 300 ? 'BadResponse' : 'HTTP' + status),
          message: body.message || 'post-signature answered HTTP ' + status + ' without a signature',
          requestId: body.requestId || headerValue(res.header, 'X-Request-Id'),
          statusCode: status,
          source: 'api',
          kind: c.kind,
          limit: c.limit,
          field: c.field,
          retryable: c.retryable,
          retryAfter: retryAfter > 0 ? retryAfter : undefined
        }, o.hints));
      },
      fail: function (e) { reject(networkError(e && e.errMsg, o.hints)); }
    };
    if (o.timeout) req.timeout = o.timeout;
    job.current = getWx().request(req);
  });
}

// post sends every field, then the file, to the grant's host.
function post(job, grant, attempt) {
  return new Promise(function (resolve, reject) {
    var o = job.options;
    var formData = {};
    var fields = grant.fields;
    for (var k in fields) {
      if (Object.prototype.hasOwnProperty.call(fields, k)) formData[k] = String(fields[k]);
    }
    if (!formData.key && grant.dir) formData.key = grant.dir + job.name; // client-naming profiles
    var key = grant.key || formData.key;
    var url = grant.url || '';
    var usesCallback = !!formData.callback;
    var req = {
      url: grant.host,
      filePath: job.filePath,
      name: 'file',
      formData: formData,
      success: function (res) {
        var status = res.statusCode;
        var body = typeof res.data === 'string' ? res.data : (res.data === undefined ? '' : JSON.stringify(res.data));
        if (status === 200 || status === 201 || status === 204) {
          var cb = null;
          if (usesCallback && body) {
            cb = parseJSON(body);
            if (cb === undefined) cb = body;
          }
          resolve({ key: key, url: url, callback: cb, statusCode: status, attempts: attempt });
          return;
        }
        var e = parseOssError(body) || { code: 'HTTP' + status, message: 'OSS answered HTTP ' + status };
        if (status === 203 || e.code === 'CallbackFailed') {
          // The object IS stored; only the app server's confirmation failed.
          reject(ossError({
            code: e.code || 'CallbackFailed', message: e.message, requestId: e.requestId, ec: e.ec,
            statusCode: status, source: 'oss', kind: 'callback', key: key, url: url
          }, o.hints));
          return;
        }
        var c = classifyOss(status, e);
        reject(ossError({
          code: e.code, message: e.message, requestId: e.requestId, ec: e.ec, statusCode: status,
          source: 'oss', kind: c.kind, limit: c.limit, retryable: c.retryable
        }, o.hints));
      },
      fail: function (e) { reject(networkError(e && e.errMsg, o.hints)); }
    };
    if (o.timeout) req.timeout = o.timeout;
    var task = getWx().uploadFile(req);
    job.current = task;
    if (task && typeof task.onProgressUpdate === 'function' && typeof o.onProgress === 'function') {
      task.onProgressUpdate(function (p) {
        if (job.settled) return;
        o.onProgress({
          progress: p.progress,
          totalBytesSent: p.totalBytesSent,
          totalBytesExpectedToSend: p.totalBytesExpectedToSend,
          attempt: attempt
        });
      });
    }
  });
}

function backoff(job, attempt, err) {
  var o = job.options;
  var base = typeof o.retryDelay === 'number' ? o.retryDelay : 500;
  var cap = typeof o.maxRetryDelay === 'number' ? o.maxRetryDelay : 8000;
  var d = Math.min(cap, base * Math.pow(2, attempt - 1));
  d = d / 2 + Math.random() * d / 2; // jitter: many phones retrying at once spread out
  if (err.retryAfter) d = Math.max(d, Math.min(err.retryAfter * 1000, 30000));
  return new Promise(function (resolve) {
    job.timer = setTimeout(function () { job.timer = null; resolve(); }, d);
  });
}

async function run(job) {
  var o = job.options;
  if (typeof job.size !== 'number') job.size = await fileSize(job.filePath);
  var retries = typeof o.retries === 'number' ? o.retries : 3;
  for (var attempt = 1; ; attempt++) {
    if (job.settled) return undefined;
    try {
      var token = typeof o.token === 'function' ? await o.token() : o.token;
      if (job.settled) return undefined;
      var grant = await sign(job, token);
      if (job.settled) return undefined;
      if (typeof o.onSignature === 'function') o.onSignature(grant, attempt);
      return await post(job, grant, attempt);
    } catch (err) {
      if (job.settled) return undefined;
      var e = isOssDirectError(err) ? err : ossError({ code: 'ClientError', message: String(err && err.message || err) }, o.hints);
      e.attempts = attempt;
      if (!e.retryable || attempt > retries) throw e;
      if (typeof o.onRetry === 'function') o.onRetry(e, attempt);
      await backoff(job, attempt, e);
    }
  }
}

// ---------------------------------------------------------------- public API

// uploadFile uploads one local file (a wx temp path) and returns a task:
//   task.promise   resolves {key, url, callback, statusCode, attempts}; rejects with an OssDirectError
//   task.abort()   cancels (also during a retry wait); the promise rejects with code 'Aborted'
//   task.then/catch  the task is thenable, so `await uploadFile(…)` works too
function uploadFile(filePath, options) {
  var o = options || {};
  if (!o.api) throw new Error('ossdirect.uploadFile: options.api (the functions\' base URL) is required');
  if (!filePath) throw new Error('ossdirect.uploadFile: filePath is required');
  getWx();
  var name = o.filename || fileName(filePath);
  var job = {
    filePath: filePath,
    name: name,
    contentType: o.contentType || guessContentType(name),
    size: typeof o.size === 'number' ? o.size : undefined,
    options: o,
    settled: false,
    current: null,
    timer: null
  };
  var settle;
  var promise = new Promise(function (resolve, reject) {
    settle = function (ok, value) {
      if (job.settled) return;
      job.settled = true;
      if (job.timer) clearTimeout(job.timer);
      if (ok) resolve(value); else reject(value);
    };
  });
  run(job).then(function (res) { settle(true, res); }, function (err) { settle(false, err); });
  function abort() {
    if (job.settled) return;
    var current = job.current;
    settle(false, abortError(o.hints));
    if (current && typeof current.abort === 'function') {
      try { current.abort(); } catch (e) { /* already finished */ }
    }
  }
  return {
    promise: promise,
    abort: abort,
    then: function (a, b) { return promise.then(a, b); },
    catch: function (b) { return promise.then(undefined, b); }
  };
}

module.exports = {
  uploadFile: uploadFile,
  guessContentType: guessContentType,
  parseOssError: parseOssError,
  isOssDirectError: isOssDirectError,
  HINTS: HINTS
};
