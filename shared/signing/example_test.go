package signing_test

import (
	"fmt"
	"net/http"
	"time"

	"ossdirect/shared/signing"
)

// Presign a PUT that must carry Content-Type: image/png. The client sends
// the returned SignedHeaders with the URL, byte for byte.
func ExamplePresignV4() {
	creds := signing.Credentials{AccessKeyID: "LTAI5tExample", AccessKeySecret: "example-secret"}
	req := &signing.Request{
		Method: "PUT", Bucket: "dev-bucket", Key: "uploads/猫 1.png", Region: "cn-hangzhou",
		Header: http.Header{"Content-Type": {"image/png"}},
	}
	at := time.Date(2023, 12, 3, 12, 12, 12, 0, time.UTC)
	p, err := signing.PresignV4(req, creds, at, 10*time.Minute)
	if err != nil {
		panic(err)
	}
	fmt.Println(signing.ObjectURL("https", "oss-cn-hangzhou.aliyuncs.com", "dev-bucket", req.Key, signing.VirtualHosted, p.RawQuery))
	fmt.Println(p.SignedHeaders)
	// Output:
	// https://dev-bucket.oss-cn-hangzhou.aliyuncs.com/uploads/%E7%8C%AB%201.png?x-oss-credential=LTAI5tExample%2F20231203%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231203T121212Z&x-oss-expires=600&x-oss-signature=a41fec2d4b2f94fe84b72f61b09c50cdb3d2461248bd45225621e8e74ec01a98&x-oss-signature-version=OSS4-HMAC-SHA256
	// map[Content-Type:image/png]
}

// The V4 PostObject signature is the hex HMAC-SHA256 of the policy field
// under the day's derived key (vector from ali-oss 6.23.0, see
// testdata/post-vectors.json).
func ExamplePostSignatureV4() {
	policy := "eyJleHBpcmF0aW9uIjoiMjAyMy0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdXX0="
	at := time.Date(2023, 12, 3, 12, 12, 12, 0, time.UTC)
	fmt.Println(signing.V4Credential("ak", at, "cn-hangzhou", "oss"))
	fmt.Println(signing.PostSignatureV4("sk", at, "cn-hangzhou", policy))
	// Output:
	// ak/20231203/cn-hangzhou/oss/aliyun_v4_request
	// 47b3a682e2561b137c99521987c611ba2e22b486ec9826226b725b2a50d338a7
}
