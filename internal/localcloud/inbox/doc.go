// Package inbox is the local stack's webhook receiver: the callback
// function's upload events (shared/uploadevent) are delivered to it as
// Standard Webhooks (shared/webhook), and it shows what arrived, so `ossdirect
// dev` runs the whole flow — upload, verified event, the receiver's
// signature check — without a receiver of the user's own.
//
// A delivery is a POST ([Inbox.Receive]) checked in this order:
//
//	body larger than Config.MaxBody       413 {"code":"RequestTooLarge",…}
//	signature headers missing or invalid  401 {"code":"SignatureMissing",…}
//	timestamp over 5 minutes off          401 {"code":"TimestampOutOfRange",…}
//	no signature matches a secret         401 {"code":"SignatureMismatch",…}
//	body not an upload event              400 {"code":"NotAnEvent",…}
//	otherwise                             204
//
// Verification is the Standard Webhooks Go library's (libraries/go, the
// one the sender signs with), including its 5-minute timestamp tolerance;
// a delivery verifies when any of Config.Secrets verifies it, so the
// sender's current and previous secrets both work (rotation).
//
// Every delivery, refused or not, is kept — the last Config.Keep of them,
// in memory — as a [Delivery]: when it arrived, its webhook-id, whether it
// verified and if not why, and the event when the body is one. A verified
// delivery whose webhook-id a kept verified delivery already had is marked
// Duplicate (and still answered 204): the event id is the same for every
// delivery of one upload, so this is how a receiver sees that it should
// deduplicate.
//
// [Inbox.Events] serves what was kept, as JSON
//
//	{"receiver": "http://127.0.0.1:8080/_dev/webhook", "events": [<Delivery>, …]}
//
// oldest first, or, to a client that accepts text/event-stream, as
// Server-Sent Events: one "data: <Delivery JSON>" message per delivery,
// with the delivery's Seq as the message id, the kept ones first and then
// each new one as it arrives, and a comment line every Config.Heartbeat.
// A reconnecting EventSource sends Last-Event-ID and gets only what it has
// not seen. A stream ends when its client goes or the inbox is closed.
// Pages from Config.CORSOrigins may read Events from another origin.
//
// With Config.ForwardTo set, events go to another receiver: the inbox
// receives nothing, and Events names that receiver (its scheme, host and
// path only: a query may hold a token) and lists nothing.
//
// What it deliberately does not do: persist anything (a restart starts
// empty), act on events, answer the Standard Webhooks endpoint-verification
// challenge, or log or answer with a secret or a signature.
package inbox
