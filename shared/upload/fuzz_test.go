package upload_test

// Fuzz targets for what reaches the functions from the network inside a
// request: the presigned multipart token and the callback binding. Their
// seeds run with every go test; make fuzz explores further.

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/upload"
)

var (
	fuzzSecret = []byte("fuzz-secret-0123456789abcdef0123")
	fuzzNow    = time.Unix(1_800_000_000, 0)
)

// FuzzParseMultipartToken: any text is refused with ErrTokenInvalid or
// ErrTokenExpired, or is a token that was signed with the secret — a
// complete one, which signs back to a token that parses to the same value.
func FuzzParseMultipartToken(f *testing.F) {
	valid := upload.MultipartToken{GrantID: "g1", UploadID: "u1", Key: "videos/alice/a.mp4", Subject: "alice", Profile: "videos",
		Size: 100, PartSize: 10, Expires: fuzzNow.Unix() + 60}
	good := valid.Sign(fuzzSecret)
	if _, err := upload.ParseMultipartToken(good, [][]byte{fuzzSecret}, fuzzNow); err != nil {
		f.Fatalf("the valid seed: %v", err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1] + "A")
	f.Add(valid.Sign([]byte("another secret")))
	expired := valid
	expired.Expires = fuzzNow.Unix()
	f.Add(expired.Sign(fuzzSecret))
	f.Add(".")
	f.Add("e30." + "x")
	f.Add(strings.Repeat("A", 300) + "." + strings.Repeat("B", 43))
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := upload.ParseMultipartToken(s, [][]byte{fuzzSecret}, fuzzNow)
		if err != nil {
			if !errors.Is(err, upload.ErrTokenInvalid) && !errors.Is(err, upload.ErrTokenExpired) {
				t.Fatalf("ParseMultipartToken(%q): %v, want ErrTokenInvalid or ErrTokenExpired", s, err)
			}
			if tok != (upload.MultipartToken{}) {
				t.Fatalf("ParseMultipartToken(%q) refused but answered %+v", s, tok)
			}
			return
		}
		if tok.UploadID == "" || tok.Key == "" || tok.Size <= 0 || tok.PartSize <= 0 || tok.Expires <= fuzzNow.Unix() {
			t.Fatalf("ParseMultipartToken(%q) accepted an incomplete or expired token %+v", s, tok)
		}
		again, err := upload.ParseMultipartToken(tok.Sign(fuzzSecret), [][]byte{fuzzSecret}, fuzzNow)
		if err != nil || again != tok {
			t.Fatalf("re-signed token parses to %+v, %v; want %+v", again, err, tok)
		}
		if _, err := upload.ParseMultipartToken(s, [][]byte{[]byte("another secret")}, fuzzNow); err == nil {
			t.Fatalf("ParseMultipartToken(%q) verifies under another secret too", s)
		}
	})
}

// FuzzParseBinding: callback body fields (a form, as OSS posts them) are
// refused with one of the binding errors, or are a binding made with the
// secret, covering exactly one key or one prefix.
func FuzzParseBinding(f *testing.F) {
	g := &upload.Grant{Profile: "images", Key: "images/alice/a.png", Expiration: fuzzNow.Add(time.Minute)}
	b, err := upload.NewBinding(g, "alice", false, strings.NewReader(strings.Repeat("r", 64)))
	if err != nil {
		f.Fatal(err)
	}
	form := url.Values{}
	for k, v := range b.Vars(fuzzSecret) {
		form.Set(strings.TrimPrefix(k, "x:"), v)
	}
	if _, err := upload.ParseBinding(form.Get, [][]byte{fuzzSecret}, fuzzNow, time.Minute); err != nil {
		f.Fatalf("the valid seed: %v", err)
	}
	f.Add(form.Encode())
	f.Add("gid=1&sig=x&scope=k:a&exp=1")
	f.Add("gid=1&sig=x&scope=p:&exp=99999999999999999999")
	f.Add("scope=q:a")
	f.Fuzz(func(t *testing.T, body string) {
		q, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		b, err := upload.ParseBinding(q.Get, [][]byte{fuzzSecret}, fuzzNow, time.Minute)
		if err != nil {
			if !errors.Is(err, upload.ErrBindingMissing) && !errors.Is(err, upload.ErrBindingSignature) && !errors.Is(err, upload.ErrBindingExpired) {
				t.Fatalf("ParseBinding(%q): %v, want a binding error", body, err)
			}
			if strings.Contains(err.Error(), string(fuzzSecret)) {
				t.Fatalf("ParseBinding(%q): the error %q holds the secret", body, err)
			}
			return
		}
		if (b.Key == "") == (b.Prefix == "") {
			t.Fatalf("ParseBinding(%q) = %+v: want exactly one of key and prefix", body, b)
		}
		if b.Key != "" && (!b.Covers(b.Key) || b.Covers(b.Key+"x")) {
			t.Fatalf("binding %+v covers other keys than its own", b)
		}
		if _, err := upload.ParseBinding(q.Get, [][]byte{[]byte("another secret")}, fuzzNow, time.Minute); err == nil {
			t.Fatalf("ParseBinding(%q) verifies under another secret too", body)
		}
	})
}
