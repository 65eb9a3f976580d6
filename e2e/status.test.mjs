// The local stack's status page: fit for a phone (viewport meta), and its
// "Try it" snippet works as printed — run here with sh from the repository
// folder, it presigns a PUT with the CLI and stores hello.txt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startStack, repoRoot } from './stack.mjs';
import { rootClient } from './browser.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&#34;/g, '"').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

test('/status: viewport meta, and the Try it snippet stores hello.txt as printed', async () => {
  const html = await (await fetch(`${stack.api}/status`)).text();
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  const pre = html.match(/<pre id="try-it">([\s\S]*?)<\/pre>/);
  assert.ok(pre, 'a Try it snippet');
  const snippet = unescape(pre[1]);
  assert.doesNotMatch(snippet, /\$SECRET/, 'the default stack shows its public dev secret');
  const out = execFileSync('sh', ['-c', snippet], { cwd: repoRoot, encoding: 'utf8' });
  assert.match(out, /stored dev-bucket\/hello\.txt/);
  const got = await rootClient(stack).get('hello.txt');
  assert.equal(got.content.toString(), 'hello');
});
