package main

// Why OSS answered SignatureDoesNotMatch. OSS's error carries what it
// signed (V1: the string to sign; V4: the string to sign, holding only the
// canonical request's hash, and often the canonical request itself) and
// the signature the client sent. diagnose recomputes both from the request
// the user describes and compares, in two directions:
//
//   - what OSS received: the user's request, or the one variant of it (a
//     usual suspect: another Content-Type, a header missing, the path
//     encoded otherwise…) whose string to sign equals OSS's;
//   - what the signature covers: with the secret, the request or variant
//     whose signature equals the one OSS received.
//
// The difference between the two is the cause. Nothing here does I/O; the
// explain command (explain.go) reads the inputs and prints the result.

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

// sigError is OSS's SignatureDoesNotMatch body (reference/oss-protocol.md
// §3; CanonicalRequest is returned for V4).
type sigError struct {
	Code              string
	Message           string
	RequestID         string `xml:"RequestId"`
	AccessKeyID       string `xml:"OSSAccessKeyId"`
	SignatureProvided string
	StringToSign      string
	StringToSignBytes string
	CanonicalRequest  string
}

// parseSigError reads OSS's XML error body, or its Base64 as a HEAD
// response carries it in x-oss-err. StringToSignBytes, when present and
// well formed, is the exact string to sign (an XML parser may have changed
// its whitespace).
func parseSigError(raw []byte) (*sigError, error) {
	raw = []byte(strings.TrimSpace(string(raw)))
	if len(raw) > 0 && raw[0] != '<' {
		if dec, err := base64.StdEncoding.DecodeString(string(raw)); err == nil {
			raw = dec
		}
	}
	var e sigError
	if err := xml.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("not OSS's XML error body: %v", err)
	}
	if e.Code == "" {
		return nil, errors.New("not OSS's XML error body: no <Code>")
	}
	if b, ok := decodeHexBytes(e.StringToSignBytes); ok {
		e.StringToSign = string(b)
	}
	return &e, nil
}

// decodeHexBytes decodes "50 55 54 0A " (either case, any spacing).
func decodeHexBytes(s string) ([]byte, bool) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, false
	}
	out := make([]byte, 0, len(fields))
	for _, f := range fields {
		b, err := hex.DecodeString(f)
		if err != nil || len(b) != 1 {
			return nil, false
		}
		out = append(out, b[0])
	}
	return out, true
}

// request is a request as a signature sees it: the one the user describes,
// or a variant of it.
type request struct {
	method       string
	bucket, key  string
	header       http.Header // as sent, Authorization removed, Host set
	query        url.Values  // as sent, without the unsigned signature parameters
	subResources []string    // V1: query names signed beyond the default set
	// dateLine is V1's Date line: the Date header, else x-oss-date; a
	// presigned URL's Expires.
	dateLine string
	// V4: the time (x-oss-date, header or presigned query), the scope the
	// credential names, the additional headers.
	presigned       bool
	date            string
	region, product string
	additional      []string
	// Rewrites of the canonical form, for variants no request produces:
	// V4's canonical URI and payload line, V1's resource line.
	uri, payload, resource string
	// keyDate and keyRegion, when set, derive the V4 signing key otherwise
	// than the scope says; note says so (the canonical form cannot).
	keyDate   time.Time
	keyRegion string
	note      string
}

func (r *request) clone() *request {
	c := *r
	c.header = r.header.Clone()
	c.query = url.Values{}
	for k, vs := range r.query {
		c.query[k] = slices.Clone(vs)
	}
	c.subResources = slices.Clone(r.subResources)
	c.additional = slices.Clone(r.additional)
	return &c
}

// canon is what a signature covers: V4's canonical request and the string
// to sign.
type canon struct {
	CanonicalRequest string `json:"canonicalRequest,omitempty"`
	StringToSign     string `json:"stringToSign"`
}

// compute returns r's canonical request (V4) and string to sign, as OSS
// computes them (shared/signing, checked against the official SDKs).
func (r *request) compute(v int) (canon, error) {
	sr := &signing.Request{Method: r.method, Bucket: r.bucket, Key: r.key, Header: r.header, Query: r.query, SubResources: r.subResources}
	if v == 1 {
		sts := signing.StringToSignV1(sr, r.dateLine)
		if r.resource != "" {
			sts = sts[:strings.LastIndexByte(sts, '\n')+1] + r.resource
		}
		return canon{StringToSign: sts}, nil
	}
	t, err := signing.ParseV4Date(r.date)
	if err != nil {
		return canon{}, err
	}
	cr := signing.CanonicalRequestV4(sr, r.additional)
	if r.uri != "" || r.payload != "" {
		lines := strings.Split(cr, "\n")
		if r.uri != "" {
			lines[1] = r.uri
		}
		if r.payload != "" {
			lines[len(lines)-1] = r.payload
		}
		cr = strings.Join(lines, "\n")
	}
	return canon{CanonicalRequest: cr, StringToSign: signing.StringToSignV4(t, r.region, r.product, cr)}, nil
}

// signs reports whether signature is r's signature of sts under secret.
func (r *request) signs(v int, sts, secret, signature string) bool {
	if v == 1 {
		return sameSignature(v, signing.SignatureV1(secret, sts), signature)
	}
	t, err := signing.ParseV4Date(r.date)
	if err != nil {
		return false
	}
	if !r.keyDate.IsZero() {
		t = r.keyDate
	}
	region := r.region
	if r.keyRegion != "" {
		region = r.keyRegion
	}
	return sameSignature(v, signing.SignatureV4(secret, t, region, r.product, sts), signature)
}

// sameSignature compares two signatures as bytes (base64 for V1, hex in
// either case for V4), in constant time.
func sameSignature(v int, a, b string) bool {
	decode := hex.DecodeString
	if v == 1 {
		decode = base64.StdEncoding.DecodeString
	}
	x, err1 := decode(a)
	y, err2 := decode(b)
	return err1 == nil && err2 == nil && hmac.Equal(x, y)
}

// diagnosis is explain's answer.
type diagnosis struct {
	Version string `json:"version"`
	// Match: the request as given recomputes to OSS's string to sign, so
	// OSS received what the user describes.
	Match bool `json:"match"`
	// Cause names the difference between what OSS received and what the
	// signature covers; when none was found it says what is known.
	Cause string `json:"cause"`
	Hint  string `json:"hint,omitempty"`
	// Diff lists every difference: "oss" is what OSS received and signed,
	// "signed" what the client's signature covers (null: absent).
	Diff []diffEntry `json:"diff"`
	// SignatureChecked: a secret was given, so "signed" is what the
	// signature was found to cover, not the request as given.
	SignatureChecked bool  `json:"signatureChecked"`
	OSS              canon `json:"oss"`
	Yours            canon `json:"yours"`
	// Signed is what the signature covers, when found and not Yours.
	Signed *canon `json:"signed,omitempty"`
	found  bool
}

type diffEntry struct {
	Field  string  `json:"field"`
	OSS    *string `json:"oss"`
	Signed *string `json:"signed"`
}

// diagnose compares OSS's error e with the request u (version v) and, with
// secret, the signature OSS received.
func diagnose(e *sigError, u *request, v int, secret string) (*diagnosis, error) {
	d := &diagnosis{Version: fmt.Sprintf("v%d", v), Diff: []diffEntry{}, SignatureChecked: secret != ""}
	d.OSS = canon{CanonicalRequest: e.CanonicalRequest, StringToSign: e.StringToSign}
	yours, err := u.compute(v)
	if err != nil {
		return nil, err
	}
	d.Yours = yours
	d.Match = yours.StringToSign == e.StringToSign

	// The two searches: the variant OSS received, the variant signed.
	var received, signed *request
	var receivedCanon, signedCanon canon
	for _, c := range variants(u, v, e) {
		cc, err := c.compute(v)
		if err != nil {
			continue
		}
		if received == nil && cc.StringToSign == e.StringToSign {
			received, receivedCanon = c, cc
		}
		if signed == nil && secret != "" && c.signs(v, cc.StringToSign, secret, e.SignatureProvided) {
			signed, signedCanon = c, cc
		}
		if received != nil && (signed != nil || secret == "") {
			break
		}
	}

	// What OSS received, as fields: the variant, or OSS's own text.
	ossFields := fieldsOf(v, d.OSS)
	if received != nil {
		ossFields = fieldsOf(v, receivedCanon)
	}
	if signed != nil && signed != u {
		d.Signed = &signedCanon
	}
	if c, ok := structuralCause(u); ok && signed == nil {
		d.Cause, d.Hint, d.found = c, "Send every header the signature covers, or sign without it.", true
		d.Diff = diffFields(ossFields, fieldsOf(v, yours))
		return d, nil
	}
	switch {
	case secret != "" && signed == nil:
		d.Cause = noSignatureCause(received == u, e)
		d.Diff = diffFields(ossFields, fieldsOf(v, yours))
		return d, nil
	case signed != nil && received == signed:
		d.Cause = "your signature verifies with this secret for the request OSS received: OSS holds another secret for AccessKey " +
			e.AccessKeyID + " (was it rotated or disabled?), or this error belongs to another request"
		return d, nil
	}
	signedFields := fieldsOf(v, yours)
	if signed != nil {
		signedFields = fieldsOf(v, signedCanon)
	}
	d.Diff = diffFields(ossFields, signedFields)
	if len(d.Diff) == 0 && signed != nil && signed.note != "" {
		d.Cause, d.found = signed.note, true
		d.Hint = "The V4 signing key is derived from the secret, the date, the region and \"oss\"; derive it with the date and region the credential names."
		return d, nil
	}
	if len(d.Diff) == 0 {
		switch {
		case secret == "" && d.Match:
			d.Cause = "OSS computed the same string to sign from this request, so it received what you describe; " +
				"give --access-key-secret (or $ALIBABA_CLOUD_ACCESS_KEY_SECRET) to find what your signature covers"
		default:
			d.Cause = "OSS signed a different canonical request and none of the usual suspects tried reproduces it: compare OSS's " +
				"canonical request and string to sign with yours (below, or with --explain)"
		}
		return d, nil
	}
	d.Cause, d.Hint = describe(d.Diff, u)
	d.found = true
	return d, nil
}

// noSignatureCause is the answer when no variant carries the signature;
// asDescribed: OSS received the request as given.
func noSignatureCause(asDescribed bool, e *sigError) string {
	what := "OSS's string to sign differs from your request's"
	if asDescribed {
		what = "OSS received the request as you describe it"
	}
	return what + ", but neither it nor any variant tried carries your signature with this secret: check that the secret " +
		"is AccessKey " + e.AccessKeyID + "'s, or compare your signer's string to sign with OSS's (below, or with --explain)"
}

// structuralCause finds an additional header the signature names but the
// request does not carry: OSS then signs the name without a value.
func structuralCause(u *request) (string, bool) {
	for _, name := range u.additional {
		if u.header.Get(name) == "" {
			return fmt.Sprintf("%s: the signature lists it in AdditionalHeaders, but you sent no %s header", name, name), true
		}
	}
	return "", false
}

// field is one named part of a canonical form.
type field struct{ name, value string }

const (
	fieldMethod   = "method"
	fieldResource = "resource"
	fieldURI      = "canonical URI"
	fieldDateLine = "Date line"
	fieldPayload  = "payload"
	fieldAddl     = "AdditionalHeaders"
	fieldTime     = "x-oss-date (string to sign)"
	fieldScope    = "scope"
	queryPrefix   = "query "
)

// fieldsOf splits a canonical form into named fields: V1's string to sign
// by line; V4's canonical request by line, query parameter and header,
// then the string to sign's time and scope (its last line, the hash, stands
// for the canonical request).
func fieldsOf(v int, c canon) []field {
	if v == 1 {
		lines := strings.Split(c.StringToSign, "\n")
		if len(lines) < 5 {
			return []field{{"string to sign", c.StringToSign}}
		}
		fs := []field{{fieldMethod, lines[0]}, {"Content-MD5", lines[1]}, {"Content-Type", lines[2]}, {fieldDateLine, lines[3]}}
		for _, l := range lines[4 : len(lines)-1] {
			name, value, _ := strings.Cut(l, ":")
			fs = append(fs, field{name, value})
		}
		return append(fs, field{fieldResource, lines[len(lines)-1]})
	}
	var fs []field
	if lines := strings.Split(c.CanonicalRequest, "\n"); c.CanonicalRequest != "" && len(lines) >= 6 {
		fs = append(fs, field{fieldMethod, lines[0]}, field{fieldURI, lines[1]})
		if lines[2] != "" {
			for _, p := range strings.Split(lines[2], "&") {
				name, value, _ := strings.Cut(p, "=")
				fs = append(fs, field{queryPrefix + name, value})
			}
		}
		i := 3
		for ; i < len(lines)-3 && lines[i] != ""; i++ {
			name, value, _ := strings.Cut(lines[i], ":")
			fs = append(fs, field{name, value})
		}
		fs = append(fs, field{fieldAddl, lines[len(lines)-2]}, field{fieldPayload, lines[len(lines)-1]})
	}
	if lines := strings.Split(c.StringToSign, "\n"); len(lines) == 4 {
		fs = append(fs, field{fieldTime, lines[1]}, field{fieldScope, lines[2]})
	}
	return fs
}

// absentWhenEmpty are fields whose empty value means "not sent".
var absentWhenEmpty = map[string]bool{"Content-MD5": true, "Content-Type": true, "content-md5": true, "content-type": true, fieldAddl: true}

// diffFields lists the fields that differ, in OSS's order then the
// signed side's. When one side's V4 canonical request is unknown (OSS did
// not return it), only the string to sign's time and scope are compared.
func diffFields(oss, signed []field) []diffEntry {
	ossHasCR := slices.ContainsFunc(oss, func(f field) bool { return f.name == fieldMethod })
	signedHasCR := slices.ContainsFunc(signed, func(f field) bool { return f.name == fieldMethod })
	comparable := func(name string) bool {
		return ossHasCR && signedHasCR || name == fieldTime || name == fieldScope
	}
	value := func(fs []field, name string) *string {
		for _, f := range fs {
			if f.name == name {
				if f.value == "" && absentWhenEmpty[name] {
					return nil
				}
				v := f.value
				return &v
			}
		}
		return nil
	}
	var out []diffEntry
	seen := map[string]bool{}
	for _, f := range slices.Concat(oss, signed) {
		if seen[f.name] || !comparable(f.name) {
			continue
		}
		seen[f.name] = true
		a, b := value(oss, f.name), value(signed, f.name)
		if (a == nil) != (b == nil) || a != nil && *a != *b {
			out = append(out, diffEntry{Field: f.name, OSS: a, Signed: b})
		}
	}
	// The time is in the x-oss-date header and in the string to sign: one
	// entry says it.
	if slices.ContainsFunc(out, func(d diffEntry) bool { return d.Field == "x-oss-date" }) {
		out = slices.DeleteFunc(out, func(d diffEntry) bool { return d.Field == fieldTime })
	}
	if out == nil {
		out = []diffEntry{}
	}
	return out
}

// describe renders the first difference as the cause, with a hint.
func describe(diff []diffEntry, u *request) (cause, hint string) {
	d := diff[0]
	show := func(p *string) string {
		if p == nil {
			return "none"
		}
		return *p
	}
	sentVsSigned := func(name string) string {
		return fmt.Sprintf("%s: you sent %s, the signature covered %s", name, show(d.OSS), show(d.Signed))
	}
	switch f := d.Field; {
	case f == fieldMethod:
		cause, hint = sentVsSigned("method"), "Sign the method you send; a CDN in front of OSS may turn HEAD into GET."
	case f == "Content-Type" || f == "content-type":
		cause = sentVsSigned("Content-Type")
		hint = "Sign exactly the Content-Type the client sends: a browser sends a File's or Blob's own type (or none), and a presigned URL's signedHeaders must be sent as they are."
	case f == "Content-MD5" || f == "content-md5":
		cause, hint = sentVsSigned("Content-MD5"), "Sign the Content-MD5 you send, or send none."
	case f == fieldDateLine:
		cause = fmt.Sprintf("Date line: OSS signed %s, the signature covered %s", show(d.OSS), show(d.Signed))
		hint = "V1 signs the Date header, or x-oss-date when there is no Date header (a presigned URL: Expires); sign the value OSS will use."
		if u.header.Get("Date") != "" && u.header.Get("X-Oss-Date") != "" {
			hint = "Your request has both Date and x-oss-date: OSS signs the Date header's value. Sign that, or send only x-oss-date."
		}
	case f == "x-oss-date" || f == fieldTime:
		cause = fmt.Sprintf("x-oss-date: you sent %s, the signature covered %s", show(d.OSS), show(d.Signed))
		hint = "OSS takes the time from the x-oss-date you send: read the clock once, sign and send that value, and sign again when you retry."
	case f == fieldScope:
		cause = fmt.Sprintf("credential scope: OSS used %s, the signature covered %s", show(d.OSS), show(d.Signed))
		hint = "The scope is <yyyymmdd>/<region>/oss/aliyun_v4_request from the x-oss-date's day and the credential's region: sign with the same."
	case f == fieldResource || f == fieldURI:
		cause = fmt.Sprintf("%s: OSS signed %s, your signature covered %s", f, show(d.OSS), show(d.Signed))
		hint = resourceHint(u, show(d.OSS), show(d.Signed), f == fieldURI)
	case f == fieldPayload:
		cause = fmt.Sprintf("payload hash: OSS signed %s, the signature covered %s", show(d.OSS), show(d.Signed))
		hint = "OSS V4 signs the payload as UNSIGNED-PAYLOAD: send x-oss-content-sha256: UNSIGNED-PAYLOAD and sign that."
	case f == fieldAddl:
		cause = fmt.Sprintf("AdditionalHeaders: OSS signed %q, the signature covered %q", show(d.OSS), show(d.Signed))
		hint = "AdditionalHeaders lists the extra headers the signature covers; send it as signed."
	case strings.HasPrefix(f, queryPrefix):
		name := strings.TrimPrefix(f, queryPrefix)
		switch {
		case d.Signed == nil:
			cause = fmt.Sprintf("query parameter %s: you sent %s=%s, the signature did not cover it", name, name, *d.OSS)
		case d.OSS == nil:
			cause = fmt.Sprintf("query parameter %s: the signature covered %s=%s, OSS did not receive it", name, name, *d.Signed)
		default:
			cause = sentVsSigned("query parameter " + name)
		}
		hint = "V4 signs every query parameter: add them all before signing, and do not add any after."
	default: // a header
		switch {
		case d.Signed == nil:
			cause = fmt.Sprintf("%s: you sent %s: %s, the signature did not cover it", f, f, *d.OSS)
			hint = "Send only headers you signed."
			if strings.HasPrefix(f, "x-oss-") {
				hint = "OSS signs every x-oss-* header it receives: sign it, or do not send it (a presigned URL lists in signedHeaders what to send)."
			}
		case d.OSS == nil:
			cause = fmt.Sprintf("%s: the signature covered %s: %s, OSS did not receive it", f, f, *d.Signed)
			hint = "Send every header the signature covers; a proxy, a CDN or the browser may have dropped it."
		default:
			cause = sentVsSigned(f)
			hint = "Send the header with the value you signed."
			if f == "host" {
				hint = "The signature covers the Host header (AdditionalHeaders=host): sign the host the request goes to (bucket.endpoint for a virtual-hosted URL, the endpoint for path style)."
			}
		}
	}
	switch n := len(diff) - 1; {
	case n == 1:
		cause += " (and 1 more difference, see diff)"
	case n > 1:
		cause += fmt.Sprintf(" (and %d more differences, see diff)", n)
	}
	return cause, hint
}

// resourceHint explains a resource (V1) or canonical URI (V4) mismatch.
func resourceHint(u *request, oss, signed string, v4 bool) string {
	bucketPath := "/" + u.bucket + "/"
	switch {
	case u.bucket != "" && strings.HasPrefix(oss, bucketPath) && !strings.HasPrefix(signed, bucketPath):
		return "OSS always signs /<bucket>/<key>, whatever the URL: a virtual-hosted URL (bucket in the host) has the path /<key>, but the signature still covers /<bucket>/<key>."
	case u.bucket != "" && strings.HasPrefix(signed, bucketPath+u.bucket+"/"):
		return "In a path-style URL (bucket in the path, as on the local stack) the key is the path after the bucket: your signer took the whole path as the key and added the bucket again."
	case v4:
		return "V4 signs /<bucket>/<key> percent-encoded once from the raw key: every byte but A-Z a-z 0-9 - _ . ~ and / as %XX in upper case (a space is %20, never +)."
	}
	return "V1 signs /<bucket>/<key> with the raw key, not percent-encoded, followed by the sorted sub-resources."
}

// maxClockSearch bounds the times tried around the request's own: OSS
// refuses a request more than 15 minutes off with RequestTimeTooSkewed.
const maxClockSearch = 15 * 60

// commonContentTypes are tried when the Content-Type may differ.
var commonContentTypes = []string{
	"application/octet-stream", "image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml", "image/heic", "image/avif",
	"video/mp4", "video/quicktime", "video/webm", "audio/mpeg", "audio/wav", "application/pdf", "application/json", "application/zip",
	"application/xml", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "text/plain;charset=UTF-8",
	"text/plain; charset=utf-8", "text/html", "text/csv",
}

// regions are OSS's public region ids, tried for a V4 key derived for
// another region than the credential names.
var regions = []string{
	"cn-hangzhou", "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu",
	"cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1",
	"ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "us-east-1", "us-west-1", "eu-west-1", "eu-central-1",
	"me-east-1", "me-central-1",
}

// variants returns u first, then u changed in one usual suspect each: what
// a client typically signs otherwise than it sends, or a proxy changes.
func variants(u *request, v int, e *sigError) []*request {
	out := []*request{u}
	add := func(change func(c *request)) {
		c := u.clone()
		change(c)
		out = append(out, c)
	}
	// Content-Type: missing, or another one.
	ct := u.header.Get("Content-Type")
	if ct != "" {
		add(func(c *request) { c.header.Del("Content-Type") })
	}
	types := slices.Clone(commonContentTypes)
	if t := mime.TypeByExtension(path.Ext(u.key)); t != "" {
		types = append([]string{t}, types...)
	}
	if base, _, ok := strings.Cut(ct, ";"); ok {
		types = append(types, strings.TrimSpace(base))
	} else if ct != "" {
		types = append(types, ct+";charset=UTF-8", ct+"; charset=utf-8")
	}
	for _, t := range types {
		if t != ct {
			add(func(c *request) { c.header.Set("Content-Type", t) })
		}
	}
	if u.header.Get("Content-MD5") != "" {
		add(func(c *request) { c.header.Del("Content-MD5") })
	}
	// A header the signature covers by default, one at a time: sent but
	// not signed, or signed but not sent.
	for _, name := range slices.Sorted(maps.Keys(u.header)) {
		low := strings.ToLower(name)
		if strings.HasPrefix(low, "x-oss-") && low != "x-oss-date" {
			add(func(c *request) { c.header.Del(name) })
		}
	}
	if v == 1 && u.header.Get("Date") != "" && u.header.Get("X-Oss-Date") != "" && !u.presigned {
		add(func(c *request) { c.dateLine = c.header.Get("X-Oss-Date") }) // signed x-oss-date, as browsers do
	}
	// The method: a CDN may turn HEAD into GET.
	for _, m := range []string{"GET", "HEAD", "PUT", "POST", "DELETE"} {
		if m != u.method {
			add(func(c *request) { c.method = m })
		}
	}
	// Query parameters, one at a time (not the presigned signature's own).
	for _, name := range slices.Sorted(maps.Keys(u.query)) {
		if !strings.HasPrefix(name, "x-oss-") || !u.presigned {
			add(func(c *request) { c.query.Del(name) })
		}
		if v == 1 && !signing.IsSubResourceV1(name, u.subResources) {
			add(func(c *request) { c.subResources = append(c.subResources, name) })
		}
	}
	out = append(out, pathVariants(u, v)...)
	if v == 4 {
		out = append(out, v4Variants(u, e)...)
	}
	out = append(out, clockVariants(u, v)...)
	return out
}

// pathVariants sign the object's path otherwise: without the bucket (a
// virtual-hosted URL's path), with the bucket twice (a path-style URL's
// path taken as the key), encoded otherwise.
func pathVariants(u *request, v int) []*request {
	var out []*request
	add := func(p string) {
		c := u.clone()
		if v == 1 {
			c.resource = p + v1SubResources(u)
		} else {
			c.uri = p
		}
		out = append(out, c)
	}
	enc := func(s string) string { return signing.URIEncode(s, false) }
	if v == 1 {
		add("/" + u.key)
		add("/" + u.bucket + "/" + u.bucket + "/" + u.key)
		add("/" + u.bucket + "/" + enc(u.key))
		return out
	}
	add("/" + enc(u.key))
	add("/" + u.bucket + "/" + enc(u.bucket+"/"+u.key))
	add("/" + u.bucket + "/" + enc(enc(u.key)))                                       // encoded twice
	add("/" + u.bucket + "/" + u.key)                                                 // not encoded
	add("/" + u.bucket + "/" + signing.URIEncode(u.key, true))                        // "/" encoded too
	add("/" + u.bucket + "/" + strings.ReplaceAll(enc(u.key), "%20", "+"))            // form encoding
	add("/" + u.bucket + "/" + (&url.URL{Path: u.key}).EscapedPath())                 // Go's URL path encoding
	add("/" + u.bucket + "/" + strings.ReplaceAll(url.PathEscape(u.key), "%2F", "/")) // JavaScript-like encodeURIComponent
	return out
}

// v1SubResources is the "?…" part of u's V1 resource line.
func v1SubResources(u *request) string {
	sts := signing.StringToSignV1(&signing.Request{Method: u.method, Bucket: u.bucket, Key: u.key, Query: u.query, SubResources: u.subResources}, "")
	res := sts[strings.LastIndexByte(sts, '\n')+1:]
	if i := strings.IndexByte(res, '?'); i >= 0 {
		return res[i:]
	}
	return ""
}

// v4Variants: OSS's time, the payload hash, the Host signed, the key
// derived for another region or day.
func v4Variants(u *request, e *sigError) []*request {
	var out []*request
	add := func(change func(c *request)) {
		c := u.clone()
		change(c)
		out = append(out, c)
	}
	if lines := strings.Split(e.StringToSign, "\n"); len(lines) == 4 && lines[1] != u.date && !u.presigned {
		add(func(c *request) { c.date = lines[1]; c.header.Set("X-Oss-Date", lines[1]) })
	}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	add(func(c *request) { c.header.Set("X-Oss-Content-Sha256", emptySHA256) })
	add(func(c *request) { c.payload = emptySHA256 })
	if slices.Contains(u.additional, "host") {
		// The host signed for the other addressing style, or without the port.
		host := u.header.Get("Host")
		hostname, _, _ := strings.Cut(host, ":")
		for _, h := range []string{u.bucket + "." + host, strings.TrimPrefix(host, u.bucket+"."), hostname} {
			if h != host {
				add(func(c *request) { c.header.Set("Host", h) })
			}
		}
	}
	t, err := signing.ParseV4Date(u.date)
	if err != nil {
		return out
	}
	keyRegions := append([]string{"oss-" + u.region}, regions...)
	for _, r := range keyRegions {
		if r != u.region {
			add(func(c *request) {
				c.keyRegion = r
				c.note = fmt.Sprintf("signing key: your signature was made with the key for region %s, but the credential (and OSS) name %s", r, u.region)
			})
		}
	}
	for _, days := range []int{-1, 1} {
		add(func(c *request) {
			c.keyDate = t.AddDate(0, 0, days)
			c.note = fmt.Sprintf("signing key: your signature was made with the key of %s, but x-oss-date %s and the scope are of %s",
				c.keyDate.Format("20060102"), u.date, t.Format("20060102"))
		})
	}
	return out
}

// clockVariants sign another time than the request carries: seconds to
// minutes off (the time read twice, a retry that re-stamped the header), or
// whole hours (local time written as UTC).
func clockVariants(u *request, v int) []*request {
	if u.presigned {
		return nil
	}
	var t time.Time
	var err error
	if v == 1 {
		t, err = http.ParseTime(u.dateLine)
	} else {
		t, err = signing.ParseV4Date(u.date)
	}
	if err != nil {
		return nil
	}
	var offsets []time.Duration
	for s := 1; s <= maxClockSearch; s++ {
		offsets = append(offsets, -time.Duration(s)*time.Second, time.Duration(s)*time.Second)
	}
	for h := 1; h <= 14; h++ {
		offsets = append(offsets, -time.Duration(h)*time.Hour, time.Duration(h)*time.Hour)
	}
	out := make([]*request, 0, len(offsets))
	for _, off := range offsets {
		c := u.clone()
		at := t.Add(off)
		if v == 1 {
			c.dateLine = at.UTC().Format(http.TimeFormat)
			if u.header.Get("Date") == "" { // the Date line came from x-oss-date, which is signed twice
				c.header.Set("X-Oss-Date", c.dateLine)
			}
		} else {
			c.date = signing.FormatV4Date(at)
			c.header.Set("X-Oss-Date", c.date)
		}
		out = append(out, c)
	}
	return out
}
