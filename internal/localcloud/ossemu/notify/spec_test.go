package notify

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// b64 encodes s as OSS clients send the callback parameters.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const okBody = `bucket=${bucket}&object=${object}&size=${size}`

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		callback string // raw JSON, Base64-encoded by the test unless b64Done
		b64Done  bool
		cbVar    string // raw JSON; "" for none
		formVars map[string]string
		want     *Spec
	}{
		{
			name:     "minimal defaults to form",
			callback: `{"callbackUrl":"http://example.com/cb","callbackBody":"` + okBody + `"}`,
			want:     &Spec{URLs: []string{"http://example.com/cb"}, Body: okBody, BodyType: BodyTypeForm, Vars: map[string]string{}},
		},
		{
			name: "all fields",
			callback: `{"callbackUrl":"https://a.example.com:8443/cb?x=1;http://b.example.com/",` +
				`"callbackHost":"app.example.com:8080","callbackBody":"{\"o\":${object}}",` +
				`"callbackBodyType":"application/json","callbackSNI":true}`,
			cbVar: `{"x:uid":"42","x:name":"值2"}`,
			want: &Spec{
				URLs:     []string{"https://a.example.com:8443/cb?x=1", "http://b.example.com/"},
				Host:     "app.example.com:8080",
				Body:     `{"o":${object}}`,
				BodyType: BodyTypeJSON,
				SNI:      true,
				Vars:     map[string]string{"x:uid": "42", "x:name": "值2"},
			},
		},
		{
			name:     "scheme-less URL as in OSS's PHP sample means http",
			callback: `{"callbackUrl":"callback.oss-demo.com:23450","callbackBody":"a=${etag}"}`,
			want:     &Spec{URLs: []string{"http://callback.oss-demo.com:23450"}, Body: "a=${etag}", BodyType: BodyTypeForm, Vars: map[string]string{}},
		},
		{
			name:     "scheme is case-insensitive and a :// in the query is not a scheme",
			callback: `{"callbackUrl":"HTTPS://h.example/cb;h.example/next?u=http://x","callbackBody":"a"}`,
			want:     &Spec{URLs: []string{"https://h.example/cb", "http://h.example/next?u=http://x"}, Body: "a", BodyType: BodyTypeForm, Vars: map[string]string{}},
		},
		{
			name:     "trailing semicolon and blanks are skipped; five URLs allowed",
			callback: `{"callbackUrl":"h1.example; h2.example;h3.example;h4.example;h5.example;","callbackBody":"a"}`,
			want: &Spec{
				URLs: []string{"http://h1.example", "http://h2.example", "http://h3.example", "http://h4.example", "http://h5.example"},
				Body: "a", BodyType: BodyTypeForm, Vars: map[string]string{},
			},
		},
		{
			name:     "body type case-insensitive, unknown keys and nulls ignored",
			callback: `{"callbackUrl":"http://127.0.0.1:9/cb","callbackBody":"a","callbackBodyType":" Application/JSON ","additionalHeaders":{"k":"v"},"callbackVar":{"x:a":"b"},"callbackHost":null,"callbackSNI":null}`,
			want:     &Spec{URLs: []string{"http://127.0.0.1:9/cb"}, Body: "a", BodyType: BodyTypeJSON, Vars: map[string]string{}},
		},
		{
			name:     "unpadded Base64",
			callback: strings.TrimRight(b64(`{"callbackUrl":"http://e.example/","callbackBody":"ab"}`), "="),
			b64Done:  true,
			want:     &Spec{URLs: []string{"http://e.example/"}, Body: "ab", BodyType: BodyTypeForm, Vars: map[string]string{}},
		},
		{
			name:     "form variables merge over callback-var; non-x: fields ignored",
			callback: `{"callbackUrl":"http://e.example/","callbackBody":"${x:a}${x:b}"}`,
			cbVar:    `{"x:a":"from-var","x:b":"kept"}`,
			formVars: map[string]string{"x:a": "from-form", "key": "ignored", "x:": "ignored"},
			want:     &Spec{URLs: []string{"http://e.example/"}, Body: "${x:a}${x:b}", BodyType: BodyTypeForm, Vars: map[string]string{"x:a": "from-form", "x:b": "kept"}},
		},
		{
			name:     "literal dollar and braces are not variables",
			callback: `{"callbackUrl":"http://e.example/","callbackBody":"price=$5&set={a}&x=}"}`,
			want:     &Spec{URLs: []string{"http://e.example/"}, Body: "price=$5&set={a}&x=}", BodyType: BodyTypeForm, Vars: map[string]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cb := tt.callback
			if !tt.b64Done {
				cb = b64(cb)
			}
			cv := ""
			if tt.cbVar != "" {
				cv = b64(tt.cbVar)
			}
			got, err := Parse(cb, cv, tt.formVars)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	good := func(extra string) string {
		return b64(`{"callbackUrl":"http://e.example/cb","callbackBody":"a=${object}"` + extra + `}`)
	}
	withURL := func(u string) string {
		return b64(`{"callbackUrl":"` + u + `","callbackBody":"a"}`)
	}
	withBody := func(body string) string {
		return b64(`{"callbackUrl":"http://e.example/","callbackBody":"` + body + `"}`)
	}
	tests := []struct {
		name     string
		callback string
		cbVar    string
		wantMsg  string // substring of ArgumentError.Message
		wantEC   string
	}{
		{name: "callback empty", callback: "", wantMsg: "callback parameter is empty"},
		{name: "callback over 5KB", callback: b64(`{"callbackUrl":"http://e.example/","callbackBody":"` + strings.Repeat("a", 4000) + `"}`), wantMsg: "longer than 5KB"},
		{name: "callback-var over 5KB", callback: good(""), cbVar: b64(`{"x:a":"` + strings.Repeat("a", 4000) + `"}`), wantMsg: "callback-var parameter is longer than 5KB"},
		{name: "callback not Base64", callback: "x123-*&", wantMsg: "not valid Base64", wantEC: "0007-00000002"},
		{name: "callback URL-safe Base64", callback: "eyJ_-", wantMsg: "not valid Base64", wantEC: "0007-00000002"},
		{name: "callback-var not Base64", callback: good(""), cbVar: "%%%", wantMsg: "callback-var parameter is not valid Base64"},
		{name: "callback not JSON", callback: b64(`{"callbackUrl":`), wantMsg: "not a valid JSON object"},
		{name: "callback JSON array", callback: b64(`["callbackUrl"]`), wantMsg: "not a valid JSON object"},
		{name: "callback JSON null", callback: b64(`null`), wantMsg: "not a valid JSON object"},
		{name: "callback trailing garbage", callback: b64(`{"callbackUrl":"http://e.example/","callbackBody":"a"} x`), wantMsg: "not a valid JSON object"},
		{name: "callback-var not JSON", callback: good(""), cbVar: b64(`{"x:a":`), wantMsg: "callback-var parameter is not a valid JSON object"},
		{name: "callback-var JSON string", callback: good(""), cbVar: b64(`"x:a"`), wantMsg: "callback-var parameter is not a valid JSON object"},
		{name: "callbackUrl missing", callback: b64(`{"callbackBody":"a"}`), wantMsg: "callbackUrl field of the callback parameter is missing", wantEC: "0007-00000004"},
		{name: "callbackUrl not a string", callback: b64(`{"callbackUrl":["http://e.example/"],"callbackBody":"a"}`), wantMsg: "callbackUrl field of the callback parameter must be a string", wantEC: "0007-00000004"},
		{name: "callbackUrl empty", callback: withURL(""), wantMsg: "callbackUrl field of the callback parameter is empty", wantEC: "0007-00000004"},
		{name: "callbackUrl only separators", callback: withURL(" ; ;"), wantMsg: "is empty", wantEC: "0007-00000004"},
		{name: "six URLs (OSS's 0007-00000005 example)", callback: withURL("https://callback1.com;https://callback2.com;https://callback3.com;https://callback4.com;https://callback5.com;https://callback6.com;"), wantMsg: "has 6 URLs", wantEC: "0007-00000005"},
		{name: "ftp scheme", callback: withURL("ftp://e.example/cb"), wantMsg: "only http and https", wantEC: "0007-00000004"},
		{name: "file scheme", callback: withURL("file:///etc/passwd"), wantMsg: "only http and https", wantEC: "0007-00000004"},
		{name: "non-numeric port (OSS's 0007-00000004 example)", callback: withURL("www.callback-example.com:test"), wantMsg: "port must be a number", wantEC: "0007-00000004"},
		{name: "port out of range", callback: withURL("http://e.example:65536/"), wantMsg: "port must be a number", wantEC: "0007-00000004"},
		{name: "port zero", callback: withURL("http://e.example:0/"), wantMsg: "port must be a number", wantEC: "0007-00000004"},
		{name: "empty port", callback: withURL("http://e.example:/cb"), wantMsg: "port must be a number", wantEC: "0007-00000004"},
		{name: "IPv6 literal", callback: withURL("http://[::1]:8080/cb"), wantMsg: "IPv6", wantEC: "0007-00000004"},
		{name: "no host", callback: withURL("http:///cb"), wantMsg: "no host", wantEC: "0007-00000004"},
		{name: "unencoded space", callback: withURL("http://e.example/a b"), wantMsg: "URL-encoded", wantEC: "0007-00000004"},
		{name: "unencoded non-ASCII", callback: withURL("http://e.example/回调"), wantMsg: "URL-encoded", wantEC: "0007-00000004"},
		{name: "user information", callback: withURL("http://user:pw@e.example/"), wantMsg: "user information", wantEC: "0007-00000004"},
		{name: "bad percent-escape", callback: withURL("http://e.example/%zz"), wantMsg: "not a valid URL", wantEC: "0007-00000004"},
		{name: "second URL bad", callback: withURL("http://e.example/;gopher://e.example/"), wantMsg: "only http and https", wantEC: "0007-00000004"},
		{name: "callbackHost not a string", callback: good(`,"callbackHost":1`), wantMsg: "callbackHost field of the callback parameter must be a string"},
		{name: "callbackHost with space", callback: good(`,"callbackHost":"a b"`), wantMsg: "callbackHost field of the callback parameter is not a valid host"},
		{name: "callbackHost with slash", callback: good(`,"callbackHost":"a/b"`), wantMsg: "not a valid host"},
		{name: "callbackBody missing", callback: b64(`{"callbackUrl":"http://e.example/"}`), wantMsg: "callbackBody field of the callback parameter is missing", wantEC: "0007-00000011"},
		{name: "callbackBody empty (OSS's 0007-00000011 example)", callback: withBody(""), wantMsg: "callbackBody field of the callback parameter is empty", wantEC: "0007-00000011"},
		{name: "callbackBody not a string", callback: b64(`{"callbackUrl":"http://e.example/","callbackBody":{"a":1}}`), wantMsg: "callbackBody field of the callback parameter must be a string", wantEC: "0007-00000011"},
		{name: "callbackBodyType unknown", callback: good(`,"callbackBodyType":"text/plain"`), wantMsg: `callbackBodyType "text/plain" is not supported`, wantEC: "0007-00000012"},
		{name: "callbackBodyType with parameters", callback: good(`,"callbackBodyType":"application/json; charset=utf-8"`), wantMsg: "is not supported", wantEC: "0007-00000012"},
		{name: "callbackBodyType a number (OSS's 0007-00000012 example)", callback: good(`,"callbackBodyType":123`), wantMsg: "callbackBodyType field of the callback parameter must be a string", wantEC: "0007-00000012"},
		{name: "body variable unclosed", callback: withBody("a=${object&b=1"), wantMsg: "unclosed variable \"${\" at offset 2"},
		{name: "body variable unclosed at end", callback: withBody("a=$" + "{"), wantMsg: "unclosed variable"},
		{name: "body variable empty", callback: withBody("a=${}&b=${size}"), wantMsg: "empty variable \"${}\" at offset 2"},
		{name: "body variable nested", callback: withBody("a=${x:${object}}"), wantMsg: "malformed variable at offset 2"},
		{name: "body second variable malformed", callback: withBody("a=${size}&b=${"), wantMsg: "unclosed variable \"${\" at offset 12"},
		{name: "callbackSNI a string", callback: good(`,"callbackSNI":"true"`), wantMsg: "callbackSNI field of the callback parameter must be a boolean"},
		{name: "callbackSNI a number", callback: good(`,"callbackSNI":1`), wantMsg: "must be a boolean"},
		{name: "callback-var key without x:", callback: good(""), cbVar: b64(`{"uid":"42"}`), wantMsg: `callback-var key "uid" must start with "x:"`},
		{name: "callback-var key X: upper case", callback: good(""), cbVar: b64(`{"X:uid":"42"}`), wantMsg: `key "X:uid" must start with "x:"`},
		{name: "callback-var key x: alone", callback: good(""), cbVar: b64(`{"x:":"42"}`), wantMsg: `key "x:" must start with "x:" followed by a name`},
		{name: "callback-var value a number", callback: good(""), cbVar: b64(`{"x:uid":42}`), wantMsg: `callback-var value of "x:uid" must be a string`},
		{name: "callback-var value null", callback: good(""), cbVar: b64(`{"x:uid":null}`), wantMsg: `value of "x:uid" must be a string`},
		{name: "callback-var value an object", callback: good(""), cbVar: b64(`{"x:uid":{"a":"b"}}`), wantMsg: `value of "x:uid" must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec, err := Parse(tt.callback, tt.cbVar, nil)
			if spec != nil || !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("Parse = %+v, %v; want ErrInvalidArgument", spec, err)
			}
			var ae *ArgumentError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not an *ArgumentError", err)
			}
			if !strings.Contains(ae.Message, tt.wantMsg) {
				t.Errorf("Message = %q, want it to contain %q", ae.Message, tt.wantMsg)
			}
			if ae.EC != tt.wantEC {
				t.Errorf("EC = %q, want %q", ae.EC, tt.wantEC)
			}
			if errors.Is(err, ErrCallbackFailed) || errors.Is(err, ErrBadSender) {
				t.Errorf("error wraps more than ErrInvalidArgument: %v", err)
			}
		})
	}
}

// TestParseLimitBoundary checks that exactly 5 KB is accepted and one byte
// more refused, for both parameters.
func TestParseLimitBoundary(t *testing.T) {
	t.Parallel()
	// padTo returns Base64 of a JSON object of exactly n Base64 characters
	// (n a multiple of 4), padding through the given key.
	padTo := func(n int, prefix, key string) string {
		for pad := 0; ; pad++ {
			s := b64(prefix + `"` + key + `":"` + strings.Repeat("a", pad) + `"}`)
			if len(s) == n {
				return s
			}
			if len(s) > n {
				t.Fatalf("cannot build a %d-byte parameter", n)
			}
		}
	}
	cbPrefix := `{"callbackUrl":"http://e.example/","callbackBody":"a",`
	cb := padTo(MaxParamLen, cbPrefix, "pad")
	if _, err := Parse(cb, "", nil); err != nil {
		t.Errorf("callback of %d bytes: %v", len(cb), err)
	}
	if _, err := Parse(cb+"=", "", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("callback of %d bytes: err = %v, want ErrInvalidArgument", len(cb)+1, err)
	}
	cv := padTo(MaxParamLen, `{`, "x:pad")
	if _, err := Parse(b64(cbPrefix+`"z":1}`), cv, nil); err != nil {
		t.Errorf("callback-var of %d bytes: %v", len(cv), err)
	}
	if _, err := Parse(b64(cbPrefix+`"z":1}`), cv+"=", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("callback-var of %d bytes: err = %v, want ErrInvalidArgument", len(cv)+1, err)
	}
}
