package stsemu_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"ossdirect/internal/localcloud/stsemu"
	"ossdirect/shared/upload"
)

func TestParsePolicyAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		doc            string
		wantStatements int
	}{
		{name: "upload session policy", doc: uploadPolicy, wantStatements: 1},
		{name: "statement object, string action and resource", doc: `{"Version":"1","Statement":{"Effect":"Deny","Action":"oss:*","Resource":"*"}}`, wantStatements: 1},
		{name: "element order and white space free", doc: " {\n\t\"Statement\" : [ {\"Resource\":[\"*\"],\"Action\":[\"*\"],\"Effect\":\"Allow\"} ] , \"Version\" : \"1\" } \n", wantStatements: 1},
		{name: "wildcard actions", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:Get*","oss:?utObject","*:List*"],"Resource":"acs:oss:*:*:b/*"}]}`, wantStatements: 1},
		{name: "condition with string, number, bool and list", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.1"]},"Bool":{"acs:SecureTransport":true},"NumericLessThan":{"oss:max-keys":10},"StringLike":{"oss:Prefix":"a/*"}}}]}`, wantStatements: 1},
		{name: "empty condition", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"*","Condition":{}}]}`, wantStatements: 1},
		{name: "several statements", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},{"Effect":"Deny","Action":"oss:DeleteObject","Resource":"*"}]}`, wantStatements: 2},
		{name: "non-ASCII resource", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:b/图片/*"}]}`, wantStatements: 1},
		{name: "exactly 2048 characters", doc: "{" + strings.Repeat(" ", 2048-len(uploadPolicy)) + uploadPolicy[1:], wantStatements: 1},
		{name: "2048 characters counted as runes, not bytes", doc: runePolicy(2048), wantStatements: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := stsemu.ParsePolicy(tt.doc)
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if len(p.Statements) != tt.wantStatements || p.Version != "1" {
				t.Errorf("got version %q, %d statements; want \"1\", %d", p.Version, len(p.Statements), tt.wantStatements)
			}
			if p.String() != tt.doc {
				t.Error("String() is not the parsed document")
			}
			// The canonical form parses back to the same statements.
			canon, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			if len([]rune(string(canon))) <= stsemu.MaxPolicySize {
				q, err := stsemu.ParsePolicy(string(canon))
				if err != nil {
					t.Fatalf("canonical form %s does not parse: %v", canon, err)
				}
				if len(q.Statements) != len(p.Statements) {
					t.Errorf("canonical form has %d statements, want %d", len(q.Statements), len(p.Statements))
				}
			}
		})
	}
}

func TestParsePolicyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string
		wantErr error
	}{
		{name: "empty", doc: "", wantErr: stsemu.ErrInvalidPolicy},
		{name: "not JSON", doc: "allow all", wantErr: stsemu.ErrInvalidPolicy},
		{name: "array", doc: `[]`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "trailing data", doc: uploadPolicy + `{}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "truncated", doc: uploadPolicy[:len(uploadPolicy)-1], wantErr: stsemu.ErrInvalidPolicy},
		{name: "missing Version", doc: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Version 2", doc: `{"Version":"2","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Version as number", doc: `{"Version":1,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "lower-case element name", doc: `{"version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "duplicate Version", doc: `{"Version":"1","Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "unknown element", doc: `{"Version":"1","Id":"x","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "missing Statement", doc: `{"Version":"1"}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "empty Statement list", doc: `{"Version":"1","Statement":[]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Statement string", doc: `{"Version":"1","Statement":"Allow"}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Statement list of strings", doc: `{"Version":"1","Statement":["Allow"]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Effect lower case", doc: `{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Effect missing", doc: `{"Version":"1","Statement":[{"Action":"*","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Action missing", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Resource missing", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Action empty list", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Action empty string", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Action without service", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"PutObject","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Action number", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Resource not an ARN", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"bucket/*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "NotAction", doc: `{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:GetObject","Resource":"*"}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Principal", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"RAM":["*"]}}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Condition not an object", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Condition operator not an object", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":true}}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Condition value an object", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":{}}}}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "Condition value null", doc: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":null}}}]}`, wantErr: stsemu.ErrInvalidPolicy},
		{name: "invalid UTF-8", doc: "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"acs:\xff\"}]}", wantErr: stsemu.ErrInvalidPolicy},
		{name: "2049 characters", doc: "{" + strings.Repeat(" ", 2049-len(uploadPolicy)) + uploadPolicy[1:], wantErr: stsemu.ErrPolicyTooLarge},
		{name: "2049 characters, 3 bytes each", doc: runePolicy(2049), wantErr: stsemu.ErrPolicyTooLarge},
		{name: "2049 characters of garbage", doc: strings.Repeat("x", 2049), wantErr: stsemu.ErrPolicyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := stsemu.ParsePolicy(tt.doc)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParsePolicy error = %v, want %v", err, tt.wantErr)
			}
			if p != nil {
				t.Error("non-nil policy with an error")
			}
		})
	}
}

// TestPolicyAllows evaluates policies, starting with the exact session
// policy shared/upload emits.
func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	grant, err := (&upload.Grant{Bucket: "bucket", Dir: "prefix/"}).SessionPolicy("")
	if err != nil {
		t.Fatalf("SessionPolicy: %v", err)
	}
	const (
		denyDelete  = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:bucket/*"},{"Effect":"Deny","Action":"oss:DeleteObject","Resource":"acs:oss:*:*:bucket/keep/*"}]}`
		allowIfCond = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`
		denyIfCond  = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},{"Effect":"Deny","Action":"oss:PutObject","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":false}}}]}`
		emptyCond   = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"*","Condition":{}}]}`
		question    = `{"Version":"1","Statement":{"Effect":"Allow","Action":"oss:?etObject","Resource":"acs:oss:*:*:b/img-?.png"}}`
		everything  = `{"Version":"1","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
		unicodeQ    = `{"Version":"1","Statement":{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:b/?.png"}}`
	)
	tests := []struct {
		name     string
		doc      string
		action   string
		resource string
		want     bool
	}{
		{name: "grant: PutObject under the prefix", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket/prefix/x.png", want: true},
		{name: "grant: PutObject deeper under the prefix", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket/prefix/a/b/c.png", want: true},
		{name: "grant: PutObject with a region and account", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:cn-hangzhou:1234:bucket/prefix/x.png", want: true},
		{name: "grant: ListParts", doc: string(grant), action: "oss:ListParts", resource: "acs:oss:*:*:bucket/prefix/x.png", want: true},
		{name: "grant: AbortMultipartUpload", doc: string(grant), action: "oss:AbortMultipartUpload", resource: "acs:oss:*:*:bucket/prefix/x.png", want: true},
		{name: "grant: action case-insensitive", doc: string(grant), action: "OSS:putobject", resource: "acs:oss:*:*:bucket/prefix/x.png", want: true},
		{name: "grant: other prefix", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket/other/x.png", want: false},
		{name: "grant: GetObject", doc: string(grant), action: "oss:GetObject", resource: "acs:oss:*:*:bucket/prefix/x.png", want: false},
		{name: "grant: DeleteObject", doc: string(grant), action: "oss:DeleteObject", resource: "acs:oss:*:*:bucket/prefix/x.png", want: false},
		{name: "grant: the prefix itself without slash", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket/prefix", want: false},
		{name: "grant: a sibling prefix", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket/prefixx/a.png", want: false},
		{name: "grant: another bucket", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:bucket2/prefix/x.png", want: false},
		{name: "grant: bucket-level resource", doc: string(grant), action: "oss:ListMultipartUploads", resource: "acs:oss:*:*:bucket", want: false},
		{name: "grant: resource case-sensitive", doc: string(grant), action: "oss:PutObject", resource: "acs:oss:*:*:Bucket/Prefix/x.png", want: false},
		{name: "grant: empty action", doc: string(grant), action: "", resource: "acs:oss:*:*:bucket/prefix/x.png", want: false},
		{name: "deny wins over allow", doc: denyDelete, action: "oss:DeleteObject", resource: "acs:oss:*:*:bucket/keep/a", want: false},
		{name: "allow outside the deny", doc: denyDelete, action: "oss:DeleteObject", resource: "acs:oss:*:*:bucket/tmp/a", want: true},
		{name: "deny is case-insensitive on action", doc: denyDelete, action: "OSS:DELETEOBJECT", resource: "acs:oss:*:*:bucket/keep/a", want: false},
		{name: "allow with condition does not grant", doc: allowIfCond, action: "oss:PutObject", resource: "acs:oss:*:*:b/k", want: false},
		{name: "deny with condition applies", doc: denyIfCond, action: "oss:PutObject", resource: "acs:oss:*:*:b/k", want: false},
		{name: "deny with condition leaves others", doc: denyIfCond, action: "oss:GetObject", resource: "acs:oss:*:*:b/k", want: true},
		{name: "empty condition grants", doc: emptyCond, action: "oss:PutObject", resource: "acs:oss:*:*:b/k", want: true},
		{name: "question mark matches one character", doc: question, action: "oss:GetObject", resource: "acs:oss:*:*:b/img-1.png", want: true},
		{name: "question mark needs exactly one", doc: question, action: "oss:GetObject", resource: "acs:oss:*:*:b/img-12.png", want: false},
		{name: "question mark in action", doc: question, action: "oss:SetObject", resource: "acs:oss:*:*:b/img-1.png", want: true},
		{name: "question mark not zero characters", doc: question, action: "oss:etObject", resource: "acs:oss:*:*:b/img-1.png", want: false},
		{name: "question mark matches one non-ASCII character", doc: unicodeQ, action: "oss:PutObject", resource: "acs:oss:*:*:b/图.png", want: true},
		{name: "star everything", doc: everything, action: "ecs:RunInstances", resource: "acs:ecs:*:*:instance/i-1", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := stsemu.ParsePolicy(tt.doc)
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if got := p.Allows(tt.action, tt.resource); got != tt.want {
				t.Errorf("Allows(%q, %q) = %v, want %v", tt.action, tt.resource, got, tt.want)
			}
		})
	}
}

func TestPolicyNilAndIdentity(t *testing.T) {
	t.Parallel()
	var p *stsemu.Policy
	if p.Allows("oss:PutObject", "*") {
		t.Error("nil Policy allows")
	}
	if p.String() != "" {
		t.Error("nil Policy String() not empty")
	}
	if id := (&stsemu.Identity{}); !id.Allows("oss:GetObject", stsemu.OSSResource("b", "k")) {
		t.Error("Identity without a session policy must allow")
	}
}

func TestOSSResource(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, bucket, key, want string }{
		{name: "object", bucket: "b", key: "dir/x.png", want: "acs:oss:*:*:b/dir/x.png"},
		{name: "bucket", bucket: "b", key: "", want: "acs:oss:*:*:b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stsemu.OSSResource(tt.bucket, tt.key); got != tt.want {
				t.Errorf("OSSResource = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHandBuiltPolicy checks that a Policy built in Go marshals to a
// document that parses, and that Allows works on it directly.
func TestHandBuiltPolicy(t *testing.T) {
	t.Parallel()
	p := &stsemu.Policy{Version: "1", Statements: []stsemu.Statement{{
		Effect: stsemu.Allow, Action: []string{"oss:PutObject"}, Resource: []string{"acs:oss:*:*:b/<dir>&/*"},
	}}}
	want := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:b/<dir>&/*"]}]}`
	if got := p.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if _, err := stsemu.ParsePolicy(p.String()); err != nil {
		t.Errorf("hand-built policy does not parse: %v", err)
	}
	if !p.Allows("oss:PutObject", "acs:oss:*:*:b/<dir>&/k") {
		t.Error("hand-built policy does not allow its own resource")
	}
}

// runePolicy returns a valid policy of exactly n characters whose resource
// is padded with a three-byte character, so bytes and characters differ.
func runePolicy(n int) string {
	const head = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:b/`
	const tail = `"}]}`
	return head + strings.Repeat("图", n-len(head)-len(tail)) + tail
}
