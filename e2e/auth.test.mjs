// The upload page's credentials, end to end: `ossdirect dev --auth apikey`
// and `--auth jwt` in headless Chromium. config.js is served as it ships
// (no credentials), or rewritten with page.route to carry an API key or a
// JWT minted here (HS256 with node:crypto); the subject must become {sub} in
// the object key, and a missing or expired credential must show the 401 in
// plain words and store nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startStackAndBrowser, openPage, writeFiles, png, md5, waitForState, itemInfo, setMode, objectMd5, screenshot,
} from './browser.mjs';
import { startStack } from './stack.mjs';

const API_KEY = `alice-${randomBytes(12).toString('hex')}`; // ≥ 16 characters
const JWT_SECRET = randomBytes(32).toString('hex'); // 64 bytes
const JWT_ISSUER = 'https://issuer.example.test';
const JWT_AUDIENCE = 'ossdirect-e2e';

let stack; // --auth apikey
let jwtStack; // --auth jwt
let browser;
let files;
before(async () => {
  const [a, j] = await Promise.allSettled([
    startStackAndBrowser(['--auth', 'apikey', '--api-key', `alice:${API_KEY}`]),
    startStack(['--auth', 'jwt', '--jwt-secret', JWT_SECRET, '--jwt-issuer', JWT_ISSUER, '--jwt-audience', JWT_AUDIENCE]),
  ]);
  if (a.status === 'fulfilled') [stack, browser] = a.value;
  if (j.status === 'fulfilled') jwtStack = j.value;
  for (const r of [a, j]) if (r.status === 'rejected') throw r.reason;
  files = writeFiles({
    'no key.png': png(64, 48),
    'wrong key.txt': Buffer.from('wrong key\n'),
    'alice post.png': png(200, 150),
    'alice sts.bin': randomBytes(2 * 1024 * 1024 + 77), // three 1 MiB parts
    'bob post.txt': Buffer.from('signed in with a JWT 你好\n'.repeat(40)),
    'expired.txt': Buffer.from('too late\n'),
    'wrong audience.txt': Buffer.from('not for us\n'),
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  await jwtStack?.stop();
  files?.cleanup();
});

// withConfig serves the page's own config.js with overrides on top, the
// way a deployment would edit it.
const withConfig = (s, overrides) => ({
  setup: (page) => page.route((u) => u.origin === s.api && u.pathname === '/config.js', async (route) => {
    const res = await route.fetch();
    const src = await res.text();
    assert.match(src, /^export default \{/m, 'config.js has one default export');
    const body = `${src.replace(/^export default \{/m, 'const shipped = {')}\nexport default { ...shipped, ...${JSON.stringify(overrides)} };\n`;
    await route.fulfill({ response: res, body });
  }),
});

// hs256 mints a JWT signed with secret.
function hs256(secret, claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

// track records the page's requests to the signing functions and to OSS,
// and the signing functions' answers.
function track(page, s) {
  const seen = { sign: [], oss: [], answers: [] };
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === s.api && /^\/(post-signature|presigned-url|sts-token)$/.test(u.pathname)) seen.sign.push(r);
    if (u.origin === s.oss && r.method() !== 'OPTIONS') seen.oss.push(r);
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.origin === s.api && /^\/(post-signature|presigned-url|sts-token)$/.test(u.pathname)) seen.answers.push(r);
  });
  return seen;
}

// objectFiles lists the files in the emulator's bucket folder (objects only,
// not its .ossemu bookkeeping).
function objectFiles(s) {
  try {
    // The callback function's own records (.ossdirect/) are not uploads.
    const root = join(s.data, s.bucket);
    return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name))
      .filter((p) => !decodeURIComponent(p.slice(root.length + 1)).startsWith('.ossdirect/'));
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
}

async function upload(page, name) {
  await page.setInputFiles('#file-input', files.paths[name]);
}

// expectRefused checks a file the signing function refused with 401: a
// readable message, no retries, no grant, nothing sent to OSS.
async function expectRefused(page, seen, s, name, reason) {
  await waitForState(page, name, 'error');
  const info = await itemInfo(page, name);
  assert.match(info.message, /^Not signed in, or the sign-in expired: /, `${name}: message`);
  assert.match(info.message, reason, `${name}: says why`);
  assert.match(info.message, /\(request id [0-9a-f]+\)\.$/, `${name}: request id`);
  assert.equal(info.key, '', `${name}: no grant, no key`);
  assert.equal(info.progress, 0);
  const answers = seen.answers.filter((r) => r.status() === 401);
  assert.ok(answers.length >= 1, `${name}: a 401`);
  assert.equal(seen.oss.length, 0, `${name}: nothing was sent to OSS`);
  assert.deepEqual(objectFiles(s), [], `${name}: nothing stored`);
}

// expectStored checks a finished file: the key lies under the subject's
// directory, the bytes are the file's, and the verified callback agrees.
async function expectStored(page, s, name, subject) {
  await waitForState(page, name, 'done', 20_000);
  const info = await itemInfo(page, name);
  assert.match(info.key, new RegExp(`^uploads/${subject}/\\d{4}/\\d{2}/[0-9a-f-]{36}\\.[a-z0-9]+$`), `${name}: key ${info.key}`);
  assert.equal(await objectMd5(s, info.key), md5(files.bytes[name]), `${name}: stored bytes`);
  const cb = JSON.parse(info.callback);
  assert.equal(cb.Status, 'OK');
  assert.equal(cb.key, info.key);
  assert.equal(cb.size, files.bytes[name].length);
  return info;
}

// credentialsStayHome checks that the credential went to the signing
// functions on every call and never to OSS.
async function credentialsStayHome(seen, header, value) {
  assert.ok(seen.sign.length > 0);
  for (const r of seen.sign) assert.equal((await r.allHeaders())[header], value, `${header} on ${r.url()}`);
  assert.ok(seen.oss.length > 0);
  for (const r of seen.oss) {
    const h = await r.allHeaders();
    assert.equal(h['x-api-key'], undefined, `no API key sent to OSS: ${r.method()} ${r.url()}`);
    assert.doesNotMatch(h.authorization || '', /^Bearer /, `no bearer token sent to OSS: ${r.method()} ${r.url()}`);
  }
}

test('apikey: config.js as shipped (no key) shows the 401 in plain words and stores nothing', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const seen = track(page, stack);
  try {
    assert.equal(await page.locator('input[name="mode"]:checked').getAttribute('value'), 'post');
    await upload(page, 'no key.png');
    await expectRefused(page, seen, stack, 'no key.png', /missing credentials/);
    assert.equal(seen.sign.length, 1, 'a 401 is not retried');
    assert.equal(seen.answers[0].headers()['www-authenticate'], 'ApiKey');
    await screenshot(page, 'auth-missing-key.png');
  } finally {
    await page.close();
  }
  const wrong = await openPage(browser.context, `${stack.api}/`, withConfig(stack, { apiKey: `${API_KEY}-not` }));
  const seenWrong = track(wrong, stack);
  try {
    await upload(wrong, 'wrong key.txt');
    await expectRefused(wrong, seenWrong, stack, 'wrong key.txt', /API key not recognised/);
  } finally {
    await wrong.close();
  }
});

test('apikey: with the key in config.js, POST and STS uploads land under uploads/alice/', async () => {
  const page = await openPage(browser.context, `${stack.api}/`, withConfig(stack, { apiKey: API_KEY }));
  const seen = track(page, stack);
  try {
    await upload(page, 'alice post.png');
    await expectStored(page, stack, 'alice post.png', 'alice');
    await setMode(page, 'sts');
    await upload(page, 'alice sts.bin');
    const sts = await expectStored(page, stack, 'alice sts.bin', 'alice');
    const parts = seen.oss.filter((r) => decodeURIComponent(new URL(r.url()).pathname) === `/${stack.bucket}/${sts.key}` && new URL(r.url()).searchParams.has('partNumber'));
    assert.equal(parts.length, 3, 'a multipart upload with STS credentials');
    assert.deepEqual(seen.sign.map((r) => new URL(r.url()).pathname), ['/post-signature', '/sts-token']);
    assert.equal(objectFiles(stack).length, 2, 'the two objects, and only they, are stored');
    await credentialsStayHome(seen, 'x-api-key', API_KEY);
    await screenshot(page, 'auth-apikey.png');
  } finally {
    await page.close();
  }
  assert.doesNotMatch(stack.logs(), new RegExp(API_KEY), 'the stack never logs the API key');
});

test('jwt: a Bearer token from config.js uploads under uploads/<sub>/; an expired one shows the 401', async () => {
  const sub = 'bob-42';
  const token = hs256(JWT_SECRET, { sub, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now(), exp: now() + 600 });
  const page = await openPage(browser.context, `${jwtStack.api}/`, withConfig(jwtStack, { token }));
  const seen = track(page, jwtStack);
  try {
    await upload(page, 'bob post.txt');
    await expectStored(page, jwtStack, 'bob post.txt', sub);
    await credentialsStayHome(seen, 'authorization', `Bearer ${token}`);
  } finally {
    await page.close();
  }

  const expired = hs256(JWT_SECRET, { sub, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now() - 7200, exp: now() - 3600 });
  const stored = objectFiles(jwtStack);
  assert.equal(stored.length, 1);
  const late = await openPage(browser.context, `${jwtStack.api}/`, withConfig(jwtStack, { token: expired }));
  const seenLate = track(late, jwtStack);
  try {
    await upload(late, 'expired.txt');
    await waitForState(late, 'expired.txt', 'error');
    const info = await itemInfo(late, 'expired.txt');
    assert.match(info.message, /^Not signed in, or the sign-in expired: .*token expired at /);
    assert.equal(info.key, '');
    assert.equal(seenLate.sign.length, 1, 'a 401 is not retried');
    assert.equal(seenLate.answers[0].status(), 401);
    assert.match(seenLate.answers[0].headers()['www-authenticate'], /^Bearer /);
    assert.equal(seenLate.oss.length, 0, 'nothing was sent to OSS');
    await screenshot(late, 'auth-jwt-expired.png');
  } finally {
    await late.close();
  }

  // --jwt-audience reached the functions: a token for someone else is refused.
  const other = hs256(JWT_SECRET, { sub, iss: JWT_ISSUER, aud: 'another-app', iat: now(), exp: now() + 600 });
  const elsewhere = await openPage(browser.context, `${jwtStack.api}/`, withConfig(jwtStack, { token: other }));
  const seenElsewhere = track(elsewhere, jwtStack);
  try {
    await upload(elsewhere, 'wrong audience.txt');
    await waitForState(elsewhere, 'wrong audience.txt', 'error');
    assert.match((await itemInfo(elsewhere, 'wrong audience.txt')).message, /^Not signed in, or the sign-in expired: .*audience/);
    assert.equal(seenElsewhere.oss.length, 0);
  } finally {
    await elsewhere.close();
  }
  assert.deepEqual(objectFiles(jwtStack), stored, 'the refused tokens stored nothing');
  const logs = jwtStack.logs();
  for (const secret of [JWT_SECRET, token, expired]) assert.ok(!logs.includes(secret), 'the stack never logs the secret or a token');
});
