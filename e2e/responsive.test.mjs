// The page stays responsive while it uploads big files, in every mode: no
// main-thread task over 200 ms (PerformanceObserver 'longtask'), DOM
// queries from outside answered within 100 ms, progress moving and the
// controls usable throughout. Uploads are slowed where OSS receives them
// (stack.bandwidth), so each lasts long enough to be observed on any
// machine; what is measured is the page's own work, which does not depend
// on the bandwidth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startStackAndBrowser, openPage, writeFiles, md5, itemInfo, waitForState, setMode, objectMd5 } from './browser.mjs';

const LONG_TASK_MS = 200;
const QUERY_MS = 100;
const SIZE = 17 * 1024 * 1024 + 4321; // ≥ 16 MiB
const MODES = ['post', 'put', 'sts', 'multipart'];
const PAUSABLE = new Set(['sts', 'multipart']);

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await startStackAndBrowser();
  files = writeFiles(Object.fromEntries(MODES.map((m) => [`big ${m}.bin`, randomBytes(SIZE)])));
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

for (const mode of MODES) {
  test(`${mode}: a ${Math.round(SIZE / 2 ** 20)} MiB upload never blocks the page`, async () => {
    const name = `big ${mode}.bin`;
    const page = await openPage(browser.context, `${stack.api}/`);
    try {
      await setMode(page, mode);
      // STS mode loads the ali-oss SDK when the page is idle: that start-up
      // is page loading, not uploading.
      if (mode === 'sts') {
        await page.waitForSelector('html[data-ali-oss="ready"]', { state: 'attached' }).catch((err) => {
          throw new Error(`ali-oss did not load: ${err.message}\nconsole:\n${page.logs.join('\n')}`);
        });
      }
      await page.evaluate(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
        }).observe({ type: 'longtask' });
      });
      await stack.bandwidth(3 * 1024 * 1024);
      await page.setInputFiles('#file-input', files.paths[name]);
      await waitForState(page, name, 'uploading');

      // Ask the page what it shows, as a person's clicks would, until the
      // file is done: each answer is timed.
      const answers = [];
      const progress = new Set();
      let pauseSeen = false;
      for (;;) {
        const t0 = performance.now();
        const s = await page.evaluate((n) => {
          const li = [...document.querySelectorAll('#queue li')].find((l) => l.dataset.name === n);
          return { state: li.dataset.state, progress: Number(li.dataset.progress), pause: !li.querySelector('.pause').hidden };
        }, name);
        answers.push(performance.now() - t0);
        if (s.state === 'uploading') {
          progress.add(s.progress);
          pauseSeen ||= s.pause;
        }
        if (!['queued', 'signing', 'uploading', 'processing'].includes(s.state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await stack.bandwidth(0);
      await waitForState(page, name, 'done');
      const longTasks = await page.evaluate(() => window.__longTasks);
      const slowest = Math.max(...answers);
      console.log(`${mode}: ${answers.length} queries, slowest ${slowest.toFixed(1)} ms (${answers.map((a) => a.toFixed(0)).join(' ')}); long tasks ${JSON.stringify(longTasks)}; progress seen ${[...progress].sort((a, b) => a - b).join(',')}`);

      assert.ok(answers.length >= 10, `the upload was observed (${answers.length} queries)`);
      assert.deepEqual(longTasks.filter((d) => d > LONG_TASK_MS), [], `main-thread tasks over ${LONG_TASK_MS} ms`);
      assert.ok(slowest <= QUERY_MS, `every DOM query answered within ${QUERY_MS} ms (slowest ${slowest.toFixed(1)} ms)`);
      assert.ok([...progress].some((p) => p > 0 && p < 100), 'progress moved while uploading');
      if (PAUSABLE.has(mode)) assert.ok(pauseSeen, 'Pause was offered while uploading');
      const info = await itemInfo(page, name);
      assert.equal(await objectMd5(stack, info.key), md5(files.bytes[name]), 'stored bytes');
    } finally {
      await stack.bandwidth(0);
      await page.close();
    }
  });
}
