// Content-MD5 of upload parts, off the page's main thread. upload.js posts
// {id, blob}; this answers {id, md5} (base64, as the Content-MD5 header
// wants) or {id, error}. spark-md5 (the MD5 ActiveStorage uses in browsers)
// comes from this folder's node_modules, pinned by package-lock.json.
/* global SparkMD5 */
importScripts('node_modules/spark-md5/spark-md5.min.js');

self.onmessage = async ({ data: { id, blob } }) => {
  try {
    const hex = SparkMD5.ArrayBuffer.hash(await blob.arrayBuffer());
    let bin = '';
    for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
    self.postMessage({ id, md5: btoa(bin) });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message || err) });
  }
};
