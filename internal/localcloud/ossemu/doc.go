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
//   - Bucket configuration (see below): CORS, lifecycle and overwrite
//     protection, read and written with OSS's APIs. The stored CORS rules
//     drive every CORS answer; Config.CORSOrigins is the initial rule.
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
// No service or bucket operations other than PostObject, ListObjectsV2,
// ListMultipartUploads and the CORS, lifecycle and overwrite configuration
// calls (no ListBuckets, ListObjects without list-type=2, bucket creation,
// bucket policy or other configuration), no
// versioning, ACL, tagging, lifecycle enforcement (rules are stored, objects
// never expire and uploads are never aborted), encryption, storage classes,
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
//   - The 404 of GetBucketOverwriteConfig is documented without its code:
//     the emulator answers NoSuchOverwriteConfiguration, "The bucket you
//     specified does not have overwrite configuration.", after OSS's other
//     NoSuch*Configuration errors. CORS document refusals other than the
//     two with published ECs use MalformedXML (structure) or
//     InvalidArgument (values), the lifecycle ones MalformedXML.
//   - With AllowedOrigin "*", the Origin is echoed in
//     Access-Control-Allow-Origin (not "*"), as for every other rule.
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
// # Bucket configuration
//
// Nine bucket-level calls, with the XML shapes of the official Go SDK v2
// (the request and response bodies below are its CORSConfiguration,
// LifecycleConfiguration and OverwriteConfiguration). Each is authorized like
// any signed request, as the RAM action of its name ("oss:PutBucketCors",
// "oss:GetBucketLifecycle", "oss:DeleteBucketOverwriteConfig", ...) on
// "acs:oss:*:*:<bucket>": the bucket owner's keys may, an STS session needs
// the action in its policy. V1 signs the sub-resource ("/<bucket>/?cors"), as
// the SDK does. A Put replaces the whole configuration and answers 200; a
// Delete answers 204 whether or not there was one; a Get of nothing is 404
// with the bucket's name in <BucketName>. A Content-MD5 that does not match
// the body is 400 InvalidDigest. The configuration lives in memory, per
// Server: a new Server starts again from Config.
//
//   - CORS (?cors): 1–10 CORSRule (AllowedOrigin+, AllowedMethod+,
//     AllowedHeader*, ExposeHeader*, MaxAgeSeconds?) and ResponseVary, at
//     most 16 KB. No rule is MalformedXML (EC 0034-00000002), a rule
//     without origin or method MalformedXML, a method other than GET PUT
//     DELETE POST HEAD InvalidArgument (EC 0034-00000011), two "*" in an
//     origin or allowed header, a "*" in an exposed header, a negative
//     MaxAgeSeconds or an 11th rule InvalidArgument. None configured: 404
//     NoSuchCORSConfiguration. The rules answer CORS as OSS documents: the
//     first rule whose AllowedOrigin (one "*" each, case-sensitive) matches
//     the Origin, whose AllowedMethod holds the method (the
//     Access-Control-Request-Method of a preflight) and, for a preflight,
//     whose AllowedHeader patterns (one "*" each, case-insensitive) match
//     every Access-Control-Request-Headers name, wins; its methods (joined
//     by ", "), exposed headers and max age are sent with the Origin
//     echoed, and a preflight echoes the requested headers. No match: a
//     preflight is 403 AccessForbidden, an actual request gets no CORS
//     headers; no configuration at all: 403 "CORS is not enabled for this
//     bucket". ResponseVary true adds Vary: Origin to every response of the
//     bucket (OSS: "regardless whether the request is a cross-origin request
//     or whether the cross-origin request succeeds"), false never.
//     Config.CORSOrigins becomes the bucket's initial configuration: one
//     rule with those origins, all five methods, AllowedHeader "*",
//     ExposeHeader ETag, x-oss-request-id, x-oss-hash-crc64ecma and
//     x-oss-version-id, MaxAgeSeconds 600, and ResponseVary true, which
//     gives the answers the emulator gave before the rules were stored
//     (Vary: Origin is now also sent on responses to requests without an
//     Origin and on refused preflights, as ResponseVary means).
//   - Lifecycle (?lifecycle): 1–1000 Rule. Each needs Status Enabled or
//     Disabled, an ID unique in the document and at most 255 characters (a
//     random UUID when absent, as OSS generates one), and at least one
//     action (Expiration, AbortMultipartUpload, Transition,
//     NoncurrentVersionExpiration, NoncurrentVersionTransition). Expiration
//     and AbortMultipartUpload take exactly one of Days (> 0),
//     CreatedBeforeDate or the deprecated Date (midnight UTC,
//     "2006-01-02T00:00:00.000Z"), or, for Expiration,
//     ExpiredObjectDeleteMarker true. Any violation, or XML that does not
//     parse, is MalformedXML. Two rules whose prefixes overlap (one starts
//     with the other) with the same Expiration, AbortMultipartUpload or
//     Transition action are 400 InvalidArgument "Overlap for same action
//     type ..." unless x-oss-allow-same-action-overlap is true. Elements the
//     emulator does not interpret (Filter, Tag, Transition, the
//     NoncurrentVersion* actions, AtimeBase) are stored as sent and returned
//     unchanged. None configured: 404 NoSuchLifecycle "No Row found in
//     Lifecycle Table.". Rules are never applied.
//   - Overwrite protection (?overwriteConfig): at most 100 Rule, each with
//     Action "forbid" (anything else, or none, is MalformedXML), an ID
//     unique in the document (a random UUID when absent), Prefix and Suffix
//     of at most 1023 characters (literal: "*" is a character), and at most
//     100 non-empty Principals. A document with no rules is stored (it
//     forbids nothing). None configured: 404. The rules are enforced: a
//     PutObject, PostObject, CompleteMultipartUpload or CopyObject whose
//     target key starts with a rule's Prefix and ends with its Suffix, by a
//     requester its Principals name, is committed with forbid-overwrite,
//     so an existing object makes it 409 FileAlreadyExists, exactly as
//     x-oss-forbid-overwrite: true does, atomically at the commit. OSS
//     requires every filter of a rule to hold and refuses when any rule
//     holds; an absent or empty Principals means every requester (OSS: "If
//     this element is empty or not configured, overwrites are prohibited
//     for all objects that match the prefix and suffix"). A Principal is
//     matched against Principal.ID, which Credentials supply, with "*"
//     standing for any run of characters (OSS: "Principal支持通配符星号"): the
//     account or RAM user id for a permanent key, and for STS credentials
//     "<role-id>:<session-name>", STS's AssumedRoleId (the dev stack passes
//     stsemu's Identity.AssumedRoleID, the value its AssumeRole answers), so
//     "<role-id>:*" names every session of a role. OSS's Principal element
//     also takes ARN forms ("arn:sts::<uid>:assumed-role/<role>/<session>");
//     those are not recognised. A principal with no ID (StaticCredentials,
//     the dev stack's root key) is named only by "*".
//
// # Knobs for broken set-ups
//
// Config.ClockOffset, RefuseV1, RefuseV4 and PublicEndpointForbidden break
// the emulator the way a misconfigured account or endpoint breaks OSS, so a
// diagnostic (ossdirect doctor) can be tested against each failure. Each has
// a setter on Server (SetClockOffset, SetRefuseV1, SetRefuseV4,
// SetPublicEndpointForbidden), safe to call while requests run; a request
// reads each knob once.
//
//   - ClockOffset d: the emulator's time is Config.Now()+d: the Date header,
//     the 15-minute skew check (403 RequestTimeTooSkewed), presigned and
//     policy expiry, STS token expiry and Last-Modified all use it.
//   - RefuseV1: V1 header signatures, V1 presigned URLs and V1 PostObject
//     forms are 403 AccessDenied with EC 0002-00000080, OSS's EC for "OSS no
//     longer supports V1 signatures" (V1 is withdrawn for accounts created
//     since March 2025 and buckets since September 2025). OSS's help page
//     gives the status and EC but not the code or message: AccessDenied and
//     the message are assumed.
//   - RefuseV4: an endpoint that only knows V1 (an old or private
//     deployment; OSS publishes no error for this). It answers what such a
//     server would: a V4 Authorization header is malformed there (400
//     InvalidArgument "The Authorization header is invalid."), a V4
//     presigned URL carries no V1 signature and is anonymous (403
//     AccessDenied), a V4 PostObject form has a policy without
//     OSSAccessKeyId and Signature (400 InvalidArgument).
//   - PublicEndpointForbidden: every data operation (object operations,
//     PostObject, OptionObject preflights, ListObjectsV2,
//     ListMultipartUploads) on a host that is not one of Config.CNAMEs is
//     400 PublicEndpointForbidden with EC 0048-00000401, as OSS answers
//     accounts opened since 20 March 2025 on the default public endpoint of
//     Chinese-mainland regions (help page 0048-00000401: status, code and
//     EC; the message is assumed). CNAME hosts work; the bucket
//     configuration calls, management operations in OSS's terms, work on
//     every host, as does the callback key URL.
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
