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

func signPost(args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const cmd = "sign post"
	fs := newFlagSet(cmd, stdout)
	ver := fs.String("version", "", "signature `VERSION`: v1 or v4")
	var creds credentialFlags
	creds.bind(fs.FlagSet, "AccessKey `ID` (optional; v4 --explain shows the x-oss-credential with it)", false)
	policyB64 := fs.String("policy-base64", "", "the policy form field `B64`, signed exactly as given")
	policyFile := fs.String("policy-file", "", "a `FILE` holding the policy JSON; its bytes are Base64-encoded as they are")
	region := fs.String("region", "", "v4: `REGION` id, e.g. cn-hangzhou")
	date := fs.String("date", "", "v4: x-oss-date `DATE`, e.g. 20231203T121212Z")
	doExplain := fs.Bool("explain", false, "print what is signed, newlines made visible, on stderr")
	if err := fs.parse(args); err != nil {
		return err
	}
	creds.fill(fs.FlagSet, lookup)
	v, err := parseVersion(cmd, *ver)
	if err != nil {
		return err
	}
	if creds.sk == "" {
		return usagef("%s: --access-key-secret is required", cmd)
	}
	var policy string
	switch {
	case *policyB64 != "" && *policyFile != "":
		return usagef("%s: give --policy-base64 or --policy-file, not both", cmd)
	case *policyB64 != "":
		raw, err := base64.StdEncoding.DecodeString(*policyB64)
		if err != nil {
			return usagef("%s: --policy-base64 is not standard Base64: %v", cmd, err)
		}
		if !json.Valid(raw) {
			return usagef("%s: --policy-base64 does not decode to JSON", cmd)
		}
		policy = *policyB64
	case *policyFile != "":
		raw, err := os.ReadFile(*policyFile)
		if err != nil {
			return usagef("%s: --policy-file: %v", cmd, err)
		}
		if !json.Valid(raw) {
			return usagef("%s: --policy-file %s is not JSON", cmd, *policyFile)
		}
		policy = base64.StdEncoding.EncodeToString(raw)
	default:
		return usagef("%s: --policy-base64 or --policy-file is required", cmd)
	}
	out := map[string]string{"policy": policy}
	if v == 1 {
		out["signature"] = signing.PostSignatureV1(creds.sk, policy)
	} else {
		if *region == "" || *date == "" {
			return usagef("%s: v4 needs --region and --date", cmd)
		}
		t, err := signing.ParseV4Date(*date)
		if err != nil {
			return usagef("%s: --date %q: want yyyymmddTHHMMSSZ, e.g. 20231203T121212Z", cmd, *date)
		}
		r := signing.RegionID(*region)
		out["signature"] = signing.PostSignatureV4(creds.sk, t, r, policy)
		if *doExplain && creds.ak != "" {
			fmt.Fprintf(stderr, "x-oss-credential: %s\n", signing.V4Credential(creds.ak, t, r, "oss"))
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
	version, method, bucket, key, region, additional string
	creds                                            credentialFlags
	headers                                          headerList
	explain                                          bool
}

func bindRequestFlags(fs *flag.FlagSet, f *requestFlags) {
	fs.StringVar(&f.version, "version", "", "signature `VERSION`: v1 or v4")
	fs.StringVar(&f.method, "method", "", "HTTP `METHOD`, e.g. PUT")
	fs.StringVar(&f.bucket, "bucket", "", "`BUCKET` name")
	fs.StringVar(&f.key, "key", "", "object `KEY`, raw (not percent-encoded)")
	f.creds.bind(fs, "AccessKey `ID`", true)
	fs.StringVar(&f.region, "region", "", "v4: `REGION` id, e.g. cn-hangzhou")
	fs.StringVar(&f.additional, "additional-headers", "", "v4: extra headers to sign, `h1;h2`")
	fs.Var(&f.headers, "header", "a request header `'Name: value'` (repeatable)")
	fs.BoolVar(&f.explain, "explain", false, "print the canonical request and string to sign, newlines made visible, on stderr")
}

// request validates the shared flags and builds the request to sign.
func (f *requestFlags) request(cmd string) (int, *signing.Request, error) {
	v, err := parseVersion(cmd, f.version)
	if err != nil {
		return 0, nil, err
	}
	if err := required(cmd, map[string]string{"method": f.method, "bucket": f.bucket, "access-key-id": f.creds.ak, "access-key-secret": f.creds.sk},
		"method", "bucket", "access-key-id", "access-key-secret"); err != nil {
		return 0, nil, err
	}
	if v == 4 && f.region == "" {
		return 0, nil, usagef("%s: v4 needs --region, e.g. cn-hangzhou", cmd)
	}
	if f.additional != "" && v == 1 {
		return 0, nil, usagef("%s: --additional-headers is a v4 feature", cmd)
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

func signRequest(args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const cmd = "sign request"
	fs := newFlagSet(cmd, stdout)
	f := requestFlags{}
	bindRequestFlags(fs.FlagSet, &f)
	rawQuery := fs.String("query", "", "the raw `QUERY` string as sent, e.g. uploadId=abc&partNumber=1")
	if err := fs.parse(args); err != nil {
		return err
	}
	f.creds.fill(fs.FlagSet, lookup)
	v, req, err := f.request(cmd)
	if err != nil {
		return err
	}
	if req.Query, err = url.ParseQuery(*rawQuery); err != nil {
		return usagef("%s: --query %q: %v", cmd, *rawQuery, err)
	}
	creds := f.creds.credentials()
	var sig *signing.HeaderSignature
	if v == 1 {
		date := req.Header.Get("Date")
		if date == "" {
			date = req.Header.Get("X-Oss-Date")
		}
		if date == "" {
			return usagef("%s: v1 signs the request's time: give --header \"Date: Mon, 02 Jan 2006 15:04:05 GMT\" (or x-oss-date)", cmd)
		}
		t, err := http.ParseTime(date)
		if err != nil {
			return usagef("%s: Date %q is not an HTTP date like \"Mon, 02 Jan 2006 15:04:05 GMT\"", cmd, date)
		}
		sig, err = signing.SignV1(req, creds, t)
		if err != nil {
			return usagef("%s: %v", cmd, err)
		}
	} else {
		d := req.Header.Get("X-Oss-Date")
		if d == "" {
			return usagef("%s: v4 signs the request's time: give --header \"x-oss-date: 20231203T121212Z\"", cmd)
		}
		t, err := signing.ParseV4Date(d)
		if err != nil {
			return usagef("%s: x-oss-date %q: want yyyymmddTHHMMSSZ", cmd, d)
		}
		sig, err = signing.SignV4(req, creds, t)
		if err != nil {
			return usagef("%s: %v", cmd, err)
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

func signURL(args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const cmd = "sign url"
	fs := newFlagSet(cmd, stdout)
	f := requestFlags{}
	bindRequestFlags(fs.FlagSet, &f)
	host := fs.String("host", "", "`HOST` of the URL: an endpoint (oss-cn-hangzhou.aliyuncs.com), bucket.endpoint, a custom domain, or 127.0.0.1:9000")
	scheme := fs.String("scheme", "https", "`SCHEME`: http or https")
	style := fs.String("style", "auto", "how the URL names the bucket (`STYLE`): auto, virtual, path or cname")
	at := fs.String("time", "", "signing `TIME`: RFC 3339 or unix seconds")
	expiresIn := fs.Int64("expires", 0, "lifetime in `SECONDS` (v4: at most 604800)")
	expiration := fs.Int64("expiration", 0, "absolute expiry, `UNIX` seconds")
	var query queryList
	fs.Var(&query, "query", "a query parameter `k=v` of the URL (repeatable), e.g. uploadId=abc")
	if err := fs.parse(args); err != nil {
		return err
	}
	f.creds.fill(fs.FlagSet, lookup)
	v, req, err := f.request(cmd)
	if err != nil {
		return err
	}
	if *host == "" {
		return usagef("%s: --host is required", cmd)
	}
	if *scheme != "http" && *scheme != "https" {
		return usagef("%s: --scheme %q: want http or https", cmd, *scheme)
	}
	if *at == "" {
		return usagef("%s: --time is required", cmd)
	}
	t, err := parseTime("time", *at)
	if err != nil {
		return usagef("%s: %v", cmd, err)
	}
	var exp time.Time
	switch {
	case (*expiresIn != 0) == (*expiration != 0):
		return usagef("%s: give exactly one of --expires SECONDS or --expiration UNIX", cmd)
	case *expiresIn < 0:
		return usagef("%s: --expires %d: must be positive", cmd, *expiresIn)
	case *expiresIn > 0:
		exp = t.Add(time.Duration(*expiresIn) * time.Second)
	default:
		exp = time.Unix(*expiration, 0).UTC()
	}
	if !exp.After(t) {
		return usagef("%s: the expiry %s is not after --time %s", cmd, exp.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	st, err := addressStyle(*style, *host, f.bucket)
	if err != nil {
		return err
	}
	req.Query = query.q
	creds := f.creds.credentials()
	var p *signing.Presigned
	if v == 1 {
		p, err = signing.PresignV1(req, creds, exp)
	} else {
		p, err = signing.PresignV4(req, creds, t, exp.Sub(t))
	}
	if err != nil {
		return usagef("%s: %v", cmd, err)
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
