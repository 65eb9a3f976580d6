// The upload page for people using a keyboard, a screen reader or a touch
// screen: one labelled file control, buttons named for their file, focus
// that never falls back to <body>, a live region that announces state
// changes only, 44 px touch targets, and axe-core finding nothing serious
// or critical in any state (empty, uploading, done, error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { startStackAndBrowser, openPage, writeFiles, png, item, waitForState, screenshot } from './browser.mjs';

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
  files = writeFiles({
    'small.png': png(64, 48),
    'big.bin': randomBytes(3 * 1024 * 1024),
    'other.txt': Buffer.from('other'),
    'empty.txt': Buffer.alloc(0),
  });
});
after(async () => {
  await stack?.bandwidth(0).catch(() => {});
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

// serious lists axe's serious and critical violations, one line each.
async function serious(page, state) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${state}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return a === document.body ? 'body' : a.id || a.getAttribute('aria-label') || a.tagName;
});

test('axe finds no serious or critical violation: empty, uploading, done, error', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    const found = await serious(page, 'empty');
    await stack.bandwidth(256 * 1024);
    await page.setInputFiles('#file-input', files.paths['big.bin']);
    await waitForState(page, 'big.bin', 'uploading');
    found.push(...await serious(page, 'uploading'));
    await stack.bandwidth(0);
    await waitForState(page, 'big.bin', 'done');
    found.push(...await serious(page, 'done'));
    await page.setInputFiles('#file-input', files.paths['empty.txt']);
    await waitForState(page, 'empty.txt', 'error');
    found.push(...await serious(page, 'error'));
    assert.deepEqual(found, []);
  } finally {
    await stack.bandwidth(0);
    await page.close();
  }
});

test('keyboard: one Tab stop for the file control, buttons named per file, focus moves on after Remove, Cancel and Clear', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    // The file control: a labelled input, reached once by Tab (after the modes).
    const name = await page.evaluate(() => {
      const input = document.getElementById('file-input');
      return [...input.labels].map((l) => l.textContent.replace(/\s+/g, ' ').trim()).join(' ');
    });
    assert.equal(name, 'Drop files here or choose files');
    assert.equal(await page.getAttribute('#dropzone', 'tabindex'), null, 'the drop zone is no second Tab stop');
    await page.focus('input[name="mode"]:checked');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'file-input');
    await page.keyboard.press('Tab');
    assert.notEqual(await focused(page), 'dropzone');

    // Per-file names; Remove moves focus to the next entry.
    await page.setInputFiles('#file-input', [files.paths['small.png'], files.paths['other.txt']]);
    await waitForState(page, 'small.png', 'done');
    await waitForState(page, 'other.txt', 'done');
    assert.equal(await item(page, 'small.png').locator('.remove').getAttribute('aria-label'), 'Remove small.png');
    assert.equal(await item(page, 'small.png').locator('.retry').getAttribute('aria-label'), 'Retry small.png');
    await page.getByRole('button', { name: 'Remove small.png' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'Remove other.txt');
    // The last one: focus goes to the file control.
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'file-input');

    // Cancel: the button goes away, focus does not fall to <body>.
    await stack.bandwidth(128 * 1024);
    await page.setInputFiles('#file-input', files.paths['big.bin']);
    await waitForState(page, 'big.bin', 'uploading');
    await page.getByRole('button', { name: 'Cancel big.bin' }).focus();
    await page.keyboard.press('Enter');
    await waitForState(page, 'big.bin', 'canceled');
    await stack.bandwidth(0);
    assert.notEqual(await focused(page), 'body');

    // Clear finished: focus goes to the file control when nothing is left.
    await page.focus('#clear-finished');
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'file-input');
  } finally {
    await stack.bandwidth(0);
    await page.close();
  }
});

test('the live region announces state changes, not percentages', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    await page.evaluate(() => {
      window.__said = [];
      const el = document.getElementById('announcer');
      new MutationObserver(() => window.__said.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    assert.equal(await page.getAttribute('#announcer', 'aria-live'), 'polite');
    assert.equal(await page.locator('main [aria-live]:not(#events *)').count(), 1, 'one live region for the queue');
    await page.setInputFiles('#file-input', files.paths['big.bin']);
    await waitForState(page, 'big.bin', 'done');
    await page.setInputFiles('#file-input', files.paths['empty.txt']);
    await waitForState(page, 'empty.txt', 'error');
    await page.waitForFunction(() => window.__said.some((t) => /empty\.txt: failed/.test(t)));
    const said = await page.evaluate(() => window.__said);
    assert.ok(said.some((t) => /big\.bin: (queued|uploading)\./.test(t)), said.join(' | '));
    assert.ok(said.some((t) => /big\.bin: uploaded\./.test(t)), said.join(' | '));
    assert.ok(said.every((t) => !/%/.test(t)), `no percentages: ${said.join(' | ')}`);
    assert.ok(said.length <= 6, `a few announcements, not one per progress event: ${said.join(' | ')}`);
  } finally {
    await page.close();
  }
});

test('touch screens: every control is at least 44 × 44 px', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    await cdp.send('Emulation.setEmitTouchEventsForMouse', { enabled: true, configuration: 'mobile' });
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    assert.equal(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), true, 'a coarse pointer is emulated');
    await page.setInputFiles('#file-input', files.paths['small.png']);
    await waitForState(page, 'small.png', 'done');
    const small = await page.evaluate(() => [...document.querySelectorAll('button, .picker, .modes label')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ what: e.getAttribute('aria-label') || e.id || e.className, ...(({ width, height }) => ({ width, height }))(e.getBoundingClientRect()) }))
      .filter((r) => r.width < 44 || r.height < 44));
    assert.deepEqual(small, []);
    await screenshot(page, 'a11y-touch.png');
  } finally {
    await page.close();
  }
});
