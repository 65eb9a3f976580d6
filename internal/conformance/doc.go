// Package conformance is the behaviour suite for everything ossdirect
// relies on from OSS, in the spirit of go-cloud's drivertest: one
// [Run](t, [Target]) that drives a target over HTTP and checks it answers
// like OSS. It runs against the local emulators in every `go test`
// (TestEmulator: internal/localcloud/ossemu, stsemu and the emulator's
// callback sender) and against a real bucket when the OSSDIRECT_LIVE_*
// variables name one ([FromEnv], TestLive; docs/CONFORMANCE.md).
//
// Areas (subtests of Run): PostObject (forms from shared/upload grants and
// hand-built policies: every condition kind passing and failing, signature,
// expiry, size, form-shape and credential refusals), PresignedPut (URLs
// from shared/signing, the grant's signed headers, a signed
// Content-Length), HeaderSigned (header signatures and what OSS refuses),
// STS (AssumeRole through the official STS SDK with the product's session
// policy; uploads inside it pass, outside it are refused), Multipart
// (presigned parts with a signed Content-Length, ListParts, Complete,
// Abort and their refusals), Callback (signatures verified with
// shared/callback, 203 CallbackFailed), CORS (preflights), Objects
// (GetObject ranges and conditions) and Errors (the XML error fields).
//
// Each refusal asserts the status, the OSS error Code (and EC where OSS
// documents one), RequestId equal to x-oss-request-id, HostId, the
// signature details of SignatureDoesNotMatch, and that nothing under the
// case's prefix was stored or replaced. A refusal the target accepts fails
// with "the target ACCEPTED … rule not enforced: <rule>".
//
// Clients: the official OSS Go SDK v2 where it is the natural client
// (seeding, reads, listing, multipart, cleanup), raw net/http where the
// product's own clients do raw HTTP (PostObject forms built by
// shared/upload and shared/policy and signed by shared/signing, presigned
// URLs from shared/signing), the official STS SDK for AssumeRole.
//
// Every key written is under Target.Prefix (by default
// "ossdirect-conformance/<run-id>/"), each case under its own folder
// there; when the suite ends it aborts every multipart upload and deletes
// every object under the prefix.
//
// # What it deliberately does not do
//
// It does not test emulator internals (data folder layout, temporary
// files, configuration errors, the 501 answers for what the emulator does
// not implement, choices where OSS is silent); those stay in the
// emulator's own tests. It never creates, configures or deletes buckets,
// so bucket CORS rules and roles must be set up beforehand for live runs.
package conformance
