package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds Parse both the fuzzed strings as they are and their
// Base64 encodings (so the fuzzer explores the JSON as well as the Base64
// layer). Parse must never panic, must fail only with *ArgumentError, and
// must return only Specs that Send accepts and Render can render.
func FuzzParse(f *testing.F) {
	seeds := [][2]string{
		{`{"callbackUrl":"http://e.example/cb","callbackBody":"bucket=${bucket}&object=${object}"}`, ``},
		{`{"callbackUrl":"https://a.example:8443/x?y=1;b.example","callbackHost":"h","callbackBody":"{\"o\":${object},\"n\":${x:n}}","callbackBodyType":"application/json","callbackSNI":true}`, `{"x:n":"v"}`},
		{`{"callbackUrl":"callback.oss-demo.com:23450","callbackBody":"${"}`, `{"n":1}`},
		{`{"callbackUrl":"http://[::1]/","callbackBody":"a"}`, `[]`},
		{`{"callbackUrl":"a;b;c;d;e;f","callbackBody":"${}"}`, `{"x:":""}`},
		{`eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9lLmV4YW1wbGUvIiwiY2FsbGJhY2tCb2R5IjoiYSJ9`, ``},
		{`x123-*&`, `%%`},
		{``, ``},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, cb, cv string) {
		for _, in := range [][2]string{{cb, cv}, {b64(cb), b64IfSet(cv)}} {
			spec, err := Parse(in[0], in[1], map[string]string{"x:form": cv})
			if err != nil {
				var ae *ArgumentError
				if spec != nil || !errors.As(err, &ae) || !errors.Is(err, ErrInvalidArgument) || ae.Message == "" {
					t.Fatalf("Parse = %v, %v (%T): want nil and an *ArgumentError", spec, err, err)
				}
				continue
			}
			checkSpec(t, spec)
		}
	})
}

func b64IfSet(s string) string {
	if s == "" {
		return ""
	}
	return b64(s)
}

// checkSpec asserts the invariants of a Spec returned by Parse.
func checkSpec(t *testing.T, spec *Spec) {
	t.Helper()
	if err := spec.check(); err != nil {
		t.Fatalf("Parse returned a Spec that Send refuses: %v\n%#v", err, spec)
	}
	if n := len(spec.URLs); n < 1 || n > MaxURLs {
		t.Fatalf("%d URLs", n)
	}
	for _, u := range spec.URLs {
		norm, err := checkURL(u)
		if err != nil || norm != u {
			t.Fatalf("stored URL %q does not re-validate to itself: %q, %v", u, norm, err)
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Hostname() == "" {
			t.Fatalf("stored URL %q: %+v, %v", u, pu, err)
		}
	}
	if spec.BodyType != BodyTypeForm && spec.BodyType != BodyTypeJSON {
		t.Fatalf("BodyType %q", spec.BodyType)
	}
	for k := range spec.Vars {
		if !strings.HasPrefix(k, "x:") || k == "x:" {
			t.Fatalf("variable %q", k)
		}
	}
	if _, err := Render(spec, Object{Key: "k", Size: 1}); err != nil {
		t.Fatalf("Render of a parsed Spec: %v", err)
	}
}

// FuzzRender checks that Render never panics, fails exactly on malformed
// templates, copies literal text, and encodes values so that they decode
// back: JSON strings unmarshal to the value, form values unescape to it.
func FuzzRender(f *testing.F) {
	f.Add(`{"name":${x:fname},"source_name":${object},"size":${size},"pic_info":"${imageInfo.width},${imageInfo.height}"}`, true, "1/a.jpg", "f.jpg", int64(114020), 810, 539, "123", "")
	f.Add("filename=${object}&size=${size}&mimeType=${mimeType}", false, "a b&c=d/中.png", "x", int64(0), 0, 0, "", "vpc-1")
	f.Add("${", true, "\"\\\x00\xff", "<&>", int64(-1), -5, 7, `1,"a":2`, "v")
	f.Add("$${}}${x:${a}}", false, "", "", int64(1)<<62, 1<<30, 1, "007", "")
	f.Fuzz(func(t *testing.T, body string, asJSON bool, key, v string, size int64, w, h int, crc, vpc string) {
		bodyType := BodyTypeForm
		if asJSON {
			bodyType = BodyTypeJSON
		}
		img := ImageInfo{}
		if w != 0 || h != 0 {
			img = ImageInfo{Width: w, Height: h, Format: "png"}
		}
		obj := Object{Key: key, Size: size, Image: img, CRC64: crc, VpcID: vpc, MimeType: v, ETag: v}
		vars := map[string]string{"x:v": v}
		render := func(b string) (string, error) {
			return Render(&Spec{Body: b, BodyType: bodyType, Vars: vars}, obj)
		}

		got, err := render(body)
		_, terr := parseTemplate(body)
		if (err == nil) != (terr == nil) {
			t.Fatalf("Render err = %v, template err = %v", err, terr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) || got != "" {
				t.Fatalf("Render = %q, %v", got, err)
			}
			return
		}
		if !strings.Contains(body, "${") && got != body {
			t.Fatalf("template without variables changed: %q -> %q", body, got)
		}

		for name, want := range map[string]string{"${object}": key, "${x:v}": v, "${mimeType}": v} {
			enc, err := render(name)
			if err != nil {
				t.Fatal(err)
			}
			if asJSON {
				var dec string
				if err := json.Unmarshal([]byte(enc), &dec); err != nil {
					t.Fatalf("%s rendered %q, not a JSON string: %v", name, enc, err)
				}
				if utf8.ValidString(want) && dec != want {
					t.Fatalf("%s: JSON %q decodes to %q, want %q", name, enc, dec, want)
				}
			} else {
				dec, err := url.QueryUnescape(enc)
				if err != nil || dec != want {
					t.Fatalf("%s: form %q unescapes to %q, %v; want %q", name, enc, dec, err, want)
				}
			}
		}
		if asJSON {
			doc, err := render(`{"o":${object},"s":${size},"v":${x:v},"vpc":${vpcId},"f":${imageInfo.format},"e":${etag}}`)
			if err != nil || !json.Valid([]byte(doc)) {
				t.Fatalf("well-formed JSON template rendered invalid JSON %q, %v", doc, err)
			}
		}
	})
}

// FuzzDetectImage checks that DetectImage never panics and reports either
// nothing or a positive size with a known format.
func FuzzDetectImage(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 2, 0, 3, 1, 1, 0x11, 0})
	f.Add([]byte("GIF89a\x03\x00\x02\x00"))
	f.Add(vp8x(3, 2))
	f.Add(vp8l(3, 2))
	f.Add(vp8(3, 2, true))
	f.Add(bmp(40, 3, -2))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := DetectImage(bytes.NewReader(data))
		if got == (ImageInfo{}) {
			return
		}
		switch got.Format {
		case "png", "jpg", "gif", "bmp", "webp":
		default:
			t.Fatalf("format %q", got.Format)
		}
		if got.Width <= 0 || got.Height <= 0 {
			t.Fatalf("size %dx%d", got.Width, got.Height)
		}
	})
}
