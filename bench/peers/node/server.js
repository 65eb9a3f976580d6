// Alibaba's Node.js server-signature sample for browser PostObject uploads
// (express + ali-oss, "Node.js" in the OSS guide to uploading with a
// signature computed on the server), rebuilt as a benchmark peer for
// scripts/bench-peers.sh. Not part of the product; never deployed.
//
// As in the sample, every GET /get_post_signature_for_oss_upload builds a
// new OSS client, a V1 policy expiring in an hour and signs it with
// client.calculatePostSignature (Base64 policy, HMAC-SHA1), answering
// {policy, signature, ossAccessKeyId, host, dir}.
//
// Where it differs from the sample, and why:
// - it listens on PORT (the sample: 8000) and serves no templates;
// - the policy also carries ["starts-with", "$key", dir], as the Go sample's
//   does and our seed route's does, so the three sign the same kind of policy
//   (the sample has only content-length-range and the bucket);
// - the host is built from the client's region instead of
//   `await client.getBucketLocation()`, which is a request to OSS on every
//   call: with it the sample would time a network round trip to Alibaba
//   Cloud, so leaving it out only makes this peer faster than the sample.
// Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET as in the sample
// (the script passes fake benchmark keys).
const express = require("express");
const OSS = require("ali-oss");

const app = express();
const config = {
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  bucket: process.env.OSS_BUCKET || "bench-bucket",
  region: process.env.OSS_REGION || "oss-cn-hangzhou",
  dir: "prefix/",
};

app.get("/get_post_signature_for_oss_upload", async (req, res) => {
  const client = new OSS(config);
  const date = new Date();
  date.setSeconds(date.getSeconds() + 3600);
  const policy = {
    expiration: date.toISOString(),
    conditions: [
      ["content-length-range", 0, 1048576000],
      { bucket: client.options.bucket },
      ["starts-with", "$key", config.dir],
    ],
  };
  const formData = await client.calculatePostSignature(policy);
  const host = `http://${config.bucket}.${client.options.region}.aliyuncs.com`.toString();
  res.json({
    policy: formData.policy,
    signature: formData.Signature,
    ossAccessKeyId: formData.OSSAccessKeyId,
    host,
    dir: config.dir,
  });
});

const port = Number(process.env.PORT || 8000);
app.listen(port, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${port}`);
});
