// The one place to configure the upload pages (index.html and uppy.html).
// Deploy the folder as static files and edit this file; nothing else needs
// to change. The server stays the authority on every limit: the values
// below only let the page refuse a file before anything is sent.
export default {
  // Base URL of the functions (…/post-signature, …/presigned-url,
  // …/sts-token). '' means the page's own origin, which is what
  // `ossdirect dev` serves. With Function Compute, use your custom domain,
  // e.g. 'https://upload.example.com' (and allow this page's origin in
  // CORS_ALLOWED_ORIGINS).
  apiBase: '',

  // Caller credentials, when the functions require them (AUTH_MODE):
  //   jwt    → token: sent as `Authorization: Bearer <token>`
  //   apikey → apiKey: sent as `X-Api-Key`
  // `token` may also be a function returning the token (or a Promise of
  // it), called before every request so a fresh session token is used.
  token: '',
  apiKey: '',

  // The upload profile to ask for (UPLOAD_PROFILES on the server).
  profile: 'default',

  // The mode selected when the page opens: 'post' (PostObject policy),
  // 'put' (presigned PUT), 'sts' (STS credentials + ali-oss multipart) or
  // 'multipart' (presigned multipart: no SDK, the server signs each part).
  mode: 'post',

  // How many files upload at the same time.
  concurrency: 3,

  // Client-side pre-checks mirroring the profile (0 / [] = no pre-check;
  // the signing function and OSS still enforce the real limits).
  maxSize: 0, // bytes
  contentTypes: [], // e.g. ['image/png', 'image/jpeg'] or ['image/*']

  // Automatic retries of transient failures (network lost, 5xx, throttling,
  // expired signature) before a file is marked failed.
  retries: 4,

  // Multipart uploads (STS and presigned): part size (at least 100 KiB;
  // raised so that a file has at most 10,000 parts) and parallel parts.
  partSize: 1024 * 1024,
  parallel: 4,

  // The Events panel: the upload events the local stack (`ossdirect dev`)
  // received, from <apiBase>/events. 'auto' asks for them only when the
  // API is on this machine (localhost, 127.x.x.x, [::1]), so a deployed
  // page makes no such request; true always asks, false never does.
  events: 'auto',
};
