package upload_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"ossdirect/internal/testsupport/golden"
	"ossdirect/shared/upload"
)

func TestSessionPolicy(t *testing.T) {
	t.Parallel()
	g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "cat.png"})
	got, err := g.SessionPolicy("examplebucket")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:examplebucket/images/u1/2024/03/05/*"]}]}`
	if string(got) != want {
		t.Errorf("SessionPolicy:\n got %s\nwant %s", got, want)
	}
	golden.Check(t, "session-policy.golden.json", got)
	if !json.Valid(got) {
		t.Error("invalid JSON")
	}
	again, _ := g.SessionPolicy("")
	if string(again) != string(got) {
		t.Errorf("bucket \"\" should select g.Bucket: %s", again)
	}
}

func TestSessionPolicyEscapesNothingUnsafe(t *testing.T) {
	t.Parallel()
	// Subjects that look like wildcards or JSON are escaped by the
	// sanitiser; the resource stays a literal prefix.
	g := grantFor(t, "images", upload.Request{Subject: `*"<&>?`, Filename: "cat.png"})
	got, err := g.SessionPolicy("examplebucket")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `examplebucket/images/~2A~22~3C~26~3E~3F/2024/03/05/*"`) {
		t.Errorf("SessionPolicy = %s", got)
	}
}

func TestSessionPolicyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(g *upload.Grant)
		bucket  string
		wantErr error
	}{
		{"too large", func(g *upload.Grant) { g.Dir = strings.Repeat("d", 1000) + "/" }, "examplebucket", upload.ErrSessionPolicyTooLarge},
		{"bad bucket", nil, "Example*", upload.ErrInvalidOption},
		{"no bucket", func(g *upload.Grant) { g.Bucket = "" }, "", upload.ErrInvalidOption},
		{"empty dir", func(g *upload.Grant) { g.Dir = "" }, "examplebucket", upload.ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := grantFor(t, "images", upload.Request{Subject: "u1", Filename: "cat.png"})
			if tt.edit != nil {
				tt.edit(g)
			}
			if _, err := g.SessionPolicy(tt.bucket); !errors.Is(err, tt.wantErr) {
				t.Errorf("SessionPolicy error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
