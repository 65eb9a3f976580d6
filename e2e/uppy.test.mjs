// The stock Uppy Dashboard with @uppy/aws-s3 4.x (templates/web/uppy.html)
// uploads to the OSS emulator with post-signature's {method: 'POST', url,
// fields}: the most used upload widget works unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webDir } from './stack.mjs';
import { startStackAndBrowser, openPage, writeFiles, png, md5, objectMd5, screenshot } from './browser.mjs';

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
