package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/localcloud/inbox"
	"ossdirect/shared/uploadevent"
)

func listEvents(t *testing.T, url string) inbox.Listing {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l inbox.Listing
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d (%v)", url, resp.StatusCode, err)
	}
	return l
}

// deliveriesOf waits until the stack's inbox lists a delivery about key
// and returns all those it lists.
func deliveriesOf(t *testing.T, s *devstack.Stack, key string) []inbox.Delivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a guard: the callback delivers before OSS answers
	for {
		var got []inbox.Delivery
		for _, d := range listEvents(t, s.Events).Events {
			if d.Event != nil && d.Event.Data.Key == key {
				got = append(got, d)
			}
		}
		if len(got) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event about %s listed", key)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The whole local flow: STS credentials and the callback from sts-token,
// an upload with the official OSS SDK, and the callback function's event
// verified by the stack's own receiver, with the stored object's values.
func TestInboxListsTheVerifiedEventOfAnUpload(t *testing.T) {
	t.Parallel()
	s := startWith(t, devstack.Config{Inbox: true})
	if s.Events != s.API+devstack.EventsPath || s.Info().Events != s.Events {
		t.Fatalf("events URL %q, info %q, want %s%s", s.Events, s.Info().Events, s.API, devstack.EventsPath)
	}
	if l := listEvents(t, s.Events); l.Receiver != s.API+devstack.InboxPath || len(l.Events) != 0 {
		t.Fatalf("before any upload: %+v, want the receiver %s and no event", l, s.API+devstack.InboxPath)
	}

	resp, err := http.Post(s.API+"/sts-token", "application/json", strings.NewReader(`{"profile":"default","filename":"hello.txt"}`))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		AccessKeyID     string            `json:"AccessKeyId"`
		AccessKeySecret string            `json:"AccessKeySecret"`
		SecurityToken   string            `json:"SecurityToken"`
		Prefix          string            `json:"prefix"`
		Headers         map[string]string `json:"headers"`
	}
	err = json.NewDecoder(resp.Body).Decode(&g)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || g.Headers["x-oss-callback"] == "" {
		t.Fatalf("sts-token: %d %+v (%v), want credentials and a callback", resp.StatusCode, g, err)
	}
	key := g.Prefix + "hello.txt"
	client := ossClient(s, credentials.NewStaticCredentialsProvider(g.AccessKeyID, g.AccessKeySecret, g.SecurityToken), oss.SignatureVersionV4)
	put, err := client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key),
		Body: bytes.NewReader([]byte("hello, inbox")), ContentType: oss.Ptr("text/plain"),
		Callback: oss.Ptr(g.Headers["x-oss-callback"]), CallbackVar: oss.Ptr(g.Headers["x-oss-callback-var"])})
	if err != nil {
		t.Fatal(err)
	}
	if put.CallbackResult["Status"] != "OK" {
		t.Fatalf("callback answer %v", put.CallbackResult)
	}
	root := ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
	head, err := root.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}

	got := deliveriesOf(t, s, key)
	if len(got) != 1 {
		t.Fatalf("%d deliveries about %s, want 1: %+v", len(got), key, got)
	}
	d, e := got[0], got[0].Event
	if !d.Verified || d.Duplicate || d.Error != "" || d.WebhookID != e.Data.ID {
		t.Errorf("delivery %+v, want verified, no duplicate, webhook-id = event id", d)
	}
	if e.Type != uploadevent.TypeCompleted || e.Data.Source != uploadevent.SourceCallback || e.Data.Bucket != s.Bucket || e.Data.Profile != "default" {
		t.Errorf("event %+v, want upload.completed from the callback, profile default", e)
	}
	if e.Data.Size != head.ContentLength || e.Data.ETag != oss.ToString(head.ETag) || e.Data.CRC64 != oss.ToString(head.HashCRC64) ||
		e.Data.ContentType != oss.ToString(head.ContentType) || e.Data.ID != uploadevent.ID(s.Bucket, key, oss.ToString(head.ETag)) {
		t.Errorf("event data %+v, want the stored object's size %d, etag %s, crc64 %s, type %s", e.Data, head.ContentLength,
			oss.ToString(head.ETag), oss.ToString(head.HashCRC64), oss.ToString(head.ContentType))
	}
}

// Close ends the inbox's event streams, so it need not wait for them until
// its context ends.
func TestCloseEndsEventStreams(t *testing.T) {
	t.Parallel()
	s := startWith(t, devstack.Config{Inbox: true})
	req, _ := http.NewRequest(http.MethodGet, s.Events, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		close(ended)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil || ctx.Err() != nil {
		t.Fatalf("Close: %v, context %v: want it done before its deadline", err, ctx.Err())
	}
	<-ended
}

func TestInboxForwardingAndOff(t *testing.T) {
	t.Parallel()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(rcv.Close)
	secret := "whsec_" + encodeB64(strings.Repeat("k", 32))
	fwd := startWith(t, devstack.Config{Inbox: true, WebhookURL: rcv.URL + "/hook?token=abc", WebhookSecrets: []string{secret}})
	if l := listEvents(t, fwd.Events); l.Receiver != "forwarding to "+rcv.URL+"/hook" || len(l.Events) != 0 {
		t.Errorf("forwarding: %+v, want the user's receiver (no query) and no event", l)
	}
	resp, err := http.Post(fwd.API+devstack.InboxPath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST %s while forwarding: %d, want 404", devstack.InboxPath, resp.StatusCode)
	}

	off := startStack(t)
	if off.Events != "" || off.Info().Events != "" {
		t.Errorf("without Inbox: events URL %q", off.Events)
	}
	resp, err = http.Get(off.API + devstack.EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s without Inbox: %d, want 404", devstack.EventsPath, resp.StatusCode)
	}
}
