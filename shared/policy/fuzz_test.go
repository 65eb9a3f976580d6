package policy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"ossdirect/shared/policy"
)

var fuzzSeeds = []string{
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","user/eric/"]]}`,
	`{"expiration":"2014-12-01T12:00:00.000Z","conditions":[["content-length-range",1,10485760]]}`,
	`{"expiration":"2014-12-01T12:00:00.5Z","conditions":[["in","$content-type",["image/png","image/jpeg"]],["not-in","$x",["a"]]]}`,
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[["eq","$key","a\$b\\$c\\\$"]]}`,
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[{"a":"1","b":"2"}]}`,
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[[[[["deep"]]]]]}`,
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[{"x-oss-meta-a":"<&>\u2028\u0001"}]}`,
	`{"expiration":"2014-12-01T12:00:00Z","conditions":[]} trailing`,
	`[]`, ``, `\$`, `"\$"`,
}

// FuzzParse: Parse never panics; whatever it accepts marshals to valid
// JSON that parses back to the same bytes.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse(data)
		if err != nil {
			var v *policy.Violation
			if !errors.As(err, &v) || !errors.Is(err, policy.ErrInvalidPolicy) || v.Code != policy.CodeInvalidPolicyDocument {
				t.Fatalf("Parse error %#v is not an InvalidPolicyDocument violation", err)
			}
			return
		}
		first, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal of parsed policy failed: %v\ninput: %q", err, data)
		}
		if !json.Valid(first) {
			t.Fatalf("Marshal produced invalid JSON: %q", first)
		}
		q, err := policy.Parse(first)
		if err != nil {
			t.Fatalf("Parse(Marshal) failed: %v\nmarshalled: %q", err, first)
		}
		second, err := q.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("not byte-stable:\n%q\n%q", first, second)
		}
		_ = p.Evaluate(policy.Form{}, time.Time{})
	})
}

// FuzzEvaluate: Evaluate never panics, and every failure is a Violation
// with a known code.
func FuzzEvaluate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "key", "user/eric/a.png", "Content-Type", "image/png", "b", int64(5), int64(1417435200))
	}
	f.Add([]byte(fuzzSeeds[1]), "", "", "", "", "", int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, doc []byte, k1, v1, k2, v2, bucket string, size, unix int64) {
		p, err := policy.Parse(doc)
		if err != nil {
			return
		}
		form := policy.Form{Fields: map[string]string{k1: v1, k2: v2}, Bucket: bucket, Size: size}
		err = p.Evaluate(form, time.Unix(unix, 0))
		if err == nil {
			return
		}
		var v *policy.Violation
		if !errors.As(err, &v) {
			t.Fatalf("Evaluate error %T is not a *Violation", err)
		}
		switch v.Code {
		case policy.CodeAccessDenied, policy.CodeEntityTooLarge, policy.CodeEntityTooSmall:
		default:
			t.Fatalf("unexpected code %q", v.Code)
		}
		if v.Message == "" {
			t.Fatal("empty message")
		}
	})
}
