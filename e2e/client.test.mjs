// templates/web/client.js, the DOM-free client the page is built on: it
// imports in Node with nothing to run (no window, no document, no
// config.js), and in a browser another app's code uploads with it —
// POST and PUT, byte progress, a transient failure retried with a fresh
// signature, a refusal not retried, OSS's XML error parsed without a DOM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { webDir } from './stack.mjs';
import { startStackAndBrowser, objectMd5, md5 } from './browser.mjs';

test('client.js imports without a page and parses OSS errors without a DOM', async () => {
  assert.equal(typeof globalThis.document, 'undefined');
  const client = await import(pathToFileURL(join(webDir, 'client.js')).href);
  const { parseOssError } = await import(pathToFileURL(join(webDir, 'errors.js')).href);
  const c = client.createClient({ apiBase: 'https://upload.example.com/', profile: 'images', retries: 2 });
  assert.deepEqual(c.uploadRequest({ name: 'a.png', size: 3, type: 'image/png' }), { profile: 'images', filename: 'a.png', size: 3, contentType: 'image/png' });
  const e = parseOssError(403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired &amp; more.</Message><RequestId>rid</RequestId><EC>0002-00000069</EC></Error>');
  assert.deepEqual([e.code, e.message, e.requestId, e.ec], ['AccessDenied', 'Request has expired & more.', 'rid', '0002-00000069']);
  assert.equal(client.transient(e), true, 'an expired link: a fresh one helps');
  assert.equal(client.transient(parseOssError(400, '<Error><Code>EntityTooLarge</Code><Message>x</Message></Error>')), false);
  assert.equal(client.transient(new client.ApiError(400, { code: 'InvalidArgument', message: 'size: too big' })), false);
  assert.equal(client.transient(new client.ApiError(503, { code: 'ServiceUnavailable' })), true);
  assert.equal(client.transient(new client.NetworkError()), true);
});

let stack;
let browser;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('in a browser: another page uploads with client.js (POST and PUT, progress, one retry, a refusal)', async () => {
  const page = await browser.context.newPage();
  try {
    // A document of its own where nothing of the upload page runs (a
    // plain-text file the stack serves: a document fulfilled by the test
    // would not count as this machine's, and Chromium would keep it from
    // the loopback OSS emulator).
    await page.goto(`${stack.api}/README.md`);
    let failedOnce = false;
    await page.route(`${stack.oss}/**`, (route) => {
      if (failedOnce || route.request().method() !== 'PUT') return route.continue();
      failedOnce = true;
      return route.fulfill({ status: 503, contentType: 'application/xml', headers: { 'Access-Control-Allow-Origin': '*' }, body: '<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>' });
    });
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/client.js');
      const client = createClient({ profile: 'default', retries: 2 });
      const bytes = new Uint8Array(300 * 1024).map((_, i) => i % 251);
      const out = {};
      for (const mode of ['post', 'put']) {
        const progress = [];
        const retries = [];
        const file = new File([bytes], `${mode}.bin`, { type: 'application/octet-stream' });
        const { promise } = client.upload(file, { mode, onProgress: (b) => progress.push(b), onRetry: (err, n) => retries.push(`${n} ${err.code}`) });
        const r = await promise;
        out[mode] = { key: r.grant.key, status: r.callback?.Status, url: r.url, progress: progress.length, last: progress.at(-1), retries };
      }
      const refusedRetries = [];
      try {
        await client.upload(new File([], 'empty.txt'), { onRetry: (err) => refusedRetries.push(err.code) }).promise;
      } catch (err) {
        out.refused = { name: err.name, status: err.status, code: err.code, retries: refusedRetries };
      }
      return out;
    });
    const want = md5(Buffer.from(new Uint8Array(300 * 1024).map((_, i) => i % 251)));
    for (const mode of ['post', 'put']) {
      const r = got[mode];
      assert.equal(r.status, 'OK', `${mode}: the callback answered`);
      assert.ok(r.progress >= 1 && r.last === 300 * 1024, `${mode}: progress ${JSON.stringify(r)}`);
      assert.equal(await objectMd5(stack, r.key), want, `${mode}: stored bytes`);
    }
    assert.deepEqual(got.post.retries, []);
    assert.deepEqual(got.put.retries, ['1 ServiceUnavailable'], 'the 503 was retried once, with a fresh URL');
    // An empty file declares size 0, under the profile's minimum of 1 byte:
    // post-signature refuses it before anything is sent.
    assert.deepEqual(got.refused, { name: 'ApiError', status: 400, code: 'InvalidArgument', retries: [] }, 'a refusal is not retried');
  } finally {
    await page.close();
  }
});
