package api_test

// Presigned multipart on the local stack: create, sign, PUT the parts to
// the OSS emulator over real HTTP, list, complete with the callback, and
// every operation's refusals, each naming its field.

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	"ossdirect/shared/auth"
	ourcreds "ossdirect/shared/credentials"
	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

// mpProfiles: a video profile with a callback (20 MiB max), one without.
const mpProfiles = `{
  "videos": {"prefix": "videos/{sub}/", "naming": "uuid", "maxSize": 20971520, "contentTypes": ["video/mp4"], "callback": true},
  "files":  {"prefix": "files/{sub}/", "naming": "client", "maxSize": 20971520}
}`

type mpStack struct {
	*devstack.Stack
	t    *testing.T
	logs *syncbuf.Buffer
}

func startMultipartStack(t *testing.T) *mpStack {
	t.Helper()
	logs := &syncbuf.Buffer{}
	s := startStack(t, devstack.Config{Profiles: mpProfiles, GrantSecrets: [][]byte{testGrantSecret},
		Auth:   auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice", bobKey: "bob"}},
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	return &mpStack{Stack: s, t: t, logs: logs}
}

func (s *mpStack) op(op, apiKey string, body any) response {
	s.t.Helper()
	return postJSON(s.t, s.API+"/presigned-url/multipart/"+op, body, "X-Api-Key", apiKey)
}

type mpCreated struct {
	Key       string `json:"key"`
	UploadID  string `json:"uploadId"`
	PartSize  int64  `json:"partSize"`
	PartCount int    `json:"partCount"`
	Token     string `json:"token"`
	Expire    int64  `json:"expire"`
}

func (c mpCreated) bound() map[string]any {
	return map[string]any{"key": c.Key, "uploadId": c.UploadID, "token": c.Token}
}

func (c mpCreated) with(k string, v any) map[string]any {
	m := c.bound()
	m[k] = v
	return m
}

type mpSigned struct {
	Parts []struct {
		PartNumber    int               `json:"partNumber"`
		URL           string            `json:"url"`
		Method        string            `json:"method"`
		Headers       map[string]string `json:"headers"`
		ContentLength int64             `json:"contentLength"`
	} `json:"parts"`
}

// putParts signs parts ns of c through the stack as apiKey's caller and
// PUTs data's slices, answering each part's ETag.
func (s *mpStack) putParts(apiKey string, c mpCreated, data []byte, ns ...int) map[int]string {
	s.t.Helper()
	return putSigned(s.t, s.op("sign", apiKey, c.with("partNumbers", ns)), c, data)
}

// putSigned PUTs data's slices to the part URLs of a sign answer r,
// answering each part's ETag.
func putSigned(t *testing.T, r response, c mpCreated, data []byte) map[int]string {
	t.Helper()
	var signed mpSigned
	r.decode(t, &signed)
	etags := map[int]string{}
	for _, p := range signed.Parts {
		start := int64(p.PartNumber-1) * c.PartSize
		status, etag, msg := putPart(t, p.Method, p.URL, p.Headers, data[start:start+p.ContentLength])
		if status != http.StatusOK {
			t.Fatalf("PUT part %d: %d %s", p.PartNumber, status, msg)
		}
		etags[p.PartNumber] = etag
	}
	return etags
}

func putPart(t *testing.T, method, url string, headers map[string]string, body []byte) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), string(b)
}

func partList(etags map[int]string, count int) []map[string]any {
	out := make([]map[string]any, 0, count)
	for n := 1; n <= count; n++ {
		out = append(out, map[string]any{"partNumber": n, "etag": etags[n]})
	}
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	s := startMultipartStack(t)
	data := randomBytes(t, 3*(256<<10)+12345) // 4 parts of 256 KiB, the last shorter
	var c mpCreated
	s.op("create", aliceKey, map[string]any{"profile": "videos", "filename": "clip.mp4", "contentType": "video/mp4",
		"size": len(data), "partSize": 256 << 10}).decode(t, &c)
	if c.PartCount != 4 || c.PartSize != 256<<10 || !strings.HasPrefix(c.Key, "videos/alice/") || c.UploadID == "" || c.Token == "" {
		t.Fatalf("create: %+v", c)
	}

	// Parts 1 and 3 first (a batch), then a resume lists them and sends
	// only the missing ones.
	etags := s.putParts(aliceKey, c, data, 1, 3)
	var listed struct {
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
			Size       int64  `json:"size"`
		} `json:"parts"`
	}
	s.op("list", aliceKey, c.bound()).decode(t, &listed)
	if len(listed.Parts) != 2 || listed.Parts[0].PartNumber != 1 || listed.Parts[1].PartNumber != 3 || listed.Parts[1].Size != 256<<10 {
		t.Fatalf("list: %+v, want parts 1 and 3", listed)
	}
	for n, e := range s.putParts(aliceKey, c, data, 2, 4) {
		etags[n] = e
	}

	var answer map[string]any
	s.op("complete", aliceKey, c.with("parts", partList(etags, 4))).decode(t, &answer)
	if answer["Status"] != "OK" || answer["key"] != c.Key || answer["size"] != float64(len(data)) || answer["mimeType"] != "video/mp4" {
		t.Fatalf("complete: %v, want the callback's answer for %s", answer, c.Key)
	}
	got, _ := stored(t, s.Stack, c.Key)
	if sum, want := md5.Sum(got), md5.Sum(data); sum != want {
		t.Fatalf("stored %s, want the uploaded bytes %s", hex.EncodeToString(sum[:]), hex.EncodeToString(want[:]))
	}
	// The answer was lost: completing again says it was completed before
	// (even without the parts list), rather than starting over.
	for _, parts := range [][]map[string]any{partList(etags, 4), {}} {
		var again map[string]any
		s.op("complete", aliceKey, c.with("parts", parts)).decode(t, &again)
		if again["completedBefore"] != true || again["key"] != c.Key || again["size"] != float64(len(data)) {
			t.Errorf("complete again: %v, want completedBefore for %s", again, c.Key)
		}
	}
}

func TestMultipartAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	s := startMultipartStack(t)
	data := randomBytes(t, 300<<10)
	var c mpCreated
	s.op("create", bobKey, map[string]any{"profile": "files", "filename": "a.bin", "size": len(data), "partSize": 200 << 10}).decode(t, &c)
	s.putParts(bobKey, c, data, 1)
	if r := s.op("abort", bobKey, c.bound()); r.status != http.StatusNoContent {
		t.Fatalf("abort: %d %s", r.status, r.body)
	}
	if r := s.op("abort", bobKey, c.bound()); r.status != http.StatusNoContent {
		t.Errorf("abort again: %d %s, want 204", r.status, r.body)
	}
	_, err := rootClient(s.Stack).ListParts(context.Background(), &oss.ListPartsRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(c.Key), UploadId: oss.Ptr(c.UploadID)})
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.Code != "NoSuchUpload" {
		t.Errorf("ListParts after abort: %v, want NoSuchUpload", err)
	}
	if _, ok := stored(t, s.Stack, c.Key); ok {
		t.Error("an aborted upload left an object")
	}
	if r := s.op("complete", bobKey, c.with("parts", []map[string]any{})); r.status != http.StatusNotFound || !strings.Contains(string(r.body), "uploadId: no such upload") {
		t.Errorf("complete after abort: %d %s, want 404 naming uploadId", r.status, r.body)
	}
}

func TestMultipartRefusals(t *testing.T) {
	t.Parallel()
	s := startMultipartStack(t)
	data := randomBytes(t, 2*(100<<10)+7)
	var c mpCreated
	s.op("create", aliceKey, map[string]any{"profile": "files", "filename": "r.bin", "size": len(data), "partSize": 100 << 10}).decode(t, &c)
	var other mpCreated
	s.op("create", aliceKey, map[string]any{"profile": "files", "filename": "other.bin", "size": len(data), "partSize": 100 << 10}).decode(t, &other)
	etags := s.putParts(aliceKey, c, data, 1, 2, 3)

	forged := c.Token[:len(c.Token)-2] + "AA"
	for _, tc := range []struct {
		name, op, apiKey string
		body             any
		status           int
		want             string
	}{
		{"create: no size", "create", aliceKey, map[string]any{"profile": "files", "filename": "x.bin"}, 400, "size: required"},
		{"create: over the profile's maximum", "create", aliceKey, map[string]any{"profile": "files", "filename": "x.bin", "size": 20971521}, 400, "size"},
		{"create: a type the profile refuses", "create", aliceKey, map[string]any{"profile": "videos", "filename": "x.exe", "contentType": "application/x-msdownload", "size": 1000}, 400, "contentType"},
		{"create: part size too small", "create", aliceKey, map[string]any{"profile": "files", "filename": "x.bin", "size": 1000, "partSize": 1000}, 400, "partSize"},
		{"create: unknown field", "create", aliceKey, map[string]any{"profile": "files", "filename": "x.bin", "size": 1000, "parts": 3}, 400, "parts: unknown field"},
		{"create: no credentials", "create", "", map[string]any{"profile": "files", "filename": "x.bin", "size": 1000}, 401, ""},
		{"sign: no token", "sign", aliceKey, map[string]any{"key": c.Key, "uploadId": c.UploadID, "partNumbers": []int{1}}, 400, "token: required"},
		{"sign: forged token", "sign", aliceKey, map[string]any{"key": c.Key, "uploadId": c.UploadID, "token": forged, "partNumbers": []int{1}}, 403, "token: not issued by this deployment"},
		{"sign: another caller", "sign", bobKey, c.with("partNumbers", []int{1}), 403, "token: issued to another caller"},
		{"sign: another upload's id", "sign", aliceKey, map[string]any{"key": c.Key, "uploadId": other.UploadID, "token": c.Token, "partNumbers": []int{1}}, 403, "token: issued for another upload"},
		{"sign: another key", "sign", aliceKey, map[string]any{"key": other.Key, "uploadId": c.UploadID, "token": c.Token, "partNumbers": []int{1}}, 403, "token: issued for another upload"},
		{"sign: part 0", "sign", aliceKey, c.with("partNumbers", []int{0}), 400, "partNumbers: 0 is outside 1…3"},
		{"sign: past the last part", "sign", aliceKey, c.with("partNumbers", []int{4}), 400, "partNumbers: 4 is outside 1…3"},
		{"sign: twice the same", "sign", aliceKey, c.with("partNumbers", []int{2, 2}), 400, "partNumbers: 2 is given twice"},
		{"sign: none", "sign", aliceKey, c.with("partNumbers", []int{}), 400, "partNumbers: give 1 to 100"},
		{"complete: a part missing", "complete", aliceKey, c.with("parts", partList(etags, 2)), 400, "parts: the upload has 3 parts; 2 given"},
		{"complete: a wrong etag", "complete", aliceKey, c.with("parts", partList(map[int]string{1: etags[1], 2: etags[1], 3: etags[3]}, 3)), 400, "parts: part 2: ETag"},
		{"complete: another caller", "complete", bobKey, c.with("parts", partList(etags, 3)), 403, "token: issued to another caller"},
		{"complete: the other upload's parts are not on OSS", "complete", aliceKey, other.with("parts", partList(etags, 3)), 400, "parts: part 1 is not on OSS"},
		{"list: forged token", "list", aliceKey, map[string]any{"key": c.Key, "uploadId": c.UploadID, "token": forged}, 403, "token"},
		{"abort: another caller", "abort", bobKey, c.bound(), 403, "token: issued to another caller"},
	} {
		header := []string{}
		if tc.apiKey != "" {
			header = []string{"X-Api-Key", tc.apiKey}
		}
		r := postJSON(t, s.API+"/presigned-url/multipart/"+tc.op, tc.body, header...)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, r.status, r.body, tc.status, tc.want)
		}
	}
	if _, ok := stored(t, s.Stack, c.Key); ok {
		t.Error("refused completes stored an object")
	}

	t.Run("a part longer than signed is refused by OSS", func(t *testing.T) {
		var signed mpSigned
		s.op("sign", aliceKey, c.with("partNumbers", []int{1})).decode(t, &signed)
		p := signed.Parts[0]
		if status, _, msg := putPart(t, p.Method, p.URL, p.Headers, append(bytes.Clone(data[:p.ContentLength]), 'x')); status != http.StatusForbidden || !strings.Contains(msg, "SignatureDoesNotMatch") {
			t.Errorf("PUT of %d bytes to a URL signed for %d: %d %s, want 403 SignatureDoesNotMatch", p.ContentLength+1, p.ContentLength, status, msg)
		}
	})

	t.Run("then the right parts complete", func(t *testing.T) {
		var answer map[string]any
		s.op("complete", aliceKey, c.with("parts", partList(etags, 3))).decode(t, &answer)
		if answer["Status"] != "OK" || answer["size"] != float64(len(data)) {
			t.Fatalf("complete: %v", answer)
		}
		got, _ := stored(t, s.Stack, c.Key)
		if !bytes.Equal(got, data) {
			t.Fatal("stored bytes differ")
		}
	})
}

// inProcess is the presigned-url function's handler built here against
// the stack's OSS emulator, with profiles and callback URL of the test's
// choosing, signing tokens with the stack's grant secret; serveJSON calls
// it as alice.
func (s *mpStack) inProcess(t *testing.T, profiles, callbackURL string) http.Handler {
	t.Helper()
	ps, err := upload.ParseProfiles([]byte(profiles))
	if err != nil {
		t.Fatal(err)
	}
	client, err := ossclient.New(ossclient.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS,
		Credentials: ourcreds.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")})
	if err != nil {
		t.Fatal(err)
	}
	authn, err := auth.New(auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	return newHandlers(t, api.Config{Bucket: s.Bucket, Region: s.Region, UploadHost: s.OSS + "/" + s.Bucket, Profiles: ps, Auth: authn,
		GrantSecrets: [][]byte{testGrantSecret}, Multipart: client, CallbackURL: callbackURL}).Handler(api.PresignedURL)
}

func serveJSON(t *testing.T, h http.Handler, op string, body any) response {
	t.Helper()
	j, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, "/presigned-url/multipart/"+op, bytes.NewReader(j))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Api-Key", aliceKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

func TestMultipartCompleteRefusals(t *testing.T) {
	t.Parallel()
	s := startMultipartStack(t)
	data := randomBytes(t, 150<<10)

	t.Run("the profile's maximum shrank since create: ProfileViolation, aborted, nothing stored", func(t *testing.T) {
		before := s.inProcess(t, `{"files": {"prefix": "files/{sub}/", "naming": "client", "maxSize": 1048576}}`, "")
		after := s.inProcess(t, `{"files": {"prefix": "files/{sub}/", "naming": "client", "maxSize": 1024}}`, "")
		var c mpCreated
		serveJSON(t, before, "create", map[string]any{"profile": "files", "filename": "shrunk.bin", "size": len(data), "partSize": 100 << 10}).decode(t, &c)
		etags := putSigned(t, serveJSON(t, before, "sign", c.with("partNumbers", []int{1, 2})), c, data)
		r := serveJSON(t, after, "complete", c.with("parts", partList(etags, 2)))
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "ProfileViolation") || !strings.Contains(string(r.body), "size:") {
			t.Fatalf("complete: %d %s, want 403 ProfileViolation naming size", r.status, r.body)
		}
		if _, ok := stored(t, s.Stack, c.Key); ok {
			t.Fatal("stored")
		}
		if r := serveJSON(t, before, "list", c.bound()); r.status != http.StatusNotFound {
			t.Errorf("list after the violation: %d %s, want 404 (aborted)", r.status, r.body)
		}
	})

	t.Run("the key exists and the profile forbids overwriting: 409 at create", func(t *testing.T) {
		h := s.inProcess(t, `{"files": {"prefix": "files/{sub}/", "naming": "client", "maxSize": 1048576}}`, "")
		var c mpCreated
		serveJSON(t, h, "create", map[string]any{"profile": "files", "filename": "once.bin", "size": len(data), "partSize": 100 << 10}).decode(t, &c)
		etags := putSigned(t, serveJSON(t, h, "sign", c.with("partNumbers", []int{1, 2})), c, data)
		serveJSON(t, h, "complete", c.with("parts", partList(etags, 2))).decode(t, new(map[string]any))
		r := serveJSON(t, h, "create", map[string]any{"profile": "files", "filename": "once.bin", "size": len(data), "partSize": 100 << 10})
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "FileAlreadyExists") {
			t.Fatalf("create over an existing key: %d %s, want 409 FileAlreadyExists", r.status, r.body)
		}
	})

	t.Run("the callback fails: 502 CallbackFailed, stored; confirm with create's callback reports it", func(t *testing.T) {
		h := s.inProcess(t, `{"videos": {"prefix": "videos/{sub}/", "naming": "uuid", "maxSize": 1048576, "callback": true}}`, deadURL(t))
		var c struct {
			mpCreated
			Callback string `json:"callback"`
		}
		serveJSON(t, h, "create", map[string]any{"profile": "videos", "filename": "cb.mp4", "size": len(data), "partSize": 100 << 10}).decode(t, &c)
		if c.Callback == "" {
			t.Fatal("create answered no callback parameter for a callback profile")
		}
		etags := putSigned(t, serveJSON(t, h, "sign", c.with("partNumbers", []int{1, 2})), c.mpCreated, data)
		r := serveJSON(t, h, "complete", c.with("parts", partList(etags, 2)))
		if r.status != http.StatusBadGateway || !strings.Contains(string(r.body), "CallbackFailed") || !strings.Contains(string(r.body), "stored") {
			t.Fatalf("complete: %d %s, want 502 CallbackFailed saying the object is stored", r.status, r.body)
		}
		wantStored(t, s.Stack, c.Key, data)
		var ans map[string]any
		postJSON(t, s.API+"/callback/confirm", map[string]any{"key": c.Key, "callback": c.Callback}, "X-Api-Key", aliceKey).decode(t, &ans)
		if ans["Status"] != "OK" || ans["key"] != c.Key || ans["size"] != float64(len(data)) {
			t.Fatalf("confirm: %v", ans)
		}
	})
}
