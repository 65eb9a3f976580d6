package upload_test

import (
	"testing"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// benchRequest is what post-signature's native route typically receives.
var benchRequest = upload.Request{Subject: "u1", Filename: "cat.png", ContentType: "image/png", Size: 100}

// benchCreds: static credentials, and temporary ones (one more condition
// and field).
var benchCreds = []struct {
	name  string
	creds signing.Credentials
}{{"static", staticCreds}, {"sts", stsCreds}}

const benchCallback = "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9leGFtcGxlLmNvbS9jYiJ9"

func benchGrantForm(b *testing.B, p *upload.Profile, creds signing.Credentials) *upload.PostForm {
	g, err := p.Grant(benchRequest, fixedNow, upload.GrantOptions{Bucket: "examplebucket"})
	if err != nil {
		b.Fatal(err)
	}
	g.CallbackParam = benchCallback
	g.CallbackVars = map[string]string{"x:profile": "images", "x:subject": "u1"}
	f, err := g.PostForm(creds, upload.SignatureV4, region, fixedNow)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkGrantPostFormV4 is what post-signature computes per request: the
// grant (UUID key from crypto/rand, checks) compiled to a V4 PostObject
// form with a callback and its variables pinned.
func BenchmarkGrantPostFormV4(b *testing.B) {
	for _, bc := range benchCreds {
		b.Run(bc.name, func(b *testing.B) {
			p := profiles(b)["images"]
			pp := &p
			b.ReportAllocs()
			for b.Loop() {
				benchGrantForm(b, pp, bc.creds)
			}
		})
	}
}

// BenchmarkPolicyFloorV4 is the floor for the same answer: the whole policy
// (the conditions GrantPostFormV4 produces, built beforehand) written as
// JSON, Base64-encoded and V4-signed — what any implementation does per
// request. docs/BENCHMARKS.md compares GrantPostFormV4 with it.
func BenchmarkPolicyFloorV4(b *testing.B) {
	for _, bc := range benchCreds {
		b.Run(bc.name, func(b *testing.B) {
			p := profiles(b)["images"]
			f := benchGrantForm(b, &p, bc.creds)
			pol := signedPolicy(b, f)
			b.ReportAllocs()
			for b.Loop() {
				encoded, err := pol.Base64()
				if err != nil {
					b.Fatal(err)
				}
				_ = signing.PostSignatureV4(bc.creds.AccessKeySecret, fixedNow, region, encoded)
			}
		})
	}
}
