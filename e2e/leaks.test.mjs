// The leak scanner stack.stop() runs over every stack's log (leaks.mjs):
// planted leaks are caught, the log lines a stack really writes are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLeaks, assertNoLeaks, secretsFromArgs, stsAccessKeySecret } from './leaks.mjs';
import { DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, startStack } from './stack.mjs';

const root = { id: DEV_ACCESS_KEY_ID, secret: DEV_ACCESS_KEY_SECRET };
const line = (fields) => JSON.stringify({ time: '2026-01-02T03:04:05Z', level: 'INFO', msg: 'request', ...fields });

test('planted leaks are each caught', () => {
  const ak = 'STS.ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const planted = {
    'root secret': line({ err: `signing with ${DEV_ACCESS_KEY_SECRET}` }),
    'API key flag': line({ header: 'X-Api-Key: alice-key-0123456789abcdef' }),
    'JWT secret flag': line({ secret: 'jwt-secret-of-at-least-32-bytes-long!!' }),
    'webhook secret flag': line({ secrets: 'whsec_c2VjcmV0' }),
    'generated whsec_': line({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    'STS secret by its key id': line({ accessKeyId: ak, accessKeySecret: stsAccessKeySecret(root.id, root.secret, ak) }),
    'STS token': line({ token: 'CAISeyJ2IjoxLCJhayI6IlNUUy5BQkMifQ.bWFj' }),
    'JWT': line({ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU' }),
    'V4 query signature': line({ url: '/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=0123456789abcdef0123456789abcdef' }),
    'V4 header signature': line({ authorization: 'OSS4-HMAC-SHA256 Credential=AK/20260102/cn-hangzhou/oss/aliyun_v4_request,Signature=0123456789abcdef0123' }),
    'V1 query signature': line({ url: '/k?OSSAccessKeyId=AK&Expires=1&Signature=q4NJSz3ePKhE%2BdK9vhtY1Q%3D' }),
    'V1 header': line({ authorization: 'OSS DEVossdirectLocalKeyId:q4NJSz3ePKhEdK9vhtY1QXfbHZ8=' }),
    'POST field': line({ fields: { 'x-oss-signature': '0123456789abcdef0123456789abcdef' } }),
    'webhook signature': line({ 'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }),
  };
  const secrets = secretsFromArgs(['--api-key', 'alice:alice-key-0123456789abcdef', '--jwt-secret', 'jwt-secret-of-at-least-32-bytes-long!!', '--webhook-secret=whsec_c2VjcmV0']);
  for (const [name, planted1] of Object.entries(planted)) {
    assert.ok(findLeaks(planted1, { secrets, root }).length > 0, `${name} not caught: ${planted1}`);
  }
  assert.throws(() => assertNoLeaks(planted['root secret'], { root }), (err) => {
    assert.match(err.message, /secret leak/);
    assert.ok(!err.message.includes(DEV_ACCESS_KEY_SECRET), 'the report does not repeat the secret');
    return true;
  });
});

test('what a stack logs is not a leak', () => {
  const clean = [
    line({ method: 'PUT', path: '/dev-bucket/uploads/a.png', status: 200, accessKeyId: 'STS.ABCDEFGHIJKLMNOPQRSTUVWXYZ' }),
    line({ msg: 'upload event', id: 'evt_0123456789abcdef0123456789abcdef', etag: '"5B3C1A2B3C4D5E6F7A8B9C0D1E2F3A4B"' }),
    line({ err: 'SignatureDoesNotMatch', 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }),
    line({ msg: 'webhook', secrets: '[2 hidden]', receiver: 'http://127.0.0.1:1234/_dev/webhook' }),
    line({ requestId: '1-abcdef-0123456789abcdef', subject: 'alice', grantId: 'g_0123456789abcdef' }),
  ].join('\n');
  assert.deepEqual(findLeaks(clean, { secrets: ['alice-key-0123456789abcdef'], root }), []);
});

test('secretsFromArgs reads every secret flag in both forms', () => {
  assert.deepEqual(
    secretsFromArgs(['--auth', 'apikey', '--api-key', 'alice:k1', '--api-key=bob:k2', '--jwt-secret', 'j', '--webhook-secret', 'whsec_a, whsec_b', '--access-key-secret=r', '--bucket', 'b']),
    ['k1', 'k2', 'j', 'whsec_a', 'whsec_b', 'r'],
  );
});

test('stack.stop() throws when the log holds a leak (planted through a logged refusal)', async () => {
  const stack = await startStack();
  // A refused request's log line names the unknown parameter: plant a
  // whsec_-shaped one, as if a webhook secret had been logged.
  const res = await fetch(`${stack.api}/post-signature?whsec_${'A'.repeat(32)}=1`);
  assert.equal(res.status, 400);
  await assert.rejects(stack.stop(), /secret leak in the stack's log[\s\S]*webhook secret \(whsec_\)/);
});
