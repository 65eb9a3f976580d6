package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

func signPost(args []string, stdout, stderr io.Writer) error {
	const cmd = "sign post"
	fs := newFlagSet(cmd, stderr)
	ver := fs.String("version", "", "signature version: v1 or v4")
	ak := fs.String("access-key-id", "", "AccessKey ID (v4: part of the credential; optional)")
	sk := fs.String("access-key-secret", "", "AccessKey secret")
	policyB64 := fs.String("policy-base64", "", "the policy form field, signed exactly as given")
	policyFile := fs.String("policy-file", "", "a file holding the policy JSON; its bytes are Base64-encoded as they are")
	region := fs.String("region", "", "v4: region id, e.g. cn-hangzhou")
	date := fs.String("date", "", "v4: x-oss-date, e.g. 20231203T121212Z")
	doExplain := fs.Bool("explain", false, "print what is signed, newlines made visible, on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v, err := parseVersion(cmd, *ver)
	if err != nil {
		return err
	}
	if *sk == "" {
		return fmt.Errorf("%s: --access-key-secret is required", cmd)
	}
	var policy string
	switch {
	case *policyB64 != "" && *policyFile != "":
		return fmt.Errorf("%s: give --policy-base64 or --policy-file, not both", cmd)
	case *policyB64 != "":
		raw, err := base64.StdEncoding.DecodeString(*policyB64)
		if err != nil {
			return fmt.Errorf("%s: --policy-base64 is not standard Base64: %v", cmd, err)
		}
		if !json.Valid(raw) {
			return fmt.Errorf("%s: --policy-base64 does not decode to JSON", cmd)
		}
		policy = *policyB64
	case *policyFile != "":
		raw, err := os.ReadFile(*policyFile)
		if err != nil {
			return fmt.Errorf("%s: --policy-file: %v", cmd, err)
		}
		if !json.Valid(raw) {
			return fmt.Errorf("%s: --policy-file %s is not JSON", cmd, *policyFile)
		}
		policy = base64.StdEncoding.EncodeToString(raw)
	default:
		return fmt.Errorf("%s: --policy-base64 or --policy-file is required", cmd)
	}
	out := map[string]string{"policy": policy}
	if v == 1 {
		out["signature"] = signing.PostSignatureV1(*sk, policy)
	} else {
		if *region == "" || *date == "" {
			return fmt.Errorf("%s: v4 needs --region and --date", cmd)
		}
		t, err := signing.ParseV4Date(*date)
		if err != nil {
			return fmt.Errorf("%s: --date %q: want yyyymmddTHHMMSSZ, e.g. 20231203T121212Z", cmd, *date)
		}
		r := signing.RegionID(*region)
		out["signature"] = signing.PostSignatureV4(*sk, t, r, policy)
		if *doExplain && *ak != "" {
			fmt.Fprintf(stderr, "x-oss-credential: %s\n", signing.V4Credential(*ak, t, r, "oss"))
		}
	}
	if *doExplain {
		explain(stderr, [2]string{"string to sign (the policy field)", policy})
	}
	if printJSON(stdout, stderr, out) != 0 {
		return fmt.Errorf("%s: writing output failed", cmd)
	}
	return nil
}

// requestFlags are the flags sign request and sign url share.
type requestFlags struct {
	version, method, bucket, key, ak, sk, token, region, additional string
	headers                                                         headerList
	explain                                                         bool
}

func bindRequestFlags(fs *flag.FlagSet, f *requestFlags) {
	fs.StringVar(&f.version, "version", "", "signature version: v1 or v4")
	fs.StringVar(&f.method, "method", "", "HTTP method, e.g. PUT")
	fs.StringVar(&f.bucket, "bucket", "", "bucket name")
	fs.StringVar(&f.key, "key", "", "object key, raw (not percent-encoded)")
	fs.StringVar(&f.ak, "access-key-id", "", "AccessKey ID")
	fs.StringVar(&f.sk, "access-key-secret", "", "AccessKey secret")
	fs.StringVar(&f.token, "security-token", "", "STS security token, for temporary credentials")
	fs.StringVar(&f.region, "region", "", "v4: region id, e.g. cn-hangzhou")
	fs.StringVar(&f.additional, "additional-headers", "", "v4: extra headers to sign, \"h1;h2\"")
	fs.Var(&f.headers, "header", "a request header \"Name: value\" (repeatable)")
	fs.BoolVar(&f.explain, "explain", false, "print the canonical request and string to sign, newlines made visible, on stderr")
}

// request validates the shared flags and builds the request to sign.
func (f *requestFlags) request(cmd string) (int, *signing.Request, error) {
	v, err := parseVersion(cmd, f.version)
	if err != nil {
		return 0, nil, err
	}
	if err := required(cmd, map[string]string{"method": f.method, "bucket": f.bucket, "access-key-id": f.ak, "access-key-secret": f.sk},
		"method", "bucket", "access-key-id", "access-key-secret"); err != nil {
		return 0, nil, err
	}
	if v == 4 && f.region == "" {
		return 0, nil, fmt.Errorf("%s: v4 needs --region, e.g. cn-hangzhou", cmd)
	}
	if f.additional != "" && v == 1 {
		return 0, nil, fmt.Errorf("%s: --additional-headers is a v4 feature", cmd)
	}
	h := f.headers.h
	if h == nil {
		h = http.Header{}
	}
	req := &signing.Request{Method: strings.ToUpper(f.method), Bucket: f.bucket, Key: f.key, Header: h, Region: f.region}
	if f.additional != "" {
		req.AdditionalHeaders = strings.Split(f.additional, ";")
	}
	return v, req, nil
}

func signRequest(args []string, stdout, stderr io.Writer) error {
	const cmd = "sign request"
	fs := newFlagSet(cmd, stderr)
	f := requestFlags{}
	bindRequestFlags(fs, &f)
	rawQuery := fs.String("query", "", "the raw query string as sent, e.g. \"uploadId=abc&partNumber=1\"")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v, req, err := f.request(cmd)
	if err != nil {
		return err
	}
	if req.Query, err = url.ParseQuery(*rawQuery); err != nil {
		return fmt.Errorf("%s: --query %q: %v", cmd, *rawQuery, err)
	}
	creds := signing.Credentials{AccessKeyID: f.ak, AccessKeySecret: f.sk, SecurityToken: f.token}
	var sig *signing.HeaderSignature
	if v == 1 {
		date := req.Header.Get("Date")
		if date == "" {
			date = req.Header.Get("X-Oss-Date")
		}
		if date == "" {
			return fmt.Errorf("%s: v1 signs the request's time: give --header \"Date: Mon, 02 Jan 2006 15:04:05 GMT\" (or x-oss-date)", cmd)
		}
		t, err := http.ParseTime(date)
		if err != nil {
			return fmt.Errorf("%s: Date %q is not an HTTP date like \"Mon, 02 Jan 2006 15:04:05 GMT\"", cmd, date)
		}
		sig, err = signing.SignV1(req, creds, t)
		if err != nil {
			return fmt.Errorf("%s: %v", cmd, err)
		}
	} else {
		d := req.Header.Get("X-Oss-Date")
		if d == "" {
			return fmt.Errorf("%s: v4 signs the request's time: give --header \"x-oss-date: 20231203T121212Z\"", cmd)
		}
		t, err := signing.ParseV4Date(d)
		if err != nil {
			return fmt.Errorf("%s: x-oss-date %q: want yyyymmddTHHMMSSZ", cmd, d)
		}
		sig, err = signing.SignV4(req, creds, t)
		if err != nil {
			return fmt.Errorf("%s: %v", cmd, err)
		}
	}
	if f.explain {
		explain(stderr, [2]string{"canonical request", sig.CanonicalRequest}, [2]string{"string to sign", sig.StringToSign})
	}
	out := map[string]string{"stringToSign": sig.StringToSign, "authorization": sig.Authorization}
	if v == 4 {
		out["canonicalRequest"] = sig.CanonicalRequest
	}
	if printJSON(stdout, stderr, out) != 0 {
		return fmt.Errorf("%s: writing output failed", cmd)
	}
	return nil
}

func signURL(args []string, stdout, stderr io.Writer) error {
	const cmd = "sign url"
	fs := newFlagSet(cmd, stderr)
	f := requestFlags{}
	bindRequestFlags(fs, &f)
	host := fs.String("host", "", "host of the URL: an endpoint (oss-cn-hangzhou.aliyuncs.com), bucket.endpoint, a custom domain, or 127.0.0.1:9000")
	scheme := fs.String("scheme", "https", "http or https")
	style := fs.String("style", "auto", "how the URL names the bucket: auto, virtual, path or cname")
	at := fs.String("time", "", "signing time: RFC 3339 or unix seconds")
	expiresIn := fs.Int64("expires", 0, "lifetime in seconds")
	expiration := fs.Int64("expiration", 0, "absolute expiry, unix seconds")
	var query queryList
	fs.Var(&query, "query", "a query parameter k=v of the URL (repeatable), e.g. uploadId=abc")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v, req, err := f.request(cmd)
	if err != nil {
		return err
	}
	if *host == "" {
		return fmt.Errorf("%s: --host is required", cmd)
	}
	if *scheme != "http" && *scheme != "https" {
		return fmt.Errorf("%s: --scheme %q: want http or https", cmd, *scheme)
	}
	if *at == "" {
		return fmt.Errorf("%s: --time is required", cmd)
	}
	t, err := parseTime("time", *at)
	if err != nil {
		return fmt.Errorf("%s: %v", cmd, err)
	}
	var exp time.Time
	switch {
	case (*expiresIn != 0) == (*expiration != 0):
		return fmt.Errorf("%s: give exactly one of --expires SECONDS or --expiration UNIX", cmd)
	case *expiresIn < 0:
		return fmt.Errorf("%s: --expires %d: must be positive", cmd, *expiresIn)
	case *expiresIn > 0:
		exp = t.Add(time.Duration(*expiresIn) * time.Second)
	default:
		exp = time.Unix(*expiration, 0).UTC()
	}
	if !exp.After(t) {
		return fmt.Errorf("%s: the expiry %s is not after --time %s", cmd, exp.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	st, err := addressStyle(*style, *host, f.bucket)
	if err != nil {
		return err
	}
	req.Query = query.q
	creds := signing.Credentials{AccessKeyID: f.ak, AccessKeySecret: f.sk, SecurityToken: f.token}
	var p *signing.Presigned
	if v == 1 {
		p, err = signing.PresignV1(req, creds, exp)
	} else {
		p, err = signing.PresignV4(req, creds, t, exp.Sub(t))
	}
	if err != nil {
		return fmt.Errorf("%s: %v", cmd, err)
	}
	if f.explain {
		explain(stderr, [2]string{"canonical request", p.CanonicalRequest}, [2]string{"string to sign", p.StringToSign})
	}
	out := map[string]any{
		"url":           signing.ObjectURL(*scheme, *host, f.bucket, f.key, st, p.RawQuery),
		"signedHeaders": p.SignedHeaders,
		"stringToSign":  p.StringToSign,
	}
	if printJSON(stdout, stderr, out) != 0 {
		return fmt.Errorf("%s: writing output failed", cmd)
	}
	return nil
}
