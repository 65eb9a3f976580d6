// Package ossemu is a local, OSS-compatible HTTP server (an http.Handler)
// that is faithful for everything direct uploads touch. It is the project's
// test oracle, so it refuses what Alibaba Cloud OSS refuses, with OSS's
// status codes, error codes and XML error bodies
// (reference/oss-protocol.md in the design documents).
//
// # What it emulates
//
//   - Addressing: path style ("http://127.0.0.1:9000/<bucket>/<key>") on
//     every host that is not a configured CNAME, and custom-domain style
//     ("/<key>") on CNAME hosts. Signatures always cover "/<bucket>/<key>".
//   - Operations: PostObject (browser form upload, V1 and V4 policies),
//     PutObject, GetObject (single Range, conditional headers, response-*
//     overrides), HeadObject (errors in the x-oss-err header), DeleteObject,
//     and the multipart calls: InitiateMultipartUpload, UploadPart,
//     CompleteMultipartUpload (including x-oss-complete-all), AbortMultipartUpload
//     and ListParts; ListObjectsV2 (GET /<bucket>?list-type=2: prefix,
//     delimiter, start-after, continuation-token, max-keys 0–1000 (default
//     100; other values 400 InvalidArgument naming the argument),
//     encoding-type=url, fetch-owner ignored), authorized as
//     oss:ListObjects on "acs:oss:*:*:<bucket>"; ListMultipartUploads
//     (GET /<bucket>?uploads: prefix, delimiter, key-marker,
//     upload-id-marker, max-uploads 1–1000 (default 1000; other values 400
//     InvalidArgument naming the argument), encoding-type=url), authorized
//     as oss:ListMultipartUploads on "acs:oss:*:*:<bucket>".
//   - Authentication: V1 and V4 header signatures, V1 and V4 presigned
//     URLs, V1 and V4 PostObject signatures and policy evaluation, STS
//     security tokens and RAM permissions through the Credentials
//     interface. Buckets are private: anonymous requests get 403.
//   - x-oss-forbid-overwrite, checked again atomically when the object is
//     installed, so two concurrent uploads cannot both win.
//   - Data integrity: bodies stream to a temporary file beside the data
//     (bounded memory) while MD5 and CRC-64/ECMA are computed, and replace
//     the object by a rename only when complete and valid. ETags are the
//     quoted upper-case MD5 (simple uploads) or "<MD5 of the part MD5s>-N"
//     (multipart, S3's formula; OSS documents none);
//     x-oss-hash-crc64ecma is returned on uploads, Get and Head.
//   - CORS as a bucket with one rule: Config.CORSOrigins, methods GET PUT
//     POST DELETE HEAD, every header, ETag and x-oss-request-id exposed.
//   - Upload callbacks (PutObject, PostObject, CompleteMultipartUpload)
//     through the notify package, signed with the emulator's own RSA key,
//     whose public half is served at Server.KeyURL on every host that is not
//     a CNAME (its first path segment is not a valid bucket name, so it never
//     shadows an object).
//   - Event notification: with Config.Events set, every object a request
//     stored (PutObject, PostObject, CompleteMultipartUpload, CopyObject;
//     also when the upload callback then failed) produces one Event, the
//     facts of OSS's ObjectCreated record, with the ETag unquoted as OSS
//     puts it in events. The dev stack feeds them to its FC-like OSS
//     trigger (internal/localcloud/devstack), which renders FC's event.
//
// CopyObject (PUT with x-oss-copy-source) copies within the emulator's
// buckets with OSS's authorization rules: oss:PutObject on the target and
// oss:GetObject on the source, so STS credentials confined to a prefix
// cannot copy another user's object in; x-oss-metadata-directive COPY or
// REPLACE; forbid-overwrite.
//
// Every response carries x-oss-request-id; every error comes from one table
// (errors.go) through one writer.
//
// # What it does not emulate
//
// No service or bucket operations other than PostObject, ListObjectsV2 and
// ListMultipartUploads (no ListBuckets, ListObjects without list-type=2,
// bucket creation or configuration), no
// versioning, ACL, tagging, lifecycle, encryption, storage classes,
// symlinks, AppendObject, UploadPartCopy, conditional copies, image
// processing or success_action_redirect. Events are only ObjectCreated for
// the four operations above (no ObjectRemoved, no event rules or MNS
// delivery: the consumer filters), and an overwrite's DeltaSize reads the
// old size just before the commit, so a concurrent upload can make it stale. Requests that need them get 501
// NotImplemented
// rather than a silent success. Virtual-hosted addressing
// (bucket.endpoint) is not supported.
//
// # Choices where OSS is silent
//
//   - Range: one "bytes=" range; malformed or multi-range values are ignored
//     (whole object, 200), an end past the object is cut, a start at or past
//     the end is 416 InvalidRange. x-oss-range-behavior is not emulated.
//   - PostObject: a form field given twice (names compare case-insensitively)
//     is 400 InvalidArgument; "${filename}" in the key is replaced by the file
//     part's file name after the policy check; the success_action_status of a
//     request with a callback is ignored (the callback's JSON answers 200).
//   - A V4 credential naming another region is 400 InvalidArgument.
//   - InitiateMultipartUpload's x-oss-forbid-overwrite is checked again at
//     CompleteMultipartUpload, as well as Complete's own.
//   - ListObjectsV2's continuation token is the base64url of the last key
//     or common prefix returned; owners are never listed.
//   - ListMultipartUploads' NextKeyMarker and NextUploadIdMarker name the
//     last entry listed, whether or not the list is truncated (as OSS's
//     example shows). When that entry is a common prefix, NextKeyMarker is
//     the prefix and NextUploadIdMarker is empty; a key-marker at or after
//     a common prefix skips the uploads under it, so pages never repeat a
//     prefix. Uploads of one key are ordered by upload id, which here is
//     random, not by initiation time.
//   - ListParts' max-parts above 1000 is taken as 1000; 0 or a
//     non-integer is 400 InvalidArgument.
//   - EC values are sent only where the protocol reference or the official
//     SDK's tests document them; other errors carry an empty <EC>.
//   - A request body that stalls (no byte for Config.BodyIdleTimeout,
//     1 minute by default) is 400 RequestTimeout, the code OSS's SDKs name,
//     with S3's message; the connection is then closed. A slow body that
//     keeps coming has no bound on its total time. A client that hangs up
//     mid-body is refused (IncompleteBody, MalformedPOSTRequest for
//     PostObject; it never sees the answer) and nothing is stored.
//   - A failed write to the data folder (a full disk; tests inject one with
//     Config.WriteFault) is 500 InternalError; the temporary file is
//     removed and an object already under the key is left as it was.
//   - SignatureDoesNotMatch carries OSSAccessKeyId, SignatureProvided,
//     StringToSign and StringToSignBytes (upper-case hex, each byte followed
//     by a space, as in bodies captured from OSS), newlines written as they
//     are; V4 errors add CanonicalRequest, which OSS returns for V4 (seen in
//     a V4 presigned-URL error from cn-shanghai quoted in a public project's
//     notes; no OSS document lists it), placed after StringToSignBytes as
//     S3 places it.
//
// # Data folder
//
// One Server owns its Config.Dir:
//
//	<Dir>/<bucket>/<encoded key>               object data
//	<Dir>/.ossemu/meta/<bucket>/<encoded key>  metadata (JSON)
//	<Dir>/.ossemu/tmp/                         bodies being received
//	<Dir>/.ossemu/uploads/<upload id>/         multipart uploads in progress
//
// A key is encoded as one file name: bytes other than [A-Za-z0-9_.-] (and a
// leading ".") become %XX, and names over 200 bytes become "~" + SHA-256.
// A file copied into a bucket folder by hand is served, with metadata
// computed from its bytes.
package ossemu
