// The upload page's "Multipart (no SDK)" mode in headless Chromium against
// `ossdirect dev`: presigned multipart (docs/MULTIPART.md) with fetch and
// XHR only — create, sign in batches, parts PUT as File slices, list to
// resume, complete, abort — checked by reading the objects back with
// ali-oss as the root identity and by counting the page's requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startStackAndBrowser, openPage, writeFiles, md5, item, itemInfo, waitForState, waitForParts, setMode,
  objectMd5, objectExists, rootClient, screenshot, messages, watchMultipart,
} from './browser.mjs';

const MiB = 1024 * 1024;

let stack;
let browser;
before(async () => { [stack, browser] = await startStackAndBrowser(); });
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const checkpoint = (page) => page.evaluate(() => {
  const k = Object.keys(localStorage).find((x) => x.startsWith('ossdirect:presigned:'));
  return k ? JSON.parse(localStorage.getItem(k)) : null;
});

test('multipart (no SDK): a 40 MiB file with progress, Pause, and resume after a reload sending only the missing parts', async () => {
  let page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const size = 40 * MiB + 12345; // 41 parts of 1 MiB (config.js partSize), the last one short
  const name = 'big 大文件 no-sdk.bin';
  const f = writeFiles({ [name]: randomBytes(size) });
  try {
    assert.equal(await page.textContent('label:has(input[value="multipart"]) strong'), 'Multipart (no SDK)');
    await setMode(page, 'multipart');
    // 2 MiB/s where OSS receives the bytes: the states below can be waited
    // for on any machine.
    await stack.bandwidth(2 * MiB);
    await page.setInputFiles('#file-input', f.paths[name]);
    await page.waitForFunction((n) => {
      const li = [...document.querySelectorAll('#queue li')].find((l) => l.dataset.name === n);
      const p = Number(li?.dataset.progress);
      return li?.dataset.state === 'uploading' && p > 0 && p < 100;
    }, name, { polling: 50, timeout: 30_000 });
    assert.match(await item(page, name).locator('.pct').textContent(), /^([1-9]|[1-9]\d) %$/, 'progress between 0 and 100 %');
    await waitForParts(page, name, 4);
    assert.equal(await item(page, name).locator('.pause').isVisible(), true, 'Pause is offered');

    // Pause: the parts in flight stop; the whole parts on the server stay.
    await item(page, name).locator('.pause').click();
    await waitForState(page, name, 'paused');
    const paused = await itemInfo(page, name);
    const [donePaused, total] = paused.parts.split('/').map(Number);
    assert.equal(total, 41);
    assert.ok(donePaused >= 4 && donePaused < 41, `paused with ${paused.parts} parts`);
    assert.equal(paused.progress, Math.floor((donePaused * MiB * 100) / size), 'progress counts the whole parts kept');
    assert.match(paused.message, new RegExp(`Paused at ${paused.progress} %`));
    // What create answered is kept, so that a reload can continue.
    const created = seen.answer('create')[0].body;
    const saved = await checkpoint(page);
    for (const k of ['key', 'uploadId', 'token', 'partSize', 'callback']) assert.equal(saved[k], created[k], `checkpoint ${k}`);
    assert.equal(saved.size, size);
    assert.equal(paused.key, created.key);
    const putsBeforeResume = seen.partPuts().length;

    // Resume: list, then only parts OSS lacks.
    await item(page, name).locator('.resume').click();
    await waitForParts(page, name, donePaused + 4);
    const listedAtResume = new Set(seen.answer('list')[0].body.parts.map((p) => p.partNumber));
    assert.ok(listedAtResume.size >= donePaused, `OSS had ${listedAtResume.size} parts at the resume`);
    assert.deepEqual(seen.partPuts().slice(putsBeforeResume).filter((n) => listedAtResume.has(n)), [], 'no part OSS had was sent again after Resume');

    // The person reloads mid-upload, and adds the same file again.
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await stack.bandwidth(0);
    const putsBeforeReload = seen.partPuts().length;
    await setMode(page, 'multipart');
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForState(page, name, 'done', 120_000);
    const info = await itemInfo(page, name);
    assert.equal(info.key, created.key, 'the same object key');
    const m = /Continuing an earlier upload: (\d+) of 41 parts are already on the server\./.exec(info.message);
    assert.ok(m, info.message);
    const listed = seen.answer('list').at(-1).body.parts.map((p) => p.partNumber);
    assert.equal(Number(m[1]), listed.length);
    assert.ok(listed.length >= donePaused + 4 && listed.length < 41, `OSS had ${listed.length} parts at the reload`);
    const after = seen.partPuts().slice(putsBeforeReload);
    assert.deepEqual(after.filter((n) => listed.includes(n)), [], 'no part OSS had was sent again after the reload');
    assert.deepEqual([...new Set([...listed, ...after])].sort((a, b) => a - b), Array.from({ length: 41 }, (_, i) => i + 1), 'every part is on OSS');
    assert.equal(after.length, 41 - listed.length, 'each missing part was sent once');
    assert.equal(seen.of('create').length, 1, 'one multipart upload, continued');

    // Signed in batches of at most 100, shortly before they went.
    const signs = seen.of('sign');
    assert.ok(signs.length >= 3, `${signs.length} sign calls`);
    for (const s of signs) assert.ok(s.body.partNumbers.length >= 1 && s.body.partNumbers.length <= 100);
    // Completed with every part, and the callback's verified JSON is shown.
    const complete = seen.of('complete');
    assert.equal(complete.length, 1);
    assert.deepEqual(complete[0].body.parts.map((p) => p.partNumber), Array.from({ length: 41 }, (_, i) => i + 1));
    const cb = JSON.parse(info.callback);
    assert.equal(cb.Status, 'OK');
    assert.equal(cb.key, info.key);
    assert.equal(cb.size, size);
    assert.equal(info.progress, 100);
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes[name]), 'stored bytes');
    const head = await rootClient(stack).head(info.key);
    assert.match(head.res.headers.etag, /-41"$/, 'a multipart object');
    // No SDK was loaded, and the checkpoint is gone.
    assert.equal(await page.evaluate(() => typeof window.OSS), 'undefined', 'ali-oss was not loaded');
    assert.equal(await checkpoint(page), null, 'the checkpoint is cleared');
    // The parts carried exactly what was signed: the part Content-Type.
    for (const r of seen.oss.filter((x) => x.method === 'PUT')) assert.equal(r.headers['content-type'], 'application/octet-stream');
    await screenshot(page, 'web-multipart-resumed.png');
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});

test('multipart (no SDK): a saved upload OSS no longer has is started again after the reload', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const name = 'gone after reload.bin';
  const f = writeFiles({ [name]: randomBytes(8 * MiB + 1) });
  try {
    await setMode(page, 'multipart');
    await stack.bandwidth(MiB);
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForParts(page, name, 2);
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await stack.bandwidth(0);
    // Meanwhile the upload was aborted (another tab, a lifecycle rule).
    const first = seen.answer('create')[0].body;
    await rootClient(stack).abortMultipartUpload(first.key, first.uploadId);
    await setMode(page, 'multipart');
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForState(page, name, 'done');
    const info = await itemInfo(page, name);
    assert.equal(seen.answer('list').at(-1).status, 404, 'list: no such upload');
    assert.match(info.message, /^Uploaded\. The earlier upload of this file could not be continued \(uploadId: no such upload on OSS/);
    assert.equal(seen.of('create').length, 2, 'a new multipart upload');
    assert.notEqual(info.key, first.key);
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes[name]));
    assert.equal(await objectExists(stack, first.key), false);
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});

test('multipart (no SDK): Cancel aborts the upload, so no part is left on OSS', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const name = 'cancel no-sdk.bin';
  const f = writeFiles({ [name]: randomBytes(24 * MiB) });
  try {
    await setMode(page, 'multipart');
    await stack.bandwidth(2 * MiB);
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForParts(page, name, 2);
    await item(page, name).locator('.cancel').click();
    await waitForState(page, name, 'canceled');
    const info = await itemInfo(page, name);
    assert.ok(info.progress > 0 && info.progress < 100, `canceled mid-way at ${info.progress} %`);
    assert.match(info.message, /Canceled\. Nothing was stored\./);
    const { key, uploadId } = seen.answer('create')[0].body;
    assert.equal(info.key, key);
    const aborts = seen.answer('abort');
    assert.equal(aborts.length, 1);
    assert.equal(aborts[0].status, 204);
    assert.deepEqual(seen.of('abort')[0].body, { key, uploadId, token: seen.answer('create')[0].body.token });
    await assert.rejects(rootClient(stack).listParts(key, uploadId), (err) => err.code === 'NoSuchUpload', 'the multipart upload was aborted');
    assert.equal(await objectExists(stack, key), false);
    assert.equal(await checkpoint(page), null, 'the checkpoint is cleared');
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});

test('multipart (no SDK): a failed part is signed again and re-sent on its own; a small file goes in one PUT', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const name = 'flaky parts.bin';
  const f = writeFiles({ [name]: randomBytes(6 * MiB + 3), 'tiny.txt': Buffer.from('small enough for one PUT\n') });
  const failed = new Map();
  const flaky = (route) => {
    const r = route.request();
    const n = new URL(r.url()).searchParams.get('partNumber');
    if (r.method() === 'PUT' && (n === '3' || n === '5') && !failed.has(n)) {
      failed.set(n, r.url());
      if (n === '3') return route.abort('connectionreset');
      return route.fulfill({
        status: 403,
        headers: { 'Content-Type': 'application/xml', 'Access-Control-Allow-Origin': stack.api, 'Access-Control-Expose-Headers': 'ETag, x-oss-request-id' },
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired.</Message><RequestId>E2E</RequestId></Error>',
      });
    }
    return route.continue();
  };
  try {
    await page.route(`${stack.oss}/**`, flaky);
    await setMode(page, 'multipart');
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForState(page, name, 'done');
    assert.equal(failed.size, 2);
    const shown = await messages(page, name);
    assert.ok(shown.some((m) => /^Part 3 failed \(network connection lost .*\); sending it again with a fresh URL in \d+ s \(attempt 2 of 5\)…$/.test(m)), shown.join(' | '));
    assert.ok(shown.some((m) => /^Part 5 failed \(AccessDenied: Request has expired\.\); sending it again with a fresh URL \(attempt 2 of 5\)…$/.test(m)), shown.join(' | '));
    const info = await itemInfo(page, name);
    assert.equal(info.message, 'Uploaded.', 'no retry of the whole upload');
    // Each failed part was signed again, and sent once more. (The new URL
    // may equal the first byte for byte: V4 signing is deterministic, and
    // both can fall in the same second of x-oss-date.)
    for (const [n] of failed) {
      const puts = seen.oss.filter((r) => r.method === 'PUT' && r.url.searchParams.get('partNumber') === n);
      assert.equal(puts.length, 2, `part ${n} sent twice`);
      assert.ok(seen.of('sign').filter((s) => s.body.partNumbers.includes(Number(n))).length >= 2, `part ${n} signed again`);
    }
    assert.equal(seen.of('create').length, 1);
    assert.equal(seen.partPuts().length, 7 + 2, 'seven parts, two of them twice');
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes[name]));

    // A file smaller than a part: one presigned PUT, no multipart upload.
    await page.setInputFiles('#file-input', f.paths['tiny.txt']);
    await waitForState(page, 'tiny.txt', 'done');
    assert.equal(seen.of('create').length, 1, 'no multipart upload for tiny.txt');
    const tiny = await itemInfo(page, 'tiny.txt');
    assert.equal(await objectMd5(stack, tiny.key), md5(f.bytes['tiny.txt']));
  } finally {
    await page.unroute(`${stack.oss}/**`, flaky);
    f.cleanup();
    await page.close();
  }
});

test('multipart (no SDK): complete answering 502 CallbackFailed is confirmed with the callback create answered', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const name = 'callback fails.bin';
  const f = writeFiles({ [name]: randomBytes(2 * MiB + 5) });
  const confirms = [];
  page.on('request', (r) => { if (r.url() === `${stack.api}/callback/confirm`) confirms.push(r.postDataJSON()); });
  // The upload is completed for real; the page gets the answer of a
  // callback that failed.
  const failCallback = async (route) => {
    const real = await route.fetch();
    assert.equal(real.status(), 200);
    return route.fulfill({
      status: 502, contentType: 'application/json',
      body: JSON.stringify({ code: 'CallbackFailed', message: 'the object is stored, but its upload callback failed: 203 CallbackFailed', requestId: 'e2e' }),
    });
  };
  try {
    await page.route(`${stack.api}/presigned-url/multipart/complete`, failCallback);
    await setMode(page, 'multipart');
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForState(page, name, ['done', 'warning']);
    const info = await itemInfo(page, name);
    assert.equal(confirms.length, 1, JSON.stringify(confirms));
    assert.deepEqual(confirms[0], { key: info.key, callback: seen.answer('create')[0].body.callback });
    assert.equal(info.state, 'done', info.message);
    assert.match(info.message, /The app server's callback failed \(CallbackFailed: the object is stored, but its upload callback failed: 203 CallbackFailed\); the server confirmed the upload afterwards/);
    assert.equal(JSON.parse(info.callback).key, info.key);
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes[name]));
  } finally {
    await page.unroute(`${stack.api}/presigned-url/multipart/complete`, failCallback);
    f.cleanup();
    await page.close();
  }
});

test('multipart (no SDK): complete\'s answer lost — the retry finds the upload completed and sends nothing again', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = watchMultipart(page, stack);
  const name = 'answer lost.bin';
  const f = writeFiles({ [name]: randomBytes(3 * MiB + 7) });
  let lost = 0;
  // The first complete reaches the server, which completes the upload; the
  // connection drops before the page gets the answer.
  const loseAnswer = async (route) => {
    if (lost++) return route.continue();
    const real = await route.fetch();
    assert.equal(real.status(), 200);
    return route.abort('connectionreset');
  };
  try {
    await page.route(`${stack.api}/presigned-url/multipart/complete`, loseAnswer);
    await setMode(page, 'multipart');
    await page.setInputFiles('#file-input', f.paths[name]);
    await waitForState(page, name, ['done', 'warning', 'error']);
    const info = await itemInfo(page, name);
    assert.equal(info.state, 'done', info.message);
    assert.equal(seen.of('create').length, 1, 'one upload started');
    const puts = seen.partPuts();
    assert.equal(puts.length, new Set(puts).size, `each part sent once: ${puts}`);
    const again = seen.answer('complete').find((a) => a.body?.completedBefore);
    assert.ok(again, `a complete answered completedBefore: ${JSON.stringify(seen.answer('complete'))}`);
    assert.ok((await messages(page, name)).some((m) => /already been completed on the server/.test(m)));
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes[name]));
  } finally {
    await page.unroute(`${stack.api}/presigned-url/multipart/complete`, loseAnswer);
    f.cleanup();
    await page.close();
  }
});
