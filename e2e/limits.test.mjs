// The upload page against a stack whose profile is strict (images only,
// at most 1 MiB, no callback): the signing functions refuse in every mode
// and the page says why, naming the limit; what is allowed still uploads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startStackAndBrowser, openPage, writeFiles, png, md5, itemInfo, waitForState, setMode, objectMd5, objectExists, screenshot } from './browser.mjs';

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
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

test('too large: each signing function refuses with the limit, and the page shows it', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
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
  const page = await openPage(browser.context, `${stack.api}/`);
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
