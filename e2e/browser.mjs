// Shared helpers of the browser tests: headless Debian Chromium driven by
// playwright-core, test files on disk, and reading objects back from the
// OSS emulator with ali-oss as the dev root identity.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import OSS from 'ali-oss';
import { chromium } from 'playwright-core';
import { DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, webDir, startStack } from './stack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const artifacts = join(here, 'artifacts');

// requirePrerequisites fails (never skips) with what to install.
export function requirePrerequisites() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for the browser tests and ${CHROMIUM} is missing: install it with "apt-get install -y chromium" (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium/Chrome binary.`);
  }
  for (const f of ['node_modules/ali-oss/dist/aliyun-oss-sdk.min.js', 'node_modules/uppy/dist/uppy.min.mjs']) {
    if (!existsSync(join(webDir, f))) {
      throw new Error(`templates/web/${f} is missing: run "npm ci" in templates/web first (the pages load the browser SDKs from its node_modules).`);
    }
  }
}

// launch starts headless Chromium with a fresh profile directory; options
// go to Playwright's context (say, {locale: 'zh-CN'}).
export async function launch(options = {}) {
  requirePrerequisites();
  const profile = mkdtempSync(join(tmpdir(), 'ossdirect-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
    acceptDownloads: false,
    ...options,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// startStackAndBrowser starts `ossdirect dev` and Chromium side by side;
// if either fails, the other is stopped (no process is left behind).
export async function startStackAndBrowser(stackOpts) {
  requirePrerequisites();
  const [s, b] = await Promise.allSettled([startStack(stackOpts), launch()]);
  if (s.status === 'rejected' || b.status === 'rejected') {
    if (s.status === 'fulfilled') await s.value.stop();
    if (b.status === 'fulfilled') await b.value.close();
    throw s.status === 'rejected' ? s.reason : b.reason;
  }
  return [s.value, b.value];
}

// openPage opens url in a new tab, collecting console errors and page
// errors so a test can show them when it fails. setup(page), when given,
// runs before the page loads (say, to page.route its config.js).
export async function openPage(context, url, { setup } = {}) {
  const page = await context.newPage();
  await setup?.(page);
  page.logs = [];
  page.on('console', (m) => page.logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => page.logs.push(`[pageerror] ${e.message}`));
  page.on('dialog', (d) => d.accept().catch(() => {}));
  // Record every message a queue entry shows, so tests can assert on
  // transient ones ("retrying…") after the fact.
  await page.addInitScript(() => {
    window.__messages = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        const msg = el?.closest?.('.message');
        const li = msg?.closest('li[data-name]');
        if (!msg || !li) continue;
        // The text as it was set (it may have changed again since).
        const text = r.type === 'characterData' ? r.target.data : [...r.addedNodes].map((n) => n.textContent).join('');
        if (text) window.__messages.push({ name: li.dataset.name, text });
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name), fullPage: true });
}

export const md5 = (b) => createHash('md5').update(b).digest('hex');

// png makes a real PNG image (RGB, random noise in the middle rows so it
// does not compress to nothing) of width × height.
export function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const rows = [];
  const noise = randomBytes(width * 3);
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 255) / width;
      row[2 + x * 3] = (y * 255) / height;
      row[3 + x * 3] = y % 7 === 0 ? noise[x * 3] : 160;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// files writes named test files into a fresh folder and returns
// {dir, paths: {name: path}, bytes: {name: Buffer}}.
export function writeFiles(spec) {
  const dir = mkdtempSync(join(tmpdir(), 'ossdirect-files-'));
  const paths = {};
  const bytes = {};
  for (const [name, content] of Object.entries(spec)) {
    const p = join(dir, name);
    writeFileSync(p, content);
    paths[name] = p;
    bytes[name] = content;
  }
  return { dir, paths, bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// rootClient reads objects back from the emulator as the dev root identity.
export function rootClient(stack) {
  return new OSS({
    endpoint: stack.oss, sldEnable: true, region: `oss-${stack.region}`, bucket: stack.bucket,
    accessKeyId: DEV_ACCESS_KEY_ID, accessKeySecret: DEV_ACCESS_KEY_SECRET, authorizationV4: true, secure: false,
  });
}

export async function objectMd5(stack, key) {
  const got = await rootClient(stack).get(key);
  return md5(got.content);
}

export async function objectExists(stack, key) {
  try {
    await rootClient(stack).head(key);
    return true;
  } catch (err) {
    if (err.status === 404) return false;
    throw err;
  }
}

// item returns the queue entry of the file called name.
export const item = (page, name) => page.locator(`#queue li[data-name="${name.replace(/"/g, '\\"')}"]`);

// waitForState waits until the queue entry of name reaches one of states.
export async function waitForState(page, name, states, timeout = 60_000) {
  const want = Array.isArray(states) ? states : [states];
  await page.waitForFunction(
    ({ name, want }) => {
      const li = [...document.querySelectorAll('#queue li')].find((l) => l.dataset.name === name);
      return li && want.includes(li.dataset.state);
    },
    { name, want },
    { timeout, polling: 50 },
  ).catch(async (err) => {
    const dump = await page.evaluate(() => [...document.querySelectorAll('#queue li')].map((l) => `${l.dataset.name}: ${l.dataset.state} ${l.dataset.progress}% — ${l.querySelector('.message').textContent}`).join('\n'));
    throw new Error(`${name} did not reach ${want.join('/')}: ${err.message}\nqueue:\n${dump}\nconsole:\n${(page.logs || []).slice(-20).join('\n')}`);
  });
  return item(page, name);
}

// waitForParts waits until at least n parts of the STS multipart upload of
// name are on the server (the entry's data-parts, "done/total").
export async function waitForParts(page, name, n, timeout = 60_000) {
  await page.waitForFunction(
    ({ name, n }) => {
      const li = [...document.querySelectorAll('#queue li')].find((l) => l.dataset.name === name);
      return li && Number((li.dataset.parts || '0/0').split('/')[0]) >= n;
    },
    { name, n },
    { timeout, polling: 50 },
  );
}

// itemInfo reads what the queue entry shows.
export function itemInfo(page, name) {
  return item(page, name).evaluate((li) => ({
    state: li.dataset.state,
    key: li.dataset.key || '',
    url: li.dataset.url || '',
    progress: Number(li.dataset.progress),
    bar: li.querySelector('progress').value,
    pct: li.querySelector('.pct').textContent,
    message: li.querySelector('.message').textContent,
    callback: li.querySelector('.callback-box').hidden ? '' : li.querySelector('.callback').textContent,
    link: li.querySelector('.url').textContent,
    thumb: (() => { const img = li.querySelector('.thumb img'); return img.hidden ? '' : img.src; })(),
    thumbLoaded: (() => { const img = li.querySelector('.thumb img'); return !img.hidden && img.complete && img.naturalWidth > 0; })(),
    errorField: li.dataset.errorField || '',
    parts: li.dataset.parts || '',
  }));
}

// dropFiles drops files on the drop zone the way a person does (a real
// DataTransfer carrying File objects read from disk).
export async function dropFiles(page, selector, files) {
  const payload = files.map(({ name, path, type }) => ({ name, type, b64: readFileSync(path).toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bin], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer: dt });
  }
}

// setMode picks an upload mode with the radio buttons.
export async function setMode(page, mode) {
  await page.check(`input[name="mode"][value="${mode}"]`);
}

// throttleUploads limits the page's upload bandwidth (bytes/s) through the
// DevTools protocol; 0 lifts the limit.
export async function throttleUploads(page, bytesPerSecond) {
  const cdp = page.cdp ??= await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond > 0 ? bytesPerSecond : -1,
  });
}

// messages returns every message the queue entry of name showed, in order.
export async function messages(page, name) {
  return page.evaluate((n) => window.__messages.filter((m) => m.name === n).map((m) => m.text), name);
}

// watchMultipart records a page's presigned multipart operations
// (<api>/presigned-url/multipart/<op>: JSON bodies and answers) and its
// requests to OSS. of(op) and answer(op) list one operation's; partPuts()
// the part numbers PUT to OSS, in order.
export function watchMultipart(page, stack) {
  const seen = { ops: [], answers: [], oss: [] };
  const opOf = (url) => /^\/presigned-url\/multipart\/(\w+)$/.exec(url.pathname)?.[1];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === stack.api && opOf(u) && r.method() === 'POST') seen.ops.push({ op: opOf(u), body: r.postDataJSON() });
    if (u.origin === stack.oss && r.method() !== 'OPTIONS') seen.oss.push({ method: r.method(), url: u, headers: r.headers() });
  });
  page.on('response', async (r) => {
    const u = new URL(r.url());
    if (u.origin === stack.api && opOf(u) && r.request().method() === 'POST') {
      seen.answers.push({ op: opOf(u), status: r.status(), body: await r.json().catch(() => null) });
    }
  });
  seen.of = (op) => seen.ops.filter((o) => o.op === op);
  seen.answer = (op) => seen.answers.filter((a) => a.op === op);
  seen.partPuts = () => seen.oss.filter((r) => r.method === 'PUT' && r.url.searchParams.has('partNumber')).map((r) => Number(r.url.searchParams.get('partNumber')));
  return seen;
}
