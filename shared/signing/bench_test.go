package signing

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// benchPolicy is a realistic V4 policy, about the size post-signature emits.
const benchPolicy = "eyJleHBpcmF0aW9uIjoiMjAyNi0xMS0yM1QxMjoxMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZGV2LWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0VGVzdC8yMDI2MTEyMy9jbi1oYW5nemhvdS9vc3MvYWxpeXVuX3Y0X3JlcXVlc3QifSx7Ingtb3NzLWRhdGUiOiIyMDI2MTEyM1QxMjAwMDBaIn0sWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwyMDk3MTUyMF0sWyJlcSIsIiRrZXkiLCJpbWFnZXMvYWxpY2UvMjAyNi8xMS8xZjNlNmU3Mi0xYzNkLTRiMmUtOWE0Ny0wYzY2YjZhNmQ1OGYucG5nIl0sWyJpbiIsIiRjb250ZW50LXR5cGUiLFsiaW1hZ2UvcG5nIiwiaW1hZ2UvanBlZyIsImltYWdlL3dlYnAiXV0seyJ4LW9zcy1mb3JiaWQtb3ZlcndyaXRlIjoidHJ1ZSJ9LHsic3VjY2Vzc19hY3Rpb25fc3RhdHVzIjoiMjAwIn1dfQ=="

const benchKey = "images/alice/2026/11/1f3e6e72-1c3d-4b2e-9a47-0c66b6a6d58f.png"

func BenchmarkPostSignatureV4(b *testing.B) {
	PostSignatureV4(testCreds.AccessKeySecret, signedAt, "cn-hangzhou", benchPolicy) // warm the key cache
	b.ReportAllocs()
	for b.Loop() {
		PostSignatureV4(testCreds.AccessKeySecret, signedAt, "cn-hangzhou", benchPolicy)
	}
}

func BenchmarkPostSignatureV1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		PostSignatureV1(testCreds.AccessKeySecret, benchPolicy)
	}
}

func benchRequest() *Request {
	return &Request{Method: "PUT", Bucket: "dev-bucket", Key: benchKey, Region: "cn-hangzhou",
		Header: http.Header{"Content-Type": {"image/png"}, "X-Oss-Forbid-Overwrite": {"true"}}}
}

// BenchmarkPresignV4 measures our presign of a PUT with its signed headers,
// through to the final URL string.
func BenchmarkPresignV4(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, err := PresignV4(benchRequest(), testCreds, signedAt, 10*time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		_ = ObjectURL("https", "oss-cn-hangzhou.aliyuncs.com", "dev-bucket", benchKey, VirtualHosted, p.RawQuery)
	}
}

func BenchmarkPresignV1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, err := PresignV1(benchRequest(), testCreds, signedAt.Add(10*time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		_ = ObjectURL("https", "oss-cn-hangzhou.aliyuncs.com", "dev-bucket", benchKey, VirtualHosted, p.RawQuery)
	}
}

// BenchmarkSDKPresignV4Signer measures the official Go SDK v2's V4 query
// signer on the same request: the SDK's own signing step, without its client.
func BenchmarkSDKPresignV4Signer(b *testing.B) {
	creds := credentials.Credentials{AccessKeyID: testCreds.AccessKeyID, AccessKeySecret: testCreds.AccessKeySecret}
	bucket, key, product, region := "dev-bucket", benchKey, "oss", "cn-hangzhou"
	s := &signer.SignerV4{}
	b.ReportAllocs()
	for b.Loop() {
		req := &http.Request{Method: "PUT", URL: &url.URL{Scheme: "https", Host: "dev-bucket.oss-cn-hangzhou.aliyuncs.com", Path: "/" + benchKey},
			Header: http.Header{"Content-Type": {"image/png"}, "X-Oss-Forbid-Overwrite": {"true"}}}
		sc := &signer.SigningContext{Bucket: &bucket, Key: &key, Product: &product, Region: &region, Request: req,
			Credentials: &creds, AuthMethodQuery: true, Time: signedAt.Add(10 * time.Minute)}
		if err := s.Sign(context.Background(), sc); err != nil {
			b.Fatal(err)
		}
		_ = req.URL.String()
	}
}

// BenchmarkSDKPresignV4Client measures what an application calls: the
// official Go SDK v2's Client.Presign of a PutObjectRequest.
func BenchmarkSDKPresignV4Client(b *testing.B) {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.AccessKeySecret)).
		WithRegion("cn-hangzhou")
	client := oss.NewClient(cfg)
	req := &oss.PutObjectRequest{Bucket: oss.Ptr("dev-bucket"), Key: oss.Ptr(benchKey), ContentType: oss.Ptr("image/png"), ForbidOverwrite: oss.Ptr("true")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.Presign(context.Background(), req, oss.PresignExpires(10*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyV4Header(b *testing.B) {
	r := benchRequest()
	s, err := SignV4(r, testCreds, signedAt)
	if err != nil {
		b.Fatal(err)
	}
	a, err := ParseAuthorization(s.Authorization)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(r, a, testCreds.AccessKeySecret, signedAt); err != nil {
			b.Fatal(err)
		}
	}
}
