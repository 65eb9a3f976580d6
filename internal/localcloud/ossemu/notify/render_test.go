package notify

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"ossdirect/shared/callback"
)

// ossPubKeyPEM is OSS's 512-bit callback key v1, as served at
// https://gosspublic.alicdn.com/callback_pub_key_v1.pem (also in
// shared/callback/testdata/oss_callback_pub_key_v1.pem).
const ossPubKeyPEM = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
`

// ossKeyURLB64 is Base64 of https://gosspublic.alicdn.com/callback_pub_key_v1.pem.
const ossKeyURLB64 = "aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0="

// TestRenderOSSVectors renders the templates behind two callbacks captured
// from real OSS and checks the result byte for byte: against the published
// body, against OSS's own RSA signature over it, and (soonio) against the
// Content-MD5 OSS sent. Sources: shared/callback/vectors_test.go.
func TestRenderOSSVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		source     string
		spec       Spec
		obj        Object
		path       string
		want       string
		auth       string // OSS's authorization header
		contentMD5 string // OSS's Content-MD5 header, if published
	}{
		{
			name:   "cloudreve JSON template",
			source: "cloudreve/Cloudreve pkg/filesystem/driver/oss (template) and callback_test.go @ 0d2e3cc7 (captured callback)",
			spec: Spec{
				Body:     `{"name":${x:fname},"source_name":${object},"size":${size},"pic_info":"${imageInfo.width},${imageInfo.height}"}`,
				BodyType: BodyTypeJSON,
				Vars:     map[string]string{"x:fname": "2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg"},
			},
			obj: Object{
				Key:   "1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg",
				Size:  114020,
				Image: ImageInfo{Width: 810, Height: 539, Format: "jpg"},
			},
			path: "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH",
			want: `{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}`,
			auth: "e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==",
		},
		{
			name:   "soonio form-shaped template with JSON type",
			source: "soonio/osd upload.go @ 53510189 (template) and README.md @ ca3371d7 (captured callback)",
			spec: Spec{
				Body:     "filename=${object}&size=${size}&mimeType=${mimeType}&height=${imageInfo.height}&width=${imageInfo.width}",
				BodyType: BodyTypeJSON,
			},
			obj: Object{
				Key:      "local/var/www/zhuye.png",
				Size:     5385,
				MimeType: "application/octet-stream",
				Image:    ImageInfo{Width: 256, Height: 256, Format: "png"},
			},
			path:       "/api/any",
			want:       `filename="local/var/www/zhuye.png"&size=5385&mimeType="application/octet-stream"&height=256&width=256`,
			auth:       "E6i//T0rnM/xu4wQjnKODWSYsyQdR2e8KIreuRihpBQzoy70q7KmdvrIR3vxNGi8OdCswE+QOfPt+O3PvA5NMA==",
			contentMD5: "nbXlrGfwFyDIgSJjs1PBHA==",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			t.Logf("source: %s", tt.source)
			got, err := Render(&tt.spec, tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Render =\n%s\nwant\n%s", got, tt.want)
			}
			in := callback.Input{Path: tt.path, Body: []byte(got), Authorization: tt.auth, PubKeyURL: ossKeyURLB64}
			if err := callback.VerifyPEM(in, []byte(ossPubKeyPEM), nil); err != nil {
				t.Fatalf("OSS's signature does not cover the rendered body: %v", err)
			}
			if tt.contentMD5 != "" {
				sum := md5.Sum([]byte(got))
				if md := base64.StdEncoding.EncodeToString(sum[:]); md != tt.contentMD5 {
					t.Fatalf("Content-MD5 = %s, OSS sent %s", md, tt.contentMD5)
				}
			}
		})
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	full := Object{
		Bucket:     "bkt",
		Key:        "dir/a b&c=d/中文.png",
		ETag:       `"5B3C1A2E053D763E1B002CC607C5A0FE"`,
		MimeType:   "image/png",
		CRC64:      "18446744073709551615",
		ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==",
		ClientIP:   "203.0.113.7",
		RequestID:  "5C06A3B67B8B5A3DA422299D",
		Operation:  "PutObject",
		Size:       5385,
		Image:      ImageInfo{Width: 256, Height: 128, Format: "png"},
	}
	plain := Object{Bucket: "bkt", Key: "a.txt", MimeType: "text/plain", Size: 0, Operation: "CompleteMultipartUpload"}
	allVars := "${bucket}|${object}|${etag}|${size}|${mimeType}|${imageInfo.height}|${imageInfo.width}|${imageInfo.format}|" +
		"${crc64}|${contentMd5}|${vpcId}|${clientIp}|${reqId}|${operation}"
	tests := []struct {
		name     string
		body     string
		bodyType string
		vars     map[string]string
		obj      Object
		want     string
	}{
		{
			name: "form: every system variable, URL-encoded",
			body: allVars, obj: full,
			want: "bkt|dir%2Fa+b%26c%3Dd%2F%E4%B8%AD%E6%96%87.png|5B3C1A2E053D763E1B002CC607C5A0FE|5385|image%2Fpng|128|256|png|" +
				"18446744073709551615|1B2M2Y8AsgTpgAmY7PhCfg%3D%3D||203.0.113.7|5C06A3B67B8B5A3DA422299D|PutObject",
		},
		{
			name: "form: reference's mimeType example", body: "mimeType=${mimeType}", obj: plain,
			want: "mimeType=text%2Fplain",
		},
		{
			name: "form: non-image leaves imageInfo empty", body: "h=${imageInfo.height}&w=${imageInfo.width}&f=${imageInfo.format}&s=${size}", obj: plain,
			want: "h=&w=&f=&s=0",
		},
		{
			name: "form: custom variables encoded, undefined and unknown empty",
			body: "a=${x:a}&b=${x:missing}&c=${nosuch}&d=${Object}&e=${ object }",
			vars: map[string]string{"x:a": "1+1=2 & more"}, obj: plain,
			want: "a=1%2B1%3D2+%26+more&b=&c=&d=&e=",
		},
		{
			name: "json: every system variable",
			body: allVars, bodyType: BodyTypeJSON, obj: full,
			want: `"bkt"|"dir/a b&c=d/中文.png"|"5B3C1A2E053D763E1B002CC607C5A0FE"|5385|"image/png"|128|256|"png"|` +
				`18446744073709551615|"1B2M2Y8AsgTpgAmY7PhCfg=="|null|"203.0.113.7"|"5C06A3B67B8B5A3DA422299D"|"PutObject"`,
		},
		{
			name: "json: the reference doc's template is valid JSON",
			body: `{"mimeType":${mimeType},"size":${size}}`, bodyType: BodyTypeJSON, obj: plain,
			want: `{"mimeType":"text/plain","size":0}`,
		},
		{
			name: "json: a template that quotes a string variable gets the quotes twice",
			body: `{"object":"${object}","size":"${size}"}`, bodyType: BodyTypeJSON, obj: plain,
			want: `{"object":""a.txt"","size":"0"}`,
		},
		{
			name: "json: cloudreve template on a non-image",
			body: `{"name":${x:fname},"pic_info":"${imageInfo.width},${imageInfo.height}"}`, bodyType: BodyTypeJSON,
			vars: map[string]string{"x:fname": "a.txt"}, obj: plain,
			want: `{"name":"a.txt","pic_info":","}`,
		},
		{
			name:     "json: empty numbers render as nothing, vpcId as null, other empty strings as \"\"",
			body:     `{"h":${imageInfo.height},"c":${crc64},"v":${vpcId},"f":${imageInfo.format},"m":${contentMd5},"x":${x:none},"u":${nosuch}}`,
			bodyType: BodyTypeJSON, obj: plain,
			want: `{"h":,"c":,"v":null,"f":"","m":"","x":"","u":""}`,
		},
		{
			name: "json: vpcId set",
			body: `${vpcId}`, bodyType: BodyTypeJSON, obj: Object{VpcID: "vpc-bp1"},
			want: `"vpc-bp1"`,
		},
		{
			name: "json: escaping of quotes, backslashes, controls, HTML and invalid UTF-8",
			body: `{"o":${object}}`, bodyType: BodyTypeJSON, obj: Object{Key: "q\"b\\n\n<&>\x01\xff"},
			want: `{"o":"q\"b\\n\n<&>\u0001\ufffd"}`,
		},
		{
			name: "json: a crc64 that is not a number is quoted, not injected",
			body: `{"c":${crc64}}`, bodyType: BodyTypeJSON, obj: Object{CRC64: `1,"evil":true`},
			want: `{"c":"1,\"evil\":true"}`,
		},
		{
			name: "json: crc64 zero and negative size stay numbers",
			body: `${crc64} ${size}`, bodyType: BodyTypeJSON, obj: Object{CRC64: "0", Size: -1},
			want: `0 -1`,
		},
		{
			name: "etag without quotes is kept",
			body: "${etag}", obj: Object{ETag: "ABC"},
			want: "ABC",
		},
		{
			name: "literal text is copied verbatim, including $ and braces",
			body: "$ ${size} $x {y} } ${size}$", obj: Object{Size: 7},
			want: "$ 7 $x {y} } 7$",
		},
		{
			name: "body type matching is case-insensitive",
			body: "${bucket}", bodyType: "Application/Json", obj: Object{Bucket: "b"},
			want: `"b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(&Spec{Body: tt.body, BodyType: tt.bodyType, Vars: tt.vars}, tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Render =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec *Spec
	}{
		{"nil spec", nil},
		{"unknown body type", &Spec{Body: "a", BodyType: "text/plain"}},
		{"unclosed variable", &Spec{Body: "a=${size"}},
		{"empty variable", &Spec{Body: "a=${}"}},
		{"nested variable", &Spec{Body: "${a${b}}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tt.spec, Object{})
			if got != "" || !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("Render = %q, %v; want ErrInvalidArgument", got, err)
			}
		})
	}
}

// TestRenderJSONRoundTrip checks that a well-formed JSON template with every
// system variable yields JSON that decodes to the object's values.
func TestRenderJSONRoundTrip(t *testing.T) {
	t.Parallel()
	body := `{"bucket":${bucket},"object":${object},"etag":${etag},"size":${size},"mimeType":${mimeType},` +
		`"imageInfo":{"height":${imageInfo.height},"width":${imageInfo.width},"format":${imageInfo.format}},` +
		`"crc64":${crc64},"contentMd5":${contentMd5},"vpcId":${vpcId},"clientIp":${clientIp},"reqId":${reqId},"operation":${operation}}`
	obj := Object{
		Bucket: "b", Key: "k/\"quoted\"\t.jpg", ETag: `"E"`, MimeType: "image/jpeg", CRC64: "12345678901234567890",
		ContentMD5: "md5==", ClientIP: "198.51.100.1", RequestID: "RID", Operation: "PostObject", Size: 42,
		Image: ImageInfo{Width: 3, Height: 2, Format: "jpg"},
	}
	got, err := Render(&Spec{Body: body, BodyType: BodyTypeJSON}, obj)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Bucket, Object, Etag, MimeType, ContentMd5, ClientIP, ReqID, Operation string
		Size                                                                   int64
		Crc64                                                                  uint64
		VpcID                                                                  *string
		ImageInfo                                                              struct {
			Height, Width int
			Format        string
		}
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if v.Object != obj.Key || v.Etag != "E" || v.Size != 42 || v.Crc64 != 12345678901234567890 || v.VpcID != nil ||
		v.ImageInfo.Width != 3 || v.ImageInfo.Height != 2 || v.ImageInfo.Format != "jpg" || v.Operation != "PostObject" {
		t.Fatalf("decoded %+v from\n%s", v, got)
	}
}
