package upload

import (
	"strings"
	"testing"
)

func TestProfileCheck(t *testing.T) {
	ps, err := ParseProfiles([]byte(`{
		"images": {"prefix": "images/{sub}/", "maxSize": 1024, "contentTypes": ["image/png", "image/jpeg"], "sniff": true, "onViolation": "quarantine"},
		"any": {"prefix": "any/", "maxSize": 1024}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	images, anyp := ps["images"], ps["any"]
	if images.OnViolation != ViolationQuarantine || anyp.OnViolation != ViolationDelete {
		t.Fatalf("onViolation %q / %q, want quarantine / the default delete", images.OnViolation, anyp.OnViolation)
	}
	tests := []struct {
		name string
		p    Profile
		o    Object
		want []string // substrings, one per violation
	}{
		{name: "within the profile", p: images, o: Object{Size: 10, ContentType: "image/png", Sniffed: "image/png"}},
		{name: "parameters and case do not matter", p: images, o: Object{Size: 10, ContentType: "Image/PNG; charset=binary"}},
		{name: "too large", p: images, o: Object{Size: 5000, ContentType: "image/png"}, want: []string{"size 5000 bytes is above the profile's maximum of 1024"}},
		{name: "empty", p: images, o: Object{Size: 0, ContentType: "image/png"}, want: []string{"below the profile's minimum of 1"}},
		{name: "stored as html", p: images, o: Object{Size: 10, ContentType: "text/html"}, want: []string{`content type "text/html" is not allowed; allowed: image/png, image/jpeg`}},
		{name: "labelled png, bytes are html", p: images, o: Object{Size: 10, ContentType: "image/png", Sniffed: "text/html; charset=utf-8"}, want: []string{`the content is "text/html"`}},
		{name: "everything wrong", p: images, o: Object{Size: 5000, ContentType: "text/html", Sniffed: "text/html"}, want: []string{"above", "content type", "the content is"}},
		{name: "no type rule", p: anyp, o: Object{Size: 10, ContentType: "text/html"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Check(tt.o)
			if len(got) != len(tt.want) {
				t.Fatalf("Check = %q, want %d violations %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %d %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
	if _, err := ParseProfiles([]byte(`{"x": {"prefix": "x/", "maxSize": 1, "onViolation": "shred"}}`)); err == nil || !strings.Contains(err.Error(), "onViolation") {
		t.Fatalf("bad onViolation: %v", err)
	}
}

func TestCheckReservedPrefix(t *testing.T) {
	ps, err := ParseProfiles([]byte(`{"u": {"prefix": "uploads/{sub}/", "maxSize": 10}, "q": {"prefix": "{sub}/files/", "maxSize": 10}}`))
	if err != nil {
		t.Fatal(err)
	}
	one, _ := ParseProfiles([]byte(`{"u": {"prefix": "uploads/{sub}/", "maxSize": 10}}`))
	if err := CheckReservedPrefix(".ossdirect/quarantine/", one); err != nil {
		t.Errorf("outside every profile: %v", err)
	}
	for _, tc := range []struct {
		prefix string
		ps     Profiles
	}{
		{"uploads/quarantine/", one},   // inside a profile's directory
		{"uploads/", one},              // a profile's directory inside it
		{".ossdirect/quarantine/", ps}, // a profile starting with {sub} may be anywhere
		{"quarantine", one},
		{"/quarantine/", one},
	} {
		if err := CheckReservedPrefix(tc.prefix, tc.ps); err == nil {
			t.Errorf("%q accepted", tc.prefix)
		}
	}
}
