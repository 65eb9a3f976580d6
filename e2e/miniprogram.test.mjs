// templates/miniprogram/ossdirect.js, unmodified, against the real local
// stack, with `wx` provided by a shim (wxshim.mjs) that speaks real HTTP the
// way the WeChat base library does. Objects are read back with ali-oss as the
// dev root identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import OSS from 'ali-oss';
import { startStack, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET } from './stack.mjs';
import { createWx } from './wxshim.mjs';
import { startProxy, ossErrorXML } from './mp-proxy.mjs';
import { TEMPLATE, HELPER, runInContext, loadPage } from './mpcontext.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MODULE = HELPER;

// The helper reads the global `wx` when it runs; each test installs its own shim.
globalThis.wx = createWx();
const ossdirect = createRequire(import.meta.url)(MODULE);

let stack;
let root; // where wxfile:// temp paths live
before(async () => {
  stack = await startStack();
  root = mkdtempSync(join(tmpdir(), 'ossdirect-mp-'));
});
after(async () => {
  await stack?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const md5 = (b) => createHash('md5').update(b).digest('hex');

function useWx(opts = {}) {
  const w = createWx({ root, ...opts });
  globalThis.wx = w;
  return w;
}

// tempFile writes bytes where the shim maps wxfile://<name>.
function tempFile(name, bytes) {
  writeFileSync(join(root, name), bytes);
  return `wxfile://${name}`;
}

function rootClient(s = stack) {
  return new OSS({
    endpoint: s.oss,
    sldEnable: true, // path style /bucket/key on an IP endpoint (docs/LOCAL-STACK.md)
    region: `oss-${s.region}`,
    bucket: s.bucket,
    accessKeyId: DEV_ACCESS_KEY_ID,
    accessKeySecret: DEV_ACCESS_KEY_SECRET,
    authorizationV4: true,
    secure: false,
  });
}

async function assertMissing(key, s = stack) {
  await assert.rejects(rootClient(s).head(key), (err) => err.status === 404, `object ${key} must not exist`);
}

const signCalls = (w) => w.log.filter((e) => e.api === 'request' && e.url.includes('/post-signature'));
const uploadCalls = (w) => w.log.filter((e) => e.api === 'uploadFile');

// The shim itself: the bytes it sends are what WeChat sends.
test('wx shim: uploadFile sends multipart fields first, the file last; request parses JSON', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url.startsWith('/json')) {
        res.writeHead(404, { 'Content-Type': 'application/json', 'X-Request-Id': 'abc' });
        res.end('{"code":"NoSuchProfile"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const w = createWx({ root });
    const bytes = randomBytes(1000);
    const up = await new Promise((resolve, reject) => {
      w.uploadFile({ url: `${base}/up`, filePath: tempFile('tmp_shim.jpg', bytes), name: 'file', formData: { key: 'a/b.jpg', policy: 'p' }, success: resolve, fail: reject });
    });
    assert.deepEqual(up, { data: '{"ok":true}', statusCode: 200, errMsg: 'uploadFile:ok' });
    const { headers, body } = seen[0];
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(headers['content-type'])[1];
    assert.equal(Number(headers['content-length']), body.length);
    const text = body.toString('latin1');
    const parts = text.split(`--${boundary}`);
    assert.equal(parts.length, 5); // '', key, policy, file, '--\r\n'
    assert.match(parts[1], /^\r\nContent-Disposition: form-data; name="key"\r\n\r\na\/b\.jpg\r\n$/);
    assert.match(parts[2], /name="policy"\r\n\r\np\r\n$/);
    assert.match(parts[3], /^\r\nContent-Disposition: form-data; name="file"; filename="tmp_shim\.jpg"\r\nContent-Type: image\/jpeg\r\n\r\n/);
    assert.ok(body.includes(bytes));
    assert.equal(parts[4], '--\r\n');

    await new Promise((resolve, reject) => {
      w.uploadFile({ url: `${base}/up`, filePath: tempFile('tmp_shim.weird', bytes), name: 'file', success: resolve, fail: reject });
    });
    assert.match(seen[1].body.toString('latin1'), /filename="tmp_shim\.weird"\r\nContent-Type: application\/octet-stream\r\n/);

    const failed = await new Promise((resolve) => {
      w.uploadFile({ url: `${base}/up`, filePath: 'wxfile://missing.png', name: 'file', success: () => resolve(null), fail: resolve });
    });
    assert.match(failed.errMsg, /^uploadFile:fail /);

    const got = await new Promise((resolve, reject) => {
      w.request({ url: `${base}/json`, data: { a: '1 2', b: 'x' }, success: resolve, fail: reject });
    });
    assert.equal(got.statusCode, 404); // success is called for any HTTP status
    assert.deepEqual(got.data, { code: 'NoSuchProfile' });
    assert.equal(got.header['X-Request-Id'], 'abc');
    assert.equal(seen[2].url, '/json?a=1%202&b=x');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('uploads a file: object stored with the right bytes, callback JSON returned, progress to 100', async () => {
  const w = useWx({ chunkSize: 32 * 1024 });
  const bytes = randomBytes(3 * 1024 * 1024 + 5);
  const path = tempFile('tmp_photo.png', bytes);
  const progress = [];
  const res = await ossdirect.uploadFile(path, {
    api: `${stack.api}/`,
    profile: 'default',
    token: 'test-token',
    onProgress: (p) => progress.push(p),
  }).promise;

  // The signing request: GET with profile, filename, guessed type, size from getFileInfo, Bearer token.
  const [sig] = signCalls(w);
  assert.equal(sig.method, 'GET');
  const q = new URL(sig.url).searchParams;
  assert.equal(q.get('profile'), 'default');
  assert.equal(q.get('filename'), 'tmp_photo.png');
  assert.equal(q.get('contentType'), 'image/png');
  assert.equal(q.get('size'), String(bytes.length));
  assert.equal(sig.header.Authorization, 'Bearer test-token');

  // The upload: every signed field, then the file named "file".
  const [up] = uploadCalls(w);
  assert.equal(up.name, 'file');
  assert.deepEqual(up.formData, sig.data.fields);
  assert.equal(up.url, sig.data.host);

  assert.match(res.key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/);
  assert.equal(res.key, sig.data.key);
  assert.equal(res.url, sig.data.url);
  assert.equal(res.statusCode, 200);
  assert.equal(res.attempts, 1);
  assert.equal(res.callback.Status, 'OK');
  assert.equal(res.callback.key, res.key);
  assert.equal(res.callback.size, bytes.length);
  assert.equal(res.callback.mimeType, 'image/png');

  assert.ok(progress.length > 10, `expected many progress events, got ${progress.length}`);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress >= progress[i - 1].progress, 'progress never decreases');
  assert.equal(progress.at(-1).progress, 100);
  assert.equal(progress.at(-1).totalBytesSent, bytes.length);
  assert.equal(progress.at(-1).totalBytesExpectedToSend, bytes.length);
  assert.ok(progress.every((p) => p.attempt === 1));

  const got = await rootClient().get(res.key);
  assert.equal(got.content.length, bytes.length);
  assert.equal(md5(got.content), md5(bytes));
  assert.equal(got.res.headers['content-type'], 'image/png');
});

test('await works on the task itself (a text file)', async () => {
  useWx();
  const bytes = Buffer.from('hello, ossdirect\n');
  const res = await ossdirect.uploadFile(tempFile('notes.txt', bytes), { api: stack.api });
  assert.match(res.key, /\.txt$/);
  const got = await rootClient().get(res.key);
  assert.equal(got.content.toString(), bytes.toString());
  assert.equal(got.res.headers['content-type'], 'text/plain');
});

test('abort mid-upload rejects with an abort error and stores nothing', async () => {
  const w = useWx({ chunkSize: 64 * 1024 });
  const bytes = randomBytes(32 * 1024 * 1024);
  let task;
  let aborted = false;
  const progress = [];
  task = ossdirect.uploadFile(tempFile('tmp_big.png', bytes), {
    api: stack.api,
    multipartThreshold: Infinity, // 32 MiB: this test is about the POST upload
    onProgress: (p) => {
      progress.push(p.progress);
      if (!aborted && p.progress >= 5) {
        aborted = true;
        task.abort();
      }
    },
  });
  await assert.rejects(task.promise, (err) => {
    assert.equal(err.code, 'Aborted');
    assert.equal(err.kind, 'aborted');
    assert.equal(err.aborted, true);
    assert.equal(err.retryable, false);
    assert.match(err.hint, /cancel/i);
    return true;
  });
  const [up] = uploadCalls(w);
  assert.equal(up.errMsg, 'uploadFile:fail abort');
  assert.ok(progress.at(-1) < 100, 'aborted before the end');
  assert.equal(signCalls(w).length, 1, 'an abort is never retried');
  task.abort(); // idempotent
  await new Promise((r) => setTimeout(r, 300)); // let the emulator see the broken body
  await assertMissing(signCalls(w)[0].data.key);
});

test('abort before the signature arrives: no upload starts', async () => {
  const w = useWx();
  const task = ossdirect.uploadFile(tempFile('tmp_early.png', randomBytes(100)), { api: stack.api });
  task.abort();
  await assert.rejects(task.promise, (err) => err.code === 'Aborted');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(uploadCalls(w).length, 0);
});

// The dev stack's profile takes 1 B … 100 MiB. A declared size narrows
// content-length-range to exactly that size, so a file whose real size
// differs from what getFileInfo reported is refused BY OSS.
for (const { name, declared, actual, code, kind, hint } of [
  { name: 'larger', declared: 5, actual: 64, code: 'EntityTooLarge', kind: 'too-large', hint: /too large.*limit is 5 bytes/i },
  { name: 'smaller', declared: 100, actual: 64, code: 'EntityTooSmall', kind: 'too-small', hint: /empty or smaller/i },
]) {
  test(`OSS rejects a file ${name} than signed: readable error, not retried`, async () => {
    const w = useWx();
    const fsm = w.getFileSystemManager();
    w.getFileSystemManager = () => ({ getFileInfo: (o) => fsm.getFileInfo({ ...o, success: (r) => o.success({ ...r, size: declared }) }) });
    const retried = [];
    await assert.rejects(
      ossdirect.uploadFile(tempFile(`tmp_${name}.png`, randomBytes(actual)), { api: stack.api, retries: 3, retryDelay: 1, onRetry: (e) => retried.push(e) }).promise,
      (err) => {
        assert.equal(err.name, 'OssDirectError');
        assert.equal(err.code, code);
        assert.equal(err.source, 'oss');
        assert.equal(err.statusCode, 400);
        assert.equal(err.kind, kind);
        assert.equal(err.retryable, false);
        assert.equal(err.attempts, 1);
        assert.match(err.message, /content-length-range/);
        assert.match(err.requestId, /^[0-9A-F]{24}$/);
        assert.match(err.hint, hint);
        assert.ok(ossdirect.isOssDirectError(err));
        return true;
      },
    );
    assert.equal(retried.length, 0);
    assert.equal(signCalls(w).length, 1, 'a policy violation gets no fresh signature');
    assert.equal(uploadCalls(w).length, 1);
    await assertMissing(signCalls(w)[0].data.key);
  });
}

test('the signing function refuses: JSON error made readable, not retried', async () => {
  const w = useWx();
  const path = tempFile('tmp_api.png', randomBytes(10));
  await assert.rejects(ossdirect.uploadFile(path, { api: stack.api, profile: 'nope', retryDelay: 1 }).promise, (err) => {
    assert.equal(err.code, 'NoSuchProfile');
    assert.equal(err.source, 'api');
    assert.equal(err.statusCode, 404);
    assert.equal(err.kind, 'config');
    assert.match(err.message, /nope/);
    assert.match(err.requestId, /^[0-9a-f]{24}$/);
    return true;
  });
  await assert.rejects(ossdirect.uploadFile(path, { api: stack.api, size: 200 * 1024 * 1024, multipartThreshold: Infinity, retryDelay: 1 }).promise, (err) => {
    assert.equal(err.code, 'InvalidArgument');
    assert.equal(err.field, 'size');
    assert.equal(err.kind, 'too-large');
    assert.match(err.hint, /limit is 100 MB/);
    return true;
  });
  assert.equal(signCalls(w).length, 2);
  assert.equal(uploadCalls(w).length, 0);
});

test('a network failure of the signing call is readable (and retried up to the limit)', async () => {
  const w = useWx();
  const dead = await startProxy('http://127.0.0.1:9');
  await dead.close(); // nothing listens there any more
  const retried = [];
  await assert.rejects(
    ossdirect.uploadFile(tempFile('tmp_net.png', randomBytes(10)), { api: dead.url, retries: 2, retryDelay: 1, onRetry: (e) => retried.push(e.code) }).promise,
    (err) => {
      assert.equal(err.code, 'NetworkError');
      assert.equal(err.kind, 'network');
      assert.match(err.errMsg, /^request:fail /);
      assert.equal(err.attempts, 3);
      assert.match(err.hint, /network/i);
      return true;
    },
  );
  assert.deepEqual(retried, ['NetworkError', 'NetworkError']);
  assert.equal(signCalls(w).length, 3);
});

// Transient OSS failures: the first upload attempt gets a scripted failure
// from a proxy in front of the OSS emulator; the helper must fetch a FRESH
// signature and succeed on the second attempt.
for (const { name, step, code, kind } of [
  { name: 'Policy expired (403)', step: { status: 403, body: ossErrorXML('AccessDenied', 'Invalid according to Policy: Policy expired.') }, code: 'AccessDenied', kind: 'expired' },
  { name: 'Request has expired (403)', step: { status: 403, body: ossErrorXML('AccessDenied', 'Request has expired.') }, code: 'AccessDenied', kind: 'expired' },
  { name: 'RequestTimeTooSkewed (403)', step: { status: 403, body: ossErrorXML('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.') }, code: 'RequestTimeTooSkewed', kind: 'clock' },
  { name: 'InternalError (500)', step: { status: 500, body: ossErrorXML('InternalError', 'We encountered an internal error. Please try again.') }, code: 'InternalError', kind: 'server' },
  { name: 'connection reset', step: { reset: true }, code: 'NetworkError', kind: 'network' },
]) {
  test(`retries ${name} with a fresh signature`, async () => {
    const proxy = await startProxy(stack.oss);
    try {
      proxy.script.push(step);
      const w = useWx();
      const upload = w.uploadFile;
      w.uploadFile = (o) => upload({ ...o, url: o.url.replace(stack.oss, proxy.url) });
      const bytes = randomBytes(200 * 1024);
      const retried = [];
      const progress = [];
      const res = await ossdirect.uploadFile(tempFile('tmp_retry.png', bytes), {
        api: stack.api,
        retryDelay: 5,
        onRetry: (err, attempt) => retried.push({ err, attempt }),
        onProgress: (p) => progress.push(p),
      }).promise;

      assert.equal(retried.length, 1);
      assert.equal(retried[0].attempt, 1);
      assert.equal(retried[0].err.code, code);
      assert.equal(retried[0].err.kind, kind);
      assert.equal(retried[0].err.retryable, true);
      assert.ok(retried[0].err.hint.length > 10);
      const sigs = signCalls(w);
      assert.equal(sigs.length, 2, 'a second post-signature call happened');
      assert.notEqual(sigs[0].data.key, sigs[1].data.key);
      assert.equal(res.key, sigs[1].data.key);
      assert.equal(res.attempts, 2);
      assert.equal(res.callback.Status, 'OK');
      assert.equal(proxy.requests.length, 2);
      assert.equal(proxy.requests[1].scripted, null);
      assert.deepEqual([...new Set(progress.map((p) => p.attempt))], [1, 2]);

      const got = await rootClient().get(res.key);
      assert.equal(md5(got.content), md5(bytes));
      await assertMissing(sigs[0].data.key);
    } finally {
      await proxy.close();
    }
  });
}

test('retries stop after `retries`: the last error is returned', async () => {
  const proxy = await startProxy(stack.oss);
  try {
    for (let i = 0; i < 5; i++) proxy.script.push({ status: 503, body: ossErrorXML('ServiceUnavailable', 'Please reduce your request rate.') });
    const w = useWx();
    const upload = w.uploadFile;
    w.uploadFile = (o) => upload({ ...o, url: o.url.replace(stack.oss, proxy.url) });
    await assert.rejects(
      ossdirect.uploadFile(tempFile('tmp_503.png', randomBytes(1000)), { api: stack.api, retries: 2, retryDelay: 1 }).promise,
      (err) => {
        assert.equal(err.code, 'ServiceUnavailable');
        assert.equal(err.kind, 'server');
        assert.equal(err.statusCode, 503);
        assert.equal(err.attempts, 3);
        assert.equal(err.requestId, '6551A0C0E1F2A3B4C5D6E7F8');
        return true;
      },
    );
    assert.equal(signCalls(w).length, 3);
    assert.equal(proxy.requests.length, 3);
  } finally {
    await proxy.close();
  }
});

// Refusals that a fresh signature cannot fix are never retried.
for (const { name, step, code, kind, hint, check } of [
  {
    name: 'a content-type policy violation (403)',
    step: { status: 403, body: ossErrorXML('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/png"]') },
    code: 'AccessDenied', kind: 'type', hint: /type of file is not allowed/,
    check: (err) => assert.match(err.message, /\["eq", "\$content-type", "image\/png"\]/),
  },
  {
    name: 'FileAlreadyExists (409)',
    step: { status: 409, body: ossErrorXML('FileAlreadyExists', 'The object you specified already exists and can not be overwritten.') },
    code: 'FileAlreadyExists', kind: 'exists', hint: /already exists/,
  },
  {
    name: 'SignatureDoesNotMatch (403)',
    step: { status: 403, body: ossErrorXML('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.') },
    code: 'SignatureDoesNotMatch', kind: 'config', hint: /not set up correctly/,
  },
  {
    name: 'CallbackFailed (203: stored, not confirmed)',
    step: { status: 203, body: ossErrorXML('CallbackFailed', 'Response body is not valid json format.') },
    code: 'CallbackFailed', kind: 'callback', hint: /uploaded, but/,
    check: (err, sig) => { assert.equal(err.key, sig.data.key); assert.equal(err.url, sig.data.url); },
  },
]) {
  test(`${name} from OSS is readable and never retried`, async () => {
    const proxy = await startProxy(stack.oss);
    try {
      proxy.script.push(step);
      const w = useWx();
      const upload = w.uploadFile;
      w.uploadFile = (o) => upload({ ...o, url: o.url.replace(stack.oss, proxy.url) });
      await assert.rejects(ossdirect.uploadFile(tempFile('tmp_noretry.png', randomBytes(10)), { api: stack.api, retryDelay: 1 }).promise, (err) => {
        assert.equal(err.code, code);
        assert.equal(err.kind, kind);
        assert.equal(err.source, 'oss');
        assert.equal(err.statusCode, step.status);
        assert.equal(err.requestId, '6551A0C0E1F2A3B4C5D6E7F8');
        assert.match(err.hint, hint);
        assert.equal(err.retryable, false);
        check?.(err, signCalls(w)[0]);
        return true;
      });
      assert.equal(signCalls(w).length, 1);
      assert.equal(proxy.requests.length, 1);
    } finally {
      await proxy.close();
    }
  });
}

test('options.hints translates the plain-language hints', async () => {
  useWx();
  const task = ossdirect.uploadFile(tempFile('tmp_hint.png', randomBytes(10)), { api: stack.api, hints: { aborted: '上传已取消' } });
  task.abort();
  await assert.rejects(task.promise, (err) => err.hint === '上传已取消');
});

// Language (README "Language"): err.message and err.hint follow
// options.lang, else the phone's WeChat language (zh* → zh-CN, else en);
// the machine-readable fields do not change with it.
const HAN = /[\u4e00-\u9fff]/;

// failIn runs one failing upload on a phone set to `language` and answers
// {err, retried}: the errors onRetry saw.
async function failIn(language, { file, bytes, declared, options, proxyScript }) {
  const w = useWx({ language });
  if (declared !== undefined) {
    const fsm = w.getFileSystemManager();
    w.getFileSystemManager = () => ({ getFileInfo: (o) => fsm.getFileInfo({ ...o, success: (r) => o.success({ ...r, size: declared }) }) });
  }
  const proxy = proxyScript ? await startProxy(stack.oss) : null;
  try {
    if (proxy) {
      proxy.script.push(...proxyScript);
      const upload = w.uploadFile;
      w.uploadFile = (o) => upload({ ...o, url: o.url.replace(stack.oss, proxy.url) });
    }
    const retried = [];
    const task = ossdirect.uploadFile(tempFile(file, bytes), { api: stack.api, retryDelay: 1, onRetry: (e) => retried.push(e), ...options });
    const err = await task.promise.then(() => assert.fail('the upload must fail'), (e) => e);
    return { err, retried };
  } finally {
    await proxy?.close();
  }
}

const MACHINE_FIELDS = ['name', 'code', 'kind', 'source', 'statusCode', 'retryable', 'attempts', 'field', 'errMsg', 'limit', 'partNumber', 'detail'];

const dead = 'http://127.0.0.1:9'; // nothing listens there
for (const { name, run, zh, en, limit } of [
  {
    name: 'a file larger than signed (OSS EntityTooLarge)',
    run: { file: 'tmp_lang_big.png', bytes: randomBytes(64), declared: 5 },
    limit: 5,
    zh: { hint: '文件太大：最大 5 字节。', message: /^OSS 返回错误（EntityTooLarge）：.*content-length-range/ },
    en: { hint: 'The file is too large for this upload (the limit is 5 bytes).', message: /^[^\u4e00-\u9fff]*content-length-range/ },
  },
  {
    name: 'a size over the profile\'s maximum (the function refuses it)',
    run: { file: 'tmp_lang_max.png', bytes: randomBytes(10), options: { size: 200 * 1024 * 1024, multipartThreshold: Infinity } },
    limit: 100 * 1024 * 1024,
    zh: { hint: '文件太大：最大 100 MB。', message: /^上传服务返回错误（InvalidArgument）：size: / },
    en: { hint: 'The file is too large for this upload (the limit is 100 MB).', message: /^size: / },
  },
  {
    name: 'a network failure',
    run: { file: 'tmp_lang_net.png', bytes: randomBytes(10), options: { api: dead, retries: 1 } },
    zh: { hint: '网络连接已断开或网速太慢，请检查网络后重试。', message: /^网络请求失败：request:fail / },
    en: { hint: 'The network is unavailable or too slow. Check the connection and try again.', message: /^request:fail / },
  },
  {
    name: 'an expired upload link (retried, then given up)',
    run: {
      file: 'tmp_lang_exp.png', bytes: randomBytes(10), options: { retries: 1 },
      proxyScript: [1, 2].map(() => ({ status: 403, body: ossErrorXML('AccessDenied', 'Invalid according to Policy: Policy expired.') })),
    },
    zh: { hint: '上传链接已过期，请重新上传。', message: /^OSS 返回错误（AccessDenied）：Invalid according to Policy: Policy expired\.$/ },
    en: { hint: 'The upload link expired before the upload finished. Please try again.', message: /^Invalid according to Policy: Policy expired\.$/ },
  },
]) {
  test(`language zh_CN vs en: ${name} reads in the phone's language, with the same code and kind`, async () => {
    const zhRun = await failIn('zh_CN', run);
    const enRun = await failIn('en', run);
    const [zhErr, enErr] = [zhRun.err, enRun.err];
    for (const f of MACHINE_FIELDS) assert.deepEqual(zhErr[f], enErr[f], `err.${f} must not depend on the language`);
    assert.equal(zhErr.limit, limit, 'err.limit: the limit in bytes, when known');
    assert.equal(zhErr.lang, 'zh-CN');
    assert.equal(zhErr.hint, zh.hint);
    assert.match(zhErr.message, zh.message);
    assert.equal(enErr.lang, 'en');
    assert.equal(enErr.hint, en.hint);
    assert.match(enErr.message, en.message);
    assert.doesNotMatch(enErr.message + enErr.hint, HAN);
    // The English text for logs, and the other side's words verbatim.
    assert.equal(zhErr.messageEn, enErr.message);
    assert.equal(enErr.messageEn, enErr.message);
    if (zhErr.detail) assert.ok(zhErr.message.endsWith(zhErr.detail), 'the server\'s words are kept verbatim');
    // Retries see the same language.
    assert.equal(zhRun.retried.length, enRun.retried.length);
    for (const e of zhRun.retried) assert.equal(e.hint, zh.hint);
  });
}

test('options.lang overrides the phone\'s language; any zh* is zh-CN', async () => {
  const cancelled = async (language, lang) => {
    useWx({ language });
    const task = ossdirect.uploadFile(tempFile('tmp_lang_opt.png', randomBytes(10)), { api: stack.api, lang });
    task.abort();
    return task.promise.then(() => assert.fail('aborted'), (e) => e);
  };
  for (const [language, lang, want] of [
    ['zh_CN', 'en', 'en'], ['en', 'zh-CN', 'zh-CN'], ['en', 'zh_TW', 'zh-CN'], ['zh_TW', undefined, 'zh-CN'], ['zh_HK', '', 'zh-CN'], ['en', undefined, 'en'],
  ]) {
    const err = await cancelled(language, lang);
    assert.equal(err.lang, want, `${language} + lang ${lang}`);
    assert.equal(err.code, 'Aborted');
    assert.equal(err.kind, 'aborted');
    assert.equal(err.messageEn, 'upload aborted');
    assert.equal(err.hint, want === 'zh-CN' ? '上传已取消。' : 'The upload was cancelled.');
    assert.equal(err.message, want === 'zh-CN' ? '上传已取消' : 'upload aborted');
  }
  // options.hints still wins over both catalogs.
  useWx({ language: 'zh_CN' });
  const task = ossdirect.uploadFile(tempFile('tmp_lang_hint.png', randomBytes(10)), { api: stack.api, hints: { aborted: 'Stopped.' } });
  task.abort();
  await assert.rejects(task.promise, (err) => err.hint === 'Stopped.' && err.message === '上传已取消');
});

test('ossdirect.language(): WeChat\'s language, from getAppBaseInfo or getSystemInfoSync, else en', () => {
  const cases = [
    [{ language: 'zh_CN' }, 'zh-CN'], [{ language: 'zh_TW' }, 'zh-CN'], [{ language: 'en' }, 'en'], [{ language: 'fr' }, 'en'],
    [{ language: null }, 'en'], // no getSystemInfoSync at all
    [{ language: 'zh_CN', appBaseInfo: true }, 'zh-CN'],
  ];
  for (const [opts, want] of cases) {
    useWx(opts);
    assert.equal(ossdirect.language(), want, JSON.stringify(opts));
  }
  const w = useWx({ language: 'zh_CN', appBaseInfo: true });
  w.getSystemInfoSync = () => { throw new Error('getAppBaseInfo comes first'); };
  assert.equal(ossdirect.language(), 'zh-CN');
  const broken = useWx({ language: 'zh_CN' });
  broken.getSystemInfoSync = () => { throw new Error('getSystemInfoSync:fail'); };
  assert.equal(ossdirect.language(), 'en');
  assert.equal(ossdirect.language('zh-CN'), 'zh-CN');
  assert.equal(ossdirect.language('en'), 'en');
});

// Every sentence has both languages, with the same {placeholders}.
test('the helper\'s catalog: every hint and message in en and zh-CN, with the same placeholders', () => {
  const { en, 'zh-CN': zh } = ossdirect.TEXT;
  // The Chinese lead may name the code where English leaves the server's words alone.
  const slots = (t) => (t.match(/\{\w+\}/g) || []).filter((x) => x !== '{code}').sort().join();
  const known = new Set(['{detail}', '{code}', '{status}', '{part}', '{what}', '{got}', '{want}', '{limit}']);
  for (const part of ['hints', 'limit', 'messages']) {
    assert.deepEqual(Object.keys(zh[part]).sort(), Object.keys(en[part]).sort(), part);
    for (const k of Object.keys(en[part])) {
      assert.equal(slots(zh[part][k]), slots(en[part][k]), `${part}.${k}`);
      for (const x of `${zh[part][k]}${en[part][k]}`.match(/\{\w+\}/g) || []) assert.ok(known.has(x), `${part}.${k}: ${x} is never filled`);
      assert.match(zh[part][k], HAN, `${part}.${k} is Chinese`);
    }
  }
  assert.equal(ossdirect.HINTS, en.hints);
});

// The mini-program runtime has no Node globals (no Buffer, process, URL,
// fetch, DOMParser…). Run the module in a bare context holding only what
// WeChat provides, and do a full upload with it.
test('the module runs in a bare context with only wx, timers and console', async () => {
  const w = createWx({ root });
  const helper = runInContext(MODULE, { wx: w }); // ossdirect.js requires nothing
  const bytes = randomBytes(4096);
  const res = await helper.uploadFile(tempFile('tmp_bare.jpg', bytes), { api: stack.api }).promise;
  assert.match(res.key, /\.jpg$/);
  assert.equal(res.callback.mimeType, 'image/jpeg');
  const got = await rootClient().get(res.key);
  assert.equal(md5(got.content), md5(bytes));
});

// ES2017 is the syntax floor the brief sets for the WeChat runtime: no
// object spread/rest, optional chaining, nullish coalescing, optional catch
// binding, Promise.prototype.finally, named groups or lookbehind. The helper
// module must also be CommonJS and use no Node or browser globals.
function codeOf(file) {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => l.replace(/(^|\s)\/\/.*$/, ''))
    .join('\n');
}
const ES2017 = {
  'spread/rest (object spread is ES2018)': /\.\.\./,
  'optional chaining': /\?\.(?!\d)/,
  'nullish coalescing': /\?\?/,
  'optional catch binding': /catch\s*\{/,
  'Promise.prototype.finally': /\.finally\s*\(/,
  'ES2019+ library': /\b(fromEntries|flatMap|matchAll|replaceAll|globalThis|BigInt)\b|\.flat\(/,
  'regex named groups or lookbehind': /\(\?<[=!A-Za-z]/,
  'ES modules': /^\s*(import|export)\s/m,
  'class fields / private members': /#[A-Za-z_]\w*\s*[=(;]/,
};

test('the mini-program JS stays within ES2017 syntax and CommonJS', () => {
  for (const file of [MODULE, ...['config.js', 'app.js', 'pages/upload/upload.js'].map((f) => join(TEMPLATE, f))]) {
    const code = codeOf(file);
    for (const [what, re] of Object.entries(ES2017)) assert.doesNotMatch(code, re, `${file} uses ${what}`);
  }
  const code = codeOf(MODULE);
  assert.doesNotMatch(code, /\b(require\(|process\.|Buffer\b|window\.|document\.|XMLHttpRequest|fetch\(|DOMParser|TextDecoder|URLSearchParams|new URL\()/, 'ossdirect.js uses Node or browser globals');
  assert.match(code, /module\.exports\s*=/);
});

test('the sample project is complete: app.json pages, project.config.json, config.js', () => {
  const app = JSON.parse(readFileSync(join(TEMPLATE, 'app.json'), 'utf8'));
  assert.deepEqual(app.pages, ['pages/upload/upload']);
  for (const page of app.pages) {
    for (const ext of ['js', 'wxml', 'wxss', 'json']) assert.ok(existsSync(join(TEMPLATE, `${page}.${ext}`)), `${page}.${ext}`);
    JSON.parse(readFileSync(join(TEMPLATE, `${page}.json`), 'utf8'));
  }
  assert.ok(existsSync(join(TEMPLATE, app.sitemapLocation)));
  JSON.parse(readFileSync(join(TEMPLATE, app.sitemapLocation), 'utf8'));
  const project = JSON.parse(readFileSync(join(TEMPLATE, 'project.config.json'), 'utf8'));
  assert.equal(project.appid, 'touristappid');
  assert.equal(project.compileType, 'miniprogram');
  const wxml = readFileSync(join(TEMPLATE, 'pages/upload/upload.wxml'), 'utf8');
  const js = readFileSync(join(TEMPLATE, 'pages/upload/upload.js'), 'utf8');
  for (const [, handler] of wxml.matchAll(/bind(?:tap|longpress)="(\w+)"/g)) assert.match(js, new RegExp(`\\n  ${handler}\\(`), `handler ${handler} is defined`);
});

// The sample page's own logic, run in a bare context with a fake Page()
// and the wx shim (plus wx.chooseMedia), against the real stack: one
// upload succeeds, one is refused by OSS, one is cancelled by the user.
test('the sample page uploads picked images with progress, results and errors', async () => {
  const w = createWx({ root, chunkDelayMs: 2 });
  const good = randomBytes(300 * 1024);
  const picked = [
    { tempFilePath: tempFile('tmp_page_ok.png', good), size: good.length, fileType: 'image' },
    { tempFilePath: tempFile('tmp_page_lie.jpg', randomBytes(64)), size: 10, fileType: 'image' }, // size disagrees with the bytes
    { tempFilePath: tempFile('tmp_page_big.png', randomBytes(8 * 1024 * 1024)), size: 8 * 1024 * 1024, fileType: 'image' },
  ];
  let chooseOpts;
  w.chooseMedia = (o) => { chooseOpts = o; setTimeout(() => o.success({ tempFiles: picked, type: 'image', errMsg: 'chooseMedia:ok' })); };
  const page = loadPage(w, { apiBase: stack.api, profile: '', getToken: () => '', maxFiles: 9 });
  page.onLoad();
  page.choose();
  const deadline = Date.now() + 15000;
  const items = () => page.data.items;
  while (!(items().length === 3 && items()[2].progress > 0)) {
    assert.ok(Date.now() < deadline, 'the third upload never started');
    await new Promise((r) => setTimeout(r, 5));
  }
  page.cancel({ currentTarget: { dataset: { id: items()[2].id } } });
  while (items().some((it) => it.status === 'uploading' || it.status === 'retrying')) {
    assert.ok(Date.now() < deadline, 'uploads never finished');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual([...chooseOpts.mediaType], ['image', 'video']); // (an array of the page's realm)
  assert.equal(chooseOpts.count, 9);

  const [ok, refused, cancelled] = items();
  assert.equal(ok.status, 'done');
  assert.equal(ok.progress, 100);
  assert.equal(ok.name, 'tmp_page_ok.png');
  assert.equal(ok.size, '300 KB');
  assert.match(ok.key, /^uploads\/anonymous\/.+\.png$/);
  assert.equal(ok.info, 'image/png');
  assert.equal(md5((await rootClient().get(ok.key)).content), md5(good));

  assert.equal(refused.status, 'failed');
  assert.equal(refused.code, 'EntityTooLarge');
  assert.match(refused.error, /too large/);
  assert.match(refused.requestId, /^[0-9A-F]{24}$/);

  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.error, 'The upload was cancelled.');
  assert.ok(cancelled.progress < 100);
  assert.deepEqual(Object.keys(page.tasks), [], 'finished tasks are forgotten');
  page.onUnload();
});

// The page in Chinese: its words and the helper's hints follow the phone;
// config.lang overrides. Every word of the page is in both catalogs.
test('the sample page speaks the phone\'s language: zh_CN words and hints, config.lang overrides', async () => {
  const pageIn = (language, lang) => {
    const w = createWx({ root, language, chunkDelayMs: 2 });
    const page = loadPage(w, { apiBase: stack.api, profile: '', getToken: () => '', maxFiles: 9, lang });
    page.onLoad();
    return { w, page };
  };
  const { w, page } = pageIn('zh_CN');
  assert.equal(page.title, '上传到 OSS');
  assert.equal(page.data.t.choose, '选择照片或视频');
  const en = pageIn('zh_CN', 'en').page;
  assert.equal(en.title, 'Upload to OSS');
  assert.equal(en.data.t.choose, 'Choose photos or videos');
  const slots = (t) => Object.entries(t).map(([k, v]) => (typeof v === 'object' ? slots(v).map((x) => `${k}.${x}`) : [k])).flat().sort();
  assert.deepEqual(slots(page.data.t), slots(en.data.t), 'the page\'s two catalogs have the same entries');

  // The page's markup shows no words of its own: all come from the catalog.
  const wxml = readFileSync(join(TEMPLATE, 'pages/upload/upload.wxml'), 'utf8');
  assert.match(wxml.replace(/<[^>]*>/g, '').replace(/\{\{[\s\S]*?\}\}/g, ''), /^[\s%]*$/);
  assert.doesNotMatch(wxml, /'[A-Z][a-z]+/, 'no English string literals in bindings');

  const picked = [
    { tempFilePath: tempFile('tmp_zh_lie.jpg', randomBytes(64)), size: 10, fileType: 'image' }, // size disagrees with the bytes
    { tempFilePath: tempFile('tmp_zh_big.png', randomBytes(8 * 1024 * 1024)), size: 8 * 1024 * 1024, fileType: 'image' },
  ];
  w.chooseMedia = (o) => setTimeout(() => o.success({ tempFiles: picked, type: 'image', errMsg: 'chooseMedia:ok' }));
  page.choose();
  const items = () => page.data.items;
  await w.until(() => items().length === 2 && items()[1].progress > 0, 'the second upload sending', 15000);
  page.cancel({ currentTarget: { dataset: { id: items()[1].id } } });
  while (items().some((it) => it.status === 'uploading' || it.status === 'retrying')) await new Promise((r) => setTimeout(r, 10));
  const [refused, cancelled] = items();
  assert.equal(refused.status, 'failed');
  assert.equal(refused.code, 'EntityTooLarge');
  assert.equal(refused.error, '文件太大：最大 10 字节。');
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.error, '上传已取消。');
  page.onUnload();
});

test('the sample page says why it retries: an expired link is fetched again', async () => {
  const proxy = await startProxy(stack.oss);
  try {
    proxy.script.push({ status: 403, body: ossErrorXML('AccessDenied', 'Request has expired.') });
    const w = createWx({ root, language: 'zh_CN' });
    const upload = w.uploadFile;
    const notes = [];
    w.uploadFile = (o) => upload({ ...o, url: o.url.replace(stack.oss, proxy.url) });
    const bytes = randomBytes(1000);
    w.chooseMedia = (o) => setTimeout(() => o.success({ tempFiles: [{ tempFilePath: tempFile('tmp_zh_retry.png', bytes), size: bytes.length, fileType: 'image' }], errMsg: 'chooseMedia:ok' }));
    const page = loadPage(w, { apiBase: stack.api, profile: '', getToken: () => '', maxFiles: 9 });
    const setData = page.setData;
    page.setData = (patch) => {
      setData(patch);
      for (const [k, v] of Object.entries(patch)) if (k.endsWith('.note') && v) notes.push(v);
    };
    page.onLoad();
    page.choose();
    await w.until(() => page.data.items[0] && page.tasks[page.data.items[0].id], 'the upload started', 15000);
    await page.tasks[page.data.items[0].id].promise;
    assert.deepEqual(notes, ['上传链接已过期，正在重新获取…']);
    assert.equal(page.data.items[0].status, 'done');
  } finally {
    await proxy.close();
  }
});

// A profile with a small maxSize, through `ossdirect dev --profiles FILE`
// (skipped by a binary without that flag; the size-mismatch tests above
// cover OSS-side rejection either way).
function devSupportsProfiles() {
  const bin = process.env.OSSDIRECT_BIN || join(here, '..', 'build', 'bin', 'ossdirect');
  const r = spawnSync(bin, ['dev', '-h'], { encoding: 'utf8' });
  return /-profiles\b/.test(`${r.stdout ?? ''}${r.stderr ?? ''}`);
}

test('a small-maxSize profile (ossdirect dev --profiles)', { skip: devSupportsProfiles() ? false : 'ossdirect dev has no --profiles flag yet' }, async () => {
  const file = join(root, 'profiles.json');
  writeFileSync(file, JSON.stringify({
    tiny: { prefix: 'tiny/{sub}/', naming: 'uuid', maxSize: 1024, contentTypes: ['image/png'], expires: '5m', callback: false },
  }));
  const small = await startStack(['--profiles', file]);
  try {
    const w = useWx();
    // Declared too large: the signing function refuses, naming the limit.
    await assert.rejects(ossdirect.uploadFile(tempFile('tmp_tiny_big.png', randomBytes(2048)), { api: small.api, profile: 'tiny', retryDelay: 1 }).promise, (err) => {
      assert.equal(err.source, 'api');
      assert.equal(err.kind, 'too-large');
      assert.match(err.hint, /limit is 1 KB/);
      return true;
    });
    // Declared within the limit but really larger: OSS refuses.
    const fsm = w.getFileSystemManager();
    w.getFileSystemManager = () => ({ getFileInfo: (o) => fsm.getFileInfo({ ...o, success: (r) => o.success({ ...r, size: 1000 }) }) });
    await assert.rejects(ossdirect.uploadFile(tempFile('tmp_tiny_lie.png', randomBytes(2048)), { api: small.api, profile: 'tiny', retryDelay: 1 }).promise, (err) => {
      assert.equal(err.source, 'oss');
      assert.equal(err.code, 'EntityTooLarge');
      return true;
    });
    // A type the profile does not allow.
    useWx();
    await assert.rejects(ossdirect.uploadFile(tempFile('tmp_tiny.gif', randomBytes(100)), { api: small.api, profile: 'tiny', retryDelay: 1 }).promise, (err) => {
      assert.equal(err.kind, 'type');
      return true;
    });
    // Within the limits: stored, no callback configured.
    const bytes = randomBytes(512);
    const res = await ossdirect.uploadFile(tempFile('tmp_tiny_ok.png', bytes), { api: small.api, profile: 'tiny' }).promise;
    assert.equal(res.callback, null);
    assert.match(res.key, /^tiny\/anonymous\//);
    assert.equal(md5((await rootClient(small).get(res.key)).content), md5(bytes));
  } finally {
    await small.stop();
  }
});
