package policy_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"ossdirect/shared/policy"
)

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	at := time.Date(2014, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		doc     string
		wantExp time.Time
		want    []policy.Condition
	}{
		{
			name:    "OSS doc sample, no fraction",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[{"bucket":"johnsmith"},["starts-with","$key","user/eric/"]]}`,
			wantExp: at,
			want: []policy.Condition{
				{Op: policy.OpExact, Field: "bucket", Value: "johnsmith"},
				{Op: policy.OpStartsWith, Field: "key", Value: "user/eric/"},
			},
		},
		{
			name:    "milliseconds",
			doc:     `{"expiration":"2014-12-01T12:00:00.000Z","conditions":[]}`,
			wantExp: at,
			want:    []policy.Condition{},
		},
		{
			name:    "nanoseconds",
			doc:     `{"expiration":"2014-12-01T12:00:00.123456789Z","conditions":[]}`,
			wantExp: at.Add(123456789),
			want:    []policy.Condition{},
		},
		{
			name:    "keys in either order, white space",
			doc:     " {\n \"conditions\" : [ [\"eq\" , \"$key\" , \"k\" ] ] ,\t\"expiration\":\"2014-12-01T12:00:00Z\" } \n",
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpEq, Field: "key", Value: "k"}},
		},
		{
			name:    "content-length-range",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[["content-length-range",0,1048576000]]}`,
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpContentLengthRange, Min: 0, Max: 1048576000}},
		},
		{
			name:    "in and not-in",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[["in","$content-type",["image/png","image/jpeg"]],["not-in","$x-oss-object-acl",["public-read"]]]}`,
			wantExp: at,
			want: []policy.Condition{
				{Op: policy.OpIn, Field: "content-type", Values: []string{"image/png", "image/jpeg"}},
				{Op: policy.OpNotIn, Field: "x-oss-object-acl", Values: []string{"public-read"}},
			},
		},
		{
			name:    "OSS escape \\$ is a literal dollar",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[["eq","$key","a\$b"]]}`,
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpEq, Field: "key", Value: "a$b"}},
		},
		{
			name:    "escaped backslash before dollar",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[["eq","$key","a\\$b"]]}`,
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpEq, Field: "key", Value: `a\$b`}},
		},
		{
			name:    "escaped backslash then escaped dollar",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[["eq","$key","\\\$"]]}`,
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpEq, Field: "key", Value: `\$`}},
		},
		{
			name:    "standard JSON escapes",
			doc:     `{"expiration":"2014-12-01T12:00:00Z","conditions":[{"x-oss-meta-a":"\/\"\b\f\n\r\t\u4e2d"}]}`,
			wantExp: at,
			want:    []policy.Condition{{Op: policy.OpExact, Field: "x-oss-meta-a", Value: "/\"\b\f\n\r\t中"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := policy.Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !p.Expiration.Equal(tt.wantExp) {
				t.Errorf("Expiration = %v, want %v", p.Expiration, tt.wantExp)
			}
			if !reflect.DeepEqual(p.Conditions, tt.want) {
				t.Errorf("Conditions = %#v, want %#v", p.Conditions, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	const e = `"expiration":"2014-12-01T12:00:00Z"`
	tests := []struct {
		name    string
		doc     string
		wantMsg string // exact OSS message, when OSS documents one
	}{
		{name: "empty", doc: ``},
		{name: "invalid JSON", doc: `{"expiration":`},
		{name: "not an object", doc: `["expiration"]`},
		{name: "top-level string", doc: `"x"`},
		{name: "trailing garbage", doc: `{` + e + `,"conditions":[]}x`},
		{name: "second value", doc: `{` + e + `,"conditions":[]} {}`},
		{name: "invalid UTF-8", doc: `{` + e + `,"conditions":[["eq","$key","` + "\xff" + `"]]}`},
		{name: "missing expiration", doc: `{"conditions":[]}`},
		{name: "missing conditions", doc: `{` + e + `}`},
		{name: "duplicate expiration", doc: `{` + e + `,` + e + `,"conditions":[]}`},
		{name: "duplicate conditions", doc: `{` + e + `,"conditions":[],"conditions":[]}`},
		{name: "unknown key", doc: `{` + e + `,"conditions":[],"extra":1}`},
		{name: "key case differs", doc: `{"Expiration":"2014-12-01T12:00:00Z","conditions":[]}`},
		{name: "expiration not a string", doc: `{"expiration":1417435200,"conditions":[]}`},
		{name: "expiration with offset", doc: `{"expiration":"2014-12-01T20:00:00+08:00","conditions":[]}`},
		{name: "expiration date only", doc: `{"expiration":"2014-12-01","conditions":[]}`},
		{name: "expiration lower-case t", doc: `{"expiration":"2014-12-01t12:00:00Z","conditions":[]}`},
		{name: "expiration bad hour", doc: `{"expiration":"2014-12-01T25:00:00Z","conditions":[]}`},
		{name: "conditions not an array", doc: `{` + e + `,"conditions":{}}`},
		{name: "condition is a string", doc: `{` + e + `,"conditions":["eq"]}`},
		{name: "condition is a number", doc: `{` + e + `,"conditions":[1]}`},
		{
			name: "exact-match with two properties", doc: `{` + e + `,"conditions":[{"bucket":"a","key":"b"}]}`,
			wantMsg: policy.MessageSimpleCondition,
		},
		{
			name: "exact-match with no property", doc: `{` + e + `,"conditions":[{}]}`,
			wantMsg: policy.MessageSimpleCondition,
		},
		{name: "exact-match number value", doc: `{` + e + `,"conditions":[{"success_action_status":200}]}`},
		{name: "exact-match null value", doc: `{` + e + `,"conditions":[{"bucket":null}]}`},
		{name: "exact-match empty name", doc: `{` + e + `,"conditions":[{"":"a"}]}`},
		{name: "exact-match dollar name", doc: `{` + e + `,"conditions":[{"$key":"a"}]}`},
		{name: "empty array", doc: `{` + e + `,"conditions":[[]]}`},
		{name: "op not a string", doc: `{` + e + `,"conditions":[[1,"$key","a"]]}`},
		{name: "unknown op", doc: `{` + e + `,"conditions":[["ends-with","$key","a"]]}`},
		{name: "upper-case op", doc: `{` + e + `,"conditions":[["EQ","$key","a"]]}`},
		{name: "eq too short", doc: `{` + e + `,"conditions":[["eq","$key"]]}`},
		{name: "eq too long", doc: `{` + e + `,"conditions":[["eq","$key","a","b"]]}`},
		{name: "eq field without dollar", doc: `{` + e + `,"conditions":[["eq","key","a"]]}`},
		{name: "eq field only dollar", doc: `{` + e + `,"conditions":[["eq","$","a"]]}`},
		{name: "eq field double dollar", doc: `{` + e + `,"conditions":[["eq","$$key","a"]]}`},
		{name: "eq field not a string", doc: `{` + e + `,"conditions":[["eq",1,"a"]]}`},
		{name: "eq value number", doc: `{` + e + `,"conditions":[["eq","$success_action_status",200]]}`},
		{name: "starts-with value array", doc: `{` + e + `,"conditions":[["starts-with","$key",["a"]]]}`},
		{name: "range too short", doc: `{` + e + `,"conditions":[["content-length-range",1]]}`},
		{name: "range negative min", doc: `{` + e + `,"conditions":[["content-length-range",-1,10]]}`},
		{name: "range max below min", doc: `{` + e + `,"conditions":[["content-length-range",10,9]]}`},
		{name: "range string bound", doc: `{` + e + `,"conditions":[["content-length-range","1",10]]}`},
		{name: "range fractional bound", doc: `{` + e + `,"conditions":[["content-length-range",1.5,10]]}`},
		{name: "range exponent bound", doc: `{` + e + `,"conditions":[["content-length-range",1,1e3]]}`},
		{name: "range overflow", doc: `{` + e + `,"conditions":[["content-length-range",1,99999999999999999999]]}`},
		{name: "in list not an array", doc: `{` + e + `,"conditions":[["in","$content-type","image/png"]]}`},
		{name: "in list empty", doc: `{` + e + `,"conditions":[["in","$content-type",[]]]}`},
		{name: "in list with number", doc: `{` + e + `,"conditions":[["in","$content-type",["a",1]]]}`},
		{name: "not-in list nested", doc: `{` + e + `,"conditions":[["not-in","$content-type",[["a"]]]]}`},
		{name: "too deep", doc: `{` + e + `,"conditions":[[[[["x"]]]]]}`},
		{name: "invalid escape", doc: `{` + e + `,"conditions":[["eq","$key","\x"]]}`},
		{name: "backslash outside string", doc: `{` + e + `,"conditions":[\$]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := policy.Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", tt.doc, p)
			}
			if !errors.Is(err, policy.ErrInvalidPolicy) {
				t.Errorf("error %v does not wrap ErrInvalidPolicy", err)
			}
			var v *policy.Violation
			if !errors.As(err, &v) {
				t.Fatalf("error %T is not a *Violation", err)
			}
			if v.Code != policy.CodeInvalidPolicyDocument {
				t.Errorf("Code = %q, want %q", v.Code, policy.CodeInvalidPolicyDocument)
			}
			if tt.wantMsg != "" && v.Message != tt.wantMsg {
				t.Errorf("Message = %q, want %q", v.Message, tt.wantMsg)
			}
		})
	}
}

func TestParseBase64Rejects(t *testing.T) {
	t.Parallel()
	_, err := policy.ParseBase64("not base64!")
	var v *policy.Violation
	if !errors.As(err, &v) || v.Code != policy.CodeInvalidPolicyDocument {
		t.Fatalf("ParseBase64 error = %v, want an InvalidPolicyDocument violation", err)
	}
}
