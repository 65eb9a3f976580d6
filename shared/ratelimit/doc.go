// Package ratelimit is the per-subject grant limit shared by every FC
// instance of a function: a GCRA limiter (github.com/go-redis/redis_rate,
// the algorithm of go-redis's maintainers, one Lua script run with EVALSHA)
// in a Redis-protocol store — Alibaba Cloud Tair, Redis or Valkey — reached
// with github.com/redis/go-redis/v9. FC runs one request per instance and
// scales out, so the in-process token bucket of shared/api limits one
// instance, not a subject; this one holds across instances.
//
// The limit is Rate grants a minute per subject with bursts of Burst, the
// same meaning as the in-process bucket's RATE_LIMIT_PER_MINUTE and
// RATE_LIMIT_BURST. Each subject's state is one key,
//
//	rate:ossdirect:rl:<function>:<subject>
//
// (redis_rate adds "rate:"), which expires once the subject's bucket is
// full again. Keys hold the function's name and the subject's id, never a
// credential.
//
// Every check is bounded by Timeout (100 ms by default: dial, write and
// read), so Redis being down or slow never delays a grant by more. Then
// OnError decides: Open (the default) lets the grant through, Closed
// refuses it (the handler answers 503 with Retry-After). Either way the
// failure is counted ([Redis.Failures]) and logged at Warn, at most once
// per LogEvery with the number of failures since the last line, so a Redis
// outage does not flood the log.
//
// What it deliberately does not do: retry a failed check (a retry would
// exceed the bound), fall back to the in-process bucket when Redis fails
// (per-instance limits are what it replaces), or log or return the Redis
// URL: it carries the password. Errors about the URL name the part that is
// wrong, never the URL.
package ratelimit
