package webhook_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/shared/uploadevent"
	"ossdirect/shared/webhook"
)

func newSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// receiver is a loopback webhook endpoint answering statuses in turn (the
// last one repeats) and keeping what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		status := r.statuses[min(len(r.got), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, "answer")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func event() uploadevent.Event {
	return uploadevent.New(uploadevent.Data{Bucket: "b", Key: "uploads/alice/x.txt", Size: 3, ETag: `"E"`, CRC64: "1",
		ContentType: "text/plain", Profile: "default", Source: uploadevent.SourceCallback}, time.Now())
}

func sender(t *testing.T, url string, secrets ...string) *webhook.Sender {
	t.Helper()
	s, err := webhook.New(webhook.Config{URL: url, Secrets: secrets, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func verify(t *testing.T, secret string, r received) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Errorf("signature with %.12s…: %v (header %q)", secret, err, r.header.Get("webhook-signature"))
	}
}

func TestDeliverSignsWithEverySecret(t *testing.T) {
	t.Parallel()
	cur, prev := newSecret(t), newSecret(t)
	rcv := newReceiver(t, http.StatusNoContent)
	e := event()
	if err := sender(t, rcv.URL, cur, prev).Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	r := got[0]
	if r.header.Get("webhook-id") != e.Data.ID || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("webhook-id %q content-type %q, want %q and application/json", r.header.Get("webhook-id"), r.header.Get("Content-Type"), e.Data.ID)
	}
	var back uploadevent.Event
	if err := json.Unmarshal(r.body, &back); err != nil || back.Data.ID != e.Data.ID || back.Data.Key != e.Data.Key {
		t.Errorf("body %s (%v), want the event", r.body, err)
	}
	// Receivers holding either secret verify it (rotation); the current
	// secret's signature comes first.
	verify(t, cur, r)
	verify(t, prev, r)
	sigs := strings.Fields(r.header.Get("webhook-signature"))
	if len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") {
		t.Fatalf("signatures %q, want two v1 ones", sigs)
	}
	only := r
	only.header = r.header.Clone()
	only.header.Set("webhook-signature", sigs[0])
	verify(t, cur, only)
	if err := must(standardwebhooks.NewWebhook(newSecret(t))).Verify(r.body, r.header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("another secret verifies: %v", err)
	}
}

func must(wh *standardwebhooks.Webhook, err error) *standardwebhooks.Webhook {
	if err != nil {
		panic(err)
	}
	return wh
}

func TestDeliverRetries(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	cases := []struct {
		name      string
		statuses  []int
		wantCalls int
		wantErr   error // nil: delivered
	}{
		{"500 then 200", []int{500, 503, 200}, 3, nil},
		{"408 and 429 are retried", []int{408, 429, 204}, 3, nil},
		{"400 is permanent", []int{400, 200}, 1, webhook.ErrPermanent},
		{"410 is permanent", []int{410}, 1, webhook.ErrPermanent},
		{"redirect is not followed", []int{302}, 1, webhook.ErrPermanent},
		{"down for good: bounded attempts", []int{500}, 5, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, tc.statuses...)
			err := sender(t, rcv.URL, secret).Deliver(context.Background(), event())
			got := rcv.requests()
			if len(got) != tc.wantCalls {
				t.Errorf("%d attempts, want %d", len(got), tc.wantCalls)
			}
			lastOK := tc.statuses[min(tc.wantCalls, len(tc.statuses))-1] < 300
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("err %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && lastOK && err != nil:
				t.Errorf("err %v, want delivered", err)
			case !lastOK && err == nil:
				t.Error("no error, want the last attempt's")
			}
			ids := map[string]bool{}
			for _, r := range got {
				verify(t, secret, r)
				ids[r.header.Get("webhook-id")] = true
			}
			if len(ids) != 1 {
				t.Errorf("webhook-ids %v, want one for every attempt", ids)
			}
		})
	}
}

func TestDeliverStaysWithinTheDeadline(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	failing := newReceiver(t, 503)
	s, err := webhook.New(webhook.Config{URL: failing.URL, Secrets: []string{newSecret(t)}, MaxAttempts: 100, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*webhook.Sender{"failing": s, "hanging": sender(t, slow.URL, newSecret(t))} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := s.Deliver(ctx, event())
			if took := time.Since(start); err == nil || took > 400*time.Millisecond {
				t.Errorf("Deliver: %v after %v, want an error within the 300ms deadline", err, took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v, want it to wrap context.DeadlineExceeded", err)
			}
		})
	}
}

func TestNewRefusesBadSecretsWithoutRepeatingThem(t *testing.T) {
	t.Parallel()
	short := "whsec_" + base64.StdEncoding.EncodeToString([]byte("sixteen-bytes!!!"))
	for name, secret := range map[string]string{
		"no prefix": strings.TrimPrefix(newSecret(t), "whsec_"), "not base64": "whsec_not*base64*at*all*secret*value",
		"short": short, "empty": "",
	} {
		_, err := webhook.New(webhook.Config{URL: "http://127.0.0.1:1/", Secrets: []string{newSecret(t), secret}})
		if !errors.Is(err, webhook.ErrBadSecret) || !strings.Contains(err.Error(), "Secrets[1]") {
			t.Errorf("%s: %v, want ErrBadSecret naming Secrets[1]", name, err)
		}
		if secret != "" && strings.Contains(err.Error(), strings.TrimPrefix(secret, "whsec_")) {
			t.Errorf("%s: error repeats the secret: %v", name, err)
		}
	}
	if _, err := webhook.New(webhook.Config{URL: "ftp://x", Secrets: []string{newSecret(t)}}); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestLogSink(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := event()
	if err := (webhook.Log{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}).Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "upload event" || rec["level"] != "INFO" || rec["eventId"] != e.Data.ID || rec["type"] != uploadevent.TypeCompleted || rec["key"] != e.Data.Key {
		t.Errorf("record %v", rec)
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if err := webhook.ParseSecret(a); err != nil || a == b {
		t.Errorf("NewSecret: %v; two in a row equal: %v", err, a == b)
	}
	if _, err := webhook.New(webhook.Config{URL: "http://127.0.0.1:1/", Secrets: []string{a}}); err != nil {
		t.Errorf("a Sender refuses a new secret: %v", err)
	}
}
