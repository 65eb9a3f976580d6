// The upload page (templates/web) in headless Chromium against `ossdirect
// dev`: real uploads in each mode from a real browser to the OSS emulator,
// checked by reading the objects back with ali-oss as the root identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import {
  startStackAndBrowser, openPage, writeFiles, png, md5, item, itemInfo, waitForState, setMode, dropFiles,
  objectMd5, objectExists, rootClient, throttleUploads, screenshot, messages, waitForParts,
} from './browser.mjs';

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
  files = writeFiles({
    // POST policy
    '猫 照片 1.png': png(400, 300),
    'report 2026.pdf': Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2 * 1024 * 1024 + 333)]),
    'notes.txt': Buffer.from('hello 你好 — ossdirect\n'.repeat(50)),
    // presigned PUT
    '狗 照片 2.png': png(320, 240),
    'archive.bin': randomBytes(3 * 1024 * 1024 + 7),
    'readme.md': Buffer.from('# 上传\n\nplain markdown\n'),
    // STS multipart
    'video 大文件.mp4': randomBytes(13 * 1024 * 1024 + 4321),
    '鸟 照片 3.png': png(256, 256),
    'small.json': Buffer.from(JSON.stringify({ hello: 'world', n: 42 })),
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

const file = (name) => ({ name, path: files.paths[name], bytes: files.bytes[name] });

// expectUploaded checks what the page shows for a finished file and that the
// object in the emulator has the file's bytes.
async function expectUploaded(page, name, { image, bytes = files.bytes[name] } = {}) {
  await waitForState(page, name, 'done');
  const info = await itemInfo(page, name);
  assert.equal(info.progress, 100, `${name}: progress`);
  assert.equal(info.bar, 100, `${name}: progress bar`);
  assert.equal(info.pct, '100 %');
  assert.match(info.key, /^uploads\/anonymous\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.[a-z0-9]+$/, `${name}: key`);
  assert.equal(await objectMd5(stack, info.key), md5(bytes), `${name}: stored bytes`);
  // The callback's verified JSON is shown.
  const cb = JSON.parse(info.callback);
  assert.equal(cb.Status, 'OK');
  assert.equal(cb.key, info.key);
  assert.equal(cb.size, bytes.length);
  // The object URL is shown as a link (the bucket is private: it is text).
  assert.ok(info.url.startsWith(`${stack.oss}/${stack.bucket}/`), `${name}: url ${info.url}`);
  assert.equal(decodeURIComponent(new URL(info.url).pathname), `/${stack.bucket}/${info.key}`);
  assert.equal(info.link, info.url);
  if (image) {
    assert.equal(cb.mimeType, 'image/png');
    assert.equal(cb.width, image[0]);
    assert.equal(cb.height, image[1]);
    assert.ok(info.thumb.startsWith('blob:'), `${name}: thumbnail from the local file`);
    assert.ok(info.thumbLoaded, `${name}: thumbnail rendered`);
  } else {
    assert.equal(info.thumb, '');
  }
  return info;
}

// track records the page's requests to the signing functions and to OSS.
function track(page) {
  const seen = { sign: [], oss: [], inflight: 0, maxInflightParts: 0 };
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === stack.api && /^\/(post-signature|presigned-url|sts-token)$/.test(u.pathname)) seen.sign.push({ fn: u.pathname.slice(1), body: r.postData() });
    if (u.origin === stack.oss && r.method() !== 'OPTIONS') {
      seen.oss.push({ method: r.method(), url: r.url(), headers: r.headers(), request: r });
      if (u.searchParams.has('partNumber')) {
        seen.inflight++;
        seen.maxInflightParts = Math.max(seen.maxInflightParts, seen.inflight);
      }
    }
  });
  const done = (r) => { if (new URL(r.url()).searchParams.has('partNumber') && r.method() === 'PUT') seen.inflight--; };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return seen;
}

test('POST policy: dropped files upload with every signed field, progress, callback result and thumbnail', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  assert.equal(await page.locator('input[name="mode"]:checked').getAttribute('value'), 'post', 'POST policy is the default mode');
  const names = ['猫 照片 1.png', 'report 2026.pdf', 'notes.txt'];
  await dropFiles(page, '#dropzone', names.map((n) => ({ ...file(n), type: n.endsWith('.png') ? 'image/png' : n.endsWith('.pdf') ? 'application/pdf' : 'text/plain' })));
  await expectUploaded(page, '猫 照片 1.png', { image: [400, 300] });
  await expectUploaded(page, 'report 2026.pdf');
  await expectUploaded(page, 'notes.txt');
  assert.equal(seen.sign.filter((s) => s.fn === 'post-signature').length, 3);
  const signed = JSON.parse(seen.sign[0].body);
  assert.equal(signed.profile, 'default');
  assert.ok(names.includes(signed.filename));
  // Each upload is one multipart/form-data POST with the file as the last part.
  const posts = seen.oss.filter((r) => r.method === 'POST');
  assert.equal(posts.length, 3);
  for (const p of posts) {
    assert.equal(p.url, `${stack.oss}/${stack.bucket}`);
    assert.match(p.headers['content-type'], /^multipart\/form-data; boundary=/);
  }
  const summary = await page.textContent('#summary');
  assert.match(summary, /3 files · 3 done/);
  await screenshot(page, 'web-post.png');
  await page.close();
});

test('presigned PUT: picked files are sent with exactly the signed headers', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  const grants = [];
  page.on('response', async (r) => {
    if (r.url() === `${stack.api}/presigned-url`) grants.push(await r.json());
  });
  await setMode(page, 'put');
  const names = ['狗 照片 2.png', 'archive.bin', 'readme.md'];
  await page.setInputFiles('#file-input', names.map((n) => files.paths[n]));
  await expectUploaded(page, '狗 照片 2.png', { image: [320, 240] });
  await expectUploaded(page, 'archive.bin');
  await expectUploaded(page, 'readme.md');
  const puts = seen.oss.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 3);
  assert.equal(grants.length, 3);
  for (const g of grants) {
    const put = puts.find((p) => p.url === g.url);
    assert.ok(put, `a PUT to ${g.url}`);
    for (const [h, v] of Object.entries(g.headers)) assert.equal(put.headers[h.toLowerCase()], v, `signed header ${h}`);
  }
  await screenshot(page, 'web-put.png');
  await page.close();
});

test('STS multipart: ali-oss uploads a 13 MiB file in parallel parts, plus small files, with the callback', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  await setMode(page, 'sts');
  const names = ['video 大文件.mp4', '鸟 照片 3.png', 'small.json'];
  await page.setInputFiles('#file-input', names.map((n) => files.paths[n]));
  const big = await expectUploaded(page, 'video 大文件.mp4');
  await expectUploaded(page, '鸟 照片 3.png', { image: [256, 256] });
  await expectUploaded(page, 'small.json');
  assert.ok(seen.sign.filter((s) => s.fn === 'sts-token').length >= 3);
  // Initiate, 14 parts (1 MiB each, the last one shorter) with several in flight, Complete.
  const bigKeyPath = `/${stack.bucket}/${big.key}`;
  const ofBig = seen.oss.filter((r) => decodeURIComponent(new URL(r.url).pathname) === bigKeyPath);
  const parts = ofBig.filter((r) => new URL(r.url).searchParams.has('partNumber'));
  assert.equal(parts.length, 14);
  // Each part carries the Content-MD5 of its bytes (hashed in a Worker), so
  // OSS refuses a part damaged on the way.
  const bigBytes = files.bytes['video 大文件.mp4'];
  for (const p of parts) {
    const n = Number(new URL(p.url).searchParams.get('partNumber'));
    const slice = bigBytes.subarray((n - 1) * 1024 * 1024, n * 1024 * 1024);
    assert.equal(p.headers['content-md5'], createHash('md5').update(slice).digest('base64'), `Content-MD5 of part ${n}`);
  }
  assert.ok(seen.maxInflightParts >= 2, `parts uploaded in parallel (max in flight ${seen.maxInflightParts})`);
  assert.ok(ofBig.some((r) => r.method === 'POST' && new URL(r.url).searchParams.has('uploads')), 'InitiateMultipartUpload');
  const complete = ofBig.find((r) => r.method === 'POST' && new URL(r.url).searchParams.has('uploadId'));
  assert.ok(complete, 'CompleteMultipartUpload');
  assert.ok(complete.headers['x-oss-callback'] && complete.headers['x-oss-callback-var'], 'the callback rides on Complete');
  for (const r of ofBig.filter((x) => x !== complete)) assert.equal(r.headers['x-oss-callback'], undefined, `no callback on ${r.method} ${r.url}`);
  assert.match(complete.headers.authorization, /^OSS4-HMAC-SHA256 Credential=STS\./, 'V4 signature with STS credentials');
  const head = await rootClient(stack).head(big.key);
  assert.match(head.res.headers.etag, /-14"$/, 'a multipart object');
  await screenshot(page, 'web-sts.png');
  await page.close();
});

test('STS multipart: pause and resume continue from the parts already sent', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  const f = writeFiles({ 'resume me.bin': randomBytes(16 * 1024 * 1024 + 99) });
  try {
    await setMode(page, 'sts');
    // 1 MiB/s where OSS receives the bytes: once 4 of the 17 parts are on
    // the server the rest needs at least 12 s more, however fast the machine.
    await stack.bandwidth(1024 * 1024);
    await page.setInputFiles('#file-input', f.paths['resume me.bin']);
    await waitForParts(page, 'resume me.bin', 4);
    await item(page, 'resume me.bin').locator('.pause').click();
    await waitForState(page, 'resume me.bin', 'paused');
    const paused = await itemInfo(page, 'resume me.bin');
    const [done, total] = paused.parts.split('/').map(Number);
    assert.equal(total, 17);
    assert.ok(done >= 4 && done < 17, `paused with ${paused.parts} parts`);
    assert.equal(paused.progress, Math.floor((done * 1024 * 1024 * 100) / (16 * 1024 * 1024 + 99)), 'progress counts the whole parts kept');
    assert.match(paused.message, new RegExp(`Paused at ${paused.progress} %`));
    // The checkpoint the page keeps names the parts it saw finish.
    const kept = await page.evaluate(() => {
      const k = Object.keys(localStorage).find((x) => x.startsWith('ossdirect:multipart:'));
      return JSON.parse(localStorage.getItem(k)).doneParts.map((p) => p.number);
    });
    assert.equal(kept.length, done);
    const partPuts = () => seen.oss.filter((r) => r.method === 'PUT' && new URL(r.url).searchParams.has('partNumber'));
    const partsBefore = partPuts().length;
    await stack.bandwidth(0);
    await item(page, 'resume me.bin').locator('.resume').click();
    await expectUploaded(page, 'resume me.bin', { bytes: f.bytes['resume me.bin'] });
    // Parts that were in flight at the pause may have reached OSS anyway
    // (ListParts tells the page on resume), so at most the rest is sent,
    // and never a part that was already done.
    const after = partPuts().slice(partsBefore).map((r) => Number(new URL(r.url).searchParams.get('partNumber')));
    assert.ok(after.length >= 1 && after.length <= 17 - done, `resumed: only missing parts were sent (${after.length} of 17, ${done} kept)`);
    assert.deepEqual(after.filter((n) => kept.includes(n)), [], 'no finished part was sent again');
    const initiates = seen.oss.filter((r) => r.method === 'POST' && new URL(r.url).searchParams.has('uploads'));
    assert.equal(initiates.length, 1, 'one multipart upload, resumed');
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});

test('cancel mid-upload stores nothing in any mode (and aborts the multipart upload)', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  const uploadIds = [];
  page.on('response', async (r) => {
    if (r.request().method() === 'POST' && new URL(r.url()).searchParams.has('uploads')) {
      const m = /<UploadId>([^<]+)<\/UploadId>/.exec(await r.text());
      if (m) uploadIds.push(m[1]);
    }
  });
  const f = writeFiles({ 'cancel post.bin': randomBytes(24 * 1024 * 1024), 'cancel put.bin': randomBytes(24 * 1024 * 1024), 'cancel sts.bin': randomBytes(24 * 1024 * 1024) });
  try {
    // OSS reads at 2 MiB/s: a 24 MiB upload cannot finish before the cancel.
    await stack.bandwidth(2 * 1024 * 1024);
    for (const mode of ['post', 'put', 'sts']) {
      const name = `cancel ${mode}.bin`;
      await setMode(page, mode);
      await page.setInputFiles('#file-input', f.paths[name]);
      await page.waitForFunction((n) => {
        const li = [...document.querySelectorAll('#queue li')].find((l) => l.dataset.name === n);
        return li && li.dataset.state === 'uploading' && Number(li.dataset.progress) >= 8;
      }, name, { polling: 50, timeout: 30_000 });
      await item(page, name).locator('.cancel').click();
      await waitForState(page, name, 'canceled');
      const info = await itemInfo(page, name);
      assert.ok(info.progress > 0 && info.progress < 100, `${mode}: canceled mid-way at ${info.progress} %`);
      assert.match(info.message, /Canceled\. Nothing was stored\./);
      assert.ok(info.key, `${mode}: the key was known`);
      assert.equal(await objectExists(stack, info.key), false, `${mode}: no object ${info.key}`);
      if (mode === 'sts') {
        assert.equal(uploadIds.length, 1);
        await assert.rejects(rootClient(stack).listParts(info.key, uploadIds[0]), (err) => err.code === 'NoSuchUpload', 'the multipart upload was aborted');
      }
    }
    await stack.bandwidth(0);
    // Nothing arrives later either.
    await new Promise((r) => setTimeout(r, 300));
    for (const mode of ['post', 'put', 'sts']) {
      assert.equal(await objectExists(stack, (await itemInfo(page, `cancel ${mode}.bin`)).key), false);
    }
    assert.ok(seen.oss.length > 0);
    await screenshot(page, 'web-cancel.png');
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});

// formFields reads the text fields of a multipart/form-data body (all but
// the file), in order.
function formFields(body, contentType) {
  const boundary = /boundary=(.+)$/.exec(contentType)[1];
  const out = [];
  for (const part of body.split(`--${boundary}`)) {
    const m = /^\r\nContent-Disposition: form-data; name="([^"]+)"(; filename="[^"]*")?\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
    if (m && !m[2]) out.push([m[1], Buffer.from(m[3], 'latin1').toString('utf8')]);
  }
  return out;
}

// ossError fulfils an intercepted OSS request with an OSS-style XML error,
// with the CORS headers the real answer would carry.
function ossError(route, status, code, message) {
  return route.fulfill({
    status,
    headers: {
      'Content-Type': 'application/xml',
      'Access-Control-Allow-Origin': stack.api,
      'Access-Control-Expose-Headers': 'ETag, x-oss-request-id',
      'x-oss-request-id': 'E2E0000000000000000000',
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>E2E0000000000000000000</RequestId><HostId>${stack.bucket}.oss</HostId></Error>`,
  });
}

test('an expired signature is retried at once with a fresh one (POST policy, presigned PUT, STS token)', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page);
  const f = writeFiles({ 'expired post.png': png(64, 48), 'expired put.txt': Buffer.from('put once more\n'), 'expired sts.bin': randomBytes(3 * 1024 * 1024 + 1) });
  try {
    const cases = [
      { mode: 'post', name: 'expired post.png', fn: 'post-signature', hit: (r) => r.method() === 'POST', code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' },
      { mode: 'put', name: 'expired put.txt', fn: 'presigned-url', hit: (r) => r.method() === 'PUT', code: 'AccessDenied', message: 'Request has expired.' },
      { mode: 'sts', name: 'expired sts.bin', fn: 'sts-token', hit: (r) => r.method() === 'PUT' && new URL(r.url()).searchParams.get('partNumber') === '2', code: 'SecurityTokenExpired', message: 'SecurityToken expired.' },
    ];
    for (const c of cases) {
      let refused = 0;
      const handler = async (route) => {
        if (!refused && c.hit(route.request())) {
          refused++;
          return ossError(route, 403, c.code, c.message);
        }
        return route.continue();
      };
      await page.route(`${stack.oss}/**`, handler);
      const signBefore = seen.sign.filter((s) => s.fn === c.fn).length;
      await setMode(page, c.mode);
      await page.setInputFiles('#file-input', f.paths[c.name]);
      await waitForState(page, c.name, 'done');
      await page.unroute(`${stack.oss}/**`, handler);
      assert.equal(refused, 1, `${c.mode}: one request was refused`);
      assert.equal(seen.sign.filter((s) => s.fn === c.fn).length - signBefore, 2, `${c.mode}: a fresh ${c.fn} was fetched`);
      const shown = await messages(page, c.name);
      assert.ok(shown.some((m) => /expired, retrying with (a fresh one|fresh ones)/.test(m)), `${c.mode}: the expiry was explained: ${shown.join(' | ')}`);
      const info = await itemInfo(page, c.name);
      assert.match(info.message, /Uploaded after 1 retry/);
      assert.equal(await objectMd5(stack, info.key), md5(f.bytes[c.name]), `${c.mode}: stored bytes`);
    }
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('STS multipart: a part damaged on the way is refused by OSS (Content-MD5) and sent again', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const f = writeFiles({ 'damaged part.bin': randomBytes(3 * 1024 * 1024 + 17) });
  let damaged = 0;
  const damage = (route) => {
    const r = route.request();
    if (!damaged && r.method() === 'PUT' && new URL(r.url()).searchParams.get('partNumber') === '2') {
      damaged++;
      const body = Buffer.from(f.bytes['damaged part.bin'].subarray(1024 * 1024, 2 * 1024 * 1024));
      body[12345] ^= 0xff; // one flipped byte
      return route.continue({ postData: body });
    }
    return route.continue();
  };
  try {
    await page.route(`${stack.oss}/**`, damage);
    await setMode(page, 'sts');
    await page.setInputFiles('#file-input', f.paths['damaged part.bin']);
    await waitForState(page, 'damaged part.bin', 'done');
    assert.equal(damaged, 1);
    const shown = await messages(page, 'damaged part.bin');
    assert.ok(shown.some((m) => /damaged on the way/.test(m)), shown.join(' | '));
    const info = await itemInfo(page, 'damaged part.bin');
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes['damaged part.bin']), 'the stored object has the file\'s bytes');
  } finally {
    await page.unroute(`${stack.oss}/**`, damage);
    f.cleanup();
    await page.close();
  }
});

test('transient failures: lost connection and clock skew are retried; a failed callback is reported with the stored file', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const f = writeFiles({ 'flaky network.txt': Buffer.from('try again\n'), 'skewed clock.txt': Buffer.from('clock\n'), 'callback fails.png': png(40, 30), 'confirm fails.png': png(41, 30) });
  try {
    // The connection drops once. (The page's HEAD of a finished object's
    // URL, its readability check, goes through untouched.)
    const upload = (route) => route.request().method() !== 'HEAD';
    let dropped = 0;
    const drop = (route) => (!upload(route) || dropped++ ? route.continue() : route.abort('connectionreset'));
    await page.route(`${stack.oss}/**`, drop);
    await page.setInputFiles('#file-input', f.paths['flaky network.txt']);
    await waitForState(page, 'flaky network.txt', 'done');
    await page.unroute(`${stack.oss}/**`, drop);
    let shown = await messages(page, 'flaky network.txt');
    assert.ok(shown.some((m) => /Network connection lost .* retrying in \d+ s \(attempt 2 of 5\)/.test(m)), shown.join(' | '));
    assert.equal(await objectMd5(stack, (await itemInfo(page, 'flaky network.txt')).key), md5(f.bytes['flaky network.txt']));

    // OSS says the clock is off.
    let skewed = 0;
    const skew = (route) => (!upload(route) || skewed++ ? route.continue() : ossError(route, 403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'));
    await page.route(`${stack.oss}/**`, skew);
    await page.setInputFiles('#file-input', f.paths['skewed clock.txt']);
    await waitForState(page, 'skewed clock.txt', 'done');
    await page.unroute(`${stack.oss}/**`, skew);
    shown = await messages(page, 'skewed clock.txt');
    assert.ok(shown.some((m) => /clock is more than 15 minutes off/.test(m)), shown.join(' | '));

    // OSS stores the file but the app server's callback fails: 203. The
    // browser's form goes to OSS for real (re-sent from here with the page's
    // signed fields, as DevTools interception does not carry the file's
    // bytes), then the page gets OSS's 203 answer. The page asks the
    // callback function to confirm the upload (POST /callback/confirm):
    // first with that refused too (503: the file stays stored, with the
    // warning), then with it answering (the upload is confirmed, done).
    for (const confirmWorks of [false, true]) {
      const name = confirmWorks ? 'callback fails.png' : 'confirm fails.png';
      const bytes = f.bytes[name];
      let stored = 0;
      const fail = async (route) => {
        if (!upload(route)) return route.continue();
        const req = route.request();
        const fields = formFields(req.postDataBuffer().toString('latin1'), req.headers()['content-type']);
        const form = new FormData();
        for (const [k, v] of fields) form.append(k, v);
        form.append('file', new Blob([bytes], { type: 'image/png' }), name);
        const real = await fetch(req.url(), { method: 'POST', body: form });
        stored = real.status;
        return ossError(route, 203, 'CallbackFailed', 'Response body is not valid json format.');
      };
      const confirms = [];
      const confirmDown = (route) => { confirms.push(route.request().postDataJSON()); return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'ServiceUnavailable', message: 'try later', requestId: 'r' }) }); };
      const confirmSeen = (r) => { if (r.url() === `${stack.api}/callback/confirm`) confirms.push(r.postDataJSON()); };
      await page.route(`${stack.oss}/**`, fail);
      if (confirmWorks) page.on('request', confirmSeen);
      else await page.route(`${stack.api}/callback/confirm`, confirmDown);
      await page.setInputFiles('#file-input', f.paths[name]);
      await waitForState(page, name, confirmWorks ? 'done' : 'warning');
      await page.unroute(`${stack.oss}/**`, fail);
      if (confirmWorks) page.off('request', confirmSeen);
      else await page.unroute(`${stack.api}/callback/confirm`, confirmDown);
      assert.equal(stored, 200, 'the form the page sent was accepted by OSS');
      const info = await itemInfo(page, name);
      assert.equal(info.progress, 100);
      assert.equal(confirms.length, 1, `one confirm request: ${JSON.stringify(confirms)}`);
      assert.equal(confirms[0].key, info.key);
      assert.ok(confirms[0].callback, 'the grant\'s callback parameter is sent');
      if (confirmWorks) {
        assert.match(info.message, /The app server's callback failed \(CallbackFailed: Response body is not valid json format\.\); the server confirmed the upload afterwards/);
      } else {
        assert.match(info.message, /The file is stored, but the app server's callback failed \(CallbackFailed: Response body is not valid json format\.; confirming it afterwards failed too/);
      }
      assert.equal(await objectMd5(stack, info.key), md5(bytes));
    }
    await screenshot(page, 'web-retries.png');
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('refusals a person can act on: the server names the rule, the page pre-checks what config.js mirrors', async () => {
  // The server refuses a type it does not know.
  let page = await openPage(browser.context, `${stack.api}/`);
  const f = writeFiles({ 'setup.exe': Buffer.from('MZ not really'), 'too big.png': png(900, 900), 'plain.txt': Buffer.from('text') });
  try {
    await page.setInputFiles('#file-input', f.paths['setup.exe']);
    await waitForState(page, 'setup.exe', 'error');
    let info = await itemInfo(page, 'setup.exe');
    assert.equal(info.errorField, 'filename');
    assert.match(info.message, /This file type is not allowed: extension "\.exe" not recognised/);
    assert.equal(await item(page, 'setup.exe').locator('.retry').isVisible(), false, 'no Retry: a refusal a retry cannot fix');
    await page.close();

    // config.js mirrors a profile: the page refuses before asking the server.
    page = await browser.context.newPage();
    await page.route('**/config.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: "export default { profile: 'default', maxSize: 64 * 1024, contentTypes: ['image/*'] };",
    }));
    const signs = [];
    page.on('request', (r) => { if (r.url() === `${stack.api}/post-signature`) signs.push(r.url()); });
    await page.goto(`${stack.api}/`);
    await page.waitForSelector('html[data-ready="true"]');
    assert.match(await page.textContent('#limits'), /up to 64 KiB each; types: image\/\*/);
    await page.setInputFiles('#file-input', [f.paths['too big.png'], f.paths['plain.txt']]);
    await waitForState(page, 'too big.png', 'error');
    await waitForState(page, 'plain.txt', 'error');
    info = await itemInfo(page, 'too big.png');
    assert.match(info.message, /^Too large: [\d.]+ (KiB|MiB); this upload allows at most 64 KiB\.$/);
    assert.match((await itemInfo(page, 'plain.txt')).message, /This file type is not allowed: text\/plain\. Allowed: image\/\*\./);
    assert.equal(signs.length, 0, 'nothing was signed');
    await screenshot(page, 'web-precheck.png');
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('the queue runs at most `concurrency` files at once and shows speed and time left', async () => {
  const page = await browser.context.newPage();
  await page.route('**/config.js', (route) => route.fulfill({
    contentType: 'text/javascript',
    body: "export default { profile: 'default', concurrency: 2 };",
  }));
  await page.goto(`${stack.api}/`);
  await page.waitForSelector('html[data-ready="true"]');
  const names = ['q1.bin', 'q2.bin', 'q3.bin', 'q4.bin', 'q5.bin'];
  const f = writeFiles(Object.fromEntries(names.map((n) => [n, randomBytes(3 * 1024 * 1024)])));
  try {
    await throttleUploads(page, 8 * 1024 * 1024);
    // Sample the page while it works: files in flight, speed and time left.
    await page.evaluate(() => {
      window.__sampled = { maxActive: 0, speed: '', eta: '', summary: '' };
      const tick = () => {
        const lis = [...document.querySelectorAll('#queue li')];
        const active = lis.filter((l) => ['signing', 'uploading', 'processing'].includes(l.dataset.state)).length;
        const s = window.__sampled;
        s.maxActive = Math.max(s.maxActive, active);
        for (const l of lis) {
          const sp = l.querySelector('.speed').textContent;
          const eta = l.querySelector('.eta').textContent;
          if (sp) s.speed = sp;
          if (eta) s.eta = eta;
        }
        const sum = document.getElementById('summary').textContent;
        if (/\/s · .* left$/.test(sum)) s.summary = sum;
        if (!lis.length || lis.some((l) => !['done', 'error', 'canceled'].includes(l.dataset.state))) setTimeout(tick, 20);
      };
      tick();
    });
    await page.setInputFiles('#file-input', names.map((n) => f.paths[n]));
    for (const n of names) await waitForState(page, n, 'done');
    const s = await page.evaluate(() => window.__sampled);
    assert.equal(s.maxActive, 2, 'two files at a time');
    assert.match(s.speed, /^[\d.]+ (KiB|MiB)\/s$/);
    assert.match(s.eta, /^\d+ s left$/);
    assert.match(s.summary, /^5 files · (\d done · )?[\d.]+ (B|KiB|MiB) of 15 MiB · [\d.]+ (KiB|MiB)\/s · \d+ s left$/);
    for (const n of names) assert.equal(await objectMd5(stack, (await itemInfo(page, n)).key), md5(f.bytes[n]));
  } finally {
    f.cleanup();
    await page.close();
  }
});

test('STS multipart resumes after a page reload: the same file continues the same upload', async () => {
  let page = await openPage(browser.context, `${stack.api}/`);
  const f = writeFiles({ 'reload me.bin': randomBytes(16 * 1024 * 1024 + 1234) });
  const initiates = [];
  const parts = [];
  const watch = (p) => p.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== stack.oss) return;
    if (r.method() === 'POST' && u.searchParams.has('uploads')) initiates.push(r.url());
    if (r.method() === 'PUT' && u.searchParams.has('partNumber')) parts.push(u.searchParams.get('partNumber'));
  });
  try {
    watch(page);
    await setMode(page, 'sts');
    await stack.bandwidth(1024 * 1024);
    await page.setInputFiles('#file-input', f.paths['reload me.bin']);
    await waitForParts(page, 'reload me.bin', 5);
    const before = await itemInfo(page, 'reload me.bin');
    // The person reloads (or the tab crashes) mid-upload.
    await page.close();
    await stack.bandwidth(0);
    page = await openPage(browser.context, `${stack.api}/`);
    watch(page);
    const partsBefore = parts.length;
    await setMode(page, 'sts');
    await page.setInputFiles('#file-input', f.paths['reload me.bin']);
    await waitForState(page, 'reload me.bin', 'done');
    const info = await itemInfo(page, 'reload me.bin');
    assert.equal(info.key, before.key, 'the same object key');
    const m = /Continuing an earlier upload: (\d+) of 17 parts are already on the server\./.exec(info.message);
    assert.ok(m, info.message);
    const kept = Number(m[1]);
    assert.ok(kept >= 5 && kept < 17, `OSS had ${kept} parts`);
    assert.equal(initiates.length, 1, 'no second InitiateMultipartUpload');
    assert.equal(parts.length - partsBefore, 17 - kept, 'only the missing parts were sent after the reload');
    assert.equal(await objectMd5(stack, info.key), md5(f.bytes['reload me.bin']));
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ossdirect:')).length), 0, 'the checkpoint is cleared');
    await screenshot(page, 'web-resume-after-reload.png');
  } finally {
    await stack.bandwidth(0);
    f.cleanup();
    await page.close();
  }
});
