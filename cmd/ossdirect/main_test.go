package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, s)
	}
	return m
}

// The expected values below are known answers published by Alibaba: the
// ali-oss 6.23.0 PostObject vectors in shared/signing/testdata and the
// official Go SDK v2's signer tests (oss/signer/signer_test.go).
func TestSignPost(t *testing.T) {
	t.Parallel()
	const policy = "eyJleHBpcmF0aW9uIjoiMjAyMy0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdXX0="
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(file, []byte(`{"expiration":"2023-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760]]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		args          []string
		wantSignature string
	}{
		{"v1 base64", []string{"--version", "v1", "--access-key-secret", "sk", "--policy-base64", policy}, "t1fCKRzC6TTgMhdeE3TdZtbQOFQ="},
		{"v4 base64", []string{"--version", "v4", "--access-key-secret", "sk", "--access-key-id", "ak", "--region", "cn-hangzhou", "--date", "20231203T121212Z", "--policy-base64", policy}, "47b3a682e2561b137c99521987c611ba2e22b486ec9826226b725b2a50d338a7"},
		{"v4 oss- region prefix", []string{"--version", "v4", "--access-key-secret", "sk", "--region", "oss-cn-hangzhou", "--date", "20231203T121212Z", "--policy-base64", policy}, "47b3a682e2561b137c99521987c611ba2e22b486ec9826226b725b2a50d338a7"},
		{"v1 file", []string{"--version", "v1", "--access-key-secret", "sk", "--policy-file", file}, "t1fCKRzC6TTgMhdeE3TdZtbQOFQ="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, append([]string{"sign", "post"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			m := decode(t, out)
			if m["policy"] != policy || m["signature"] != tc.wantSignature {
				t.Fatalf("got %v, want policy %s signature %s", m, policy, tc.wantSignature)
			}
		})
	}
}

func TestSignRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantAuth string
	}{
		{
			name: "v1 TestV1AuthHeader case 1",
			args: []string{"--version", "v1", "--method", "PUT", "--bucket", "examplebucket", "--key", "nelson", "--access-key-id", "ak", "--access-key-secret", "sk",
				"--header", "Content-MD5: eB5eJF1ptWaXm4bijSPyxw==", "--header", "Content-Type: text/html", "--header", "x-oss-meta-author: alice",
				"--header", "x-oss-meta-magic: abracadabra", "--header", "x-oss-date: Wed, 28 Dec 2022 10:27:41 GMT", "--header", "Date: Wed, 28 Dec 2022 10:27:41 GMT"},
			wantAuth: "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=",
		},
		{
			name: "v1 TestV1AuthHeader case 2 with a raw sub-resource query",
			args: []string{"--version", "v1", "--method", "PUT", "--bucket", "examplebucket", "--key", "nelson", "--access-key-id", "ak", "--access-key-secret", "sk", "--query", "acl",
				"--header", "Content-MD5: eB5eJF1ptWaXm4bijSPyxw==", "--header", "Content-Type: text/html", "--header", "x-oss-meta-author: alice",
				"--header", "x-oss-meta-magic: abracadabra", "--header", "x-oss-date: Wed, 28 Dec 2022 10:27:41 GMT", "--header", "Date: Wed, 28 Dec 2022 10:27:41 GMT"},
			wantAuth: "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=",
		},
		{
			name: "v4 TestV4AuthHeaderWithAdditionalHeaders",
			args: []string{"--version", "v4", "--method", "PUT", "--bucket", "bucket", "--key", "1234+-/123/1.txt", "--access-key-id", "ak", "--access-key-secret", "sk",
				"--region", "cn-hangzhou", "--additional-headers", "ZAbc;abc", "--query", "param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2=&%7Cparam2=&param2=",
				"--header", "x-oss-head1: value", "--header", "abc: value", "--header", "ZAbc: value", "--header", "XYZ: value", "--header", "content-type: text/plain",
				"--header", "x-oss-content-sha256: UNSIGNED-PAYLOAD", "--header", "x-oss-date: " + time.Unix(1702747512, 0).UTC().Format("20060102T150405Z")},
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
		},
		{
			name: "v4 TestV4AuthHeaderToken",
			args: []string{"--version", "v4", "--method", "PUT", "--bucket", "bucket", "--key", "1234+-/123/1.txt", "--access-key-id", "ak", "--access-key-secret", "sk", "--security-token", "token",
				"--region", "cn-hangzhou", "--query", "param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2=&%7Cparam2=&param2=",
				"--header", "x-oss-head1: value", "--header", "abc: value", "--header", "ZAbc: value", "--header", "XYZ: value", "--header", "content-type: text/plain",
				"--header", "x-oss-date: " + time.Unix(1702784856, 0).UTC().Format("20060102T150405Z")},
			wantAuth: "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, append([]string{"sign", "request"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			m := decode(t, out)
			if m["authorization"] != tc.wantAuth {
				t.Fatalf("authorization = %v, want %s", m["authorization"], tc.wantAuth)
			}
			if m["stringToSign"] == "" {
				t.Error("no stringToSign")
			}
			if _, ok := m["canonicalRequest"]; ok != strings.HasPrefix(tc.wantAuth, "OSS4") {
				t.Errorf("canonicalRequest present = %v for %s", ok, tc.name)
			}
		})
	}
}

func TestSignURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantURL string
		check   func(t *testing.T, m map[string]any)
	}{
		{
			name: "v1 TestV1AuthQuery case 2 (STS, + in key)",
			args: []string{"--version", "v1", "--method", "GET", "--bucket", "bucket", "--key", "key+123", "--host", "oss-cn-hangzhou.aliyuncs.com", "--scheme", "http",
				"--access-key-id", "ak", "--access-key-secret", "sk", "--security-token", "token", "--time", "2023-11-12T16:41:44Z", "--expiration", "1699808204", "--query", "versionId=versionId"},
			wantURL: "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId",
		},
		{
			name: "v4 TestV4AuthQueryToken",
			args: []string{"--version", "v4", "--method", "PUT", "--bucket", "bucket", "--key", "1234+-/123/1.txt", "--host", "127.0.0.1:9000", "--scheme", "http",
				"--access-key-id", "ak", "--access-key-secret", "sk", "--security-token", "token", "--region", "cn-hangzhou", "--time", "1702785388", "--expires", "599",
				"--header", "x-oss-head1: value", "--header", "abc: value", "--header", "ZAbc: value", "--header", "XYZ: value", "--header", "content-type: application/octet-stream",
				"--query", "param1=value1", "--query", "+param1=value3", "--query", "|param1=value4", "--query", "+param2=", "--query", "|param2=", "--query", "param2="},
			check: func(t *testing.T, m map[string]any) {
				u := m["url"].(string)
				if !strings.HasPrefix(u, "http://127.0.0.1:9000/bucket/1234%2B-/123/1.txt?") {
					t.Errorf("url %s: want path-style on an IP host", u)
				}
				if !strings.Contains(u, "x-oss-signature=3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5") {
					t.Errorf("url %s: want the SDK's signature", u)
				}
				h := m["signedHeaders"].(map[string]any)
				if h["Content-Type"] != "application/octet-stream" || h["X-Oss-Head1"] != "value" || len(h) != 2 {
					t.Errorf("signedHeaders = %v", h)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, append([]string{"sign", "url"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			m := decode(t, out)
			if tc.wantURL != "" && m["url"] != tc.wantURL {
				t.Fatalf("url:\n got %v\nwant %s", m["url"], tc.wantURL)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	out, errOut, code := runCLI(t, "sign", "request", "--version", "v4", "--method", "GET", "--bucket", "b", "--key", "k", "--access-key-id", "ak",
		"--access-key-secret", "sk", "--region", "cn-hangzhou", "--header", "x-oss-date: 20231203T121212Z", "--explain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	decode(t, out) // stdout stays pure JSON
	for _, want := range []string{"--- canonical request", "GET\\n\n/b/k\\n\n", "--- string to sign", "OSS4-HMAC-SHA256\\n\n20231203T121212Z\\n\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("explain output lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "sk") && strings.Contains(errOut, "access-key-secret") {
		t.Error("explain leaks the secret")
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"sign without kind", []string{"sign"}, "want post, request or url"},
		{"bad version", []string{"sign", "post", "--version", "v2", "--access-key-secret", "s", "--policy-base64", "e30="}, `--version "v2": want v1 or v4`},
		{"post no secret", []string{"sign", "post", "--version", "v1", "--policy-base64", "e30="}, "--access-key-secret is required"},
		{"post no policy", []string{"sign", "post", "--version", "v1", "--access-key-secret", "s"}, "--policy-base64 or --policy-file is required"},
		{"post both policies", []string{"sign", "post", "--version", "v1", "--access-key-secret", "s", "--policy-base64", "e30=", "--policy-file", "x"}, "not both"},
		{"post bad base64", []string{"sign", "post", "--version", "v1", "--access-key-secret", "s", "--policy-base64", "%%%"}, "not standard Base64"},
		{"post not json", []string{"sign", "post", "--version", "v1", "--access-key-secret", "s", "--policy-base64", "aGVsbG8="}, "does not decode to JSON"},
		{"post v4 without date", []string{"sign", "post", "--version", "v4", "--access-key-secret", "s", "--policy-base64", "e30=", "--region", "cn-hangzhou"}, "v4 needs --region and --date"},
		{"post v4 bad date", []string{"sign", "post", "--version", "v4", "--access-key-secret", "s", "--policy-base64", "e30=", "--region", "cn-hangzhou", "--date", "2023-12-03"}, "want yyyymmddTHHMMSSZ"},
		{"post missing file", []string{"sign", "post", "--version", "v1", "--access-key-secret", "s", "--policy-file", "/nonexistent/p.json"}, "--policy-file"},
		{"request no method", []string{"sign", "request", "--version", "v1", "--bucket", "b"}, "--method is required"},
		{"request v1 no date", []string{"sign", "request", "--version", "v1", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s"}, "give --header \"Date:"},
		{"request v4 no region", []string{"sign", "request", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s"}, "v4 needs --region"},
		{"request v4 no date", []string{"sign", "request", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--region", "r"}, "x-oss-date: 20231203T121212Z"},
		{"request bad header", []string{"sign", "request", "--header", "no colon"}, `want "Name: value"`},
		{"request bad query", []string{"sign", "request", "--version", "v1", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--header", "Date: Wed, 28 Dec 2022 10:27:41 GMT", "--query", "%zz"}, "--query"},
		{"url no host", []string{"sign", "url", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--region", "r"}, "--host is required"},
		{"url both expiries", []string{"sign", "url", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--region", "r", "--host", "h", "--time", "1700000000", "--expires", "60", "--expiration", "1700000060"}, "exactly one of --expires"},
		{"url v4 over seven days", []string{"sign", "url", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--region", "r", "--host", "h", "--time", "1700000000", "--expires", "604801"}, "604800"},
		{"url bad time", []string{"sign", "url", "--version", "v4", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--region", "r", "--host", "h", "--time", "yesterday", "--expires", "60"}, "--time \"yesterday\""},
		{"url bad scheme", []string{"sign", "url", "--version", "v1", "--method", "GET", "--bucket", "b", "--access-key-id", "a", "--access-key-secret", "s", "--host", "h", "--scheme", "ftp"}, "want http or https"},
		{"stray argument", []string{"sign", "post", "extra"}, `unexpected argument "extra"`},
		{"dev bad log level", []string{"dev", "--log-level", "loud"}, `--log-level "loud"`},
		{"dev bad address", []string{"dev", "--addr", "not-an-address", "--data", os.TempDir()}, "API listener on not-an-address"},
		{"dev bad auth mode", []string{"dev", "--auth", "oauth"}, `--auth "oauth": want none, jwt or apikey`},
		{"dev apikey without keys", []string{"dev", "--auth", "apikey"}, "--api-key is required with --auth apikey"},
		{"dev api key without subject", []string{"dev", "--auth", "apikey", "--api-key", "s3cr3t-0123456789abcdef"}, "--api-key #1: want SUBJECT:KEY"},
		{"dev api key bad subject", []string{"dev", "--auth", "apikey", "--api-key", "al ice:s3cr3t-0123456789abcdef"}, "--api-key #1: the subject must be"},
		{"dev api key too short", []string{"dev", "--auth", "apikey", "--api-key", "alice:s3cr3t-0123456789abcdef", "--api-key", "bob:s3cr3t-short"}, `--api-key #2 (subject "bob"): key too short, want at least 16`},
		{"dev api key with a space", []string{"dev", "--auth", "apikey", "--api-key", "alice:s3cr3t-0123456789 abcdef"}, "must not contain spaces"},
		{"dev api key twice", []string{"dev", "--auth", "apikey", "--api-key", "alice:s3cr3t-0123456789abcdef", "--api-key", "bob:s3cr3t-0123456789abcdef"}, `key already given for subject "alice"`},
		{"dev api key without apikey mode", []string{"dev", "--api-key", "alice:s3cr3t-0123456789abcdef"}, "--api-key needs --auth apikey"},
		{"dev jwt without secret", []string{"dev", "--auth", "jwt", "--jwt-issuer", "me"}, "--jwt-secret is required with --auth jwt"},
		{"dev jwt short secret", []string{"dev", "--auth", "jwt", "--jwt-secret", "s3cr3t-only-31-bytes-long-xxxxx"}, "--jwt-secret is too short: HS256 needs at least 32 bytes"},
		{"dev jwt secret without jwt mode", []string{"dev", "--auth", "apikey", "--api-key", "alice:0123456789abcdef", "--jwt-secret", "s3cr3t-0123456789abcdef0123456789abcdef"}, "--jwt-secret needs --auth jwt"},
		{"dev jwt audience without jwt mode", []string{"dev", "--jwt-audience", "uploads"}, "--jwt-audience needs --auth jwt"},
		{"dev trigger prefix with a slash", []string{"dev", "--oss-trigger-prefix", "/uploads/"}, `--oss-trigger-prefix "/uploads/": an object key never starts with`},
		{"dev trigger prefix without events", []string{"dev", "--oss-events=false", "--oss-trigger-prefix", "uploads/"}, "--oss-trigger-prefix needs --oss-events"},
		{"dev bad oss-events value", []string{"dev", "--oss-events=maybe"}, `invalid boolean value "maybe" for -oss-events`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, stdout %s", out)
			}
			if out != "" {
				t.Errorf("stdout on failure: %q", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if strings.Contains(errOut, "s3cr3t") { // every secret above contains s3cr3t
				t.Errorf("stderr echoes a secret: %q", errOut)
			}
		})
	}
}

// Without any credential flag, sign takes ALIBABA_CLOUD_ACCESS_KEY_ID,
// _SECRET and _SECURITY_TOKEN from the environment; with one, none of them.
func TestCredentialsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk", "ALIBABA_CLOUD_SECURITY_TOKEN": "token"})
	sign := func(extra ...string) (string, string, int) {
		var out, errb bytes.Buffer
		args := append([]string{"sign", "request", "--version", "v4", "--method", "PUT", "--bucket", "bucket", "--key", "1234+-/123/1.txt",
			"--region", "cn-hangzhou", "--query", "param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2=&%7Cparam2=&param2=",
			"--header", "x-oss-head1: value", "--header", "abc: value", "--header", "ZAbc: value", "--header", "XYZ: value", "--header", "content-type: text/plain",
			"--header", "x-oss-date: " + time.Unix(1702784856, 0).UTC().Format("20060102T150405Z")}, extra...)
		code := runWith(args, strings.NewReader(""), &out, &errb, env)
		return out.String(), errb.String(), code
	}
	// TestV4AuthHeaderToken's answer: the token came from the environment.
	out, errOut, code := sign()
	if m := decode(t, out); code != 0 || m["authorization"] != "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea" {
		t.Fatalf("from the environment: exit %d, %s %s", code, out, errOut)
	}
	// A flag given: the environment is not consulted, so the secret is missing.
	if out, errOut, code := sign("--access-key-id", "other"); code != exitUsage || out != "" || !strings.Contains(errOut, "--access-key-secret is required") {
		t.Fatalf("with --access-key-id: exit %d, %s %s", code, out, errOut)
	}
}
