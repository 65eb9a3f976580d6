// Regenerates post-vectors.json with the official ali-oss SDK (the source of
// truth for these known answers). Run from this directory:
//
//   npm install --no-save ali-oss@6.23.0 && node gen-post-vectors.js > post-vectors.json
//
// calculatePostSignature (V1) and signPostObjectPolicyV4 (V4) each take a
// policy object, serialise it (policy2Str), Base64 it and sign it; the file
// records the Base64 policy they signed so the Go test signs the same bytes.
const OSS = require('ali-oss');

const cases = [
  { name: 'simple', id: 'ak', secret: 'sk', region: 'oss-cn-hangzhou', date: '2023-12-03T12:12:12Z',
    policy: { expiration: '2023-12-03T13:00:00.000Z', conditions: [{ bucket: 'examplebucket' }, ['content-length-range', 1, 10485760]] } },
  { name: 'docs console example', id: 'LTAI5tExample', secret: 'KZo1ExampleSecret', region: 'cn-hangzhou', date: '2014-12-01T11:00:00Z',
    policy: { expiration: '2014-12-01T12:00:00.000Z', conditions: [{ bucket: 'johnsmith' }, ['content-length-range', 1, 10], ['eq', '$success_action_status', '201'], ['starts-with', '$key', 'user/eric/'], ['in', '$content-type', ['image/jpg', 'image/png']], ['not-in', '$cache-control', ['no-cache']]] } },
  { name: 'chinese key prefix and awkward secret', id: 'STS.NTexample', secret: 'a+b/c=d%~!中', region: 'cn-shanghai', date: '2026-11-23T23:59:59Z',
    policy: { expiration: '2026-11-24T00:10:00.000Z', conditions: [{ bucket: 'dev-bucket' }, ['starts-with', '$key', 'uploads/用户 1/a+b%~!/'], { 'x-oss-security-token': 'CAIS+token/=' }] } },
];

const out = cases.map(c => {
  const client = new OSS({ accessKeyId: c.id, accessKeySecret: c.secret, region: c.region, bucket: 'examplebucket' });
  const v1 = client.calculatePostSignature(c.policy);
  const v4 = client.signPostObjectPolicyV4(c.policy, new Date(c.date));
  return { name: c.name, secret: c.secret, region: c.region.replace(/^oss-/, ''), date: c.date, policy: v1.policy, v1Signature: v1.Signature, v4Signature: v4 };
});
console.log(JSON.stringify(out, null, 2));
