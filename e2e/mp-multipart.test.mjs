// The mini-program helper's presigned multipart path (files over
// multipartThreshold), unmodified, against the real local stack: each test
// runs a fresh copy of templates/miniprogram/ossdirect.js in a bare context
// holding only `wx` (the shim in wxshim.mjs, real HTTP and real files),
// timers and console, as a (re)started mini-program would. Objects and
// multipart uploads are checked with ali-oss as the dev root identity.
//
// The presigned-url function signs each part URL over Content-Length and
// Content-Type (application/octet-stream, returned in headers): wx.request
// always sends a Content-Type (application/json unless the header sets
// one) and OSS's V4 signature covers it whenever a request carries one.
// One test strips those headers, as a server of an earlier version answered
// them, and checks that the helper explains OSS's refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { startStack } from './stack.mjs';
import { createWx, createStorage } from './wxshim.mjs';
import { startProxy, ossErrorXML } from './mp-proxy.mjs';
import { md5, rootClient, objectMd5, objectExists } from './browser.mjs';
import { HELPER, runInContext, loadPage } from './mpcontext.mjs';

const MiB = 1024 * 1024;
const KiB = 1024;
const PART_TYPE = 'application/octet-stream';

const PROFILES = {
  videos: { prefix: 'videos/{sub}/', naming: 'uuid', maxSize: 200 * MiB, contentTypes: ['video/mp4', 'video/quicktime'], expires: '10m', callback: true },
  files: { prefix: 'files/{sub}/', naming: 'uuid', maxSize: 100 * MiB, callback: false },
  small: { prefix: 'small/{sub}/', naming: 'uuid', maxSize: 32 * MiB, callback: false },
};

let stack;
let root; // where wxfile:// temp paths live
before(async () => {
  stack = await startStack({ profiles: PROFILES });
  root = mkdtempSync(join(tmpdir(), 'ossdirect-mp-multipart-'));
});
after(async () => {
  await stack?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function tempFile(name, bytes) {
  writeFileSync(join(root, name), bytes);
  return `wxfile://${name}`;
}

// withoutPartHeaders makes the sign answers carry no headers to replay, as
// the presigned-url function of an earlier version answered them.
function withoutPartHeaders(w) {
  const request = w.request;
  w.request = (o) => {
    if (!o.url.endsWith('/presigned-url/multipart/sign')) return request(o);
    return request({
      ...o,
      success: (res) => {
        for (const p of res.statusCode === 200 ? res.data.parts : []) p.headers = {};
        o.success(res);
      },
    });
  };
  return w;
}

// miniProgram starts a mini-program on a phone whose storage is `storage`:
// a shim (signing answers without part headers when oldServer) and a fresh
// copy of the helper.
function miniProgram({ storage = createStorage(), oldServer = false, ...opts } = {}) {
  const w = createWx({ root, storage, ...opts });
  if (oldServer) withoutPartHeaders(w);
  return { wx: w, storage, helper: runInContext(HELPER, { wx: w }) };
}

const calls = (w, op) => w.log.filter((e) => e.api === 'request' && e.url.endsWith(`/presigned-url/multipart/${op}`));
const partPuts = (w) => w.log.filter((e) => e.api === 'request' && e.method === 'PUT');
const okPuts = (w) => partPuts(w).filter((e) => e.statusCode === 200);
const partNumber = (e) => Number(new URL(e.url).searchParams.get('partNumber'));
const numbers = (entries) => entries.map(partNumber).sort((a, b) => a - b);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const records = (storage) => [...storage.values()].map((v) => JSON.parse(v));
const plain = (v) => JSON.parse(JSON.stringify(v)); // out of the helper's realm, for deepEqual

// maxOverlap is the most entries open at once, by the shim's start/end order.
function maxOverlap(entries) {
  const edges = entries.flatMap((e) => [[e.start, 1], [e.end ?? Infinity, -1]]).sort((a, b) => a[0] - b[0]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}

async function direct(op, body) {
  const res = await fetch(`${stack.api}/presigned-url/multipart/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('wx shim: readFile slices an ArrayBuffer; request PUTs one as raw bytes, content-type application/json unless set; abort; storage', async () => {
  const seen = [];
  let slowSeen;
  const slow = new Promise((resolve) => { slowSeen = resolve; });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url === '/slow') return slowSeen(); // never answers: for abort
      res.writeHead(200, { ETag: '"ABC"', 'x-oss-request-id': 'r1' });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const w = createWx({ root });
    const bytes = randomBytes(1000);
    const path = tempFile('tmp_shim.bin', bytes);
    const read = (o) => new Promise((resolve) => w.getFileSystemManager().readFile({ filePath: path, ...o, success: resolve, fail: resolve }));
    const slice = await read({ position: 100, length: 300 });
    assert.ok(slice.data instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(slice.data), bytes.subarray(100, 400));
    assert.equal(slice.errMsg, 'readFile:ok');
    assert.equal((await read({})).data.byteLength, 1000);
    assert.match((await read({ position: 900, length: 101 })).errMsg, /^readFile:fail the value of "length" is out of range/);
    assert.match((await read({ position: 1000, length: 1 })).errMsg, /^readFile:fail the value of "position" is out of range/);

    const put = (o) => new Promise((resolve) => w.request({ method: 'PUT', dataType: 'text', responseType: 'text', ...o, success: resolve, fail: resolve }));
    const res = await put({ url: `${base}/part`, data: slice.data });
    assert.equal(res.statusCode, 200);
    assert.equal(res.data, '');
    assert.equal(res.header.ETag, '"ABC"'); // the server's header case
    assert.deepEqual(seen[0].body, bytes.subarray(100, 400));
    assert.equal(seen[0].headers['content-length'], '300');
    assert.equal(seen[0].headers['content-type'], 'application/json'); // WeChat's default, even for an ArrayBuffer
    await put({ url: `${base}/part`, data: slice.data, header: { 'Content-Type': PART_TYPE } });
    assert.equal(seen[1].headers['content-type'], PART_TYPE);

    let task;
    const aborted = new Promise((resolve) => { task = w.request({ url: `${base}/slow`, method: 'PUT', data: slice.data, success: resolve, fail: resolve }); });
    await slow;
    task.abort();
    assert.deepEqual(await aborted, { errMsg: 'request:fail abort' });

    assert.equal(w.getStorageSync('missing'), '');
    w.setStorageSync('k', { a: [1, 2], d: undefined });
    assert.deepEqual(w.getStorageSync('k'), { a: [1, 2] });
    assert.deepEqual(w.getStorageInfoSync().keys, ['k']);
    assert.throws(() => w.setStorageSync('big', 'x'.repeat(MiB)), /exceed max size 1MB/);
    w.removeStorageSync('k');
    assert.equal(w.getStorageSync('k'), '');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a 64 MiB video goes up in 4 MiB parts, 3 at a time, signed a few at a time, and is stored byte for byte', async () => {
  const { wx: w, helper, storage } = miniProgram();
  const bytes = randomBytes(64 * MiB);
  const progress = [];
  const task = helper.uploadFile(tempFile('tmp_big.mp4', bytes), { api: stack.api, profile: 'videos', onProgress: (p) => progress.push(plain(p)) });
  const res = plain(await task.promise);

  const [create] = calls(w, 'create');
  assert.deepEqual(create.json, { filename: 'tmp_big.mp4', size: 64 * MiB, profile: 'videos', contentType: 'video/mp4', partSize: 4 * MiB });
  assert.equal(create.data.partCount, 16);
  assert.equal(task.mode, 'multipart');

  // Every part once, with its exact bytes and the signed Content-Type.
  const puts = partPuts(w);
  assert.deepEqual(numbers(puts), range(1, 16));
  assert.ok(puts.every((e) => e.statusCode === 200 && e.bytes === 4 * MiB));
  assert.ok(puts.every((e) => e.sentHeader['content-type'] === PART_TYPE));
  const reads = w.log.filter((e) => e.api === 'readFile');
  assert.deepEqual(reads.map((r) => r.position).sort((a, b) => a - b), range(0, 15).map((i) => i * 4 * MiB));
  assert.ok(reads.every((r) => r.length === 4 * MiB && r.encoding === undefined));
  // Parallel, never more than `parallel` (so at most 3 × 4 MiB of the file
  // in memory), and within WeChat's 10 concurrent requests.
  const overlap = maxOverlap(puts);
  assert.ok(overlap >= 2 && overlap <= 3, `part PUTs in flight at once: ${overlap}`);
  assert.ok(w.maxInFlight <= 10, `requests in flight at once: ${w.maxInFlight}`);
  // Signed in small batches, each URL before its PUT.
  const signs = calls(w, 'sign');
  assert.ok(signs.length >= 3 && signs.length < 16, `${signs.length} sign calls`);
  assert.ok(signs.every((s) => s.json.partNumbers.length <= 6));
  assert.deepEqual(signs.flatMap((s) => s.json.partNumbers).sort((a, b) => a - b), range(1, 16));
  for (const put of puts) {
    const sign = signs.find((s) => s.json.partNumbers.includes(partNumber(put)));
    assert.ok(sign.end < put.start, `part ${partNumber(put)} was PUT after its URL was signed`);
  }
  const [complete] = calls(w, 'complete');
  assert.deepEqual(complete.json.parts.map((p) => p.partNumber), range(1, 16));
  assert.deepEqual(complete.json.parts.map((p) => p.etag), range(1, 16).map((n) => puts.find((e) => partNumber(e) === n).responseHeader.Etag));

  // The result: the POST result's shape, plus what multipart adds.
  assert.equal(res.mode, 'multipart');
  assert.equal(res.key, create.data.key);
  assert.match(res.key, /^videos\/anonymous\/[0-9a-f-]{36}\.mp4$/);
  assert.equal(res.statusCode, 200);
  assert.equal(res.attempts, 1);
  assert.equal(res.uploadId, create.data.uploadId);
  assert.equal(res.partCount, 16);
  assert.equal(res.size, 64 * MiB);
  assert.equal(res.resumed, false);
  assert.equal(res.confirmed, false);
  assert.equal(res.callback.Status, 'OK');
  assert.equal(res.callback.key, res.key);
  assert.equal(res.callback.size, 64 * MiB);
  assert.equal(res.callback.mimeType, 'video/mp4');
  assert.equal(res.url, res.callback.url);
  assert.ok(res.url.endsWith(res.key));

  // Progress: per part, never back, to 100.
  assert.equal(progress.length, 17); // the start, then each part
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].totalBytesSent > progress[i - 1].totalBytesSent);
  assert.deepEqual(progress.at(-1), { progress: 100, totalBytesSent: 64 * MiB, totalBytesExpectedToSend: 64 * MiB, attempt: 1, mode: 'multipart', partsDone: 16, partCount: 16, resumed: false });

  assert.deepEqual(records(storage), [], 'the resume record is gone once complete');
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('killed half-way, the restarted mini-program resumes: it lists the parts and sends only the missing ones', async () => {
  const storage = createStorage();
  const first = miniProgram({ storage });
  const bytes = randomBytes(64 * MiB);
  const path = tempFile('tmp_resume.mp4', bytes);
  const opts = { api: stack.api, profile: 'videos' };
  // The first run dies the moment OSS answers its 5th part, before the
  // helper hears of it: its promise never settles.
  first.wx.onLog(() => { if (!first.wx.killed && okPuts(first.wx).length >= 5) first.wx.kill(); });
  first.helper.uploadFile(path, opts);
  await first.wx.until(() => first.wx.killed, 'five parts stored');
  const [created] = calls(first.wx, 'create');
  const [record] = records(storage);
  assert.equal(record.uploadId, created.data.uploadId);
  assert.equal(record.key, created.data.key);
  assert.equal(record.token, created.data.token);
  assert.equal(record.partSize, 4 * MiB);
  assert.equal(record.size, 64 * MiB);
  assert.ok(record.parts.length >= 4, `parts in the record: ${record.parts.length}`);

  // A record whose token expired (a file never uploaded again) is pruned;
  // the record of this file is not.
  storage.set('ossdirect.multipart.0badf00d', JSON.stringify({ ...record, id: 'another file', expire: Math.floor(Date.now() / 1000) - 1 }));
  storage.set('unrelated', JSON.stringify('kept'));
  const second = miniProgram({ storage });
  const progress = [];
  const res = plain(await second.helper.uploadFile(path, { ...opts, onProgress: (p) => progress.push(plain(p)) }).promise);
  assert.deepEqual([...storage.keys()], ['unrelated']);
  assert.equal(calls(second.wx, 'create').length, 0, 'no new upload');
  const [list] = calls(second.wx, 'list');
  assert.deepEqual(list.json, { key: created.data.key, uploadId: created.data.uploadId, token: created.data.token });
  const had = list.data.parts.map((p) => p.partNumber);
  assert.ok(had.length >= 5, `parts on OSS at restart: ${had}`);
  for (const [n, etag] of record.parts) {
    assert.ok(had.includes(n), `recorded part ${n} is on OSS`);
    assert.equal(list.data.parts.find((p) => p.partNumber === n).etag, etag);
  }
  const sent = partPuts(second.wx);
  assert.deepEqual(numbers(sent), range(1, 16).filter((n) => !had.includes(n)), 'only the missing parts, each once');
  assert.ok(sent.every((e) => e.statusCode === 200));
  assert.deepEqual(progress[0], { progress: Math.floor((had.length * 100) / 16), totalBytesSent: had.length * 4 * MiB, totalBytesExpectedToSend: 64 * MiB, attempt: 1, mode: 'multipart', partsDone: had.length, partCount: 16, resumed: true });

  assert.equal(res.key, created.data.key);
  assert.equal(res.resumed, true);
  assert.equal(res.callback.size, 64 * MiB);
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('pause() stops the part PUTs in flight and resume() sends them again', async () => {
  await stack.bandwidth(16 * MiB); // so parts are still in flight when pausing
  try {
    const { wx: w, helper } = miniProgram();
    const bytes = randomBytes(24 * MiB);
    const progress = [];
    const task = helper.uploadFile(tempFile('tmp_pause.bin', bytes), { api: stack.api, profile: 'files', partSize: 2 * MiB, onProgress: (p) => progress.push(p.partsDone) });
    // Two parts stored and counted (start, 1, 2), as a part PUT starts: a
    // part whose answer came before the pause is counted before it.
    await w.until((e) => e?.method === 'PUT' && e.end === undefined && progress.length >= 3, 'two parts stored, another in flight');
    assert.equal(task.pause(), true);
    assert.equal(task.pause(), true);
    const stopped = partPuts(w).filter((e) => e.aborted);
    assert.ok(stopped.length >= 1, 'a part PUT in flight was stopped');
    assert.ok(stopped.every((e) => e.errMsg === 'request:fail abort'));
    assert.equal(partPuts(w).filter((e) => e.end === undefined).length, 0, 'nothing in flight while paused');
    const putsAtPause = partPuts(w).length;
    const progressAtPause = progress.length;
    await stack.bandwidth(0); // a round trip to the stack; then still nothing new
    assert.equal(partPuts(w).length, putsAtPause);
    assert.equal(progress.length, progressAtPause);

    const resumedAt = w.log.length;
    assert.equal(task.resume(), true);
    assert.equal(task.resume(), false);
    const res = await task.promise;
    const after = partPuts(w).filter((e) => w.log.indexOf(e) >= resumedAt);
    for (const e of stopped) assert.ok(after.some((a) => partNumber(a) === partNumber(e) && a.statusCode === 200), `part ${partNumber(e)} sent again`);
    assert.deepEqual(numbers(okPuts(w)), range(1, 12), 'each part stored once');
    assert.equal(res.attempts, 1, 'a pause is not a retry');
    assert.equal(task.pause(), false, 'nothing to pause once done');
    assert.equal(await objectMd5(stack, res.key), md5(bytes));
  } finally {
    await stack.bandwidth(0);
  }
});

test('abort() aborts the upload on OSS: no parts, no object, no record', async () => {
  const { wx: w, helper, storage } = miniProgram();
  const task = helper.uploadFile(tempFile('tmp_abort.bin', randomBytes(24 * MiB)), { api: stack.api, profile: 'files', partSize: 2 * MiB });
  await w.until(() => okPuts(w).length >= 2, 'two parts stored');
  assert.equal(records(storage).length, 1);
  const cleaned = task.abort();
  await assert.rejects(task.promise, (err) => {
    assert.equal(err.code, 'Aborted');
    assert.equal(err.kind, 'aborted');
    assert.equal(err.aborted, true);
    return true;
  });
  assert.equal(await cleaned, true, 'the function aborted it');
  assert.equal(await task.abort(), true, 'the same clean-up');
  const [create] = calls(w, 'create');
  const [abort] = calls(w, 'abort');
  assert.equal(abort.statusCode, 204);
  assert.deepEqual(abort.json, { key: create.data.key, uploadId: create.data.uploadId, token: create.data.token });
  assert.equal(calls(w, 'complete').length, 0);
  await assert.rejects(rootClient(stack).listParts(create.data.key, create.data.uploadId), (err) => err.code === 'NoSuchUpload');
  assert.equal(await objectExists(stack, create.data.key), false);
  assert.deepEqual(records(storage), []);
});

test('abort() while create is running: the upload it starts is aborted once known', async () => {
  const { wx: w, helper, storage } = miniProgram();
  const task = helper.uploadFile(tempFile('tmp_abort_early.bin', randomBytes(300 * KiB)), { api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB });
  await w.until(() => calls(w, 'create').length === 1, 'create sent');
  const cleaned = task.abort();
  await assert.rejects(task.promise, (err) => err.code === 'Aborted');
  assert.equal(await cleaned, true);
  const [create] = calls(w, 'create');
  assert.equal(create.statusCode, 200, 'create was not cut off');
  assert.equal(partPuts(w).length, 0);
  await assert.rejects(rootClient(stack).listParts(create.data.key, create.data.uploadId), (err) => err.code === 'NoSuchUpload');
  assert.deepEqual(records(storage), []);
});

test('a part one byte longer than signed is refused by OSS: reported with its part number, not retried; a new task resumes and completes', async () => {
  const storage = createStorage();
  const first = miniProgram({ storage });
  const request = first.wx.request;
  let tampered = 0;
  first.wx.request = (o) => {
    if (o.method !== 'PUT' || tampered || partNumber(o) !== 3) return request(o);
    tampered++;
    const longer = new Uint8Array(o.data.byteLength + 1);
    longer.set(new Uint8Array(o.data));
    return request({ ...o, data: longer.buffer });
  };
  const bytes = randomBytes(600 * KiB);
  const path = tempFile('tmp_longer.bin', bytes);
  const opts = { api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB, retryDelay: 1 };
  await assert.rejects(first.helper.uploadFile(path, opts).promise, (err) => {
    assert.equal(err.name, 'OssDirectError');
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.kind, 'config');
    assert.equal(err.source, 'oss');
    assert.equal(err.statusCode, 403);
    assert.equal(err.partNumber, 3);
    assert.equal(err.retryable, false);
    assert.equal(err.attempts, 1);
    assert.match(err.requestId, /^[0-9A-F]{24}$/);
    assert.match(err.hint, /not set up correctly/);
    return true;
  });
  const part3 = partPuts(first.wx).filter((e) => partNumber(e) === 3);
  assert.equal(part3.length, 1, 'not retried');
  assert.equal(part3[0].bytes, 100 * KiB + 1);
  const [record] = records(storage);
  assert.ok(!record.parts.some(([n]) => n === 3), 'the refused part is not recorded');

  const second = miniProgram({ storage });
  const res = await second.helper.uploadFile(path, opts).promise;
  const had = calls(second.wx, 'list')[0].data.parts.map((p) => p.partNumber);
  assert.ok(!had.includes(3));
  assert.deepEqual(numbers(partPuts(second.wx)), range(1, 6).filter((n) => !had.includes(n)));
  assert.equal(res.resumed, true);
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('part URLs sign the Content-Type wx.request sends: the helper replays it and OSS takes every part', async () => {
  const { wx: w, helper } = miniProgram();
  const bytes = randomBytes(300 * KiB);
  const res = await helper.uploadFile(tempFile('tmp_typed.bin', bytes), { api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB }).promise;
  const [sign] = calls(w, 'sign');
  assert.deepEqual(sign.data.parts.map((p) => p.headers), sign.data.parts.map(() => ({ 'Content-Type': PART_TYPE })));
  const puts = partPuts(w);
  assert.deepEqual(puts.map((p) => [p.sentHeader['content-type'], p.statusCode]), puts.map(() => [PART_TYPE, 200]));
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('a server of an earlier version signing no Content-Type: OSS refuses wx.request\'s PUT, and the helper says why', async () => {
  const { wx: w, helper } = miniProgram({ oldServer: true });
  await assert.rejects(helper.uploadFile(tempFile('tmp_asis.bin', randomBytes(300 * KiB)), { api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB }).promise, (err) => {
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.kind, 'config');
    assert.equal(typeof err.partNumber, 'number');
    assert.match(err.message, /signed without a Content-Type, but wx\.request always sends one, application\/json unless told otherwise: the presigned-url function must sign the part's Content-Type/);
    return true;
  });
  // Parts go in parallel: the one OSS refused first is not always the
  // first sent, and the others were stopped when the upload failed.
  const refused = partPuts(w).filter((p) => p.statusCode !== undefined);
  assert.ok(refused.length >= 1, 'a part PUT was answered');
  for (const put of refused) {
    assert.equal(put.sentHeader['content-type'], 'application/json');
    assert.equal(put.statusCode, 403);
  }
});

test('a part whose URL expired, or whose connection dropped, is retried with a freshly signed URL', async () => {
  const proxy = await startProxy(stack.oss);
  try {
    proxy.script.push({ status: 403, body: ossErrorXML('AccessDenied', 'Request has expired.') }, { reset: true });
    const { wx: w, helper, storage } = miniProgram();
    const request = w.request;
    w.request = (o) => request(o.method === 'PUT' && partNumber(o) === 2 ? { ...o, url: o.url.replace(stack.oss, proxy.url) } : o);
    let storedDuring = 0;
    w.onLog(() => { storedDuring += storage.size; });
    const bytes = randomBytes(600 * KiB);
    const retried = [];
    const res = await helper.uploadFile(tempFile('tmp_retry.bin', bytes), {
      api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB, retryDelay: 5, resume: false,
      onRetry: (err, attempt) => retried.push({ code: err.code, kind: err.kind, partNumber: err.partNumber, attempt }),
    }).promise;
    assert.deepEqual(retried, [
      { code: 'AccessDenied', kind: 'expired', partNumber: 2, attempt: 1 },
      { code: 'NetworkError', kind: 'network', partNumber: 2, attempt: 2 },
    ]);
    assert.equal(calls(w, 'sign').filter((s) => s.json.partNumbers.includes(2)).length, 3, 'part 2 signed afresh for each retry');
    const part2 = partPuts(w).filter((e) => partNumber(e) === 2);
    assert.equal(part2.length, 3);
    assert.equal(part2[2].statusCode, 200);
    assert.equal(proxy.requests.length, 3);
    assert.equal(res.attempts, 3);
    assert.equal(storedDuring, 0, 'resume: false stores nothing');
    assert.equal(await objectMd5(stack, res.key), md5(bytes));
  } finally {
    await proxy.close();
  }
});

test('complete with a forged token or another upload\'s id is refused and stores nothing; the helper reports a refused complete and can resume', async () => {
  const storage = createStorage();
  const first = miniProgram({ storage });
  const request = first.wx.request;
  let held;
  const completing = new Promise((resolve) => { held = resolve; });
  first.wx.request = (o) => {
    if (!o.url.endsWith('/multipart/complete')) return request(o);
    held(o.data);
    return request({ ...o, data: { ...o.data, token: `${o.data.token.slice(0, -2)}AA` } }); // forged on the way
  };
  const bytes = randomBytes(300 * KiB);
  const path = tempFile('tmp_forged.bin', bytes);
  const opts = { api: stack.api, profile: 'files', multipartThreshold: 0, partSize: 100 * KiB, retryDelay: 1 };
  const failed = first.helper.uploadFile(path, opts).promise;
  const body = plain(await completing);
  await assert.rejects(failed, (err) => {
    assert.equal(err.code, 'Forbidden');
    assert.equal(err.kind, 'auth');
    assert.equal(err.source, 'api');
    assert.equal(err.field, 'token');
    assert.equal(err.statusCode, 403);
    assert.match(err.message, /^token: not issued by this deployment/);
    assert.equal(err.attempts, 1);
    return true;
  });
  assert.equal(await objectExists(stack, body.key), false);

  // The same refusals straight from the function.
  const other = await direct('create', { profile: 'files', filename: 'other.bin', size: 300 * KiB, partSize: 100 * KiB });
  assert.equal(other.status, 200);
  for (const [name, patch, want] of [
    ['a forged token', { token: `${body.token.slice(0, -2)}AA` }, /^token: not issued by this deployment/],
    ['another upload\'s id', { uploadId: other.body.uploadId }, /^token: issued for another upload/],
    ['another upload\'s token', { token: other.body.token }, /^token: issued for another upload/],
  ]) {
    const r = await direct('complete', { ...body, ...patch });
    assert.equal(r.status, 403, name);
    assert.match(r.body.message, want, name);
  }
  assert.equal(await objectExists(stack, body.key), false);
  assert.equal(await objectExists(stack, other.body.key), false);
  assert.equal((await direct('abort', { key: other.body.key, uploadId: other.body.uploadId, token: other.body.token })).status, 204);

  // The record was kept: the next try resumes, sends nothing, completes.
  const second = miniProgram({ storage });
  const res = await second.helper.uploadFile(path, opts).promise;
  assert.equal(res.key, body.key);
  assert.equal(partPuts(second.wx).length, 0);
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('a file over the profile\'s maximum: create refuses it, the helper names the limit, nothing is sent', async () => {
  const { wx: w, helper, storage } = miniProgram();
  await assert.rejects(helper.uploadFile(tempFile('tmp_over.bin', randomBytes(32 * MiB + 1)), { api: stack.api, profile: 'small', retryDelay: 1 }).promise, (err) => {
    assert.equal(err.code, 'InvalidArgument');
    assert.equal(err.field, 'size');
    assert.equal(err.kind, 'too-large');
    assert.match(err.hint, /limit is 32 MB/);
    return true;
  });
  assert.equal(calls(w, 'create').length, 1);
  assert.equal(partPuts(w).length, 0);
  assert.deepEqual(records(storage), []);
});

test('502 CallbackFailed from complete: the helper confirms the upload (POST /callback/confirm) and counts it done', async () => {
  const { wx: w, helper, storage } = miniProgram();
  const request = w.request;
  // OSS stores the object but its callback "fails": what the function answers then.
  w.request = (o) => (!o.url.endsWith('/multipart/complete') ? request(o) : request({
    ...o,
    success: (res) => o.success({ ...res, statusCode: 502, data: { code: 'CallbackFailed', message: 'the object is stored, but its upload callback failed: callback timed out', requestId: 'r1' } }),
  }));
  const bytes = randomBytes(300 * KiB);
  const res = plain(await helper.uploadFile(tempFile('tmp_confirm.mp4', bytes), { api: stack.api, profile: 'videos', multipartThreshold: 0, partSize: 100 * KiB, retryDelay: 1 }).promise);
  const [create] = calls(w, 'create');
  const confirms = w.log.filter((e) => e.url?.endsWith('/callback/confirm'));
  assert.equal(confirms.length, 1);
  assert.deepEqual(confirms[0].json, { key: create.data.key, callback: create.data.callback });
  assert.equal(calls(w, 'complete').length, 1, 'CallbackFailed is not retried');
  assert.equal(res.confirmed, true);
  assert.equal(res.statusCode, 502);
  assert.equal(res.key, create.data.key);
  assert.equal(res.callback.key, res.key);
  assert.equal(res.callback.size, bytes.length);
  assert.match(res.callback.eventId, /^evt_[0-9a-f]+$/);
  assert.equal(res.url, res.callback.url);
  assert.deepEqual(records(storage), []);
  assert.equal(await objectMd5(stack, res.key), md5(bytes));
});

test('… and when the confirmation fails too, the error says the object is stored (kind callback, key, confirmError)', async () => {
  const { wx: w, helper, storage } = miniProgram();
  const request = w.request;
  w.request = (o) => {
    if (o.url.endsWith('/multipart/complete')) {
      return request({ ...o, success: (res) => o.success({ ...res, statusCode: 502, data: { code: 'CallbackFailed', message: 'the object is stored, but its upload callback failed: 403', requestId: 'r2' } }) });
    }
    if (o.url.endsWith('/callback/confirm')) {
      return request({ ...o, success: (res) => o.success({ ...res, statusCode: 403, data: { code: 'ProfileViolation', message: 'object: breaks the profile', requestId: 'r3' } }) });
    }
    return request(o);
  };
  await assert.rejects(helper.uploadFile(tempFile('tmp_noconfirm.mp4', randomBytes(300 * KiB)), { api: stack.api, profile: 'videos', multipartThreshold: 0, partSize: 100 * KiB, retryDelay: 1 }).promise, (err) => {
    assert.equal(err.code, 'CallbackFailed');
    assert.equal(err.kind, 'callback');
    assert.equal(err.source, 'api');
    assert.equal(err.statusCode, 502);
    assert.equal(err.retryable, false);
    assert.equal(err.key, calls(w, 'create')[0].data.key);
    assert.match(err.hint, /uploaded, but/);
    assert.equal(err.confirmError.code, 'ProfileViolation');
    assert.equal(err.confirmError.statusCode, 403);
    return true;
  });
  assert.deepEqual(records(storage), [], 'nothing to resume: the upload is over');
});

test('the threshold: POST policy up to multipartThreshold (20 MiB), presigned multipart above it', async () => {
  const { wx: w, helper } = miniProgram();
  const posts = () => w.log.filter((e) => e.api === 'uploadFile');
  const cases = [
    { name: 'tmp_small.mp4', size: MiB, opts: {}, mode: 'post' },
    { name: 'tmp_edge.mp4', size: 20 * MiB, opts: {}, mode: 'post' },
    { name: 'tmp_over.mp4', size: 20 * MiB + 1, opts: {}, mode: 'multipart', parts: 6 },
    { name: 'tmp_low.mp4', size: 300 * KiB, opts: { multipartThreshold: 200 * KiB, partSize: 0 }, mode: 'multipart', parts: 1 },
  ];
  for (const c of cases) {
    const before = { posts: posts().length, creates: calls(w, 'create').length };
    const bytes = randomBytes(c.size);
    const task = helper.uploadFile(tempFile(c.name, bytes), { api: stack.api, profile: 'videos', ...c.opts });
    const res = await task.promise;
    assert.equal(res.mode, c.mode, c.name);
    assert.equal(task.mode, c.mode, c.name);
    assert.equal(posts().length - before.posts, c.mode === 'post' ? 1 : 0, c.name);
    assert.equal(calls(w, 'create').length - before.creates, c.mode === 'post' ? 0 : 1, c.name);
    if (c.parts) assert.equal(res.partCount, c.parts, c.name);
    assert.equal(res.callback.size, c.size, c.name);
    assert.equal(await objectMd5(stack, res.key), md5(bytes), c.name);
  }
  assert.equal(calls(w, 'create').at(-1).json.partSize, undefined, 'partSize 0: the function chooses');
});

test('the sample page uploads a picked video in parts, with pause and resume', async () => {
  const w = createWx({ root });
  const video = randomBytes(21 * MiB);
  w.chooseMedia = (o) => setTimeout(() => o.success({
    type: 'video',
    tempFiles: [{ tempFilePath: tempFile('tmp_page.mp4', video), size: video.length, fileType: 'video', thumbTempFilePath: 'wxfile://tmp_page_thumb.jpg', duration: 12 }],
    errMsg: 'chooseMedia:ok',
  }));
  const page = loadPage(w, { apiBase: stack.api, profile: 'videos', getToken: () => '', maxFiles: 9 });
  await stack.bandwidth(16 * MiB);
  try {
    page.onLoad();
    page.choose();
    await w.until(() => okPuts(w).length >= 1 && page.data.items[0]?.progress > 0, 'a part stored');
    const item = () => page.data.items[0];
    assert.equal(item().multipart, true);
    assert.equal(item().thumb, 'wxfile://tmp_page_thumb.jpg');
    page.pause({ currentTarget: { dataset: { id: item().id } } });
    assert.equal(item().status, 'paused');
    assert.equal(partPuts(w).filter((e) => e.end === undefined).length, 0);
    page.resume({ currentTarget: { dataset: { id: item().id } } });
    assert.equal(item().status, 'uploading');
    await stack.bandwidth(0);
    await page.tasks[item().id].promise;
    assert.equal(item().status, 'done', item().error);
    assert.equal(item().progress, 100);
    assert.match(item().key, /^videos\/anonymous\/.+\.mp4$/);
    assert.equal(await objectMd5(stack, item().key), md5(video));
  } finally {
    await stack.bandwidth(0);
  }
});
