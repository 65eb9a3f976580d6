package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
)

// seedProfiles is a deployment for the samples' clients: one "default"
// profile of PNG images with server-chosen names.
const seedProfiles = `{"default": {"prefix": "seed/{sub}/", "naming": "uuid", "maxSize": 1048576, "contentTypes": ["image/png"], "expires": "10m"}}`

// seedPostAnswer is the samples' post-signature shape.
type seedPostAnswer struct {
	AccessID       string `json:"accessid"`
	OSSAccessKeyID string `json:"ossAccessKeyId"`
	Host           string `json:"host"`
	Policy         string `json:"policy"`
	Signature      string `json:"signature"`
	Expire         int64  `json:"expire"`
	Dir            string `json:"dir"`
	Callback       string `json:"callback"`
}

// seedSTSAnswer is the samples' sts shape: top-level fields (Node, the web
// client) and Credentials (PHP, the STS API).
type seedSTSAnswer struct {
	stsGrant
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
		SecurityToken   string `json:"SecurityToken"`
		Expiration      string `json:"Expiration"`
	} `json:"Credentials"`
}

// Requests shaped exactly like each sample client succeed end to end
// against the seed routes, with only the base URL changed.
func TestSeedClients(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Profiles: seedProfiles})
	photo := pngBytes(t, 5, 5)

	tests := []struct {
		name string
		run  func(t *testing.T) (key string)
	}{
		{name: "web POST client (FormData, success_action_status 200)", run: func(t *testing.T) string {
			var g seedPostAnswer
			call(t, http.MethodGet, s.API+"/get_post_signature_for_oss_upload", "").decode(t, &g)
			checkSeedPost(t, s, g)
			key := g.Dir + "photo.png"
			up := postObject(t, g.Host, []field{
				{"name", "photo.png"},
				{"policy", g.Policy},
				{"OSSAccessKeyId", g.OSSAccessKeyID},
				{"success_action_status", "200"},
				{"signature", g.Signature},
				{"key", key},
			}, "photo.png", "image/png", photo)
			if up.status != http.StatusOK {
				t.Fatalf("PostObject: %d %s, want 200", up.status, up.body)
			}
			return key
		}},
		{name: "WeChat mini-program (wx.uploadFile formData, no status)", run: func(t *testing.T) string {
			var g seedPostAnswer
			call(t, http.MethodGet, s.API+"/get_post_signature_for_oss_upload", "").decode(t, &g)
			checkSeedPost(t, s, g)
			key := g.Dir + "wx-photo.png"
			up := postObject(t, g.Host, []field{
				{"key", key},
				{"policy", g.Policy},
				{"OSSAccessKeyId", g.AccessID},
				{"signature", g.Signature},
			}, "tmp_wx_file.png", "image/png", photo)
			if up.status != http.StatusNoContent {
				t.Fatalf("wx.uploadFile: %d %s, want 204", up.status, up.body)
			}
			return key
		}},
		{name: "STS client (ali-oss with the top-level fields)", run: func(t *testing.T) string {
			var g seedSTSAnswer
			call(t, http.MethodGet, s.API+"/get_sts_token_for_oss_upload", "").decode(t, &g)
			c := g.Credentials
			if c.AccessKeyID == "" || c.AccessKeyID != g.AccessKeyID || c.AccessKeySecret != g.AccessKeySecret ||
				c.SecurityToken != g.SecurityToken || c.Expiration != g.Expiration {
				t.Errorf("Credentials %+v differ from the top-level fields %+v", c, g.stsGrant)
			}
			if exp, err := time.Parse(time.RFC3339, g.Expiration); err != nil || !exp.After(time.Now()) {
				t.Errorf("Expiration %q: want a future RFC 3339 time", g.Expiration)
			}
			if g.Prefix != "seed/anonymous/" || g.Bucket != s.Bucket || g.Region != s.Region {
				t.Errorf("prefix %q bucket %q region %q", g.Prefix, g.Bucket, g.Region)
			}
			client := ossClient(s, credentials.NewStaticCredentialsProvider(g.AccessKeyID, g.AccessKeySecret, g.SecurityToken))
			key := g.Prefix + "sts-photo.png"
			if _, err := client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(g.Bucket), Key: oss.Ptr(key),
				Body: bytes.NewReader(photo), ContentType: oss.Ptr("image/png")}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			_, err := client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(g.Bucket), Key: oss.Ptr("seed/other/x.png"), Body: bytes.NewReader(photo)})
			var se *oss.ServiceError
			if !errors.As(err, &se) || se.Code != "AccessDenied" {
				t.Errorf("PutObject outside the prefix: %v, want AccessDenied", err)
			}
			return key
		}},
		{name: "presigned URL client (text URL, PUT with Content-Type image/png)", run: func(t *testing.T) string {
			r := call(t, http.MethodGet, s.API+"/get_presigned_url_for_oss_upload", "")
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Fatalf("presigned URL: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			u, err := url.Parse(string(r.body))
			if err != nil || !strings.HasPrefix(u.String(), s.OSS+"/"+s.Bucket+"/seed/anonymous/") || !strings.HasSuffix(u.Path, ".png") {
				t.Fatalf("presigned URL %q: want a .png under the seed directory (%v)", r.body, err)
			}
			up := putObject(t, u.String(), map[string]string{"Content-Type": "image/png"}, photo)
			if up.status != http.StatusOK {
				t.Fatalf("PUT: %d %s", up.status, up.body)
			}
			// The URL signs the Content-Type the client sends.
			again := putObject(t, u.String(), map[string]string{"Content-Type": "image/jpeg"}, photo)
			wantOSSError(t, again, http.StatusForbidden, "SignatureDoesNotMatch")
			return strings.TrimPrefix(u.Path, "/"+s.Bucket+"/")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantStored(t, s, tt.run(t), photo)
		})
	}
}

// checkSeedPost checks the samples' post-signature shape: every spelling
// of the access key id, the host, a V1 signature, a future expire and the
// directory.
func checkSeedPost(t *testing.T, s *devstack.Stack, g seedPostAnswer) {
	t.Helper()
	if g.AccessID != devstack.DevAccessKeyID || g.OSSAccessKeyID != g.AccessID {
		t.Errorf("accessid %q ossAccessKeyId %q, want %q", g.AccessID, g.OSSAccessKeyID, devstack.DevAccessKeyID)
	}
	if g.Host != s.OSS+"/"+s.Bucket || g.Policy == "" || g.Signature == "" || g.Dir != "seed/anonymous/" {
		t.Errorf("answer %+v: want host, policy, signature and dir seed/anonymous/", g)
	}
	if g.Expire <= time.Now().Unix() {
		t.Errorf("expire %d is not in the future", g.Expire)
	}
	policy, err := base64.StdEncoding.DecodeString(g.Policy)
	if err != nil || !bytes.Contains(policy, []byte(`["starts-with","$key","seed/anonymous/"]`)) {
		t.Errorf("policy %s: want starts-with $key seed/anonymous/ (%v)", policy, err)
	}
}

// The web sample that sends the callback field it was given: OSS calls
// the callback function, which verifies it and answers the client.
func TestSeedWebClientWithCallback(t *testing.T) {
	t.Parallel()
	s := startStack(t, devstack.Config{Profiles: devstack.DefaultProfiles()}) // callback on
	var g seedPostAnswer
	call(t, http.MethodGet, s.API+"/get_post_signature_for_oss_upload", "").decode(t, &g)
	if g.Callback == "" {
		t.Fatal("no callback field for a callback profile")
	}
	param, err := base64.StdEncoding.DecodeString(g.Callback)
	var cb map[string]string
	if err != nil || json.Unmarshal(param, &cb) != nil || cb["callbackUrl"] != s.API+"/callback" {
		t.Fatalf("callback %s: want the stack's callback function (%v)", param, err)
	}
	key := g.Dir + "photo.png"
	photo := pngBytes(t, 2, 3)
	up := postObject(t, g.Host, []field{
		{"key", key},
		{"policy", g.Policy},
		{"OSSAccessKeyId", g.AccessID},
		{"success_action_status", "200"},
		{"callback", g.Callback},
		{"signature", g.Signature},
	}, "photo.png", "image/png", photo)
	var answer callbackAnswer
	up.decode(t, &answer)
	if answer.Status != "OK" || answer.Key != key || answer.Width == nil || *answer.Width != 2 {
		t.Errorf("callback answer %s, want Status OK for %s, width 2", up.body, key)
	}
	wantStored(t, s, key, photo)
}
