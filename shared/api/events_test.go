package api_test

// Upload events end to end on the local stack: a genuine STS upload with a
// callback, a violating one, a receiver that is down (the callback still
// answers OSS in time), and the OSS-event path, which fails the invocation
// while the receiver is down so FC retries it. The receiver is a loopback
// HTTP server verifying signatures with the Standard Webhooks library.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/fc-runtime-go-sdk/events"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// eventReceiver is a webhook endpoint keeping the events whose signature
// verifies; any other request fails the test.
type eventReceiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	got    []uploadevent.Event
}

func newEventReceiver(t *testing.T) *eventReceiver {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	r := &eventReceiver{secret: "whsec_" + base64.StdEncoding.EncodeToString(b)}
	wh, err := standardwebhooks.NewWebhook(r.secret)
	if err != nil {
		t.Fatal(err)
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := wh.Verify(body, req.Header); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e uploadevent.Event
		if err := json.Unmarshal(body, &e); err != nil || req.Header.Get("webhook-id") != e.Data.ID {
			t.Errorf("webhook body %s (%v), webhook-id %q", body, err, req.Header.Get("webhook-id"))
		}
		r.mu.Lock()
		r.got = append(r.got, e)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// events returns the received events about key.
func (r *eventReceiver) events(key string) []uploadevent.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uploadevent.Event
	for _, e := range r.got {
		if e.Data.Key == key {
			out = append(out, e)
		}
	}
	return out
}

// deadURL is a loopback URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/hook"
	l.Close()
	return u
}

func startEventStack(t *testing.T, url, secret string, budget time.Duration) *trustStack {
	t.Helper()
	logs := &syncbuf.Buffer{}
	s := startStack(t, devstack.Config{Profiles: trustProfiles, GrantSecrets: [][]byte{testGrantSecret},
		Auth:       auth.Config{Mode: auth.ModeAPIKey, APIKeys: map[string]string{aliceKey: "alice", bobKey: "bob"}},
		WebhookURL: url, WebhookSecrets: []string{secret}, WebhookCallbackBudget: budget,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	return &trustStack{Stack: s, logs: logs}
}

func TestUploadEventsThroughTheCallback(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startEventStack(t, rcv.URL, rcv.secret, 0)
	png := pngBytes(t, 6, 5)

	t.Run("genuine STS upload: one upload.completed with the stored object's values", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "event.png"
		if _, err := s.put(t, g, key, "image/png", png, ""); err != nil {
			t.Fatal(err)
		}
		got := rcv.events(key)
		if len(got) != 1 {
			t.Fatalf("%d events for %s, want 1: %+v", len(got), key, got)
		}
		e := got[0]
		head, err := rootClient(s.Stack).HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatal(err)
		}
		d := e.Data
		if e.Type != uploadevent.TypeCompleted || d.Size != head.ContentLength || d.ETag != oss.ToString(head.ETag) ||
			d.ContentType != oss.ToString(head.ContentType) || d.CRC64 != oss.ToString(head.HashCRC64) || d.Bucket != s.Bucket {
			t.Errorf("event %+v, stored object: size %d etag %s type %s crc64 %s", e, head.ContentLength, oss.ToString(head.ETag), oss.ToString(head.ContentType), oss.ToString(head.HashCRC64))
		}
		if d.ID != uploadevent.ID(s.Bucket, key, d.ETag) || d.Source != uploadevent.SourceCallback || d.Subject != "bob" ||
			d.Profile != "images" || d.GrantID == "" || d.Width == nil || *d.Width != 6 || d.Height == nil || *d.Height != 5 {
			t.Errorf("event data %+v", d)
		}
	})

	t.Run("violating upload: upload.rejected with what was done", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "event.txt"
		_, err := s.put(t, g, key, "text/plain", []byte("not an image"), "")
		callbackRefused(t, err, "403")
		got := rcv.events(key)
		if len(got) != 1 || got[0].Type != uploadevent.TypeRejected || len(got[0].Data.Violations) == 0 || got[0].Data.Action != upload.ViolationDelete {
			t.Fatalf("events %+v, want one upload.rejected with violations and action delete", got)
		}
		wantNotStored(t, s.Stack, key)
	})
}

func TestCallbackAnswersWithinBudgetWhenTheReceiverIsDown(t *testing.T) {
	t.Parallel()
	const budget = 300 * time.Millisecond
	s := startEventStack(t, deadURL(t), newEventReceiver(t).secret, budget)
	g := s.stsFor(t, bobKey, "images")
	key := g.Prefix + "down.png"
	png := pngBytes(t, 3, 3)
	start := time.Now()
	cb, err := s.put(t, g, key, "image/png", png, "")
	took := time.Since(start)
	if err != nil || cb["Status"] != "OK" {
		t.Fatalf("upload: %v %v, want the callback's OK although the receiver is down", cb, err)
	}
	if took > budget+2*time.Second {
		t.Errorf("upload took %v; the callback's delivery budget is %v", took, budget)
	}
	wantStored(t, s.Stack, key, png)
	if n := len(s.logged("event not delivered within the callback's budget; left for the OSS event's delivery", key)); n != 1 {
		t.Errorf("%d 'left for the OSS event' records, want 1:\n%s", n, s.logs.String())
	}
}

// callbackConfig is the callback function's configuration against stack
// s with the trust profiles, delivering to url.
func callbackConfig(t *testing.T, s *devstack.Stack, url, secret string) *config.Config {
	t.Helper()
	profiles, err := upload.ParseProfiles([]byte(trustProfiles))
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS, UploadHost: s.OSS + "/" + s.Bucket,
		Profiles: profiles, Auth: auth.Config{Mode: auth.ModeNone}, GrantSecrets: [][]byte{testGrantSecret},
		QuarantinePrefix: config.DefaultQuarantinePrefix, WebhookURL: url, WebhookSecrets: []string{secret},
		Credentials: credentials.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")}
}

// ossEventHandler is the callback function's OSS event handler against
// stack s, assembled by app.Build as in FC, delivering to url.
func ossEventHandler(t *testing.T, s *devstack.Stack, url, secret string) func(context.Context, *events.OssEvent) error {
	t.Helper()
	cfg := callbackConfig(t, s, url, secret)
	cfg.WebhookCallbackBudget = time.Second
	_, opts, err := app.Build(api.CallbackFn, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return opts.Events
}

func TestOSSEventDelivery(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startTrustStack(t) // its own callbacks log only
	g := s.stsFor(t, aliceKey, "images")
	key := g.Prefix + "via-event.png"
	if _, err := s.put(t, g, key, "image/png", pngBytes(t, 4, 2), ""); err != nil {
		t.Fatal(err)
	}
	ev := &events.OssEvent{Events: []*events.OssEventRecord{{
		EventName: oss.Ptr("ObjectCreated:PutObject"),
		Oss:       &events.Oss{Bucket: &events.Bucket{Name: oss.Ptr(s.Bucket)}, Object: &events.Object{Key: oss.Ptr(key)}},
	}}}

	t.Run("receiver down for good: the invocation fails so FC retries", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := ossEventHandler(t, s.Stack, deadURL(t), rcv.secret)(ctx, ev); err == nil {
			t.Error("HandleOSSEvent: nil, want an error (event not delivered)")
		}
	})
	t.Run("receiver up: delivered, nil", func(t *testing.T) {
		if err := ossEventHandler(t, s.Stack, rcv.URL, rcv.secret)(context.Background(), ev); err != nil {
			t.Fatalf("HandleOSSEvent: %v", err)
		}
		got := rcv.events(key)
		if len(got) != 1 || got[0].Type != uploadevent.TypeCompleted || got[0].Data.Source != uploadevent.SourceOSSEvent ||
			got[0].Data.Profile != "images" || got[0].Data.Subject != "" || got[0].Data.GrantID != "" {
			t.Fatalf("events %+v, want one upload.completed from the OSS event, profile images, no subject or grant", got)
		}
	})
}

// Each upload's event reaches the receiver once: across the two channels,
// replays, duplicated OSS events and retries, through the records the
// deliveries keep in the bucket (dedupe.go).
func TestUploadEventsAreDeliveredOnce(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startEventStack(t, rcv.URL, rcv.secret, 0)
	ctx := context.Background()
	ossEvent := func(key string) *events.OssEvent {
		return &events.OssEvent{Events: []*events.OssEventRecord{{
			EventName: oss.Ptr("ObjectCreated:PutObject"),
			Oss:       &events.Oss{Bucket: &events.Bucket{Name: oss.Ptr(s.Bucket)}, Object: &events.Object{Key: oss.Ptr(key)}},
		}}}
	}
	handle := ossEventHandler(t, s.Stack, rcv.URL, rcv.secret)
	png := pngBytes(t, 5, 4)

	t.Run("the OSS event after the callback, twice: nothing new", func(t *testing.T) {
		g := s.stsFor(t, bobKey, "images")
		key := g.Prefix + "both-channels.png"
		if _, err := s.put(t, g, key, "image/png", png, ""); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := handle(ctx, ossEvent(key)); err != nil {
				t.Fatalf("HandleOSSEvent: %v", err)
			}
		}
		if got := rcv.events(key); len(got) != 1 || got[0].Data.Source != uploadevent.SourceCallback {
			t.Fatalf("events %+v, want the callback's one", got)
		}
	})

	t.Run("a replayed genuine callback: nothing new", func(t *testing.T) {
		// Capture what OSS sends for one upload, then send it twice to the
		// stack's callback function.
		var body []byte
		var header http.Header
		var path string
		rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			header, path = r.Header.Clone(), r.URL.RequestURI()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"Status":"OK"}`))
		}))
		defer rec.Close()
		key := "images/alice/replayed.png"
		b := binding(key, "alice", "images")
		if err := putWithCallback(t, s.Stack, &callbackApp{url: rec.URL}, key, "image/png", png, &b, ""); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			req, _ := http.NewRequest(http.MethodPost, s.API+path, bytes.NewReader(body))
			req.Header = header.Clone()
			if r := send(t, req); r.status != http.StatusOK {
				t.Fatalf("replay %d: %d %s", i, r.status, r.body)
			}
		}
		if got := rcv.events(key); len(got) != 1 {
			t.Fatalf("%d events after a callback sent twice, want 1", len(got))
		}
		if n := len(s.logged("event already delivered", key)); n != 1 {
			t.Errorf("%d 'event already delivered' records, want 1", n)
		}
	})

	// An object stored without a callback: only OSS events report it.
	stored := func(t *testing.T, key string) string {
		t.Helper()
		res, err := rootClient(s.Stack).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(png), ContentType: oss.Ptr("image/png")})
		if err != nil {
			t.Fatal(err)
		}
		return uploadevent.ID(s.Bucket, key, oss.ToString(res.ETag))
	}
	claim := func(t *testing.T, id string, leaseEnd time.Time) {
		t.Helper()
		if _, err := rootClient(s.Stack).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(upload.ReservedPrefix + "events/" + id + ".claim"),
			Body: strings.NewReader(strconv.FormatInt(leaseEnd.Unix(), 10))}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a crash between claim and delivery: the next attempt after the lease delivers, once", func(t *testing.T) {
		key := "images/alice/crashed.png"
		id := stored(t, key)
		claim(t, id, time.Now().Add(-time.Second)) // the holder died; its lease is over
		for range 2 {
			if err := handle(ctx, ossEvent(key)); err != nil {
				t.Fatalf("HandleOSSEvent: %v", err)
			}
		}
		if got := rcv.events(key); len(got) != 1 || got[0].Data.ID != id {
			t.Fatalf("events %+v, want one with id %s", got, id)
		}
	})

	t.Run("a live claim elsewhere: the OSS event waits, then fails so FC retries; nothing delivered", func(t *testing.T) {
		key := "images/alice/held.png"
		id := stored(t, key)
		claim(t, id, time.Now().Add(time.Hour))
		hctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		defer cancel()
		if err := handle(hctx, ossEvent(key)); err == nil || !strings.Contains(err.Error(), "being delivered by another invocation") {
			t.Fatalf("HandleOSSEvent: %v, want the held-elsewhere error", err)
		}
		if got := rcv.events(key); len(got) != 0 {
			t.Fatalf("events %+v, want none", got)
		}
	})

	t.Run("receiver down, then up: the failed attempt releases its claim, the retry delivers once", func(t *testing.T) {
		key := "images/alice/retried.png"
		stored(t, key)
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := ossEventHandler(t, s.Stack, deadURL(t), rcv.secret)(dctx, ossEvent(key)); err == nil {
			t.Fatal("HandleOSSEvent with the receiver down: nil, want an error")
		}
		if err := handle(ctx, ossEvent(key)); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if got := rcv.events(key); len(got) != 1 {
			t.Fatalf("%d events, want 1", len(got))
		}
	})
}
