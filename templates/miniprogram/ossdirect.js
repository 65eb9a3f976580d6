// ossdirect.js: direct uploads from a WeChat mini-program to Alibaba Cloud
// OSS. Small files go with a server-signed PostObject policy (the ossdirect
// `post-signature` function, then wx.uploadFile); big ones with presigned
// multipart (the `presigned-url` function's multipart operations: each part
// is read from the file and PUT with wx.request). CommonJS, no
// dependencies, ES2017 syntax, only `wx` APIs.
//
//   const ossdirect = require('./ossdirect');
//
//   const task = ossdirect.uploadFile(tempFilePath, {
//     api: 'https://upload.example.com',   // base URL of the functions
//     profile: 'videos',                    // upload profile (optional)
//     token: 'eyJ…',                        // Authorization: Bearer … (optional)
//     onProgress: function (p) { console.log(p.progress) }
//   });
//   task.pause(); task.resume();            // big files (multipart); a POST upload cannot pause once it sends
//   task.abort();                           // cancel at any time
//   task.promise.then(function (res) {      // or: await task
//     // res.key, res.url, res.callback (the callback function's JSON, or null), res.mode
//   }, function (err) {
//     // err.code, err.message, err.requestId, err.hint, err.kind, err.retryable
//     // (err.message and err.hint in options.lang, by default the phone's language; err.messageEn in English)
//   });
//
// Files up to options.multipartThreshold (20 MiB): wx.request GET
// <api>/post-signature?profile&filename&contentType&size, then
// wx.uploadFile({url: host, filePath, name: 'file', formData: fields}).
// Bigger files: POST <api>/presigned-url/multipart/create; then, `parallel`
// at a time, each part read with FileSystemManager.readFile({position,
// length}) and PUT with wx.request to a URL signed just before (…/sign, a
// few parts per call); then …/complete. The upload is remembered with
// wx.setStorageSync, so a mini-program killed half-way resumes it (…/list)
// and sends only the missing parts (docs/MULTIPART.md has the contract).
// Transient failures (network, 5xx, 429, an expired policy or URL, clock
// skew) are retried with exponential backoff and a FRESH signature; policy
// violations (too large, wrong type, file exists, …) are never retried.
//
// See README.md next to this file for every option and error kind.

'use strict';

var SIGNATURE_PATH = '/post-signature';
var MULTIPART_PATH = '/presigned-url/multipart/';
var CONFIRM_PATH = '/callback/confirm';

var MiB = 1024 * 1024;
// The multipart defaults (README "Big files"): files over 20 MiB, parts of
// 4 MiB, 3 at a time, so at most 12 MiB of the file is in memory.
var DEFAULTS = { multipartThreshold: 20 * MiB, partSize: 4 * MiB, parallel: 3 };
var MAX_PARALLEL = 10; // WeChat runs at most 10 wx.request calls at once
var MAX_PARTS = 10000; // OSS's limit per upload
var MAX_SIGN_BATCH = 100; // part numbers per sign call (the function's limit)
var RECORD_PREFIX = 'ossdirect.multipart.';

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

// TEXT holds every sentence the helper writes, in English and Simplified
// Chinese (README "Language"): `hints` per error kind (for the user), `limit`
// the hint of a kind whose limit is known, and `messages` (for the
// developer: err.message). {name} is replaced by a value; {detail} is what
// OSS, a function or WeChat said, kept verbatim. Override hints per call
// with options.hints.
var TEXT = {
  en: {
    hints: {
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
      file: 'The file could not be read. Pick it again and retry.',
      invalid: 'The upload request was rejected.',
      unknown: 'The upload failed.'
    },
    limit: { 'too-large': 'The file is too large for this upload (the limit is {limit}).' },
    bytes: '{n} bytes',
    messages: {
      oss: '{detail}',
      api: '{detail}',
      network: '{detail}',
      networkBare: 'network error',
      client: '{detail}',
      aborted: 'upload aborted',
      ossStatus: 'OSS answered HTTP {status}',
      apiStatus: '{what} answered HTTP {status}',
      apiNoJSON: '{what} answered HTTP {status} without the expected JSON',
      partStatus: 'OSS answered HTTP {status} to part {part}',
      partNoETag: 'OSS answered HTTP {status} to part {part} without an ETag',
      partUnsigned: ' (part {part}\'s URL was signed without a Content-Type, but wx.request always sends one, ' +
        'application/json unless told otherwise: the presigned-url function must sign the part\'s Content-Type and return it in headers)',
      signMissing: 'multipart/sign answered without part {part}',
      readNoBuffer: 'readFile answered no ArrayBuffer for part {part}',
      readShort: 'read {got} bytes for part {part} where {want} were expected: the file changed, ' +
        'or this WeChat is older than base library 2.10.0 (readFile position and length)',
      readFailed: '{detail}',
      readFailedBare: 'readFile failed',
      completeLost: ' (an earlier complete, whose answer was lost, may have stored the object)'
    }
  },
  'zh-CN': {
    hints: {
      aborted: '上传已取消。',
      network: '网络连接已断开或网速太慢，请检查网络后重试。',
      expired: '上传链接已过期，请重新上传。',
      clock: '手机或上传服务器的时间不准（误差超过 15 分钟），请检查手机的日期和时间设置后重试。',
      'too-large': '文件太大，无法上传。',
      'too-small': '文件为空或太小，无法上传。',
      type: '不支持上传这种类型的文件。',
      exists: '已存在同名文件。',
      auth: '未登录或没有上传权限，请重新登录后再试。',
      rate: '上传太频繁了，请稍后再试。',
      server: '上传服务暂时不可用，请稍后再试。',
      config: '上传服务配置有误，请联系客服。',
      callback: '文件已上传，但应用服务器没有确认收到。',
      denied: '存储服务拒绝了这次上传。',
      file: '无法读取文件，请重新选择后再试。',
      invalid: '上传请求被拒绝。',
      unknown: '上传失败。'
    },
    limit: { 'too-large': '文件太大：最大 {limit}。' },
    bytes: '{n} 字节',
    messages: {
      oss: 'OSS 返回错误（{code}）：{detail}',
      api: '上传服务返回错误（{code}）：{detail}',
      network: '网络请求失败：{detail}',
      networkBare: '网络请求失败',
      client: '上传出错：{detail}',
      aborted: '上传已取消',
      ossStatus: 'OSS 返回了 HTTP {status}',
      apiStatus: '{what} 返回了 HTTP {status}',
      apiNoJSON: '{what} 返回了 HTTP {status}，但不是预期的 JSON',
      partStatus: 'OSS 对第 {part} 个分片返回了 HTTP {status}',
      partNoETag: 'OSS 对第 {part} 个分片返回了 HTTP {status}，但没有 ETag',
      partUnsigned: '（第 {part} 个分片的链接签名时没有包含 Content-Type，而 wx.request 总会发送 Content-Type，' +
        '未指定时为 application/json：presigned-url 函数必须为分片签入 Content-Type 并在 headers 中返回）',
      signMissing: 'multipart/sign 的应答中没有第 {part} 个分片',
      readNoBuffer: '读取第 {part} 个分片时 readFile 没有返回 ArrayBuffer',
      readShort: '第 {part} 个分片读到 {got} 字节，应为 {want} 字节：文件已被修改，' +
        '或微信基础库低于 2.10.0（readFile 不支持 position 和 length）',
      readFailed: '读取文件失败：{detail}',
      readFailedBare: '读取文件失败',
      completeLost: '（之前一次 complete 的应答丢失了，那次请求可能已经保存了对象）'
    }
  }
};

// HINTS is the English hints (what options.hints replaces).
var HINTS = TEXT.en.hints;

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

function formatBytes(n, lang) {
  if (n >= 1048576) return (Math.round(n / 104857.6) / 10) + ' MB';
  if (n >= 1024) return (Math.round(n / 102.4) / 10) + ' KB';
  return format(TEXT[lang].bytes, { n: n });
}

// format replaces each {name} in template by params[name].
function format(template, params) {
  return template.replace(/\{(\w+)\}/g, function (all, name) {
    return params && params[name] !== undefined ? String(params[name]) : all;
  });
}

// language maps a language tag to 'zh-CN' (any Chinese: WeChat's 'zh_CN',
// 'zh_TW', 'zh_HK') or 'en' (anything else). Without one it asks WeChat
// for the user's language (wx.getAppBaseInfo, base library 2.20.1+, else
// wx.getSystemInfoSync), and answers 'en' when neither is there.
function language(lang) {
  var tag = lang;
  if (!tag && typeof wx !== 'undefined' && wx) {
    try {
      var info = typeof wx.getAppBaseInfo === 'function' ? wx.getAppBaseInfo()
        : (typeof wx.getSystemInfoSync === 'function' ? wx.getSystemInfoSync() : null);
      tag = info && info.language;
    } catch (e) { /* no system info: English */ }
  }
  return /^zh/i.test(String(tag || '')) ? 'zh-CN' : 'en';
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

// ossError builds the one error shape every failure has. props.text names
// the sentence (TEXT messages) and props.detail what OSS, a function or
// WeChat said; loc is the task's {lang, hints}. err.message is in loc.lang,
// err.messageEn in English (for logs and support), err.detail the other
// side's own words.
function ossError(props, loc) {
  var lang = (loc && loc.lang) || 'en';
  var hints = loc && loc.hints;
  var params = { detail: props.detail || '', code: props.code || '', status: props.statusCode, part: props.partNumber };
  for (var p in props.params) {
    if (Object.prototype.hasOwnProperty.call(props.params, p)) params[p] = props.params[p];
  }
  var describe = function (l) {
    var m = TEXT[l].messages;
    var name = props.text || 'client';
    if (!params.detail && m[name].indexOf('{detail}') >= 0) return m[name + 'Bare'] || err.code; // nothing was said
    return format(m[name], params);
  };
  var err = new Error('');
  err.name = 'OssDirectError';
  err.code = props.code || 'UnknownError';
  err.message = describe(lang);
  err.kind = props.kind || 'unknown';
  err.source = props.source || 'client';
  err.requestId = props.requestId || '';
  err.statusCode = props.statusCode || 0;
  err.retryable = !!props.retryable;
  err.lang = lang;
  err.messageEn = lang === 'en' ? err.message : describe('en');
  err.detail = props.detail || '';
  var hint = (hints && hints[err.kind]) || TEXT[lang].hints[err.kind] || TEXT[lang].hints.unknown;
  if (props.limit && !(hints && hints[err.kind]) && TEXT[lang].limit[err.kind]) {
    hint = format(TEXT[lang].limit[err.kind], { limit: formatBytes(props.limit, lang) });
  }
  err.hint = hint;
  var extra = ['field', 'ec', 'errMsg', 'retryAfter', 'key', 'url', 'body', 'partNumber', 'limit'];
  for (var i = 0; i < extra.length; i++) {
    if (props[extra[i]] !== undefined && props[extra[i]] !== '') err[extra[i]] = props[extra[i]];
  }
  return err;
}

// addNote appends the sentence TEXT messages[name] to err's message, in
// both languages.
function addNote(err, name, params) {
  err.message += format(TEXT[err.lang].messages[name], params);
  err.messageEn += format(TEXT.en.messages[name], params);
}

function abortError(loc) {
  var err = ossError({ code: 'Aborted', kind: 'aborted', text: 'aborted', source: 'client' }, loc);
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
  if (code === 'NoSuchUpload') return { kind: 'expired' }; // the multipart upload is gone: start again
  var range = /content-length-range"?\s*,\s*(\d+)\s*,\s*(\d+)/.exec(msg);
  if (code === 'EntityTooLarge') return { kind: 'too-large', limit: range ? +range[2] : undefined };
  if (code === 'EntityTooSmall') return { kind: 'too-small' };
  if (code === 'FileAlreadyExists') return { kind: 'exists' };
  if (code === 'AccessDenied' && /content-type/i.test(msg)) return { kind: 'type' };
  if (code === 'AccessDenied' && range) return { kind: 'too-large', limit: +range[2] };
  if (/^(SignatureDoesNotMatch|InvalidAccessKeyId|InvalidSecurityToken|NoSuchBucket|InvalidPolicyDocument|InvalidBucketName)$/.test(code)) {
    return { kind: 'config' };
  }
  if (status >= 500 && status !== 501) return { kind: 'server', retryable: true };
  if (code === 'AccessDenied') return { kind: 'denied' };
  return { kind: 'unknown' };
}

// classifyApi maps a function's error {code, message} to {kind, retryable, limit}.
function classifyApi(status, body, declaredSize) {
  var msg = body.message || '';
  var field = /^([A-Za-z]+):/.exec(msg);
  field = field ? field[1] : '';
  // Multipart complete: final answers about the object, never retried.
  if (body.code === 'CallbackFailed') return { kind: 'callback', field: field };
  if (body.code === 'FileAlreadyExists') return { kind: 'exists', field: field };
  if (body.code === 'ProfileViolation') {
    var max = /maximum of (\d+) bytes/.exec(msg);
    return max ? { kind: 'too-large', limit: +max[1], field: field } : { kind: 'denied', field: field };
  }
  if (status === 404 && field === 'uploadId') return { kind: 'expired', field: field };
  if (status === 401 || status === 403) return { kind: 'auth', field: field };
  if (status === 429) return { kind: 'rate', retryable: true, field: field };
  if (status >= 500 && status !== 501) return { kind: 'server', retryable: true, field: field };
  if (status === 404 || status === 501) return { kind: 'config', field: field };
  if (field === 'size') {
    var range = /allowed:\s*(\d+)\D+?(\d+)\s*bytes/.exec(msg);
    if (range && declaredSize > +range[2]) return { kind: 'too-large', limit: +range[2], field: field };
    if (range && declaredSize < +range[1]) return { kind: 'too-small', field: field };
    return { kind: 'invalid', field: field };
  }
  if (field === 'contentType' || (field === 'filename' && /extension/.test(msg))) return { kind: 'type', field: field };
  return { kind: 'invalid', field: field };
}

function networkError(errMsg, loc) {
  return ossError({
    code: /timeout/i.test(errMsg || '') ? 'Timeout' : 'NetworkError',
    kind: 'network',
    source: 'network',
    text: 'network',
    detail: errMsg,
    errMsg: errMsg,
    retryable: true
  }, loc);
}

// fnv1a is a short, stable hash of s (FNV-1a, 32 bits, hex).
function fnv1a(s) {
  var h = 0x811c9dc5;
  for (var i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ('0000000' + h.toString(16)).slice(-8);
}

// ---------------------------------------------------------------- wx calls

// send starts a wx call and keeps its task while it runs, so that abort()
// and pause() can stop it. kind: 'api' (a function call), 'create' (never
// stopped: the upload it starts must be known, to be aborted), 'cleanup'
// (the abort call itself), 'part' (a part PUT, which pause() stops too) or
// 'post' (the PostObject upload).
function send(job, api, req, kind) {
  var entry = { kind: kind, task: null };
  var forget = function () {
    var i = job.tasks.indexOf(entry);
    if (i >= 0) job.tasks.splice(i, 1);
  };
  var success = req.success;
  var fail = req.fail;
  req.success = function (res) { forget(); success(res); };
  req.fail = function (e) { forget(); fail(e); };
  job.tasks.push(entry);
  try {
    entry.task = getWx()[api](req);
  } catch (e) {
    forget();
    throw e;
  }
  return entry.task;
}

// stopTasks aborts the running wx calls whose kind stop(kind) selects.
function stopTasks(job, stop) {
  var tasks = job.tasks.slice();
  for (var i = 0; i < tasks.length; i++) {
    var t = tasks[i].task;
    if (stop(tasks[i].kind) && t && typeof t.abort === 'function') {
      try { t.abort(); } catch (e) { /* already finished */ }
    }
  }
}

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

function apiURL(o, path) {
  return String(o.api).replace(/\/+$/, '') + path;
}

// callerHeader is the caller's credentials for one function call
// (options.token is called before every call when it is a function).
async function callerHeader(job) {
  var o = job.options;
  var token = typeof o.token === 'function' ? await o.token() : o.token;
  var header = {};
  if (token) header.Authorization = 'Bearer ' + token;
  if (o.apiKey) header['X-Api-Key'] = o.apiKey;
  return header;
}

// callApi makes one call to a function: a 2xx answer that accept(data,
// status) takes resolves {data, header}; anything else rejects with the
// function's error made readable.
function callApi(job, req, accept, what, kind) {
  return new Promise(function (resolve, reject) {
    var o = job.options;
    req.dataType = 'json';
    if (o.timeout) req.timeout = o.timeout;
    req.success = function (res) {
      var data = typeof res.data === 'string' ? parseJSON(res.data) : res.data;
      var status = res.statusCode;
      if (status >= 200 && status < 300 && accept(data, status)) {
        resolve({ data: data, header: res.header || {} });
        return;
      }
      var body = data && typeof data === 'object' ? data : {};
      var ok = status >= 200 && status < 300;
      var c = ok ? { kind: 'config' } : classifyApi(status, body, job.size);
      var retryAfter = parseInt(headerValue(res.header, 'Retry-After'), 10);
      reject(ossError({
        code: body.code || (ok ? 'BadResponse' : 'HTTP' + status),
        text: body.message ? 'api' : (ok ? 'apiNoJSON' : 'apiStatus'),
        detail: body.message,
        params: { what: what },
        requestId: body.requestId || headerValue(res.header, 'X-Request-Id'),
        statusCode: status,
        source: 'api',
        kind: c.kind,
        limit: c.limit,
        field: c.field,
        retryable: c.retryable,
        retryAfter: retryAfter > 0 ? retryAfter : undefined
      }, job.loc));
    };
    req.fail = function (e) { reject(networkError(e && e.errMsg, job.loc)); };
    send(job, 'request', req, kind || 'api');
  });
}

// postJSON POSTs body as JSON to a function path; accepts any JSON object
// answer (and 204).
async function postJSON(job, path, body, kind) {
  var header = await callerHeader(job);
  header['Content-Type'] = 'application/json';
  var req = { url: apiURL(job.options, path), method: 'POST', header: header, data: body };
  return callApi(job, req, function (d, status) { return status === 204 || (!!d && typeof d === 'object'); }, path.slice(1), kind);
}

// ---------------------------------------------------------------- task control

// retryDelay is the wait before retry number `attempt`: exponential,
// jittered, at least a Retry-After the server gave (up to 30 s).
function retryDelay(o, attempt, err) {
  var base = typeof o.retryDelay === 'number' ? o.retryDelay : 500;
  var cap = typeof o.maxRetryDelay === 'number' ? o.maxRetryDelay : 8000;
  var d = Math.min(cap, base * Math.pow(2, attempt - 1));
  d = d / 2 + Math.random() * d / 2; // jitter: many phones retrying at once spread out
  if (err.retryAfter) d = Math.max(d, Math.min(err.retryAfter * 1000, 30000));
  return d;
}

// backoff waits before a retry; settling the task ends the wait early.
function backoff(job, attempt, err) {
  return new Promise(function (resolve) {
    var timer = { wake: resolve, id: 0 };
    timer.id = setTimeout(function () {
      job.timers.splice(job.timers.indexOf(timer), 1);
      resolve();
    }, retryDelay(job.options, attempt, err));
    job.timers.push(timer);
  });
}

// halt ends a step of a task that is settled (aborted, done, failed).
function halt(job) {
  if (job.settled || job.stopping) throw abortError(job.loc);
}

// checkpoint: halt, or end the step if pause() came meanwhile (retrying
// runs it again after resume()).
function checkpoint(job) {
  halt(job);
  if (job.paused) throw new Error('paused');
}

async function whilePaused(job) {
  while (job.paused && !job.settled) await job.gate;
}

// retrying runs step(attempt) until it resolves: retryable errors are
// retried up to options.retries times with backoff; a step that pause()
// interrupted runs again after resume(), not counted as an attempt.
async function retrying(job, step) {
  var o = job.options;
  var retries = typeof o.retries === 'number' ? o.retries : 3;
  var attempt = 1;
  for (;;) {
    await whilePaused(job);
    halt(job);
    var pauses = job.pauses;
    try {
      return await step(attempt);
    } catch (err) {
      halt(job);
      if (job.pauses !== pauses) continue;
      var e = isOssDirectError(err) ? err : ossError({ code: 'ClientError', detail: String(err && err.message || err) }, job.loc);
      e.attempts = attempt;
      if (!e.retryable || attempt > retries) throw e;
      job.retries++;
      if (typeof o.onRetry === 'function') o.onRetry(e, attempt);
      await backoff(job, attempt, e);
      attempt++;
    }
  }
}

// ---------------------------------------------------------------- POST policy

// signPost asks the post-signature function for a fresh PostObject form.
async function signPost(job) {
  var o = job.options;
  var header = await callerHeader(job);
  halt(job);
  var qs = query({ profile: o.profile, filename: job.name, contentType: job.contentType, size: job.size });
  var req = { url: apiURL(o, SIGNATURE_PATH) + (qs ? '?' + qs : ''), method: 'GET', header: header };
  var res = await callApi(job, req, function (d) { return !!d && typeof d === 'object' && !!d.host && !!d.fields; }, 'post-signature');
  return res.data;
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
        job.posting = false;
        var status = res.statusCode;
        var body = typeof res.data === 'string' ? res.data : (res.data === undefined ? '' : JSON.stringify(res.data));
        if (status === 200 || status === 201 || status === 204) {
          var cb = null;
          if (usesCallback && body) {
            cb = parseJSON(body);
            if (cb === undefined) cb = body;
          }
          resolve({ key: key, url: url, callback: cb, statusCode: status, attempts: attempt, mode: 'post' });
          return;
        }
        var e = parseOssError(body) || { code: 'HTTP' + status, message: '' };
        if (status === 203 || e.code === 'CallbackFailed') {
          // The object IS stored; only the app server's confirmation failed.
          reject(ossError({
            code: e.code || 'CallbackFailed', text: e.message ? 'oss' : 'ossStatus', detail: e.message, requestId: e.requestId, ec: e.ec,
            statusCode: status, source: 'oss', kind: 'callback', key: key, url: url
          }, job.loc));
          return;
        }
        var c = classifyOss(status, e);
        reject(ossError({
          code: e.code, text: e.message ? 'oss' : 'ossStatus', detail: e.message, requestId: e.requestId, ec: e.ec,
          statusCode: status, source: 'oss', kind: c.kind, limit: c.limit, retryable: c.retryable
        }, job.loc));
      },
      fail: function (e) {
        job.posting = false;
        reject(networkError(e && e.errMsg, job.loc));
      }
    };
    if (o.timeout) req.timeout = o.timeout;
    job.posting = true;
    var task = send(job, 'uploadFile', req, 'post');
    if (task && typeof task.onProgressUpdate === 'function' && typeof o.onProgress === 'function') {
      task.onProgressUpdate(function (p) {
        if (job.settled) return;
        o.onProgress({
          progress: p.progress,
          totalBytesSent: p.totalBytesSent,
          totalBytesExpectedToSend: p.totalBytesExpectedToSend,
          attempt: attempt,
          mode: 'post'
        });
      });
    }
  });
}

function runPost(job) {
  return retrying(job, async function (attempt) {
    var grant = await signPost(job);
    halt(job);
    if (typeof job.options.onSignature === 'function') job.options.onSignature(grant, attempt);
    await whilePaused(job); // paused while signing: hold before the first byte
    halt(job);
    return post(job, grant, attempt);
  });
}

// ---------------------------------------------------------------- presigned multipart

function partLength(up, n) {
  return Math.min(up.partSize, up.size - (n - 1) * up.partSize);
}

function bound(up) {
  return { key: up.key, uploadId: up.uploadId, token: up.token };
}

// uploadState is a multipart upload in progress, from create's answer or
// a stored record.
function uploadState(r) {
  return {
    key: r.key, uploadId: r.uploadId, token: r.token, expire: r.expire, partSize: r.partSize,
    partCount: r.partCount, size: r.size, callback: r.callback || '',
    done: {}, doneCount: 0, doneBytes: 0, queue: [], urls: {}, signing: {}, resumed: false, finished: false
  };
}

function markDone(up, n, etag) {
  if (up.done[n]) return;
  up.done[n] = etag;
  up.doneCount++;
  up.doneBytes += partLength(up, n);
}

// The resume record, in wx storage under a key derived from what names the
// file for this deployment: api, profile, size, name and the path (or
// options.resumeKey in place of the path).
function recordIdentity(job) {
  var o = job.options;
  return [apiURL(o, ''), o.profile || '', job.size, job.name, o.resumeKey ? 'key:' + o.resumeKey : job.filePath].join('\n');
}

function readRecord(job) {
  try {
    var r = getWx().getStorageSync(job.recordKey);
    return r && typeof r === 'object' && r.v === 1 && r.id === recordIdentity(job) ? r : null;
  } catch (e) {
    return null;
  }
}

// saveRecord stores what a restarted mini-program needs to resume: the
// upload's names, its token, and the parts already sent. Storage being full
// only costs the resume.
function saveRecord(job, up) {
  if (!job.recordKey || up.finished) return;
  var parts = [];
  for (var n in up.done) {
    if (Object.prototype.hasOwnProperty.call(up.done, n)) parts.push([+n, up.done[n]]);
  }
  try {
    getWx().setStorageSync(job.recordKey, {
      v: 1, id: recordIdentity(job), key: up.key, uploadId: up.uploadId, token: up.token, expire: up.expire,
      partSize: up.partSize, partCount: up.partCount, size: up.size, callback: up.callback, parts: parts
    });
  } catch (e) { /* storage full: no resume after a restart */ }
}

// finish marks the upload as over (completed, aborted, or gone) and
// forgets its record.
function finish(job, up) {
  up.finished = true;
  if (!job.recordKey) return;
  try { getWx().removeStorageSync(job.recordKey); } catch (e) { /* nothing stored */ }
}

// pruneRecords drops the records of uploads whose token has expired (files
// never uploaded again): they could not resume any more, and wx storage
// holds 10 MB in all. OSS drops their parts by the bucket's lifecycle rule.
function pruneRecords() {
  try {
    var w = getWx();
    var keys = w.getStorageInfoSync().keys;
    for (var i = 0; i < keys.length; i++) {
      if (keys[i].indexOf(RECORD_PREFIX) !== 0) continue;
      var r = w.getStorageSync(keys[i]);
      if (!r || typeof r !== 'object' || !(r.expire * 1000 > Date.now())) w.removeStorageSync(keys[i]);
    }
  } catch (e) { /* no storage info: nothing to prune */ }
}

// resumeStored continues the upload stored for this file, if any: it asks
// OSS (list) which parts it has. A record whose token expired, or that the
// function no longer takes (gone, another caller), is dropped.
async function resumeStored(job) {
  var r = readRecord(job);
  if (!r) return null;
  var up = uploadState(r);
  if (!(r.expire * 1000 > Date.now() + 60000)) {
    finish(job, up);
    return null;
  }
  job.upload = up;
  var listed;
  try {
    listed = await retrying(job, function () { return postJSON(job, MULTIPART_PATH + 'list', bound(up)); });
  } catch (err) {
    if (isOssDirectError(err) && (err.statusCode === 403 || err.statusCode === 404)) {
      finish(job, up);
      job.upload = null;
      return null;
    }
    throw err;
  }
  var parts = (listed.data && listed.data.parts) || [];
  for (var i = 0; i < parts.length; i++) {
    var p = parts[i];
    if (p.partNumber >= 1 && p.partNumber <= up.partCount && p.etag && p.size === partLength(up, p.partNumber)) {
      markDone(up, p.partNumber, p.etag);
    }
  }
  up.resumed = true;
  saveRecord(job, up);
  return up;
}

function planPartSize(o, size) {
  var want = typeof o.partSize === 'number' ? o.partSize : DEFAULTS.partSize;
  return want > 0 ? Math.max(want, Math.ceil(size / MAX_PARTS)) : 0; // 0: the function's default
}

// create starts a new upload. Its call is never stopped by abort(): once
// OSS has the upload, discard() aborts it.
async function create(job) {
  var o = job.options;
  var body = { filename: job.name, size: job.size };
  if (o.profile) body.profile = o.profile;
  if (job.contentType) body.contentType = job.contentType;
  var partSize = planPartSize(o, job.size);
  if (partSize) body.partSize = partSize;
  job.creating = retrying(job, function () { return postJSON(job, MULTIPART_PATH + 'create', body, 'create'); }).then(function (res) {
    var d = res.data;
    job.upload = uploadState({
      key: d.key, uploadId: d.uploadId, token: d.token, expire: d.expire, partSize: d.partSize,
      partCount: d.partCount, size: job.size, callback: d.callback
    });
    return job.upload;
  });
  var up = await job.creating;
  halt(job);
  saveRecord(job, up);
  return up;
}

// urlLifetime is how long signed URLs stay usable from now, by the sign
// answer's expiry and the function's Date header (the phone's clock may be
// off), less a margin for the PUT itself.
function urlLifetime(data, header, now) {
  var server = Date.parse(headerValue(header, 'Date'));
  var ms = (Number(data.expire) || 0) * 1000 - (isNaN(server) ? now : server);
  if (!(ms > 0)) ms = 60000;
  return ms - Math.min(60000, ms / 4);
}

// signBatch signs part n and the next parts still to send that have no
// usable URL, up to max(4, 2 × parallel) in one call: few calls, and URLs
// still fresh when their PUT starts.
function signBatch(job, up, n) {
  var now = Date.now();
  var batch = [n];
  var most = Math.min(MAX_SIGN_BATCH, Math.max(4, 2 * job.parallel));
  for (var m = n + 1; m <= up.partCount && batch.length < most; m++) {
    var s = up.urls[m];
    if (!up.done[m] && !up.signing[m] && !(s && s.validUntil > now)) batch.push(m);
  }
  var body = bound(up);
  body.partNumbers = batch;
  var p = postJSON(job, MULTIPART_PATH + 'sign', body).then(function (res) {
    var got = Date.now();
    var until = got + urlLifetime(res.data, res.header, got);
    var urls = {};
    var parts = (res.data && res.data.parts) || [];
    for (var j = 0; j < parts.length; j++) {
      var part = parts[j];
      urls[part.partNumber] = up.urls[part.partNumber] = {
        url: part.url, method: part.method || 'PUT', headers: part.headers || {}, contentLength: part.contentLength, validUntil: until
      };
    }
    return urls;
  });
  var clear = function () {
    for (var k = 0; k < batch.length; k++) {
      if (up.signing[batch[k]] === p) delete up.signing[batch[k]];
    }
  };
  for (var k = 0; k < batch.length; k++) up.signing[batch[k]] = p;
  p.then(clear, clear);
  return p;
}

// signedPart answers a usable signed URL for part n.
async function signedPart(job, up, n) {
  var s = up.urls[n];
  if (s && s.validUntil > Date.now()) return s;
  var urls = await (up.signing[n] || signBatch(job, up, n));
  if (urls[n]) return urls[n];
  throw ossError({ code: 'BadResponse', kind: 'config', source: 'api', partNumber: n, text: 'signMissing' }, job.loc);
}

// readPart reads part n of the file: an ArrayBuffer of exactly its length.
function readPart(job, up, n) {
  var length = partLength(up, n);
  return new Promise(function (resolve, reject) {
    var failed = function (code, text, detail, errMsg, params) {
      reject(ossError({
        code: code, kind: 'file', source: 'client', text: text, detail: detail, errMsg: errMsg, partNumber: n, params: params
      }, job.loc));
    };
    try {
      getWx().getFileSystemManager().readFile({
        filePath: job.filePath,
        position: (n - 1) * up.partSize,
        length: length,
        success: function (res) {
          var data = res && res.data;
          if (!data || typeof data === 'string' || typeof data.byteLength !== 'number') {
            failed('FileReadError', 'readNoBuffer');
          } else if (data.byteLength !== length) {
            failed('FileChanged', 'readShort', '', undefined, { got: data.byteLength, want: length });
          } else {
            resolve(data);
          }
        },
        fail: function (e) { failed('FileReadError', 'readFailed', e && e.errMsg, e && e.errMsg); }
      });
    } catch (e) {
      failed('FileReadError', 'readFailed', String(e && e.message || e));
    }
  });
}

// putPart PUTs one part's bytes to its signed URL with exactly the signed
// headers, and answers OSS's ETag for it.
function putPart(job, n, signed, data) {
  return new Promise(function (resolve, reject) {
    var o = job.options;
    var header = {};
    for (var k in signed.headers) {
      if (Object.prototype.hasOwnProperty.call(signed.headers, k)) header[k] = signed.headers[k];
    }
    var req = {
      url: signed.url,
      method: signed.method,
      data: data,
      header: header,
      dataType: 'text',
      responseType: 'text',
      success: function (res) {
        var status = res.statusCode;
        var etag = headerValue(res.header, 'ETag');
        if (status >= 200 && status < 300 && etag) {
          resolve(etag);
          return;
        }
        var e = parseOssError(typeof res.data === 'string' ? res.data : '') ||
          { code: status < 300 ? 'NoETag' : 'HTTP' + status, message: '' };
        var c = status < 300 ? { kind: 'config' } : classifyOss(status, e);
        var err = ossError({
          code: e.code, text: e.message ? 'oss' : (status < 300 ? 'partNoETag' : 'partStatus'), detail: e.message,
          requestId: e.requestId || headerValue(res.header, 'x-oss-request-id'), ec: e.ec,
          statusCode: status, source: 'oss', kind: c.kind, limit: c.limit, retryable: c.retryable, partNumber: n
        }, job.loc);
        if (e.code === 'SignatureDoesNotMatch' && !headerValue(signed.headers, 'Content-Type')) addNote(err, 'partUnsigned', { part: n });
        reject(err);
      },
      fail: function (e) {
        var err = networkError(e && e.errMsg, job.loc);
        err.partNumber = n;
        reject(err);
      }
    };
    if (o.timeout) req.timeout = o.timeout;
    send(job, 'request', req, 'part');
  });
}

// sendPart uploads part n, retrying with a freshly signed URL and freshly
// read bytes.
function sendPart(job, up, n) {
  return retrying(job, async function () {
    var signed = await signedPart(job, up, n);
    checkpoint(job);
    var data = await readPart(job, up, n);
    checkpoint(job);
    try {
      return await putPart(job, n, signed, data);
    } catch (err) {
      delete up.urls[n]; // a failed (or expired) URL is signed again
      throw err;
    }
  });
}

function multipartProgress(job, up) {
  var f = job.options.onProgress;
  if (typeof f !== 'function' || job.settled) return;
  f({
    progress: Math.floor(up.doneBytes * 100 / up.size),
    totalBytesSent: up.doneBytes,
    totalBytesExpectedToSend: up.size,
    attempt: 1 + job.retries,
    mode: 'multipart',
    partsDone: up.doneCount,
    partCount: up.partCount,
    resumed: up.resumed
  });
}

// worker sends queued parts one after the other until none is left.
async function worker(job, up) {
  for (;;) {
    await whilePaused(job);
    halt(job);
    var n = up.queue.shift();
    if (n === undefined) return;
    var etag = await sendPart(job, up, n);
    halt(job);
    markDone(up, n, etag);
    saveRecord(job, up);
    multipartProgress(job, up);
  }
}

function multipartResult(job, up, answer, statusCode, confirmed) {
  var a = answer && typeof answer === 'object' ? answer : {};
  return {
    key: up.key, url: a.url || '', callback: up.callback ? answer : null, statusCode: statusCode,
    attempts: 1 + job.retries, mode: 'multipart', uploadId: up.uploadId, partCount: up.partCount,
    size: up.size, etag: a.etag || '', resumed: up.resumed, confirmed: confirmed
  };
}

// complete asks the function to complete the upload with every part's ETag.
async function complete(job, up) {
  var body = bound(up);
  body.parts = [];
  for (var n = 1; n <= up.partCount; n++) body.parts.push({ partNumber: n, etag: up.done[n] });
  var lost = false; // an earlier answer was lost: that complete may have worked
  try {
    var res = await retrying(job, function () {
      return postJSON(job, MULTIPART_PATH + 'complete', body).catch(function (err) {
        if (err.kind === 'network') lost = true;
        throw err;
      });
    });
    finish(job, up);
    return multipartResult(job, up, res.data, 200, false);
  } catch (err) {
    halt(job);
    if (!isOssDirectError(err)) throw err;
    return afterRefusedComplete(job, up, err, lost);
  }
}

// afterRefusedComplete handles complete's refusals: the object is stored
// but its callback failed (502 CallbackFailed: confirm it), the upload is
// gone or cannot complete (forget it), or the caller may try again later.
async function afterRefusedComplete(job, up, err, lost) {
  var stored = err.code === 'CallbackFailed' || (lost && err.statusCode === 404);
  if (stored) {
    finish(job, up);
    err.key = up.key;
    if (err.code !== 'CallbackFailed') {
      addNote(err, 'completeLost');
    }
    if (!up.callback) throw err;
    try {
      var res = await retrying(job, function () {
        return postJSON(job, CONFIRM_PATH, { key: up.key, callback: up.callback });
      });
      return multipartResult(job, up, res.data, err.statusCode, true);
    } catch (confirmErr) {
      halt(job);
      err.confirmError = confirmErr;
      throw err;
    }
  }
  if (err.code === 'FileAlreadyExists') await abortUpload(job, up); // it can never complete
  else if (err.statusCode === 404 || err.code === 'ProfileViolation') finish(job, up); // OSS no longer has it
  throw err;
}

// abortUpload aborts the upload on OSS (best effort, retried) and forgets
// its record; true when the function confirmed it.
async function abortUpload(job, up) {
  finish(job, up);
  var o = job.options;
  var retries = typeof o.retries === 'number' ? o.retries : 3;
  for (var attempt = 1; ; attempt++) {
    try {
      await postJSON(job, MULTIPART_PATH + 'abort', bound(up), 'cleanup');
      return true;
    } catch (err) {
      if (!isOssDirectError(err) || !err.retryable || attempt > retries) return false;
      var wait = retryDelay(o, attempt, err);
      await new Promise(function (resolve) { setTimeout(resolve, wait); });
    }
  }
}

async function runMultipart(job) {
  halt(job);
  if (job.options.resume !== false && typeof getWx().setStorageSync === 'function') {
    job.recordKey = RECORD_PREFIX + fnv1a(recordIdentity(job));
    pruneRecords();
  }
  var up = (job.recordKey && await resumeStored(job)) || await create(job);
  halt(job);
  for (var n = 1; n <= up.partCount; n++) {
    if (!up.done[n]) up.queue.push(n);
  }
  multipartProgress(job, up);
  var workers = [];
  for (var i = 0; i < Math.min(job.parallel, up.queue.length); i++) workers.push(worker(job, up));
  try {
    await Promise.all(workers);
  } catch (err) {
    // One part failed for good: stop the others (the upload stays on OSS
    // and in the record, to resume later or discard with abort()).
    job.stopping = true;
    stopTasks(job, function (kind) { return kind === 'part'; });
    throw err;
  }
  await whilePaused(job);
  halt(job);
  return complete(job, up);
}

// discard aborts the task's multipart upload on OSS, waiting for a create
// still running.
async function discard(job) {
  if (job.creating) {
    try { await job.creating; } catch (e) { /* nothing was created */ }
  }
  var up = job.upload;
  return up && !up.finished ? abortUpload(job, up) : false;
}

// ---------------------------------------------------------------- public API

function choosesMultipart(o, size) {
  var threshold = typeof o.multipartThreshold === 'number' ? o.multipartThreshold : DEFAULTS.multipartThreshold;
  return typeof size === 'number' && size > 0 && size > threshold;
}

async function run(job) {
  if (typeof job.size !== 'number') job.size = await fileSize(job.filePath);
  halt(job);
  job.mode = choosesMultipart(job.options, job.size) ? 'multipart' : 'post';
  return job.mode === 'multipart' ? runMultipart(job) : runPost(job);
}

// uploadFile uploads one local file (a wx temp path) and returns a task:
//   task.promise   resolves {key, url, callback, statusCode, attempts, mode, …}; rejects with an OssDirectError
//   task.abort()   cancels (also during a retry wait or a pause); the promise rejects with code 'Aborted';
//                  a multipart upload is aborted on OSS too. Answers a promise: true once OSS dropped it
//   task.pause()   holds the upload (multipart: stops the part PUTs in flight); true when paused.
//                  A POST upload that has started sending cannot pause: false, it goes on
//   task.resume()  continues a paused upload; true when it was paused
//   task.mode      'post' or 'multipart' ('' until the file size is known)
//   task.then/catch  the task is thenable, so `await uploadFile(…)` works too
function uploadFile(filePath, options) {
  var o = options || {};
  if (!o.api) throw new Error('ossdirect.uploadFile: options.api (the functions\' base URL) is required');
  if (!filePath) throw new Error('ossdirect.uploadFile: filePath is required');
  getWx();
  var name = o.filename || fileName(filePath);
  var parallel = Math.floor(Number(o.parallel));
  var job = {
    filePath: filePath,
    name: name,
    contentType: o.contentType || guessContentType(name),
    size: typeof o.size === 'number' ? o.size : undefined,
    options: o,
    loc: { lang: language(o.lang), hints: o.hints }, // the language of err.message and err.hint
    parallel: parallel >= 1 ? Math.min(parallel, MAX_PARALLEL) : DEFAULTS.parallel,
    mode: '',
    settled: false,
    outcome: '', // 'done', 'failed' or 'aborted' once settled
    stopping: false,
    tasks: [],
    timers: [],
    retries: 0,
    paused: false,
    pauses: 0,
    gate: null,
    openGate: null,
    creating: null,
    upload: null,
    recordKey: '',
    cleanup: null
  };
  if (typeof job.size === 'number') job.mode = choosesMultipart(o, job.size) ? 'multipart' : 'post';
  var settle;
  var promise = new Promise(function (resolve, reject) {
    settle = function (ok, value) {
      if (job.settled) return;
      job.settled = true;
      job.outcome = ok ? 'done' : (value && value.aborted ? 'aborted' : 'failed');
      // Waiting steps wake up and end (halt).
      var timers = job.timers.splice(0);
      for (var i = 0; i < timers.length; i++) {
        clearTimeout(timers[i].id);
        timers[i].wake();
      }
      if (job.openGate) job.openGate();
      if (ok) resolve(value); else reject(value);
    };
  });
  run(job).then(function (res) { settle(true, res); }, function (err) { settle(false, err); });

  function abort() {
    if (!job.settled) {
      settle(false, abortError(job.loc));
      stopTasks(job, function (kind) { return kind !== 'create' && kind !== 'cleanup'; });
    } else if (job.outcome !== 'failed') {
      return job.cleanup || Promise.resolve(false);
    }
    // Aborted now, or failed earlier with its upload kept for a resume:
    // drop the upload on OSS and its record.
    if (!job.cleanup) job.cleanup = discard(job);
    return job.cleanup;
  }

  function pause() {
    if (job.settled) return false;
    if (job.paused) return true;
    if (job.posting) return false; // a PostObject upload cannot stop half-way and go on later
    job.paused = true;
    job.pauses++;
    job.gate = new Promise(function (resolve) { job.openGate = resolve; });
    stopTasks(job, function (kind) { return kind === 'part'; }); // their bytes are sent again on resume()
    return true;
  }

  function resume() {
    if (job.settled || !job.paused) return false;
    job.paused = false;
    var open = job.openGate;
    job.openGate = null;
    open();
    return true;
  }

  var task = {
    promise: promise,
    abort: abort,
    pause: pause,
    resume: resume,
    then: function (a, b) { return promise.then(a, b); },
    catch: function (b) { return promise.then(undefined, b); }
  };
  Object.defineProperty(task, 'mode', { enumerable: true, get: function () { return job.mode; } });
  return task;
}

module.exports = {
  uploadFile: uploadFile,
  guessContentType: guessContentType,
  parseOssError: parseOssError,
  isOssDirectError: isOssDirectError,
  language: language,
  HINTS: HINTS,
  TEXT: TEXT,
  DEFAULTS: DEFAULTS
};
