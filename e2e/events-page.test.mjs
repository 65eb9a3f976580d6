// The upload page's Events panel (templates/web/events.js) in headless
// Chromium against `ossdirect dev`, whose own webhook receiver verifies the
// callback function's upload events: a file uploaded in POST mode appears
// as upload.completed with its signature verified, a delivery without a
// signature appears refused with the reason, and a page whose API is not on
// this machine asks for no events at all and logs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStackAndBrowser, openPage, writeFiles, itemInfo, waitForState, setMode, rootClient, screenshot,
} from './browser.mjs';

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
  files = writeFiles({ 'event note.txt': Buffer.from('an upload that becomes an event\n'.repeat(30)) });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

// eventRows waits until the panel lists a row matching want ({key, seq})
// and returns what every row shows, newest first.
async function eventRows(page, want) {
  await page.waitForFunction(
    (w) => [...document.querySelectorAll('#events-list li')].some((li) => (!w.key || li.dataset.key === w.key) && (!w.seq || li.dataset.seq === String(w.seq))),
    want,
    { timeout: 60_000, polling: 50 },
  ).catch(async (err) => {
    const shown = await page.evaluate(() => document.getElementById('events')?.innerText);
    throw new Error(`no event row ${JSON.stringify(want)}: ${err.message}\npanel:\n${shown}\nconsole:\n${page.logs.slice(-20).join('\n')}`);
  });
  return page.evaluate(() => [...document.querySelectorAll('#events-list li')].map((li) => ({
    seq: Number(li.dataset.seq),
    key: li.dataset.key,
    type: li.dataset.type,
    verified: li.dataset.verified === 'true',
    duplicate: li.dataset.duplicate === 'true',
    text: li.innerText,
  })));
}

const consoleErrors = (page) => page.logs.filter((l) => l.startsWith('[error]') || l.startsWith('[pageerror]'));

test('POST upload: the Events panel shows its upload.completed with the signature verified', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  await page.waitForSelector('#events:not([hidden])');
  assert.equal(await page.textContent('#events-receiver'), `${stack.api}/_dev/webhook`);
  assert.equal(stack.events, `${stack.api}/events`, 'the JSON line names the event list');

  await setMode(page, 'post');
  await page.setInputFiles('#file-input', files.paths['event note.txt']);
  await waitForState(page, 'event note.txt', 'done');
  const { key } = await itemInfo(page, 'event note.txt');
  const rows = await eventRows(page, { key });
  const row = rows.find((r) => r.key === key);
  assert.equal(row.type, 'upload.completed');
  assert.ok(row.verified && !row.duplicate, `row ${JSON.stringify(row)}`);
  assert.match(row.text, /signature verified ✓/);
  assert.match(row.text, /text\/plain/);
  assert.match(row.text, /via callback/);
  assert.match(row.text, new RegExp(`${files.bytes['event note.txt'].length} B`));

  // The stack's list has exactly that one verified delivery, with the
  // stored object's size and ETag.
  const listing = await (await fetch(stack.events, { headers: { Accept: 'application/json' } })).json();
  const ofKey = listing.events.filter((d) => d.event?.data.key === key);
  assert.equal(ofKey.length, 1, JSON.stringify(listing.events));
  const head = await rootClient(stack).head(key);
  assert.equal(ofKey[0].verified, true);
  assert.equal(ofKey[0].event.type, 'upload.completed');
  assert.equal(ofKey[0].event.data.size, Number(head.res.headers['content-length']));
  assert.equal(ofKey[0].event.data.etag, head.res.headers.etag);
  assert.match(await page.textContent('#events-summary'), /^1 delivery · 1 verified$/);

  // A delivery nobody signed is refused (401) and shown as such, newest first.
  const forged = await fetch(`${stack.api}/_dev/webhook`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ofKey[0].event),
  });
  assert.equal(forged.status, 401);
  const after = await eventRows(page, { seq: ofKey[0].seq + 1 });
  assert.equal(after[0].seq, ofKey[0].seq + 1, 'newest first');
  assert.equal(after[0].verified, false);
  assert.equal(after[0].key, key, 'what the unverified delivery claimed');
  assert.match(after[0].text, /signature not verified ✗ — webhook-id, webhook-timestamp .* headers are required/);
  await page.waitForFunction(() => /^2 deliveries · 1 verified · 1 refused$/.test(document.getElementById('events-summary').textContent));

  // Accessible: a heading, a list, one polite live region (the summary).
  assert.equal(await page.getAttribute('#events', 'aria-labelledby'), 'events-title');
  assert.equal(await page.textContent('#events-title'), 'Events');
  assert.equal(await page.getAttribute('#events-summary', 'aria-live'), 'polite');
  assert.equal(await page.locator('#events [aria-live]').count(), 1);
  assert.equal(await page.evaluate(() => document.getElementById('events-list').tagName), 'OL');
  await screenshot(page, 'events-panel.png');
  // The browser logs the page's one readability check of the object URL
  // (HEAD, 403: the bucket is private); nothing else.
  assert.deepEqual(consoleErrors(page).filter((l) => !/^\[error\] Failed to load resource: the server responded with a status of 403 \(Forbidden\)$/.test(l)), []);
  await page.close();
});

test('a page whose API is not on this machine asks for no events: no panel, nothing in the console', async () => {
  const requests = [];
  const page = await openPage(browser.context, `${stack.api}/`, {
    setup: async (p) => {
      p.on('request', (r) => requests.push(r.url()));
      // As deployed: config.js names the functions' own domain. Nothing is
      // sent there (every request to it is aborted, and none is expected).
      await p.route((u) => u.origin === stack.api && u.pathname === '/config.js', async (route) => {
        const res = await route.fetch();
        const shipped = await res.text();
        assert.match(shipped, /^ {2}apiBase: '',$/m);
        await route.fulfill({ response: res, body: shipped.replace(/^ {2}apiBase: '',$/m, "  apiBase: 'https://upload.example.com',") });
      });
      // The one request the page does send there: what the profile allows.
      await p.route((u) => u.hostname === 'upload.example.com', (route) => (new URL(route.request().url()).pathname === '/post-signature/profile'
        ? route.fulfill({ contentType: 'application/json', headers: { 'Access-Control-Allow-Origin': '*' }, body: JSON.stringify({ profile: 'default', contentTypes: [], accept: '', minSize: 1, maxSize: 1024 }) })
        : route.abort()));
    },
  });
  await page.waitForSelector('html[data-events="off"]');
  assert.equal(await page.isHidden('#events'), true);
  assert.deepEqual(requests.filter((u) => new URL(u).pathname.endsWith('/events')), []);
  assert.deepEqual(requests.filter((u) => new URL(u).hostname === 'upload.example.com').map((u) => new URL(u).pathname), ['/post-signature/profile']);
  assert.deepEqual(consoleErrors(page), []);
  await page.close();
});
