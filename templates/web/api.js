// The page's settings (config.js over the defaults) and its client of the
// signing functions (client.js): POST JSON with the caller's credentials,
// answers as JSON or an ApiError / NetworkError.
import config from './config.js';
import { createClient } from './client.js';

export const cfg = {
  apiBase: '', token: '', apiKey: '', profile: 'default', mode: 'post', concurrency: 3,
  maxSize: 0, contentTypes: [], retries: 4, partSize: 1024 * 1024, parallel: 4,
  ...config,
};
export const apiBase = String(cfg.apiBase || '').replace(/\/+$/, '');

export const client = createClient(cfg);

// callFunction POSTs body to one signing function (a path under apiBase,
// e.g. 'post-signature' or 'presigned-url/multipart/sign') and returns its
// JSON (null for 204), or throws ApiError (its JSON error) / NetworkError.
export const callFunction = client.call;

// describeProfile asks what the configured profile allows (GET
// post-signature/profile: {contentTypes, accept, minSize, maxSize, …}).
export const describeProfile = client.describe;

// uploadRequest is what every signing function is asked for a file.
export const uploadRequest = client.uploadRequest;
