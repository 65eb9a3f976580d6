// Package policy builds, parses and evaluates OSS PostObject policy
// documents: the JSON that a PostObject form carries, Base64-encoded, in
// its policy field, and that the form's signature covers.
//
// A policy is an expiration time and an ordered list of conditions:
//
//	{"expiration":"2024-01-02T03:04:05.000Z","conditions":[
//	  {"bucket":"examplebucket"},
//	  ["starts-with","$key","user/42/"],
//	  ["content-length-range",1,10485760],
//	  ["in","$content-type",["image/png","image/jpeg"]]]}
//
// # Building
//
// [New] starts a typed [Builder]; its methods append conditions in order and
// validate them the way minio-go's PostPolicy does. [Policy.Marshal] writes
// the exact bytes that get signed: compact, no HTML escaping, no trailing
// newline, expiration in UTC with milliseconds. The same policy always
// marshals to the same bytes, so a signature over [Policy.Base64] is stable.
//
// # Parsing
//
// [Parse] and [ParseBase64] read a document with OSS's grammar, including
// the OSS-specific escape \$ for a literal dollar sign inside JSON strings.
// Marshal never writes \$ (standard JSON parsers, such as the JSON.parse
// that ali-oss runs over a policy, reject it); a literal $ is written as is.
// The escape is resolved before the document is interpreted, so \$ in a
// value and a plain $ there mean the same, and "\$key" in a field position
// reads as "$key".
// The parser is deliberately strict where OSS's documentation is silent:
//
//   - the top level must be an object with exactly the keys "expiration"
//     and "conditions", each once (unknown or duplicate keys are rejected);
//   - "conditions" may be empty;
//   - operators are matched case-sensitively (only the lower-case spellings
//     OSS documents are accepted);
//   - exact-match values and eq/starts-with values must be JSON strings;
//     numbers such as {"success_action_status":200} are rejected;
//   - a field name (the property of an exact-match object, or the name after
//     the "$" of an array condition) must be non-empty and must not itself
//     start with "$";
//   - content-length-range bounds must be JSON integers (no fraction or
//     exponent) in the int64 range, min >= 0 and max >= min;
//   - in/not-in lists must be non-empty arrays of strings;
//   - the document must be valid UTF-8, nested at most four levels, and be
//     followed by nothing but white space.
//
// Anything Parse accepts, Marshal accepts, and parse → marshal → parse →
// marshal is byte-stable.
//
// # Evaluating
//
// [Policy.Evaluate] checks a submitted [Form] the way OSS does, for the
// local OSS emulator:
//
//   - the policy is expired when now is after its expiration;
//   - field names are matched case-insensitively, values case-sensitively;
//   - form fields the policy does not mention are accepted (OSS behaviour);
//   - a condition on a field the form does not carry is evaluated against
//     the empty string, so ["starts-with","$key",""] passes and
//     {"key":"a"} fails (OSS does not document this case);
//   - the "bucket" field is always taken from [Form.Bucket], never from a
//     form field;
//   - content-length-range is checked against [Form.Size].
//
// Failures are [*Violation] values carrying OSS's error code and message,
// and the failed condition. The package does no HTTP: mapping a code to a
// status is the emulator's job.
package policy
