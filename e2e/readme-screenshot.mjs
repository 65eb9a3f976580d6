// node e2e/readme-screenshot.mjs — the README's picture (docs/images/page.jpg):
// the upload page on a fresh local stack after three POST-policy uploads,
// with the events panel showing their verified webhooks. Not a test; run it
// after changing the page's look (needs `make build`, Chromium, npm ci in e2e).
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startStackAndBrowser, openPage, writeFiles, png, waitForState } from './browser.mjs';
import { repoRoot } from './stack.mjs';

const [stack, browser] = await startStackAndBrowser();
const f = writeFiles({ 'cat 猫.png': png(400, 300), 'report 2026.pdf': Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(900 * 1024)]), 'notes.txt': Buffer.from('hello 你好\n'.repeat(80)) });
try {
  const page = await openPage(browser.context, `${stack.api}/`);
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.setInputFiles('#file-input', Object.values(f.paths));
  for (const name of Object.keys(f.paths)) await waitForState(page, name, 'done');
  await page.waitForFunction(() => document.querySelectorAll('#events li').length >= 3, null, { timeout: 20_000 }).catch(() => {});
  const out = join(repoRoot, 'docs', 'images', 'page.jpg');
  await page.screenshot({ path: out, fullPage: true, type: 'jpeg', quality: 70 });
  console.log(`wrote ${out}`);
} finally {
  f.cleanup();
  await browser.close();
  await stack.stop();
}
