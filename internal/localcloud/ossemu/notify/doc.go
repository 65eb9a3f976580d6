// Package notify performs OSS upload callbacks for the local OSS emulator,
// the way Alibaba Cloud OSS does: it validates the callback and
// callback-var parameters of PutObject, PostObject and
// CompleteMultipartUpload ([Parse]), renders the callback body ([Render]),
// and POSTs it, signed, to the application server ([Sender.Send]).
//
// References: https://www.alibabacloud.com/help/en/oss/developer-reference/callback,
// the OSS error pages 0007-00000002/4/5/11/12 and "HTTP status code 203",
// and the project digest reference/oss-protocol.md §6. Signing is
// [ossdirect/shared/callback.Sign]; this package does not reimplement it.
//
// # Parsing
//
// Parse follows §6; where OSS is silent or lenient it chooses:
//
//   - Each parameter may be at most 5 KB (5120 bytes) as sent, that is in
//     its Base64 form. Standard Base64 is accepted with or without padding;
//     URL-safe Base64 is not.
//   - The callback JSON must be an object. Unknown keys are ignored, as OSS
//     ignores them (this includes "additionalHeaders", which this package
//     does not send). A key whose value is null counts as absent. Key names
//     are case-sensitive.
//   - callbackUrl is split on ";", empty entries (a trailing ";") are
//     skipped, and 1 to 5 URLs must remain. A URL without a scheme, like
//     "callback.oss-demo.com:23450" in OSS's own PHP sample, means http.
//     Other schemes, user information, IPv6 literals, a missing host, a
//     port outside 1..65535 and unencoded characters (space, control,
//     non-ASCII) are refused. OSS's refusal of private addresses
//     (0007-00000008) is NOT applied: the emulator calls application
//     servers on loopback.
//   - OSS's error page 0007-00000004 says an empty callbackUrl means "no
//     callback"; this package refuses it like a missing one. The emulator
//     decides whether to call Parse at all.
//   - callbackBodyType matches case-insensitively and must be exactly one of
//     the two types, without parameters; "" means form.
//   - callbackSNI must be a JSON boolean.
//   - callback-var keys must be "x:" plus at least one character, and
//     values strings. Lower-case-only names (2021 docs) are not enforced.
//     PostObject's "x:" form fields are merged over callback-var.
//
// # Rendering
//
// A reference runs from "${" to the next "}". An unclosed "${", an empty
// "${}", and a name containing "{" are malformed. Names match exactly; the
// system variables are bucket, object, etag, size, mimeType,
// imageInfo.height, imageInfo.width, imageInfo.format, crc64, contentMd5,
// vpcId, clientIp, reqId, operation, and "x:name" names the custom
// variables. An unknown system variable or an undefined custom variable is
// the empty string.
//
// With the form body type every value is URL-encoded with
// [net/url.QueryEscape] ("text/plain" → "text%2Fplain", space → "+").
//
// With the JSON body type OSS substitutes without looking at the
// surrounding text and never validates the result:
//
//   - string variables become JSON strings, quotes added and contents
//     escaped (HTML characters are not escaped);
//   - size, imageInfo.width, imageInfo.height and crc64 are written as raw
//     numbers, and as nothing at all when empty (imageInfo.* of a
//     non-image);
//   - vpcId is null when empty.
//
// So a template that quotes a variable itself gets the quotes twice:
// {"o":"${object}"} renders {"o":""a.txt""}, which is not JSON, exactly as
// OSS would send it. Evidence: Cloudreve's template
// {"name":${x:fname},"source_name":${object},"size":${size},"pic_info":"${imageInfo.width},${imageInfo.height}"}
// rendered {"name":"2f7b….jpg","source_name":"1/1_hF….jpg","size":114020,"pic_info":"810,539"}
// with OSS's real signature (so numbers are raw and strings are quoted
// even next to other text); Cloudreve's earlier form-type template quoted
// "${object}" itself, and its JSON-type successor dropped those quotes but
// kept them around the numbers; its handler maps a "pic_info" of "," to ""
// (empty numbers render as nothing);
// soonio/osd's form-shaped template with the JSON type produced
// filename="local/var/www/zhuye.png"&size=5385&…, again with OSS's
// signature. crc64 as a raw number and vpcId as null follow the sample body
// in alphasnow/aliyun-oss-appserver-go, which decodes crc64 into an
// unsigned integer.
//
// # Sending
//
// Send POSTs the rendered body to each URL in turn, once, until one
// answers with status 200 and a JSON body (checked with
// [encoding/json.Valid]) of at most [Sender.MaxResponse] bytes within
// [Sender.Timeout] (5 s). Redirects are never followed. The request carries
// Content-Type, Content-Length, Content-MD5 (Base64 MD5 of the body),
// Date, User-Agent: aliyun-oss-callback, authorization
// ([ossdirect/shared/callback.Sign] over the request target exactly as
// written on the wire), x-oss-pub-key-url (Base64 of [Sender.PubKeyURL]),
// x-oss-bucket, x-oss-request-id, x-oss-signature-version: 1.0, x-oss-tag:
// CALLBACK and an empty x-oss-additional-headers, and Host: callbackHost
// when that is set. The authorization and x-oss-* names are written in lower
// case like OSS's; HTTP header names are case-insensitive anyway.
//
// Failures use OSS's published messages (see the Msg constants). An answer
// without Content-Length is accepted when its body is within the limit.
//
// # What it deliberately does not do
//
//   - callbackSNI is parsed and kept in [Spec.SNI] but not emulated: Go's
//     TLS client always sends SNI for a host name (never for an IP
//     address), which is OSS's behaviour with callbackSNI true.
//   - It sends no x-oss-owner or x-oss-requester header (seen in one captured
//     OSS callback): the emulator has no account IDs to put there.
//   - It never reads the environment and keeps no global mutable state.
//     The default HTTP client ignores proxy variables.
//   - It does not decide whether an upload carried a callback, nor write the
//     emulator's 203 or 400 response; [ArgumentError] and [Failure] carry
//     the messages for that.
package notify
