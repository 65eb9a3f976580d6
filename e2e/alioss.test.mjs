// ali-oss (the official JS SDK, Node build) against the local stack:
// STS credentials from stsemu through ali-oss's own STS client, then put and
// multipartUpload with V1 and V4 signing, and the session policy enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { startStack, DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET } from './stack.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const md5 = (b) => createHash('md5').update(b).digest('hex');

async function stsCredentials(prefix) {
  const sts = new OSS.STS({ accessKeyId: DEV_ACCESS_KEY_ID, accessKeySecret: DEV_ACCESS_KEY_SECRET, endpoint: stack.sts });
  const policy = {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts', 'oss:GetObject'], Resource: [`acs:oss:*:*:${stack.bucket}/${prefix}*`] }],
  };
  const res = await sts.assumeRole('acs:ram::1234567890123456:role/ossdirect-e2e', policy, 900, 'e2e-session');
  assert.equal(res.res.status, 200);
  return res.credentials;
}

function client(creds, v4) {
  return new OSS({
    endpoint: stack.oss,
    sldEnable: true, // path style /bucket/key on an IP endpoint (reference §10)
    region: `oss-${stack.region}`,
    bucket: stack.bucket,
    accessKeyId: creds.AccessKeyId,
    accessKeySecret: creds.AccessKeySecret,
    stsToken: creds.SecurityToken,
    authorizationV4: v4,
    secure: false,
  });
}

for (const v4 of [false, true]) {
  const name = v4 ? 'V4' : 'V1';
  test(`ali-oss ${name}: put, get and multipartUpload with STS credentials`, async () => {
    const prefix = `e2e/${name}/`;
    const oss = client(await stsCredentials(prefix), v4);

    const small = randomBytes(1234);
    const key = `${prefix}小 文件+a%b~!.bin`;
    const put = await oss.put(key, small, { headers: { 'Content-Type': 'application/octet-stream', 'x-oss-meta-origin': 'e2e' } });
    assert.equal(put.res.status, 200);
    const got = await oss.get(key);
    assert.equal(md5(got.content), md5(small));
    assert.equal(got.res.headers['x-oss-meta-origin'], 'e2e');

    const big = randomBytes(12 * 1024 * 1024 + 17);
    const file = join(stack.data, `${name}-big.bin`);
    writeFileSync(file, big);
    const bigKey = `${prefix}big.bin`;
    let progressed = 0;
    const mp = await oss.multipartUpload(bigKey, file, { partSize: 1024 * 1024, parallel: 4, progress: (p) => { progressed = p; } });
    assert.equal(mp.res.status, 200);
    assert.equal(progressed, 1);
    const back = await oss.get(bigKey);
    assert.equal(back.content.length, big.length);
    assert.equal(md5(back.content), md5(big));
    assert.match(back.res.headers.etag, /^"[0-9A-F]{32}-13"$/);
  });

  test(`ali-oss ${name}: the session policy confines the token to its prefix`, async () => {
    const oss = client(await stsCredentials(`e2e/${name}/only/`), v4);
    await assert.rejects(oss.put(`e2e/${name}/elsewhere.txt`, Buffer.from('no')), (err) => {
      assert.equal(err.status, 403);
      assert.equal(err.code, 'AccessDenied');
      return true;
    });
    const root = client({ AccessKeyId: DEV_ACCESS_KEY_ID, AccessKeySecret: DEV_ACCESS_KEY_SECRET }, v4);
    await assert.rejects(root.head(`e2e/${name}/elsewhere.txt`), (err) => err.status === 404);
  });
}

test('ali-oss: wrong secret is SignatureDoesNotMatch and stores nothing', async () => {
  const bad = client({ AccessKeyId: DEV_ACCESS_KEY_ID, AccessKeySecret: 'wrong-secret' }, true);
  await assert.rejects(bad.put('e2e/bad.txt', Buffer.from('x')), (err) => {
    assert.equal(err.status, 403);
    assert.equal(err.code, 'SignatureDoesNotMatch');
    return true;
  });
  const root = client({ AccessKeyId: DEV_ACCESS_KEY_ID, AccessKeySecret: DEV_ACCESS_KEY_SECRET }, true);
  await assert.rejects(root.head('e2e/bad.txt'), (err) => err.status === 404);
});
