package devstack_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/doctor"
	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/callback"
	"ossdirect/shared/upload"
)

func startStack(t *testing.T) *devstack.Stack {
	t.Helper()
	return startWith(t, devstack.Config{})
}

// assumeRole calls the stack's STS emulator with the official STS SDK, the
// way the sts-token function will, with the session policy an upload
// profile compiles to.
func assumeRole(t *testing.T, s *devstack.Stack, policy string) *sts.AssumeRoleResponseBodyCredentials {
	t.Helper()
	client, err := sts.NewClient(&openapi.Config{
		AccessKeyId: tea.String(devstack.DevAccessKeyID), AccessKeySecret: tea.String(devstack.DevAccessKeySecret),
		Endpoint: tea.String(strings.TrimPrefix(s.STS, "http://")), Protocol: tea.String("http"),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.AssumeRole(&sts.AssumeRoleRequest{
		RoleArn: tea.String("acs:ram::1234567890123456:role/ossdirect-upload"), RoleSessionName: tea.String("alice"),
		DurationSeconds: tea.Int64(900), Policy: tea.String(policy),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Body.Credentials
}

func ossClient(s *devstack.Stack, provider credentials.CredentialsProvider, version oss.SignatureVersionType) *oss.Client {
	cfg := oss.LoadDefaultConfig().WithCredentialsProvider(provider).WithRegion(s.Region).
		WithEndpoint(s.OSS).WithSignatureVersion(version)
	return oss.NewClient(cfg)
}

// The product flow end to end: an upload profile's session policy, STS
// credentials from the STS SDK, uploads with the OSS SDK (V4 and V1) that
// succeed inside the granted prefix and fail outside it.
func TestSTSCredentialsConfinedToTheGrant(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	profiles, err := upload.ParseProfiles([]byte(`{"docs":{"prefix":"docs/{sub}/","maxSize":104857600}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := profiles.Lookup("docs")
	g, err := p.Grant(upload.Request{Subject: "alice", Filename: "a.txt"}, time.Now(), upload.GrantOptions{Bucket: s.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := g.SessionPolicy(s.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	c := assumeRole(t, s, string(policy))
	provider := credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.AccessKeySecret, *c.SecurityToken)
	for _, v := range []oss.SignatureVersionType{oss.SignatureVersionV4, oss.SignatureVersionV1} {
		client := ossClient(s, provider, v)
		ctx := context.Background()
		inside := g.Dir + fmt.Sprintf("v%d 中文.txt", v)
		if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(inside), Body: strings.NewReader("hello")}); err != nil {
			t.Fatalf("v%d put inside the grant: %v", v, err)
		}
		_, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr("docs/bob/x.txt"), Body: strings.NewReader("no")})
		var se *oss.ServiceError
		if !errors.As(err, &se) || se.StatusCode != 403 || se.Code != "AccessDenied" {
			t.Fatalf("v%d put outside the grant: %v, want 403 AccessDenied", v, err)
		}
		if _, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(inside)}); !errors.As(err, &se) || se.Code != "AccessDenied" {
			t.Fatalf("v%d get with an upload-only policy: %v, want AccessDenied", v, err)
		}
	}
	root := ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
	if _, err := root.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr("docs/bob/x.txt")}); err == nil {
		t.Fatal("the refused upload was stored")
	}
}

func TestMultipartAndPresignWithTheGoSDK(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	client := ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
	ctx := context.Background()
	data := make([]byte, 12<<20+123)
	rand.Read(data)
	up := client.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 1 << 20; o.ParallelNum = 4 })
	res, err := up.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr("big/file.bin")}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(oss.ToString(res.ETag), `-13"`) {
		t.Errorf("multipart ETag %s, want the -13 form", oss.ToString(res.ETag))
	}
	get, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr("big/file.bin")})
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if md5.Sum(back) != md5.Sum(data) {
		t.Fatal("multipart object differs from what was uploaded")
	}

	pre, err := client.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr("presigned/a b.txt"), ContentType: oss.Ptr("text/plain")}, oss.PresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(pre.Method, pre.URL, strings.NewReader("via presigned URL"))
	for k, v := range pre.SignedHeaders {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(pre.Method, pre.URL, strings.NewReader("other type"))
	req.Header.Set("Content-Type", "text/html")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(body, []byte("<Code>SignatureDoesNotMatch</Code>")) {
		t.Fatalf("presigned PUT with another Content-Type: %d %s", resp.StatusCode, body)
	}
}

// The emulator's callbacks verify with the product's callback verifier when
// its key URL is allow-listed, and only then.
func TestCallbackVerifiesOnlyWithTheKeyURLAllowListed(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	type result struct {
		err error
	}
	results := make(chan result, 2)
	var allowed []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		in, err := callback.FromRequest(r, body)
		if err == nil {
			u, kerr := in.KeyURL(allowed)
			if kerr != nil {
				err = kerr
			} else {
				resp, ferr := http.Get(u)
				if ferr != nil {
					err = ferr
				} else {
					pemKey, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					err = callback.VerifyPEM(in, pemKey, allowed)
				}
			}
		}
		results <- result{err}
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Status":"OK"}`))
	}))
	defer app.Close()

	client := ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
	put := func(key string) error {
		_, err := client.PutObject(context.Background(), &oss.PutObjectRequest{
			Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("cb"),
			Callback: oss.Ptr(callbackParam(app.URL + "/cb")),
		})
		return err
	}
	// Default allow-list (OSS's own key host only): the verifier refuses.
	if err := put("cb/refused.txt"); err == nil {
		t.Fatal("callback accepted with the default allow-list")
	}
	if r := <-results; !errors.Is(r.err, callback.ErrKeyURLNotAllowed) {
		t.Fatalf("verifier: %v, want ErrKeyURLNotAllowed", r.err)
	}
	allowed = []string{s.KeyURLPrefix}
	if err := put("cb/accepted.txt"); err != nil {
		t.Fatalf("callback with the emulator's key allow-listed: %v", err)
	}
	if r := <-results; r.err != nil {
		t.Fatalf("verifier: %v", r.err)
	}
}

func callbackParam(url string) string {
	return encodeB64(fmt.Sprintf(`{"callbackUrl":%q,"callbackBody":"bucket=${bucket}&object=${object}&size=${size}","callbackBodyType":"application/x-www-form-urlencoded"}`, url))
}

// The status page lists the multipart uploads in progress, with their parts
// so far, until they are completed.
func TestStatusListsPendingMultipartUploads(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	client := ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
	ctx := context.Background()
	status := func() string {
		t.Helper()
		resp, err := http.Get(s.API + "/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /status: %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	if page := status(); !strings.Contains(page, "Pending multipart uploads") || !strings.Contains(page, "None in bucket") || !strings.Contains(page, "AbortMultipartUpload") {
		t.Fatalf("status page without uploads:\n%s", page)
	}
	// Doctor's checklist, run against the stack: a fresh bucket lacks the
	// lifecycle rule, and the STS check uploads nothing there.
	page := status()
	for _, c := range doctor.Checks {
		if !strings.Contains(page, html.EscapeString(c.Title)) {
			t.Errorf("status page lacks doctor's check %q", c.Title)
		}
	}
	if !strings.Contains(page, `<tr class="fail"><td>✗</td><td>A lifecycle rule aborts`) || !strings.Contains(page, "no probe upload: read-only run") {
		t.Errorf("status page's doctor table:\n%s", page)
	}
	key := "big/pending 中文 <b>.bin"
	init, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	id := oss.ToString(init.UploadId)
	var parts []oss.UploadPart
	for i, size := range []int{100 << 10, 7} {
		res, err := client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			PartNumber: int32(i + 1), Body: bytes.NewReader(make([]byte, size))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	page = status()
	row := regexp.MustCompile(`<tr>[^\n]*` + id + `[^\n]*</tr>`).FindString(page)
	if row == "" {
		t.Fatalf("upload %s not on the status page:\n%s", id, page)
	}
	for _, want := range []string{"<code>big/pending 中文 &lt;b&gt;.bin</code>", `<td class="n">2</td>`, `<td class="n">102407</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("row %s lacks %s", row, want)
		}
	}
	initiated, err := time.Parse(time.RFC3339, regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:]{8}Z`).FindString(row))
	if err != nil || time.Since(initiated) > time.Minute {
		t.Errorf("row %s: initiated %v, %v", row, initiated, err)
	}
	if _, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if page := status(); strings.Contains(page, id) || !strings.Contains(page, "None in bucket") {
		t.Fatalf("completed upload still on the status page:\n%s", page)
	}
}
