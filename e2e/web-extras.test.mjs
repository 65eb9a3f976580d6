// The upload page's smaller comforts: the "continue earlier uploads" list
// after a reload (STS and no-SDK multipart), the object link only when it
// can be read, pasted files, the phone layout at 390 px, and the
// screenshots (desktop and phone) kept as artefacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack.mjs';
import {
  startStackAndBrowser, openPage, writeFiles, png, md5, item, itemInfo, waitForState, waitForParts, setMode, objectMd5, screenshot, artifacts,
} from './browser.mjs';

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
  files = writeFiles({
    'sts later.bin': randomBytes(6 * 1024 * 1024 + 5),
    'parts later.bin': randomBytes(6 * 1024 * 1024 + 7),
    'other.bin': randomBytes(1000),
    '夏天 海边 照片 with a rather long name 2026-07-14.png': png(300, 200),
    'report.pdf': Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300 * 1024)]),
  });
});
after(async () => {
  await stack?.bandwidth(0).catch(() => {});
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

for (const mode of ['sts', 'multipart']) {
  const name = mode === 'sts' ? 'sts later.bin' : 'parts later.bin';
  test(`continue earlier uploads (${mode}): after a reload the list asks for the same file, switches the mode and resumes`, async () => {
    let page = await openPage(browser.context, `${stack.api}/`);
    try {
      await setMode(page, mode);
      await stack.bandwidth(1024 * 1024);
      await page.setInputFiles('#file-input', files.paths[name]);
      await waitForParts(page, name, 2);
      await page.close();
      await stack.bandwidth(0);

      page = await openPage(browser.context, `${stack.api}/`);
      assert.equal(await page.locator('input[name="mode"]:checked').getAttribute('value'), 'post');
      const entry = page.locator(`#earlier-list li[data-name="${name}"]`);
      await entry.waitFor();
      const text = await entry.textContent();
      assert.match(text, new RegExp(`^${name.replace('.', '\\.')} · 6 MiB · ${mode === 'sts' ? 'STS' : 'Multipart'} · \\d+ % on the server`));
      assert.ok(Number(/(\d+) % on the server/.exec(text)[1]) >= 16, text);
      // Another file first: added as a new upload, and the page says so.
      let chooser = page.waitForEvent('filechooser');
      await entry.getByRole('button', { name: `Pick ${name} again` }).click();
      await (await chooser).setFiles(files.paths['other.bin']);
      assert.equal(await page.locator('input[name="mode"]:checked').getAttribute('value'), mode, 'the mode switched by itself');
      assert.match(await page.textContent('#earlier-status'), new RegExp(`That is not ${name.replace('.', '\\.')}`));
      await waitForState(page, 'other.bin', 'done');
      // The same file: it continues.
      chooser = page.waitForEvent('filechooser');
      await entry.getByRole('button', { name: `Pick ${name} again` }).click();
      await (await chooser).setFiles(files.paths[name]);
      await waitForState(page, name, 'done');
      const info = await itemInfo(page, name);
      assert.match(info.message, /Continuing an earlier upload: \d+ of 7 parts are already on the server/);
      assert.equal(await objectMd5(stack, info.key), md5(files.bytes[name]));
      await page.waitForSelector('#earlier', { state: 'hidden' });
    } finally {
      await stack.bandwidth(0);
      await page.close();
    }
  });
}

test('object link: a private bucket\'s URL (HEAD answers 403) is labelled, not linked; asked once', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  const heads = [];
  page.on('request', (r) => { if (r.method() === 'HEAD') heads.push(r.url()); });
  try {
    await page.setInputFiles('#file-input', files.paths['report.pdf']);
    await waitForState(page, 'report.pdf', 'done');
    await page.waitForSelector('#queue li[data-name="report.pdf"][data-readable]');
    const info = await itemInfo(page, 'report.pdf');
    assert.equal(await item(page, 'report.pdf').getAttribute('data-readable'), 'false');
    assert.equal(await page.textContent('#queue li[data-name="report.pdf"] .object-label'), 'Object (private bucket: link needs a signed URL)');
    assert.equal(await page.getAttribute('#queue li[data-name="report.pdf"] .url', 'href'), null);
    assert.equal(info.link, info.url, 'the URL is still shown');
    assert.deepEqual(heads, [info.url]);
  } finally {
    await page.close();
  }
});

test('paste: files and images from the clipboard are queued', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' }));
      dt.items.add(new File(['pasted text file'], 'pasted.txt', { type: 'text/plain' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    });
    await waitForState(page, 'image.png', 'done');
    await waitForState(page, 'pasted.txt', 'done');
  } finally {
    await page.close();
  }
});

test('phone layout at 390 px: no horizontal scroll, entries stacked; desktop and phone screenshots', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    const long = '夏天 海边 照片 with a rather long name 2026-07-14.png';
    await page.setInputFiles('#file-input', [files.paths[long], files.paths['report.pdf']]);
    await waitForState(page, long, 'done');
    await waitForState(page, 'report.pdf', 'done');
    await page.waitForSelector('#queue li[data-name="report.pdf"][data-readable]');
    await screenshot(page, 'page-desktop.png');
    // The README's picture (docs/images/page.png): the desktop view, kept
    // small; UPDATE_README_IMAGE=1 copies it into docs/images.
    const readme = join(artifacts, 'page-readme.png');
    await page.screenshot({ path: readme, fullPage: false });
    assert.ok(statSync(readme).size < 200 * 1024, `the README picture is ${statSync(readme).size} bytes`);
    if (process.env.UPDATE_README_IMAGE) {
      mkdirSync(join(repoRoot, 'docs', 'images'), { recursive: true });
      copyFileSync(readme, join(repoRoot, 'docs', 'images', 'page.png'));
    }
    await page.setViewportSize({ width: 390, height: 844 });
    const layout = await page.evaluate(() => {
      const li = document.querySelector('#queue li');
      const body = li.querySelector('.body').getBoundingClientRect();
      const actions = li.querySelector('.actions').getBoundingClientRect();
      return { scroll: document.documentElement.scrollWidth, width: window.innerWidth, actionsBelow: actions.top >= body.bottom - 1, itemRight: li.getBoundingClientRect().right };
    });
    assert.ok(layout.scroll <= layout.width, `no horizontal scroll: ${layout.scroll} > ${layout.width}`);
    assert.ok(layout.itemRight <= layout.width);
    assert.ok(layout.actionsBelow, 'the buttons go below the file, not beside it');
    await screenshot(page, 'page-mobile.png');
    assert.ok(statSync(join(artifacts, 'page-desktop.png')).size > 0);
  } finally {
    await page.close();
  }
});
