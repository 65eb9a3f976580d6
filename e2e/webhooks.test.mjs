// Upload events end to end: for each upload mode (POST policy, presigned
// PUT, STS multipart) on the local stack, with both channels active — the
// OSS upload callback and the emulator's ObjectCreated events to the
// callback function, as FC's OSS trigger sends them — the receiver gets
// exactly one upload.completed, whose Standard Webhooks signature verifies
// with the spec's reference library for JavaScript (`standardwebhooks`, not
// the Go library the functions sign with), and whose size, ETag and content
// type are the stored object's. A client whose callback failed (203
// CallbackFailed) confirms its upload and the receiver still sees one event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { Webhook } from 'standardwebhooks';
import { startStack, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET } from './stack.mjs';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const received = []; // { id, event } of every verified delivery
const refused = []; // deliveries whose signature did not verify
let receiver;
let stack;

before(async () => {
  const wh = new Webhook(secret);
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = wh.verify(body, req.headers);
        received.push({ id: req.headers['webhook-id'], event });
        res.writeHead(204).end();
      } catch (err) {
        refused.push(String(err));
        res.writeHead(401).end();
      }
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  stack = await startStack(['--webhook-url', url, '--webhook-secret', secret]);
});

after(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const eventsFor = (key) => received.filter((r) => r.event.data.key === key);

// settled waits until the receiver has an event for key and the OSS-event
// channel has nothing left in flight, so a duplicate would have arrived.
async function settled(key) {
  const deadline = Date.now() + 30000;
  while (eventsFor(key).length === 0) {
    if (Date.now() > deadline) throw new Error(`no event for ${key} within 30 s; refused deliveries: ${refused.join('; ')}\n${stack.logs().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await stack.ossEventsIdle();
  return eventsFor(key);
}

function rootClient() {
  return new OSS({ endpoint: stack.oss, sldEnable: true, region: `oss-${stack.region}`, bucket: stack.bucket,
    accessKeyId: DEV_ACCESS_KEY_ID, accessKeySecret: DEV_ACCESS_KEY_SECRET, authorizationV4: true, secure: false });
}

async function sign(fn, body) {
  const res = await fetch(`${stack.api}/${fn}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  assert.equal(res.status, 200, `${fn}: ${JSON.stringify(json)}`);
  return json;
}

// exactlyOne checks the single event for key against the stored object
// (and its source, when given).
async function exactlyOne(key, source) {
  const got = await settled(key);
  assert.equal(got.length, 1, `events for ${key}: ${JSON.stringify(got)}`);
  const { id, event } = got[0];
  assert.equal(event.type, 'upload.completed');
  assert.equal(id, event.data.id, 'webhook-id is the event id');
  if (source) assert.equal(event.data.source, source);
  const head = await rootClient().head(key);
  assert.equal(event.data.size, Number(head.res.headers['content-length']));
  assert.equal(event.data.etag, head.res.headers.etag);
  assert.equal(event.data.contentType, head.res.headers['content-type']);
  assert.equal(event.data.bucket, stack.bucket);
  assert.equal(refused.length, 0, `refused deliveries: ${refused.join('; ')}`);
  // Both channels saw the upload: the OSS event's witness ran too.
  const witnessed = stack.logs().split('\n').filter((l) => l.includes('"msg":"upload verified"') && l.includes(`"key":${JSON.stringify(key)}`));
  assert.ok(witnessed.some((l) => l.includes('"source":"oss-event"')), `no OSS-event witness for ${key}`);
  return event;
}

test('POST policy: one upload.completed, signature verified in JavaScript', async () => {
  const bytes = randomBytes(2048);
  const g = await sign('post-signature', { filename: 'form.bin', contentType: 'application/octet-stream', size: bytes.length });
  const form = new FormData();
  for (const [k, v] of Object.entries(g.fields)) form.append(k, v);
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'form.bin');
  const res = await fetch(g.host, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await res.json()).Status, 'OK');
  const e = await exactlyOne(g.key, 'callback');
  assert.equal(e.data.profile, 'default');
  assert.ok(e.data.grantId, 'the grant id');
});

test('presigned PUT: one upload.completed, signature verified in JavaScript', async () => {
  const bytes = randomBytes(4096);
  const g = await sign('presigned-url', { filename: 'put.txt', contentType: 'text/plain', size: bytes.length });
  const res = await fetch(g.url, { method: g.method, headers: g.headers, body: bytes });
  assert.equal(res.status, 200, await res.clone().text());
  await exactlyOne(g.key, 'callback');
});

test('STS multipart: one upload.completed, signature verified in JavaScript', async () => {
  const c = await sign('sts-token', {});
  const client = new OSS({ endpoint: c.endpoint, sldEnable: true, region: `oss-${c.region}`, bucket: c.bucket,
    accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken, authorizationV4: true, secure: false });
  const key = `${c.prefix}multi.bin`;
  const bytes = randomBytes(3 * 1024 * 1024 + 5);
  const file = join(stack.data, 'multi.bin');
  writeFileSync(file, bytes);
  const init = await client.initMultipartUpload(key, { mime: 'application/octet-stream' });
  const parts = [];
  const partSize = 1024 * 1024;
  for (let n = 1, start = 0; start < bytes.length; n++, start += partSize) {
    const p = await client.uploadPart(key, init.uploadId, n, file, start, Math.min(start + partSize, bytes.length));
    parts.push({ number: n, etag: p.etag });
  }
  const done = await client.completeMultipartUpload(key, init.uploadId, parts, { headers: c.headers });
  assert.equal(done.res.status, 200);
  assert.equal(done.data.Status, 'OK');
  const e = await exactlyOne(key, 'callback');
  assert.match(e.data.etag, /-4"$/, 'a multipart ETag');
});

test('callback failed (203): the client confirms, the receiver still gets one event', async () => {
  const c = await sign('sts-token', {});
  const client = new OSS({ endpoint: c.endpoint, sldEnable: true, region: `oss-${c.region}`, bucket: c.bucket,
    accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken, authorizationV4: true, secure: false });
  // The callback function is unreachable for this upload: OSS stores the
  // object and answers 203 CallbackFailed.
  const param = JSON.parse(Buffer.from(c.headers['x-oss-callback'], 'base64').toString('utf8'));
  param.callbackUrl = 'http://127.0.0.1:9/unreachable';
  const headers = { ...c.headers, 'x-oss-callback': Buffer.from(JSON.stringify(param)).toString('base64') };
  const key = `${c.prefix}confirmed.txt`;
  await assert.rejects(client.put(key, Buffer.from('stored, not confirmed'), { mime: 'text/plain', headers }),
    (err) => err.status === 203 && err.code === 'CallbackFailed');
  const res = await fetch(`${stack.api}/callback/confirm`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ key, callback: c.headers['x-oss-callback'] }) });
  const ans = await res.json();
  assert.equal(res.status, 200, JSON.stringify(ans));
  assert.equal(ans.Status, 'OK');
  assert.equal(ans.delivered, true);
  const e = await exactlyOne(key);
  assert.equal(e.data.id, ans.eventId);
  assert.ok(['confirm', 'oss-event'].includes(e.data.source), `source ${e.data.source}: the first channel to claim it`);
});
