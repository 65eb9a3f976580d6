package ossclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
	ourcreds "ossdirect/shared/credentials"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

// The client against the local OSS emulator, which checks its signatures
// like OSS does.
func TestClientAgainstTheEmulator(t *testing.T) {
	s, err := devstack.Start(devstack.Config{Addr: "127.0.0.1:0", OSSAddr: "127.0.0.1:0", STSAddr: "127.0.0.1:0", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	}()
	creds := credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret)
	c, err := ossclient.New(ossclient.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS,
		Credentials: ourcreds.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")})
	if err != nil {
		t.Fatal(err)
	}
	root := oss.NewClient(oss.LoadDefaultConfig().WithRegion(s.Region).WithEndpoint(s.OSS).WithCredentialsProvider(creds).WithUsePathStyle(true))
	ctx := context.Background()
	put := func(key, ct string, body []byte) {
		t.Helper()
		if _, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), ContentType: oss.Ptr(ct), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	html := []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
	put("images/alice/evil.png", "image/png", html)

	o, err := c.Head(ctx, "images/alice/evil.png")
	if err != nil || o.Size != int64(len(html)) || o.ContentType != "image/png" || o.ETag == "" || o.CRC64 == "" {
		t.Fatalf("Head = %+v, %v", o, err)
	}
	if got, err := c.FirstBytes(ctx, "images/alice/evil.png", 15); err != nil || string(got) != "<!DOCTYPE html>" {
		t.Fatalf("FirstBytes = %q, %v", got, err)
	}
	if cur, err := c.Claim(ctx, ".ossdirect/uploads/k", []byte("etag-1")); err != nil || cur != nil {
		t.Fatalf("first Claim = %q, %v: want it created", cur, err)
	}
	if cur, err := c.Claim(ctx, ".ossdirect/uploads/k", []byte("etag-2")); err != nil || string(cur) != "etag-1" {
		t.Fatalf("second Claim = %q, %v: want the first writer's etag-1", cur, err)
	}
	if err := c.Put(ctx, ".ossdirect/uploads/k", []byte("etag-2")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Head(ctx, "images/alice/missing.png"); !errors.Is(err, ossclient.ErrNotFound) {
		t.Fatalf("Head of a missing object: %v, want ErrNotFound", err)
	}
	if err := c.Move(ctx, "images/alice/evil.png", "quarantine/images/alice/evil.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Head(ctx, "images/alice/evil.png"); !errors.Is(err, ossclient.ErrNotFound) {
		t.Fatalf("the moved object is still there: %v", err)
	}
	if q, err := c.Head(ctx, "quarantine/images/alice/evil.png"); err != nil || q.Size != int64(len(html)) {
		t.Fatalf("quarantined copy: %+v, %v", q, err)
	}
	if err := c.Delete(ctx, "quarantine/images/alice/evil.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Head(ctx, "quarantine/images/alice/evil.png"); !errors.Is(err, ossclient.ErrNotFound) {
		t.Fatalf("deleted object: %v", err)
	}
	// List: every object under a prefix, across pages, in key order.
	for i := range 1005 {
		put(fmt.Sprintf("list/%04d", i), "text/plain", []byte("x"))
	}
	put("listed-not/x", "text/plain", []byte("x"))
	var keys []string
	err = c.List(ctx, "list/", func(o upload.Object) error {
		if o.Size != 1 || o.ETag == "" || time.Since(o.Modified) > time.Minute {
			t.Errorf("listed %+v", o)
		}
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil || len(keys) != 1005 || keys[0] != "list/0000" || keys[1004] != "list/1004" {
		t.Fatalf("List: %d keys (%v), %v", len(keys), keys[:min(len(keys), 3)], err)
	}
	stop := errors.New("stop")
	if err := c.List(ctx, "list/", func(upload.Object) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("List with fn failing: %v, want fn's error", err)
	}
}
