// The OSS trigger of `ossdirect dev` (on by default): objects uploaded with
// ali-oss under the profiles' directory reach the callback function as FC's
// OSS event; stack.ossEventsIdle() waits until the channel is idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import OSS from 'ali-oss';
import { startStack, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET } from './stack.mjs';

function rootClient(stack) {
  return new OSS({
    endpoint: stack.oss, sldEnable: true, region: `oss-${stack.region}`, bucket: stack.bucket,
    accessKeyId: DEV_ACCESS_KEY_ID, accessKeySecret: DEV_ACCESS_KEY_SECRET, authorizationV4: true, secure: false,
  });
}

// The JSON log records of the stack with msg about key.
function logged(stack, msg, key) {
  return stack.logs().split('\n').flatMap((line) => {
    try {
      const rec = JSON.parse(line);
      return rec.msg === msg && rec.key === key ? [rec] : [];
    } catch {
      return [];
    }
  });
}

test('put and multipart uploads invoke the callback function through the OSS trigger', async () => {
  const stack = await startStack();
  try {
    const oss = rootClient(stack);
    const small = 'uploads/e2e/2026/07/small.txt';
    const big = 'uploads/e2e/2026/07/big.bin';
    await oss.put(small, Buffer.from('hello, trigger'));
    await oss.multipartUpload(big, randomBytes(300 * 1024), { partSize: 100 * 1024 });
    await oss.put('elsewhere/ignored.txt', Buffer.from('outside the prefix'));
    const stats = await stack.ossEventsIdle();
    assert.equal(stats.enabled, true);
    assert.equal(stats.succeeded, 2, JSON.stringify(stats));
    assert.equal(stats.dropped, 0, JSON.stringify(stats));
    for (const [key, event] of [[small, 'ObjectCreated:PutObject'], [big, 'ObjectCreated:CompleteMultipartUpload']]) {
      const verified = logged(stack, 'upload verified', key);
      assert.equal(verified.length, 1, `${key}: ${JSON.stringify(verified)}`);
      assert.equal(verified[0].source, 'oss-event');
      assert.equal(verified[0].event, event);
    }
    assert.equal(logged(stack, 'upload verified', 'elsewhere/ignored.txt').length, 0);
  } finally {
    await stack.stop();
  }
});

test('--oss-events=false turns the trigger off', async () => {
  const stack = await startStack(['--oss-events=false']);
  try {
    await rootClient(stack).put('uploads/e2e/2026/07/quiet.txt', Buffer.from('no event'));
    const stats = await stack.ossEventsIdle();
    assert.deepEqual(stats, { enabled: false, pending: 0, invocations: 0, succeeded: 0, failed: 0, retries: 0, dropped: 0, filtered: 0 });
  } finally {
    await stack.stop();
  }
});
