// Package webhook delivers upload events (shared/uploadevent) to where the
// deployment wants them: [Sender] POSTs each to WEBHOOK_URL as a Standard
// Webhooks message (https://github.com/standard-webhooks/standard-webhooks,
// spec.md), and [Log] writes each as a structured log record when no
// receiver is configured. Both have the method Deliver(ctx, event); the
// callback handlers declare the interface they need.
//
// A Sender's request: POST, Content-Type application/json, the event's JSON
// as body, and the headers
//
//	webhook-id:        the event id (the same for every delivery of one upload)
//	webhook-timestamp: Unix seconds of this attempt
//	webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> …
//
// with one space-separated signature per secret, the current secret first,
// so a receiver can rotate its secret without losing messages. Signing is the
// Standard Webhooks Go library's (libraries/go), the implementation the
// spec's authors maintain; secrets are "whsec_" and base64.
//
// Retries: 2xx is delivered; 408, 429, 5xx, and transport errors and
// timeouts are retried with exponential backoff and full jitter, at most
// MaxAttempts times and never past the context's deadline (a wait that
// would end after the deadline is not started); any other status (4xx, and
// 3xx since redirects are not followed) is a permanent failure
// ([ErrPermanent]), not retried. Response bodies are read at most 64 KiB
// and only their first 256 bytes go into an error.
//
// What it deliberately does not do: remember what it delivered (a
// receiver may get one event more than once, with the same webhook-id, and
// should deduplicate on it), queue events across invocations (FC's
// asynchronous retry of the OSS event is the durable path), or log
// secrets.
package webhook
