// Starts `ossdirect dev` on free ports with a throw-away data folder and
// returns the endpoints it prints. Used by every end-to-end test.
//
//   startStack()                         the default dev profile
//   startStack(['--bucket', 'photos'])   extra `ossdirect dev` flags
//   startStack({ profiles: {...}, args: [...] })
//                                        upload profiles (written to a file
//                                        and passed with --profiles)
//
// The stack always serves the repository's templates/web at / (--web), with
// its test hooks on (--test-hooks: stack.bandwidth, stack.ossEventsIdle).
//
// stop() checks the stack's log for leaked secrets (leaks.mjs: the root
// secret, every secret flag, issued STS credentials, signatures, tokens) and
// throws after cleaning up if it finds one, failing the test file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { assertNoLeaks, secretsFromArgs } from './leaks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..');
export const webDir = join(repoRoot, 'templates', 'web');

// The development identity `ossdirect dev` trusts by default (docs/LOCAL-STACK.md).
export const DEV_ACCESS_KEY_ID = 'DEVossdirectLocalKeyId';
export const DEV_ACCESS_KEY_SECRET = 'dev-secret-ossdirect-local-only-never-valid-in-the-cloud';

export async function startStack(opts = []) {
  const { args: extraArgs = [], profiles } = Array.isArray(opts) ? { args: opts } : opts;
  const bin = process.env.OSSDIRECT_BIN || join(repoRoot, 'build', 'bin', 'ossdirect');
  const data = mkdtempSync(join(tmpdir(), 'ossdirect-e2e-'));
  const args = ['dev', '--addr', '127.0.0.1:0', '--oss-addr', '127.0.0.1:0', '--sts-addr', '127.0.0.1:0', '--data', data, '--web', webDir, '--test-hooks'];
  if (profiles) {
    const file = join(data, 'profiles.json');
    writeFileSync(file, typeof profiles === 'string' ? profiles : JSON.stringify(profiles));
    args.push('--profiles', file);
  }
  const child = spawn(bin, [...args, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ossdirect dev did not start within 20s:\n${stderr}`)), 20000);
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${bin} (run "make build" first): ${err.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ossdirect dev exited with ${code}:\n${stderr}`)); });
    lines.once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line)); });
  });
  child.removeAllListeners('exit');
  return {
    ...info,
    data,
    logs: () => stderr,
    // bandwidth limits how fast the OSS emulator reads uploads, all
    // connections together (bytes/s; 0 lifts the limit): tests slow the
    // bytes where they are received, so a state such as "4 parts on the
    // server" can be waited for on any machine.
    async bandwidth(bytesPerSecond) {
      const res = await fetch(`${info.api}/_test/bandwidth?bytesPerSecond=${bytesPerSecond}`, { method: 'PUT' });
      if (res.status !== 204) throw new Error(`setting the bandwidth: ${res.status} ${await res.text()}`);
    },
    // ossEventsIdle waits until the OSS trigger (on by default in
    // `ossdirect dev`) has no event queued, in flight or waiting for a
    // retry, polling GET /_test/oss-events, and returns its stats
    // ({enabled, pending, invocations, succeeded, failed, retries, dropped,
    // filtered}). It throws, with the stats, after timeoutMs.
    async ossEventsIdle(timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${info.api}/_test/oss-events`);
        if (res.status !== 200) throw new Error(`reading the OSS trigger stats: ${res.status} ${await res.text()}`);
        const stats = await res.json();
        if (stats.pending === 0) return stats;
        if (Date.now() > deadline) throw new Error(`OSS events still pending after ${timeoutMs} ms: ${JSON.stringify(stats)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
      const flags = [...args, ...extraArgs];
      const flag = (name, def) => { const i = flags.indexOf(`--${name}`); return i >= 0 ? flags[i + 1] : def; };
      assertNoLeaks(stderr, {
        secrets: secretsFromArgs(extraArgs),
        root: { id: flag('access-key-id', DEV_ACCESS_KEY_ID), secret: flag('access-key-secret', DEV_ACCESS_KEY_SECRET) },
      });
    },
  };
}
