// The upload page in Simplified Chinese and English: the catalog
// (templates/web/i18n.js, DOM-free, so checked here in Node too), the
// language a zh-CN browser gets, and the switch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { webDir, startStack } from './stack.mjs';
import { launch, openPage, writeFiles, png, itemInfo, waitForState, messages, screenshot } from './browser.mjs';

const i18n = await import(pathToFileURL(join(webDir, 'i18n.js')).href);

test('catalog: every entry has English and Chinese, and the language follows navigator.languages', () => {
  const sample = { n: 2, name: 'a.png', size: '2 MiB', max: '1 MiB', min: '1 B', why: 'x', msg: 'm', rid: '', code: 'C', status: 503, text: 'T', note: 'N', wait: '1 s', what: 'text/plain', allowed: 'image/png', profile: 'default', bits: 'b', types: 't', done: 1, total: 2, pct: 5, time: '3 s', loaded: '1 B', of: 3, attempt: 2, detail: 'd', action: 'Remove', source: 'oss', src: 's', id: 'r', mode: 'STS', field: '' };
  for (const lang of ['en', 'zh-CN']) {
    i18n.setLanguage(lang);
    for (const key of i18n.keys()) {
      const s = i18n.t(key, sample);
      assert.equal(typeof s, 'string', `${lang} ${key}`);
      assert.ok(s.length > 0 && !s.includes('undefined'), `${lang} ${key}: ${s}`);
    }
  }
  i18n.setLanguage('en');
  assert.equal(i18n.pickLanguage(['zh-TW', 'en']), 'zh-CN');
  assert.equal(i18n.pickLanguage(['zh']), 'zh-CN');
  assert.equal(i18n.pickLanguage(['en-GB', 'zh-CN']), 'en');
  assert.equal(i18n.pickLanguage(['de-DE']), 'en');
  assert.equal(i18n.pickLanguage(['zh-CN'], 'en'), 'en', 'a saved choice wins');
});

let stack;
let browser;
let files;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch({ locale: 'zh-CN' })]);
  files = writeFiles({ '猫.png': png(80, 60), 'empty.txt': Buffer.alloc(0) });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  files?.cleanup();
});

test('a zh-CN browser gets Chinese: the empty state, an upload\'s states and a refusal; switching to English is remembered', async () => {
  const page = await openPage(browser.context, `${stack.api}/`);
  try {
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await page.inputValue('#lang'), 'zh-CN');
    assert.equal(await page.textContent('#summary'), '还没有文件。');
    assert.equal(await page.textContent('[data-i18n="dropHere"]'), '拖放文件到这里');
    assert.equal(await page.textContent('#limits'), '配置“default”：每个最大 100 MiB；任意类型。');
    assert.equal(await page.title(), '上传到 OSS — ossdirect');

    await page.setInputFiles('#file-input', [files.paths['猫.png'], files.paths['empty.txt']]);
    await waitForState(page, '猫.png', 'done');
    await waitForState(page, 'empty.txt', 'error');
    const shown = await messages(page, '猫.png');
    assert.ok(shown.includes('正在请求签名表单…'), shown.join(' | '));
    assert.ok(shown.includes('上传中…'), shown.join(' | '));
    assert.equal((await itemInfo(page, '猫.png')).message, '已上传。');
    assert.equal(await page.textContent('li[data-name="猫.png"] .state-label'), '完成');
    assert.equal(await page.getAttribute('li[data-name="猫.png"] .remove', 'aria-label'), '移除 猫.png');
    assert.equal((await itemInfo(page, 'empty.txt')).message, '文件太小：0 B；此上传至少需要 1 B。');
    assert.equal(await page.textContent('li[data-name="empty.txt"] .state-label'), '失败');
    assert.equal(await page.textContent('#summary'), '2 个文件 · 1 个完成 · 1 个失败');
    await screenshot(page, 'i18n-zh-CN.png');

    await page.selectOption('#lang', 'en');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('[data-i18n="dropHere"]'), 'Drop files here');
    assert.equal(await page.textContent('li[data-name="猫.png"] .state-label'), 'Done');
    assert.equal(await page.getAttribute('li[data-name="猫.png"] .remove', 'aria-label'), 'Remove 猫.png');
    await page.waitForFunction(() => document.getElementById('summary').textContent === '2 files · 1 done · 1 failed');
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is remembered');
    assert.equal(await page.textContent('#summary'), 'No files yet.');
  } finally {
    await page.close();
  }
});
