// The stock Uppy Dashboard with @uppy/aws-s3 4.x (templates/web/uppy.html)
// uploads to the OSS emulator with post-signature's {method: 'POST', url,
// fields}, and big files with @uppy/aws-s3's multipart against
// presigned-url's multipart operations: the most used upload widget works
// unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webDir } from './stack.mjs';
import { startStackAndBrowser, openPage, writeFiles, png, md5, objectMd5, objectExists, rootClient, screenshot, watchMultipart } from './browser.mjs';

const MiB = 1024 * 1024;

let stack;
let browser;
before(async () => { [stack, browser] = await startStackAndBrowser(); });
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('Uppy Dashboard + AwsS3 (POST policy) uploads files to OSS', async () => {
  const page = await openPage(browser.context, `${stack.api}/uppy.html`);
  const f = writeFiles({ '猫 照片 uppy.png': png(200, 150), 'uppy data.bin': randomBytes(1024 * 1024 + 5) });
  const posts = [];
  page.on('request', (r) => { if (r.url().startsWith(stack.oss) && r.method() === 'POST') posts.push(r); });
  try {
    // The bundle the page loads carries the pinned @uppy/* 4.x packages.
    const pinned = (p) => JSON.parse(readFileSync(join(webDir, 'node_modules', p, 'package.json'), 'utf8')).version;
    assert.equal(await page.textContent('#versions'), `Uppy ${pinned('@uppy/core')}, Dashboard ${pinned('@uppy/dashboard')}, AwsS3 ${pinned('@uppy/aws-s3')}`);
    assert.match(pinned('@uppy/aws-s3'), /^4\./);
    await page.setInputFiles('.uppy-Dashboard-input:not([webkitdirectory])', [f.paths['猫 照片 uppy.png'], f.paths['uppy data.bin']]);
    await page.click('.uppy-StatusBar-actionBtn--upload');
    await page.waitForSelector('.uppy-StatusBar.is-complete', { timeout: 30_000 }).catch(async (err) => {
      throw new Error(`${err.message}\n${await page.textContent('#uploaded')}\n${page.logs.join('\n')}`);
    });
    const done = await page.$$eval('#uploaded li', (ls) => ls.map((l) => ({ name: l.dataset.name, key: l.dataset.key, state: l.dataset.state })));
    assert.equal(done.length, 2, JSON.stringify(done));
    for (const d of done) {
      assert.equal(d.state, 'done');
      assert.match(d.key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.(png|bin)$/);
      assert.equal(await objectMd5(stack, d.key), md5(f.bytes[d.name]), `${d.name}: stored bytes`);
    }
    assert.equal(posts.length, 2, 'one PostObject per file');
    await screenshot(page, 'uppy.png');
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('Uppy Dashboard + AwsS3 multipart: a file over 16 MiB goes as a presigned multipart upload', async () => {
  const page = await openPage(browser.context, `${stack.api}/uppy.html`);
  const seen = watchMultipart(page, stack);
  const size = 21 * MiB + 777; // five parts of 5 MiB (Uppy's smallest), the last one short
  const f = writeFiles({ 'uppy 大文件.bin': randomBytes(size) });
  try {
    await page.setInputFiles('.uppy-Dashboard-input:not([webkitdirectory])', f.paths['uppy 大文件.bin']);
    await page.click('.uppy-StatusBar-actionBtn--upload');
    await page.waitForSelector('.uppy-StatusBar.is-complete', { timeout: 60_000 }).catch(async (err) => {
      throw new Error(`${err.message}\n${await page.textContent('#uploaded')}\n${page.logs.join('\n')}`);
    });
    const done = await page.$eval('#uploaded li', (l) => ({ ...l.dataset }));
    assert.equal(done.state, 'done');
    assert.equal(done.via, 'multipart');
    const created = seen.answer('create')[0].body;
    assert.equal(done.key, created.key);
    assert.match(done.key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.bin$/);
    assert.equal(created.partSize, 5 * MiB, 'create was asked for Uppy\'s part size');
    assert.equal(created.partCount, 5);
    // The operations went to presigned-url; the parts to OSS, one PUT each.
    assert.deepEqual([...new Set(seen.ops.map((o) => o.op))].sort(), ['complete', 'create', 'sign']);
    const signed = seen.of('sign').flatMap((s) => s.body.partNumbers);
    assert.deepEqual([...signed].sort(), [1, 2, 3, 4, 5], 'each part signed once, in batches');
    assert.deepEqual(seen.partPuts().sort(), [1, 2, 3, 4, 5]);
    for (const r of seen.oss.filter((x) => x.method === 'PUT')) assert.equal(r.url.searchParams.get('uploadId'), created.uploadId);
    assert.equal(seen.oss.filter((r) => r.method === 'POST').length, 0, 'no PostObject');
    assert.deepEqual(seen.of('complete')[0].body.parts.map((p) => p.partNumber), [1, 2, 3, 4, 5]);
    assert.equal(seen.answer('complete')[0].body.key, created.key);
    assert.equal(await objectMd5(stack, done.key), md5(f.bytes['uppy 大文件.bin']), 'stored bytes');
    const head = await rootClient(stack).head(done.key);
    assert.match(head.res.headers.etag, /-5"$/, 'a multipart object');
    await screenshot(page, 'uppy-multipart.png');
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('Uppy Dashboard + AwsS3 multipart: cancel aborts the upload', async () => {
  const page = await openPage(browser.context, `${stack.api}/uppy.html`);
  const seen = watchMultipart(page, stack);
  // Eight parts, Uppy sends six at a time: when the first is on OSS, two
  // have not started, so the upload cannot be complete when it is canceled.
  const f = writeFiles({ 'uppy cancel.bin': randomBytes(40 * MiB) });
  try {
    await stack.bandwidth(4 * MiB);
    await page.setInputFiles('.uppy-Dashboard-input:not([webkitdirectory])', f.paths['uppy cancel.bin']);
    await page.evaluate(() => new Promise((resolve) => {
      window.uppy.once('s3-multipart:part-uploaded', resolve);
      window.uppy.upload();
    }));
    const aborted = page.waitForResponse((r) => r.url() === `${stack.api}/presigned-url/multipart/abort`, { timeout: 20_000 });
    await page.evaluate(() => window.uppy.cancelAll());
    assert.equal((await aborted).status(), 204, 'abort answered');
    const { key, uploadId } = seen.answer('create')[0].body;
    assert.deepEqual(seen.of('abort')[0].body, { key, uploadId, token: seen.answer('create')[0].body.token });
    await assert.rejects(rootClient(stack).listParts(key, uploadId), (err) => err.code === 'NoSuchUpload', 'the multipart upload was aborted');
    assert.equal(await objectExists(stack, key), false);
    assert.equal(seen.of('complete').length, 0);
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});
