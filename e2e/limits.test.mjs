// The upload page against a stack whose profile is strict (images only,
// at most 1 MiB, no callback): the signing functions refuse in every mode
// and the page says why, naming the limit; what is allowed still uploads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startStackAndBrowser, openPage, writeFiles, png, md5, item, itemInfo, waitForState, setMode, objectMd5, objectExists, screenshot, messages } from './browser.mjs';

const MiB = 1024 * 1024;
const profiles = {
  default: { prefix: 'small/{sub}/', naming: 'uuid', maxSize: MiB, contentTypes: ['image/png', 'image/jpeg'], expires: '5m' },
  // Checked after the fact too: the stored bytes must be a picture.
  sniffed: { prefix: 'sniffed/{sub}/', naming: 'uuid', maxSize: MiB, contentTypes: ['image/png'], callback: true, sniff: true },
};

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser({ profiles });
  files = writeFiles({
    'too big post.png': randomBytes(2 * MiB),
    'too big put.png': randomBytes(2 * MiB),
    'too big sts.png': randomBytes(2 * MiB),
    'notes.txt': Buffer.from('not an image'),
    '小 图.png': png(120, 90),
    'fake.png': Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n'.repeat(2000)),
    'big.png': randomBytes(2 * MiB),
    'empty.png': Buffer.alloc(0),
    'doc.txt': Buffer.from('not an image either'),
    'ok.png': png(64, 48),
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

// withoutDescription makes the profile's description unavailable, as when
// an older server or a proxy does not answer it: the page must still work,
// and the server decides.
const withoutDescription = { setup: (page) => page.route('**/post-signature/profile?*', (route) => route.abort()) };

// overrideConfig serves the page a config.js of its own.
const overrideConfig = (body) => (page) => page.route('**/config.js', (route) => route.fulfill({ contentType: 'text/javascript', body }));

test('too large: each signing function refuses with the limit, and the page shows it', async () => {
  const page = await openPage(browser.context, `${stack.api}/`, withoutDescription);
  assert.equal(await page.textContent('#limits'), 'Profile “default”: the server checks size and type.');
  const answers = [];
  page.on('response', async (r) => {
    if (/\/(post-signature|presigned-url|sts-token)$/.test(r.url())) answers.push({ status: r.status(), body: await r.json() });
  });
  const ossRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(stack.oss)) ossRequests.push(r.url()); });
  for (const mode of ['post', 'put', 'sts']) {
    const name = `too big ${mode}.png`;
    await setMode(page, mode);
    await page.setInputFiles('#file-input', files.paths[name]);
    await waitForState(page, name, 'error');
    const info = await itemInfo(page, name);
    assert.equal(info.message, 'Too large: 2 MiB; this upload allows at most 1 MiB.', `${mode}: ${info.message}`);
    assert.equal(info.errorField, 'size');
    assert.equal(info.progress, 0);
    assert.equal(await item(page, name).locator('.retry').isVisible(), false, 'no Retry for a refusal a retry cannot fix');
  }
  // The server decided (the page has no pre-check configured): 400 naming the field and the range.
  assert.equal(answers.length, 3);
  for (const a of answers) {
    assert.equal(a.status, 400);
    assert.equal(a.body.code, 'InvalidArgument');
    assert.match(a.body.message, /^size: 2097152 out of range; allowed: 1 … 1048576 bytes$/);
    assert.ok(a.body.requestId);
  }
  assert.deepEqual(ossRequests, [], 'nothing was sent to OSS');
  await screenshot(page, 'limits-too-large.png');
  await page.close();
});

test('forbidden type: the page lists the allowed types; an allowed image uploads without a callback', async () => {
  const page = await openPage(browser.context, `${stack.api}/`, withoutDescription);
  await page.setInputFiles('#file-input', [files.paths['notes.txt'], files.paths['小 图.png']]);
  await waitForState(page, 'notes.txt', 'error');
  const refused = await itemInfo(page, 'notes.txt');
  assert.equal(refused.errorField, 'contentType');
  assert.equal(refused.message, 'This file type is not allowed: "text/plain". Allowed: image/png, image/jpeg.');

  await waitForState(page, '小 图.png', 'done');
  const info = await itemInfo(page, '小 图.png');
  assert.equal(info.progress, 100);
  assert.match(info.key, /^small\/anonymous\/[0-9a-f-]{36}\.png$/);
  assert.equal(await objectMd5(stack, info.key), md5(files.bytes['小 图.png']));
  assert.equal(info.callback, '', 'no callback result for a profile without callbacks');
  assert.equal(decodeURIComponent(new URL(info.url).pathname), `/${stack.bucket}/${info.key}`);
  assert.ok(info.thumbLoaded);
  await screenshot(page, 'limits-type.png');
  await page.close();
});

test('after the fact: STS uploads a page labelled as a PNG; the callback sniffs it, deletes it, and the page says so', async () => {
  const page = await browser.context.newPage();
  await page.route('**/config.js', (route) => route.fulfill({ contentType: 'text/javascript', body: "export default { profile: 'sniffed' };" }));
  await page.goto(`${stack.api}/`);
  await page.waitForSelector('html[data-ready="true"]');
  try {
    await setMode(page, 'sts');
    await page.setInputFiles('#file-input', files.paths['fake.png']);
    await waitForState(page, 'fake.png', 'error');
    const info = await itemInfo(page, 'fake.png');
    assert.match(info.message, /^The server did not accept this file after checking what was stored \(CallbackFailed: .*403.*\): it breaks the upload's rules/);
    assert.match(info.key, /^sniffed\/anonymous\//);
    assert.equal(await objectExists(stack, info.key), false, 'the object was deleted');
    assert.match(stack.logs(), /"msg":"upload breaks its profile".*"action":"delete"/);
  } finally {
    await page.close();
  }
});

test('limits known up front: the profile sets the picker filter and the words; a file it rules out is refused before any request', async () => {
  const requests = [];
  const page = await openPage(browser.context, `${stack.api}/`, {
    setup: (p) => p.on('request', (r) => { if (/\/(post-signature|presigned-url|sts-token)$/.test(r.url()) || r.url().startsWith(stack.oss)) requests.push(r.url()); }),
  });
  assert.equal(await page.getAttribute('#file-input', 'accept'), 'image/png,image/jpeg');
  assert.equal(await page.textContent('#limits'), 'Profile “default”: up to 1 MiB each; types: image/png, image/jpeg.');
  await page.setInputFiles('#file-input', [files.paths['big.png'], files.paths['empty.png'], files.paths['doc.txt']]);
  await waitForState(page, 'big.png', 'error');
  await waitForState(page, 'empty.png', 'error');
  await waitForState(page, 'doc.txt', 'error');
  assert.equal((await itemInfo(page, 'big.png')).message, 'Too large: 2 MiB; this upload allows at most 1 MiB.');
  assert.equal((await itemInfo(page, 'empty.png')).message, 'Too small: 0 B; this upload needs at least 1 B.');
  assert.equal((await itemInfo(page, 'doc.txt')).message, 'This file type is not allowed: text/plain. Allowed: image/png, image/jpeg.');
  for (const n of ['big.png', 'empty.png', 'doc.txt']) {
    assert.equal((await itemInfo(page, n)).errorField, 'precheck');
    assert.equal(await item(page, n).locator('.retry').isVisible(), false, `${n}: no Retry`);
  }
  assert.deepEqual(requests, [], 'nothing signed or sent for refused files');
  // What the profile allows still goes.
  await page.setInputFiles('#file-input', files.paths['ok.png']);
  await waitForState(page, 'ok.png', 'done');
  await page.close();
});

test('limits: config.js overrides the profile; an unknown profile is named and its uploads refused without Retry', async () => {
  let page = await openPage(browser.context, `${stack.api}/`, { setup: overrideConfig("export default { maxSize: 1000, contentTypes: ['image/*'] };") });
  assert.equal(await page.getAttribute('#file-input', 'accept'), 'image/*');
  assert.equal(await page.textContent('#limits'), 'Profile “default”: up to 1000 B each; types: image/*.');
  await page.close();

  page = await openPage(browser.context, `${stack.api}/`, { setup: overrideConfig("export default { profile: 'nope' };") });
  assert.equal(await page.textContent('#limits'), 'Unknown upload profile: "nope" not found. Allowed: default, sniffed.');
  await page.setInputFiles('#file-input', files.paths['ok.png']);
  await waitForState(page, 'ok.png', 'error');
  assert.match((await itemInfo(page, 'ok.png')).message, /^Unknown upload profile/);
  assert.equal(await item(page, 'ok.png').locator('.retry').isVisible(), false);
  await page.close();
});

test('honest final messages: with retries: 0 a transient failure never mentions retries; with retries: 1 it says one was made', async () => {
  for (const retries of [0, 1]) {
    const page = await openPage(browser.context, `${stack.api}/`, { setup: overrideConfig(`export default { retries: ${retries} };`) });
    try {
      await page.route(`${stack.oss}/**`, (route) => route.fulfill({
        status: 503, contentType: 'application/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message><RequestId>rid-1</RequestId></Error>',
      }));
      // A retry backs off about a second: let it.
      await page.setInputFiles('#file-input', files.paths['ok.png']);
      await waitForState(page, 'ok.png', 'error', 30_000);
      const info = await itemInfo(page, 'ok.png');
      if (retries === 0) {
        assert.equal(info.message, 'OSS is busy (ServiceUnavailable: Please reduce your request rate.) (request id rid-1). Try again later.');
        assert.deepEqual((await messages(page, 'ok.png')).filter((m) => /retr/i.test(m)), [], 'no message mentions retries');
      } else {
        assert.equal(info.message, 'OSS is busy (ServiceUnavailable: Please reduce your request rate.) (request id rid-1). Try again later. Gave up after 1 retry.');
        assert.ok((await messages(page, 'ok.png')).some((m) => /retrying in \d+ s \(attempt 2 of 2\)/.test(m)));
      }
      assert.doesNotMatch(info.message, /retrying/i, 'a failed file keeps no "retrying…" message');
      assert.equal(await page.textContent(`#queue li[data-name="ok.png"] .state-label`), 'Failed');
      assert.equal(await item(page, 'ok.png').locator('.retry').isVisible(), true, 'a transient failure offers Retry');
    } finally {
      await page.close();
    }
  }
});
