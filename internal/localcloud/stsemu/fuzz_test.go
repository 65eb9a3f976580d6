package stsemu_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/localcloud/stsemu"
)

// FuzzParsePolicy: ParsePolicy never panics; every error wraps one of its
// two sentinels; an accepted policy keeps its text, evaluates without
// panicking, and its canonical form parses to as many statements.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		uploadPolicy,
		`{"Version":"1","Statement":{"Effect":"Deny","Action":"oss:*","Resource":"*"}}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:?et*","Resource":"acs:oss:*:*:b/**?*","Condition":{"Bool":{"acs:SecureTransport":[true,"x",1]}}}]}`,
		`{"Version":"1","Version":"1"}`,
		`{"Version":"1","Statement":[]} trailing`,
		`[[[[[[]]]]]]`, ``, `{`, `"`, `null`,
	} {
		f.Add(s, "oss:PutObject", "acs:oss:*:*:bucket/prefix/x.png")
	}
	f.Fuzz(func(t *testing.T, doc, action, resource string) {
		p, err := stsemu.ParsePolicy(doc)
		if err != nil {
			if !errors.Is(err, stsemu.ErrInvalidPolicy) && !errors.Is(err, stsemu.ErrPolicyTooLarge) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if p.String() != doc {
			t.Fatal("String() differs from the parsed document")
		}
		_ = p.Allows(action, resource)
		canon, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		q, err := stsemu.ParsePolicy(string(canon))
		if errors.Is(err, stsemu.ErrPolicyTooLarge) {
			return // the canonical form may be longer (arrays, escapes)
		}
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", canon, err)
		}
		if len(q.Statements) != len(p.Statements) {
			t.Fatalf("canonical form has %d statements, want %d", len(q.Statements), len(p.Statements))
		}
		if q.Allows(action, resource) != p.Allows(action, resource) {
			t.Fatal("canonical form evaluates differently")
		}
	})
}

// FuzzLookup: Lookup never panics, and nothing but the genuine token for
// the genuine access key ID verifies.
func FuzzLookup(f *testing.F) {
	// A fixed randomness source: every fuzz worker process issues the same
	// tokens, so "genuine" means the same thing in all of them.
	a, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret,
		Rand: bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 2))})
	if err != nil {
		f.Fatal(err)
	}
	p, err := stsemu.ParsePolicy(uploadPolicy)
	if err != nil {
		f.Fatal(err)
	}
	genuine := make(map[string]string) // token -> access key ID
	for _, pol := range []*stsemu.Policy{nil, p} {
		c, err := a.Issue(testRole, "fuzz", pol, time.Hour, issueTime)
		if err != nil {
			f.Fatal(err)
		}
		genuine[c.SecurityToken] = c.AccessKeyID
		f.Add(c.AccessKeyID, c.SecurityToken)
		f.Add(c.AccessKeyID, c.SecurityToken[:len(c.SecurityToken)/2])
		f.Add(c.AccessKeyID, strings.Replace(c.SecurityToken, ".", "", 1))
	}
	f.Add("", "")
	f.Add("STS.x", "CAIS.")
	f.Add("STS.x", "CAIS"+strings.Repeat("A", 100)+"."+strings.Repeat("B", 43))
	f.Fuzz(func(t *testing.T, ak, token string) {
		id, err := a.Lookup(ak, token, issueTime)
		if err != nil {
			if !errors.Is(err, stsemu.ErrInvalidToken) && !errors.Is(err, stsemu.ErrTokenExpired) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if genuine[token] != ak || id.AccessKeyID != ak {
			t.Fatalf("a token that was never issued verified: ak %q token %q", ak, token)
		}
	})
}

// FuzzServeHTTP: whatever the query, body and method, the handler answers
// JSON with a request id and never a 5xx.
func FuzzServeHTTP(f *testing.F) {
	a, err := stsemu.NewAuthority(stsemu.AuthorityConfig{AccessKeyID: rootID, AccessKeySecret: rootSecret, Now: fixedClock(issueTime)})
	if err != nil {
		f.Fatal(err)
	}
	s, err := stsemu.New(stsemu.Config{Authority: a, NonceCapacity: 16})
	if err != nil {
		f.Fatal(err)
	}
	valid := signedParams("POST", issueTime, "fuzz-nonce", map[string]string{"Policy": uploadPolicy}).Encode()
	f.Add("POST", valid, "")
	f.Add("POST", "", valid)
	f.Add("GET", "Action=AssumeRole&Action=AssumeRole", "")
	f.Add("PUT", "%zz", "a=%")
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" && method != "PUT" {
			method = "POST"
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var out struct{ RequestId string }
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.RequestId == "" || w.Header().Get("x-acs-request-id") != out.RequestId {
			t.Fatalf("status %d, body %q is not a JSON answer with a request id", w.Code, w.Body)
		}
		if w.Code != http.StatusOK && strings.Contains(w.Body.String(), rootSecret) {
			t.Fatal("root secret in response")
		}
	})
}
