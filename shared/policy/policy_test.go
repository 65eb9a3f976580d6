package policy_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/golden"
	"ossdirect/shared/policy"
)

var exp = time.Date(2024, 1, 2, 3, 4, 5, 678_900_000, time.UTC)

// fullPolicy uses every condition kind and characters that encoding/json
// would HTML-escape.
func fullPolicy() *policy.Builder {
	return policy.New(exp).
		Exact("bucket", "examplebucket").
		Exact("x-oss-signature-version", "OSS4-HMAC-SHA256").
		Eq("success_action_status", "200").
		StartsWith("key", "user/<42>&/").
		ContentLengthRange(1, 10485760).
		In("content-type", "image/png", "image/jpeg").
		NotIn("x-oss-object-acl", "public-read", "public-read-write").
		Exact("x-oss-meta-note", "tab\there \"quoted\" back\\slash $dollar 中文 \u2028")
}

func TestMarshalExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    *policy.Builder
		want string
	}{
		{
			name: "no conditions",
			b:    policy.New(time.Date(2014, 12, 1, 12, 0, 0, 0, time.UTC)),
			want: `{"expiration":"2014-12-01T12:00:00.000Z","conditions":[]}`,
		},
		{
			name: "exact match",
			b:    policy.New(exp).Exact("bucket", "b"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[{"bucket":"b"}]}`,
		},
		{
			name: "eq",
			b:    policy.New(exp).Eq("success_action_status", "201"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["eq","$success_action_status","201"]]}`,
		},
		{
			name: "starts-with",
			b:    policy.New(exp).StartsWith("key", "dir/"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["starts-with","$key","dir/"]]}`,
		},
		{
			name: "content-length-range",
			b:    policy.New(exp).ContentLengthRange(1, 10485760),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["content-length-range",1,10485760]]}`,
		},
		{
			name: "in",
			b:    policy.New(exp).In("content-type", "image/png", "image/jpeg"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["in","$content-type",["image/png","image/jpeg"]]]}`,
		},
		{
			name: "not-in",
			b:    policy.New(exp).NotIn("content-type", "text/html"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["not-in","$content-type",["text/html"]]]}`,
		},
		{
			name: "no HTML escaping",
			b:    policy.New(exp).StartsWith("key", "<a>&b"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["starts-with","$key","<a>&b"]]}`,
		},
		{
			name: "JSON escapes",
			b:    policy.New(exp).Exact("x-oss-meta-a", "q\"b\\n\nt\tc\x01u\u2028$"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[{"x-oss-meta-a":"q\"b\\n\nt\tc\u0001u\u2028$"}]}`,
		},
		{
			name: "non-UTC expiration written in UTC",
			b:    policy.New(time.Date(2024, 1, 2, 11, 4, 5, 0, time.FixedZone("CST", 8*3600))),
			want: `{"expiration":"2024-01-02T03:04:05.000Z","conditions":[]}`,
		},
		{
			name: "insertion order kept",
			b:    policy.New(exp).StartsWith("key", "a/").Exact("bucket", "b"),
			want: `{"expiration":"2024-01-02T03:04:05.678Z","conditions":[["starts-with","$key","a/"],{"bucket":"b"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.b.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestBuildValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		b       *policy.Builder
		wantMsg string // substring naming the offending field
	}{
		{"zero expiration", policy.New(time.Time{}), "expiration: must not be zero"},
		{"expiration after year 9999", policy.New(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), "expiration: year"},
		{"negative min", policy.New(exp).ContentLengthRange(-1, 10), "min: must be >= 0"},
		{"max below min", policy.New(exp).ContentLengthRange(10, 9), "max: must be >= min"},
		{"empty field exact", policy.New(exp).Exact("", "v"), "field: must not be empty"},
		{"empty field eq", policy.New(exp).Eq("", "v"), "field: must not be empty"},
		{"empty field starts-with", policy.New(exp).StartsWith("", "v"), "field: must not be empty"},
		{"empty field in", policy.New(exp).In("", "v"), "field: must not be empty"},
		{"dollar-prefixed field", policy.New(exp).Eq("$key", "v"), `field "$key": must be given without`},
		{"empty in list", policy.New(exp).In("content-type"), `values: "$content-type" must not be empty`},
		{"empty not-in list", policy.New(exp).NotIn("content-type"), `values: "$content-type" must not be empty`},
		{"invalid UTF-8 value", policy.New(exp).Eq("key", "a\xffb"), "value: not valid UTF-8"},
		{"invalid UTF-8 list value", policy.New(exp).In("key", "a", "\xff"), "values[1]: not valid UTF-8"},
		{"unknown op", policy.New(exp).Add(policy.Condition{Op: "ends-with", Field: "key"}), `op: unknown operator "ends-with"`},
		{"unused values on eq", policy.New(exp).Add(policy.Condition{Op: policy.OpEq, Field: "key", Values: []string{"x"}}), "not used by eq"},
		{"field on range", policy.New(exp).Add(policy.Condition{Op: policy.OpContentLengthRange, Field: "key", Max: 1}), "not used by content-length-range"},
		{"index named", policy.New(exp).Exact("bucket", "b").StartsWith("", "x"), "conditions[1] (starts-with)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.b.Build()
			if !errors.Is(err, policy.ErrInvalidPolicy) {
				t.Fatalf("Build error = %v, want ErrInvalidPolicy", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Build error = %q, want it to mention %q", err, tt.wantMsg)
			}
			if _, err := tt.b.Marshal(); !errors.Is(err, policy.ErrInvalidPolicy) {
				t.Errorf("Marshal error = %v, want ErrInvalidPolicy", err)
			}
		})
	}
}

func TestBuildAcceptsEdgeValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    *policy.Builder
	}{
		{"zero-size range", policy.New(exp).ContentLengthRange(0, 0)},
		{"empty value", policy.New(exp).StartsWith("key", "")},
		{"empty string in list", policy.New(exp).In("content-type", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tt.b.Build(); err != nil {
				t.Fatalf("Build: %v", err)
			}
		})
	}
}

func TestBuildDoesNotAlias(t *testing.T) {
	t.Parallel()
	vals := []string{"image/png"}
	p, err := policy.New(exp).In("content-type", vals...).Build()
	if err != nil {
		t.Fatal(err)
	}
	vals[0] = "text/html"
	if got := p.Conditions[0].Values[0]; got != "image/png" {
		t.Errorf("policy aliases caller slice: got %q", got)
	}
}

func TestMarshalDeterministic(t *testing.T) {
	t.Parallel()
	first, err := fullPolicy().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		got, err := fullPolicy().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("Marshal not deterministic:\n%s\n%s", got, first)
		}
	}
	if bytes.HasSuffix(first, []byte("\n")) {
		t.Error("Marshal output has a trailing newline")
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	got, err := fullPolicy().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "full.golden.json", got)
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    *policy.Builder
	}{
		{"full", fullPolicy()},
		{"empty", policy.New(exp)},
		{"dollar in value", policy.New(exp).Eq("key", `a$b\$c`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, err := tt.b.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			p, err := policy.Parse(first)
			if err != nil {
				t.Fatalf("Parse(%s): %v", first, err)
			}
			second, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("round trip changed bytes:\n got %s\nwant %s", second, first)
			}
			built, _ := tt.b.Build()
			if !p.Expiration.Equal(built.Expiration) {
				t.Errorf("expiration = %v, want %v", p.Expiration, built.Expiration)
			}
		})
	}
}

func TestBase64(t *testing.T) {
	t.Parallel()
	p, err := fullPolicy().Build()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := p.Marshal()
	got, err := p.Base64()
	if err != nil {
		t.Fatal(err)
	}
	if want := base64.StdEncoding.EncodeToString(raw); got != want {
		t.Errorf("Base64 = %s, want %s", got, want)
	}
	back, err := policy.ParseBase64(got)
	if err != nil {
		t.Fatalf("ParseBase64: %v", err)
	}
	again, _ := back.Marshal()
	if !bytes.Equal(again, raw) {
		t.Errorf("ParseBase64 round trip:\n got %s\nwant %s", again, raw)
	}
}

func TestConditionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    policy.Condition
		want string
	}{
		{"exact", policy.Condition{Op: policy.OpExact, Field: "bucket", Value: "b"}, `["eq", "$bucket", "b"]`},
		{"eq", policy.Condition{Op: policy.OpEq, Field: "key", Value: "value"}, `["eq", "$key", "value"]`},
		{"starts-with", policy.Condition{Op: policy.OpStartsWith, Field: "key", Value: "dir/"}, `["starts-with", "$key", "dir/"]`},
		{"in", policy.Condition{Op: policy.OpIn, Field: "content-type", Values: []string{"a", "b"}}, `["in", "$content-type", ["a", "b"]]`},
		{"not-in", policy.Condition{Op: policy.OpNotIn, Field: "content-type", Values: []string{"a"}}, `["not-in", "$content-type", ["a"]]`},
		{"content-length-range", policy.Condition{Op: policy.OpContentLengthRange, Min: 1, Max: 100}, `["content-length-range", 1, 100]`},
		{"escaped value", policy.Condition{Op: policy.OpEq, Field: "key", Value: `a"b`}, `["eq", "$key", "a\"b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
		})
	}
}

func BenchmarkMarshalBase64(b *testing.B) {
	p, err := fullPolicy().Build()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Base64(); err != nil {
			b.Fatal(err)
		}
	}
}
