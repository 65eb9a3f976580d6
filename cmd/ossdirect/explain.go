package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"ossdirect/shared/signing"
)

// maxErrorBody bounds what explain reads as OSS's error: OSS's bodies are
// a few KB.
const maxErrorBody = 1 << 20

// explainCommand is "ossdirect explain": it reads OSS's SignatureDoesNotMatch
// body and the request that got it, and says what differs between what OSS
// received and what the signature covers (diagnose.go). Exit 0 when it
// found the cause, 1 when not, 2 on bad input.
func explainCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	const cmd = "explain"
	fs := newFlagSet(cmd, stdout)
	errorFile := fs.String("error", "", "`FILE` holding OSS's XML error body (or x-oss-err's Base64); - reads stdin")
	method := fs.String("method", "", "HTTP `METHOD` of the request, e.g. PUT")
	rawURL := fs.String("url", "", "the request's `URL`, query included (a presigned URL as used)")
	var headers headerList
	fs.Var(&headers, "header", "a request header `'Name: value'` as sent, Authorization included (repeatable)")
	bucket := fs.String("bucket", "", "the `BUCKET`, when the URL is a custom domain (CNAME) that does not show it")
	var creds credentialFlags
	creds.bind(fs.FlagSet, "AccessKey `ID` the request was signed with (optional: OSS's error names it)", false)
	doExplain := fs.Bool("explain", false, "also print the cause and both sides' canonical request and string to sign, newlines made visible, on stderr")
	if err := fs.parse(args); err != nil {
		return usageFailed(stderr, cmd, err)
	}
	creds.fill(fs.FlagSet, lookup)
	if err := required(cmd, map[string]string{"error": *errorFile, "method": *method, "url": *rawURL}, "error", "method", "url"); err != nil {
		return usageFailed(stderr, cmd, err)
	}
	var raw []byte
	var err error
	if *errorFile == "-" {
		raw, err = io.ReadAll(io.LimitReader(stdin, maxErrorBody))
	} else {
		raw, err = os.ReadFile(*errorFile)
	}
	if err != nil {
		return usageFailed(stderr, cmd, usagef("%s: --error: %v", cmd, err))
	}
	e, err := parseSigError(raw)
	if err != nil {
		return usageFailed(stderr, cmd, usagef("%s: --error: %v", cmd, err))
	}
	if e.Code != "SignatureDoesNotMatch" {
		fmt.Fprintf(stderr, "ossdirect %s: %s\n", cmd, otherError(e))
		return exitUsage
	}
	v := 1
	if strings.HasPrefix(e.StringToSign, signing.AlgorithmV4+"\n") {
		v = 4
	}
	req, err := requestOf(v, strings.ToUpper(*method), *rawURL, *bucket, headers.h, e)
	if err == nil && creds.ak != "" && e.AccessKeyID != "" && creds.ak != e.AccessKeyID {
		err = fmt.Errorf("the AccessKey ID given (%s) is not the one the request was signed with (%s): give that key's secret", creds.ak, e.AccessKeyID)
	}
	if err != nil {
		return usageFailed(stderr, cmd, usagef("%s: %w", cmd, err))
	}
	d, err := diagnose(e, req, v, creds.sk)
	if err != nil {
		return usageFailed(stderr, cmd, usagef("%s: %w", cmd, err))
	}
	if *doExplain {
		printDiagnosis(stderr, d)
	}
	if code := printJSON(stdout, stderr, d); code != 0 {
		return exitUsage
	}
	if !d.found {
		return 1
	}
	return 0
}

// otherError says what an error other than SignatureDoesNotMatch means.
func otherError(e *sigError) string {
	what := map[string]string{
		"RequestTimeTooSkewed": "the request's time (x-oss-date, or Date for V1) is more than 15 minutes from OSS's clock: fix the clock that stamps it (and sign that time)",
		"InvalidAccessKeyId":   "OSS knows no such AccessKey ID: check the ID, and that the key is enabled",
		"AccessDenied":         "the signature was accepted or not needed, but the request is not allowed (a RAM policy, the bucket's ACL, an expired URL or policy)",
		"SecurityTokenExpired": "the STS token has expired: get new temporary credentials",
		"InvalidArgument":      "the request is malformed (an Authorization header or presigned query OSS cannot read, a credential naming another region…)",
	}[e.Code]
	if what == "" {
		what = "explain only explains SignatureDoesNotMatch"
	}
	return fmt.Sprintf("OSS answered %s (%q), not SignatureDoesNotMatch: %s", e.Code, e.Message, what)
}

// requestOf builds the request explain reasons about from the flags: the
// bucket and key from the URL, the signature's parameters from the
// Authorization header or the presigned query, what the request lacks from
// OSS's error e.
func requestOf(v int, method, rawURL, bucketFlag string, hdr http.Header, e *sigError) (*request, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want an http(s) URL with a host", rawURL)
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("--url: the query is malformed: %v", err)
	}
	bucket, key, err := objectOf(u, bucketFlag, v, e)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, vs := range hdr {
		h[k] = append([]string(nil), vs...)
	}
	authz := h.Values("Authorization")
	h.Del("Authorization")
	if h.Get("Host") == "" {
		h.Set("Host", u.Host)
	}
	var a *signing.Auth
	switch presigned, perr := signing.ParsePresignedQuery(query); {
	case perr != nil:
		return nil, fmt.Errorf("--url: %v", perr)
	case len(authz) > 1:
		return nil, errors.New("--header: Authorization given twice")
	case len(authz) == 1 && presigned != nil:
		return nil, errors.New("the request has both an Authorization header and a presigned query: OSS refuses that with InvalidArgument")
	case len(authz) == 1:
		if a, err = signing.ParseAuthorization(authz[0]); err != nil {
			return nil, fmt.Errorf("--header Authorization: %v", err)
		}
	default:
		a = presigned // nil: the header-signed request's Authorization was not given; OSS's error stands in
	}
	if a != nil && a.Version != v {
		return nil, fmt.Errorf("the request is signed with V%d, OSS's error is about a V%d signature: give the request that got this error", a.Version, v)
	}
	if a != nil && e.SignatureProvided != "" && !sameSignature(v, a.Signature, e.SignatureProvided) {
		return nil, fmt.Errorf("the request's signature %s is not the one OSS received (%s): give the request that got this error", a.Signature, e.SignatureProvided)
	}
	r := &request{method: method, bucket: bucket, key: key, header: h, query: query, presigned: a != nil && a.Presigned}
	if v == 1 {
		return r, r.v1Date(a)
	}
	return r, r.v4Scope(a, e)
}

// v1Date sets the V1 Date line and drops the presigned signature's own
// parameters, which V1 does not sign.
func (r *request) v1Date(a *signing.Auth) error {
	if r.presigned {
		r.dateLine = r.query.Get("Expires")
		r.query.Del("Signature")
		r.query.Del("OSSAccessKeyId")
		r.query.Del("Expires")
		return nil
	}
	r.dateLine = r.header.Get("Date")
	if r.dateLine == "" {
		r.dateLine = r.header.Get("X-Oss-Date")
	}
	if r.dateLine == "" {
		return errors.New("the request has neither a Date nor an x-oss-date header: give its headers as sent (--header)")
	}
	return nil
}

// v4Scope sets the V4 time, scope and additional headers: from the
// Authorization header or presigned query a, else from OSS's error.
func (r *request) v4Scope(a *signing.Auth, e *sigError) error {
	r.product = "oss"
	if r.presigned {
		r.date = r.query.Get("x-oss-date")
		r.query.Del("x-oss-signature")
	} else {
		r.date = r.header.Get("X-Oss-Date")
		if r.date == "" {
			return errors.New("the request has no x-oss-date header: give its headers as sent (--header)")
		}
	}
	if _, err := signing.ParseV4Date(r.date); err != nil {
		return fmt.Errorf("x-oss-date %q: want yyyymmddTHHMMSSZ", r.date)
	}
	if a != nil {
		r.region, r.product, r.additional = a.Region, a.Product, a.AdditionalHeaders
		return nil
	}
	// The scope OSS used: yyyymmdd/region/product/aliyun_v4_request.
	if lines := strings.Split(e.StringToSign, "\n"); len(lines) == 4 {
		if parts := strings.Split(lines[2], "/"); len(parts) == 4 {
			r.region, r.product = parts[1], parts[2]
		}
	}
	if r.region == "" {
		return errors.New("OSS's StringToSign has no credential scope and the request no Authorization header: give it (--header 'Authorization: …')")
	}
	if lines := strings.Split(e.CanonicalRequest, "\n"); len(lines) >= 6 && lines[len(lines)-2] != "" {
		r.additional = strings.Split(lines[len(lines)-2], ";")
	}
	return nil
}

// objectOf finds the bucket and key a URL addresses: path style on an IP
// address, localhost or a bare OSS endpoint (/bucket/key); virtual-hosted on
// bucket.oss-….aliyuncs.com (/key); with --bucket, a custom domain too.
// Otherwise OSS's error, which signs /bucket/key, names the bucket.
func objectOf(u *url.URL, bucketFlag string, v int, e *sigError) (bucket, key string, err error) {
	host := strings.ToLower(u.Hostname())
	p := strings.TrimPrefix(u.Path, "/")
	pathStyle := func(b string) (string, string, error) {
		first, rest, _ := strings.Cut(p, "/")
		if first != b {
			return b, p, nil // a custom domain: the path is the key
		}
		return b, rest, nil
	}
	switch {
	case bucketFlag != "" && strings.HasPrefix(host, bucketFlag+"."):
		return bucketFlag, p, nil
	case bucketFlag != "":
		return pathStyle(bucketFlag)
	case net.ParseIP(host) != nil || host == "localhost" || strings.HasPrefix(host, "oss-"):
		first, rest, _ := strings.Cut(p, "/")
		return first, rest, nil
	case strings.HasSuffix(host, ".aliyuncs.com"):
		b, _, _ := strings.Cut(host, ".")
		return b, p, nil
	}
	if b := signedBucket(v, e); b != "" {
		return pathStyle(b)
	}
	return "", "", fmt.Errorf("--url %s: cannot tell the bucket from this host; give --bucket", u.Host)
}

// signedBucket reads the bucket from the resource OSS signed: V1's last
// line, V4's canonical URI.
func signedBucket(v int, e *sigError) string {
	var res string
	if v == 1 {
		res = e.StringToSign[strings.LastIndexByte(e.StringToSign, '\n')+1:]
	} else if lines := strings.Split(e.CanonicalRequest, "\n"); len(lines) > 1 {
		res = lines[1]
	}
	b, _, _ := strings.Cut(strings.TrimPrefix(res, "/"), "/")
	if b, err := url.PathUnescape(b); err == nil {
		return b
	}
	return ""
}

// printDiagnosis writes the human form of d: the cause, the hint, and both
// sides with every newline visible.
func printDiagnosis(w io.Writer, d *diagnosis) {
	fmt.Fprintf(w, "cause: %s\n", d.Cause)
	if d.Hint != "" {
		fmt.Fprintf(w, "hint: %s\n", d.Hint)
	}
	for _, x := range d.Diff {
		fmt.Fprintf(w, "  %s: OSS %s, signed %s\n", x.Field, quoteOrNone(x.OSS), quoteOrNone(x.Signed))
	}
	parts := [][2]string{
		{"OSS's canonical request", d.OSS.CanonicalRequest},
		{"your canonical request", d.Yours.CanonicalRequest},
	}
	if d.Signed != nil {
		parts = append(parts, [2]string{"the canonical request your signature covers", d.Signed.CanonicalRequest})
	}
	parts = append(parts, [2]string{"OSS's string to sign", d.OSS.StringToSign}, [2]string{"your string to sign", d.Yours.StringToSign})
	if d.Signed != nil {
		parts = append(parts, [2]string{"the string to sign your signature covers", d.Signed.StringToSign})
	}
	explain(w, parts...)
}

func quoteOrNone(p *string) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%q", *p)
}
