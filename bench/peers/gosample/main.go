// Command gosample is Alibaba's Go server-signature sample for browser
// PostObject uploads ("Go" in the OSS guide to uploading with a signature
// computed on the server), rebuilt as a benchmark peer: plain net/http on
// http.DefaultServeMux, no authentication, no upload profile. Each GET
// /get_post_signature_for_oss_upload builds the sample's V1 policy —
// expiration one hour ahead, ["starts-with","$key",dir],
// ["content-length-range",1024,10485760] — with json.Marshal of the same
// structure, Base64-encodes it, signs it with HMAC-SHA1 under the
// AccessKey secret and answers the sample's JSON fields
// (ossAccessKeyId, host, signature, policy, dir).
//
// It differs from the sample only where a benchmark needs it: it listens on
// PORT (the sample: :8080), takes the upload host from OSS_HOST (the sample
// has a placeholder), and does not serve templates/index.html at /.
// Credentials come from OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET as in
// the sample; scripts/bench-peers.sh passes fake benchmark keys.
//
// It is not part of the product and is never deployed.
package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

var (
	accessKeyID     = os.Getenv("OSS_ACCESS_KEY_ID")
	accessKeySecret = os.Getenv("OSS_ACCESS_KEY_SECRET")
	host            = envOr("OSS_HOST", "http://bench-bucket.oss-cn-hangzhou.aliyuncs.com")
	uploadDir       = "user-dir-prefix/"
	expireTime      = int64(3600)
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type policyConfig struct {
	Expiration string          `json:"expiration"`
	Conditions [][]interface{} `json:"conditions"`
}

type policyToken struct {
	AccessKeyID string `json:"ossAccessKeyId"`
	Host        string `json:"host"`
	Signature   string `json:"signature"`
	Policy      string `json:"policy"`
	Directory   string `json:"dir"`
}

func gmtISO8601(expireEnd int64) string {
	return time.Unix(expireEnd, 0).UTC().Format("2006-01-02T15:04:05Z")
}

// getPolicyToken is the sample's computation, step for step.
func getPolicyToken() string {
	now := time.Now().Unix()
	expireEnd := now + expireTime
	var config policyConfig
	config.Expiration = gmtISO8601(expireEnd)
	config.Conditions = append(config.Conditions, []interface{}{"starts-with", "$key", uploadDir})
	minSize, maxSize := int64(1024), int64(10*1024*1024)
	config.Conditions = append(config.Conditions, []interface{}{"content-length-range", minSize, maxSize})

	result, err := json.Marshal(config)
	if err != nil {
		fmt.Println("callback json err:", err)
		return ""
	}
	encodedResult := base64.StdEncoding.EncodeToString(result)
	h := hmac.New(sha1.New, []byte(accessKeySecret))
	io.WriteString(h, encodedResult)
	signedStr := base64.StdEncoding.EncodeToString(h.Sum(nil))

	response, err := json.Marshal(policyToken{
		AccessKeyID: accessKeyID,
		Host:        host,
		Signature:   signedStr,
		Policy:      encodedResult,
		Directory:   uploadDir,
	})
	if err != nil {
		fmt.Println("json err:", err)
		return ""
	}
	return string(response)
}

func handler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/get_post_signature_for_oss_upload" {
		policyToken := getPolicyToken()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(policyToken))
		return
	}
	http.NotFound(w, r)
}

func main() {
	http.HandleFunc("/", handler)
	port := envOr("PORT", "8080")
	if err := http.ListenAndServe("127.0.0.1:"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
