package upload_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/upload"
)

func TestParseProfilesDefaults(t *testing.T) {
	t.Parallel()
	ps, err := upload.ParseProfiles([]byte(`{"files": {"prefix": "files/", "maxSize": 100}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := ps["files"]
	want := upload.Profile{
		Name:             "files",
		Prefix:           "files/",
		Naming:           upload.NamingUUID,
		MinSize:          1,
		MaxSize:          100,
		Expires:          upload.Duration(10 * time.Minute),
		ForbidOverwrite:  true,
		Callback:         false,
		SignatureVersion: upload.SignatureV4,
	}
	if !profilesEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseProfilesExplicit(t *testing.T) {
	t.Parallel()
	ps, err := upload.ParseProfiles([]byte(`{
		"images": {"prefix": "images/{sub}/{yyyy}/{mm}/", "naming": "uuid", "minSize": 1,
		           "maxSize": 20971520, "contentTypes": ["image/png","Image/JPEG"," image/webp "],
		           "expires": "10m", "forbidOverwrite": true, "callback": true},
		"docs":   {"prefix": "docs/{dd}/", "naming": "client", "minSize": 0, "maxSize": 5368709120,
		           "contentTypes": ["image/*"], "expires": "168h", "forbidOverwrite": false,
		           "signatureVersion": "V1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	img := ps["images"]
	if !slices.Equal(img.ContentTypes, []string{"image/png", "image/jpeg", "image/webp"}) {
		t.Errorf("contentTypes not normalised: %q", img.ContentTypes)
	}
	if !img.Callback || !img.ForbidOverwrite {
		t.Errorf("images flags = %+v", img)
	}
	docs := ps["docs"]
	want := upload.Profile{
		Name: "docs", Prefix: "docs/{dd}/", Naming: upload.NamingClient, MinSize: 0, MaxSize: 5 << 30,
		ContentTypes: []string{"image/*"}, Expires: upload.Duration(168 * time.Hour),
		ForbidOverwrite: false, SignatureVersion: upload.SignatureV1,
	}
	if !profilesEqual(docs, want) {
		t.Errorf("docs:\n got %+v\nwant %+v", docs, want)
	}
	if got := ps.Names(); !slices.Equal(got, []string{"docs", "images"}) {
		t.Errorf("Names = %q", got)
	}
}

func TestParseProfilesErrors(t *testing.T) {
	t.Parallel()
	p := func(body string) string { return `{"p": {` + body + `}}` }
	const ok = `"prefix": "a/", "maxSize": 100`
	tests := []struct {
		name        string
		doc         string
		wantProfile string
		wantField   string
	}{
		{"maxSize missing", p(`"prefix": "a/"`), "p", "maxSize"},
		{"maxSize zero", p(`"prefix": "a/", "maxSize": 0`), "p", "maxSize"},
		{"maxSize negative", p(`"prefix": "a/", "maxSize": -1`), "p", "maxSize"},
		{"maxSize over 5 GiB", p(`"prefix": "a/", "maxSize": 5368709121`), "p", "maxSize"},
		{"maxSize string", p(`"prefix": "a/", "maxSize": "100"`), "p", "maxSize"},
		{"minSize negative", p(ok + `, "minSize": -1`), "p", "minSize"},
		{"minSize above maxSize", p(ok + `, "minSize": 101`), "p", "minSize"},
		{"minSize fraction", p(ok + `, "minSize": 1.5`), "p", "minSize"},
		{"unknown field", p(ok + `, "maxsize": 5`), "p", "maxsize"},
		{"unknown field typo", p(ok + `, "forbidOverwrites": true`), "p", "forbidOverwrites"},
		{"forbidOverwrite string", p(ok + `, "forbidOverwrite": "yes"`), "p", "forbidOverwrite"},
		{"naming unknown", p(ok + `, "naming": "random"`), "p", "naming"},
		{"contentTypes not a list", p(ok + `, "contentTypes": "image/png"`), "p", "contentTypes"},
		{"content type without subtype", p(ok + `, "contentTypes": ["image"]`), "p", "contentTypes[0]"},
		{"content type with parameters", p(ok + `, "contentTypes": ["text/plain; charset=utf-8"]`), "p", "contentTypes[0]"},
		{"content type with dollar", p(ok + `, "contentTypes": ["image/$x"]`), "p", "contentTypes[0]"},
		{"content type duplicate", p(ok + `, "contentTypes": ["image/png", "IMAGE/PNG"]`), "p", "contentTypes[1]"},
		{"wildcard mixed", p(ok + `, "contentTypes": ["image/*", "application/pdf"]`), "p", "contentTypes[0]"},
		{"wildcard of everything", p(ok + `, "contentTypes": ["*/*"]`), "p", "contentTypes[0]"},
		{"expires not a duration", p(ok + `, "expires": "10"`), "p", "expires"},
		{"expires days unit", p(ok + `, "expires": "7d"`), "p", "expires"},
		{"expires too short", p(ok + `, "expires": "59s"`), "p", "expires"},
		{"expires too long", p(ok + `, "expires": "168h1s"`), "p", "expires"},
		{"expires number", p(ok + `, "expires": 600`), "p", "expires"},
		{"signatureVersion unknown", p(ok + `, "signatureVersion": "v2"`), "p", "signatureVersion"},
		{"prefix missing", p(`"maxSize": 100`), "p", "prefix"},
		{"prefix leading slash", p(`"prefix": "/a/", "maxSize": 100`), "p", "prefix"},
		{"prefix without trailing slash", p(`"prefix": "a", "maxSize": 100`), "p", "prefix"},
		{"prefix dot-dot segment", p(`"prefix": "a/../b/", "maxSize": 100`), "p", "prefix"},
		{"prefix dot segment", p(`"prefix": "a/./", "maxSize": 100`), "p", "prefix"},
		{"prefix empty segment", p(`"prefix": "a//b/", "maxSize": 100`), "p", "prefix"},
		{"prefix backslash", p(`"prefix": "a\\b/", "maxSize": 100`), "p", "prefix"},
		{"prefix star", p(`"prefix": "a*/", "maxSize": 100`), "p", "prefix"},
		{"prefix question mark", p(`"prefix": "a?/", "maxSize": 100`), "p", "prefix"},
		{"prefix dollar", p(`"prefix": "a$/", "maxSize": 100`), "p", "prefix"},
		{"prefix control char", p(`"prefix": "a\u0001/", "maxSize": 100`), "p", "prefix"},
		{"prefix bidi control", p(`"prefix": "a\u202e/", "maxSize": 100`), "p", "prefix"},
		{"prefix unknown placeholder", p(`"prefix": "{user}/", "maxSize": 100`), "p", "prefix"},
		{"prefix unclosed placeholder", p(`"prefix": "{sub/", "maxSize": 100`), "p", "prefix"},
		{"prefix stray brace", p(`"prefix": "a}/", "maxSize": 100`), "p", "prefix"},
		{"prefix too long", p(`"prefix": "` + strings.Repeat("a", 512) + `/", "maxSize": 100`), "p", "prefix"},
		{"name upper case", `{"Images": {` + ok + `}}`, "Images", ""},
		{"name leading underscore", `{"_x": {` + ok + `}}`, "_x", ""},
		{"name too long", `{"` + strings.Repeat("a", 65) + `": {` + ok + `}}`, strings.Repeat("a", 65), ""},
		{"name empty", `{"": {` + ok + `}}`, "", ""},
		{"duplicate profile", `{"p": {` + ok + `}, "p": {` + ok + `}}`, "p", ""},
		{"profile not an object", `{"p": 5}`, "p", ""},
		{"no profiles", `{}`, "", ""},
		{"not an object", `[]`, "", ""},
		{"trailing data", `{"p": {` + ok + `}} x`, "", ""},
		{"invalid JSON", `{"p": {`, "p", ""},
		{"invalid JSON before a name", `{,}`, "", ""},
		{"field set twice", p(ok + `, "maxSize": 5`), "p", "maxSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := upload.ParseProfiles([]byte(tt.doc))
			if err == nil {
				t.Fatalf("ParseProfiles accepted %s: %+v", tt.doc, ps)
			}
			if !errors.Is(err, upload.ErrInvalidProfile) {
				t.Errorf("error %v does not match ErrInvalidProfile", err)
			}
			var pe *upload.ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ProfileError", err)
			}
			if pe.Profile != tt.wantProfile || pe.Field != tt.wantField {
				t.Errorf("error names profile %q field %q, want %q %q (%v)", pe.Profile, pe.Field, tt.wantProfile, tt.wantField, err)
			}
		})
	}
}

func TestProfileErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := upload.ParseProfiles([]byte(`{"images": {"prefix": "a/", "maxSize": 0}}`))
	var pe *upload.ProfileError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ProfileError", err)
	}
	// The format is part of the operator-facing contract.
	if got, want := pe.Error(), `upload: profile "images": maxSize: must be > 0`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseProfilesReportsEveryError(t *testing.T) {
	t.Parallel()
	_, err := upload.ParseProfiles([]byte(`{"a": {"prefix": "a", "maxSize": 1}, "b": {"prefix": "b/", "maxSize": 0}}`))
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *upload.ProfileError
		if errors.As(e, &pe) {
			fields = append(fields, pe.Profile+"."+pe.Field)
		}
	}
	if want := []string{"a.prefix", "b.maxSize"}; !slices.Equal(fields, want) {
		t.Errorf("errors = %q, want %q", fields, want)
	}
}

func TestProfileUnmarshalJSONAppliesDefaults(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Profile  upload.Profile  `json:"profile"`
		Profiles upload.Profiles `json:"profiles"`
	}
	doc := `{"profile": {"prefix": "a/", "maxSize": 10}, "profiles": {"x": {"prefix": "x/", "maxSize": 10}}}`
	if err := json.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Profile.ForbidOverwrite || cfg.Profile.MinSize != 1 || cfg.Profile.Naming != upload.NamingUUID {
		t.Errorf("Profile defaults not applied: %+v", cfg.Profile)
	}
	if x := cfg.Profiles["x"]; x.Name != "x" || !x.ForbidOverwrite {
		t.Errorf("Profiles defaults not applied: %+v", x)
	}
	err := json.Unmarshal([]byte(`{"profile": {"prefix": "a/", "maxSize": 10, "bogus": 1}}`), &cfg)
	var pe *upload.ProfileError
	if !errors.As(err, &pe) || pe.Field != "bogus" {
		t.Errorf("unknown field error = %v", err)
	}
}

func TestProfileValidate(t *testing.T) {
	t.Parallel()
	p := upload.Profile{Name: "ok", Prefix: "a/", Naming: upload.NamingUUID, MaxSize: 1, MinSize: 1,
		Expires: upload.Duration(time.Minute), SignatureVersion: upload.SignatureV4}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	p.ContentTypes = []string{"Image/PNG"}
	var pe *upload.ProfileError
	if err := p.Validate(); !errors.As(err, &pe) || pe.Field != "contentTypes[0]" {
		t.Errorf("Validate upper-case type = %v", err)
	}
	p.ContentTypes = nil
	p.Name = "Bad Name"
	if err := p.Validate(); !errors.As(err, &pe) || pe.Profile != "Bad Name" {
		t.Errorf("Validate bad name = %v", err)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	ps, err := upload.ParseProfiles([]byte(`{"b": {"prefix": "b/", "maxSize": 1}, "a": {"prefix": "a/", "maxSize": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ps.Lookup("a"); err != nil || p.Name != "a" {
		t.Fatalf("Lookup(a) = %+v, %v", p, err)
	}
	_, err = ps.Lookup("c")
	var fe *upload.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, upload.ErrUnknownProfile) || !errors.Is(err, upload.ErrInvalidRequest) {
		t.Fatalf("Lookup(c) = %v", err)
	}
	if fe.Field != "profile" || !slices.Equal(fe.Allowed, []string{"a", "b"}) {
		t.Errorf("FieldError = %+v", fe)
	}
}

func TestDurationText(t *testing.T) {
	t.Parallel()
	var d upload.Duration
	if err := d.UnmarshalText([]byte("1h30m")); err != nil || time.Duration(d) != 90*time.Minute {
		t.Fatalf("UnmarshalText = %v, %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "1h30m0s" {
		t.Errorf("MarshalText = %s", b)
	}
	if err := d.UnmarshalText([]byte("7d")); err == nil {
		t.Error("UnmarshalText accepted 7d")
	}
}

func profilesEqual(a, b upload.Profile) bool {
	return a.Name == b.Name && a.Prefix == b.Prefix && a.Naming == b.Naming &&
		a.MinSize == b.MinSize && a.MaxSize == b.MaxSize && slices.Equal(a.ContentTypes, b.ContentTypes) &&
		a.Expires == b.Expires && a.ForbidOverwrite == b.ForbidOverwrite && a.Callback == b.Callback &&
		a.SignatureVersion == b.SignatureVersion
}
