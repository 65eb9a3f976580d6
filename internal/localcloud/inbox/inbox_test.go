package inbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/internal/localcloud/inbox"
	"ossdirect/internal/testsupport/syncbuf"
	"ossdirect/shared/uploadevent"
	"ossdirect/shared/webhook"
)

// fixture is an inbox behind a loopback server: POST /hook receives,
// /events lists. Each event stream whose handler returned is counted in
// returned.
type fixture struct {
	*httptest.Server
	inbox    *inbox.Inbox
	logs     *syncbuf.Buffer
	returned chan struct{}
}

func start(t *testing.T, cfg inbox.Config) *fixture {
	t.Helper()
	f := &fixture{logs: &syncbuf.Buffer{}, returned: make(chan struct{}, 16)}
	cfg.Logger = slog.New(slog.NewJSONHandler(f.logs, nil))
	ib, err := inbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.inbox = ib
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", ib.Receive)
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		ib.Events(w, r)
		if r.Header.Get("Accept") == "text/event-stream" {
			f.returned <- struct{}{}
		}
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		ib.Close()
		f.Close()
	})
	return f
}

func (f *fixture) hook() string { return f.URL + "/hook" }

func (f *fixture) listing(t *testing.T) inbox.Listing {
	t.Helper()
	resp, err := http.Get(f.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "application/json" {
		t.Fatalf("GET /events: %d %s", resp.StatusCode, ct)
	}
	var l inbox.Listing
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l
}

// last returns the newest delivery listed.
func (f *fixture) last(t *testing.T) inbox.Delivery {
	t.Helper()
	l := f.listing(t)
	if len(l.Events) == 0 {
		t.Fatal("no delivery listed")
	}
	return l.Events[len(l.Events)-1]
}

func sender(t *testing.T, url string, now func() time.Time, secrets ...string) *webhook.Sender {
	t.Helper()
	s, err := webhook.New(webhook.Config{URL: url, Secrets: secrets, Now: now, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func event(key string) uploadevent.Event {
	w, h := 4, 3
	return uploadevent.New(uploadevent.Data{Bucket: "dev-bucket", Key: key, Size: 42, ETag: `"` + key + `"`, CRC64: "123",
		ContentType: "image/png", Width: &w, Height: &h, Subject: "alice", Profile: "default", GrantID: "g1",
		Source: uploadevent.SourceCallback}, time.Now())
}

func TestVerifiedDeliveryIsListed(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	f := start(t, inbox.Config{Secrets: []string{secret}, Receiver: "http://inbox.test/hook"})
	e := event("uploads/alice/a.png")
	if err := sender(t, f.hook(), nil, secret).Deliver(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	l := f.listing(t)
	if l.Receiver != "http://inbox.test/hook" || len(l.Events) != 1 {
		t.Fatalf("listing %+v, want the receiver and one delivery", l)
	}
	d := l.Events[0]
	if !d.Verified || d.Duplicate || d.Error != "" || d.WebhookID != e.Data.ID || d.Seq != 1 || d.ReceivedAt.IsZero() {
		t.Errorf("delivery %+v, want verified, seq 1, webhook-id %s", d, e.Data.ID)
	}
	if d.Event == nil {
		t.Fatal("no event")
	}
	got, _ := json.Marshal(d.Event)
	want, _ := json.Marshal(e)
	if !bytes.Equal(got, want) {
		t.Errorf("event %s, want %s", got, want)
	}
	// The log has the delivery, never the secret or the signature.
	var rec map[string]any
	for _, line := range strings.Split(f.logs.String(), "\n") {
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "webhook received" {
			break
		}
	}
	if rec["webhookId"] != e.Data.ID || rec["type"] != uploadevent.TypeCompleted || rec["key"] != e.Data.Key || rec["verified"] != true || rec["level"] != "INFO" {
		t.Errorf("log record %v", rec)
	}
	if logs := f.logs.String(); strings.Contains(logs, strings.TrimPrefix(secret, "whsec_")) || strings.Contains(logs, "v1,") {
		t.Errorf("the log holds the secret or a signature: %s", logs)
	}
}

// relay forwards requests to target, through edit when given, and keeps
// the target's answers: what the sender's error only quotes.
type relay struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
}

type answer struct {
	status int
	body   []byte
}

func newRelay(t *testing.T, target string, edit func([]byte) []byte) *relay {
	t.Helper()
	rl := &relay{}
	rl.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if edit != nil {
			body = edit(body)
		}
		req, _ := http.NewRequest(r.Method, target, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rl.mu.Lock()
		rl.answers = append(rl.answers, answer{resp.StatusCode, got})
		rl.mu.Unlock()
		w.WriteHeader(resp.StatusCode)
		w.Write(got)
	}))
	t.Cleanup(rl.Close)
	return rl
}

func (rl *relay) last(t *testing.T) answer {
	t.Helper()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if len(rl.answers) == 0 {
		t.Fatal("nothing relayed")
	}
	return rl.answers[len(rl.answers)-1]
}

// wantRefused checks an error answer and the delivery listed for it.
func wantRefused(t *testing.T, f *fixture, a answer, status int, code string, verified bool, wantEvent bool) {
	t.Helper()
	var body struct{ Code, Message string }
	if err := json.Unmarshal(a.body, &body); err != nil || a.status != status || body.Code != code || body.Message == "" {
		t.Errorf("answer %d %s, want %d with code %s and a message", a.status, a.body, status, code)
	}
	d := f.last(t)
	if d.Verified != verified || d.Duplicate || d.Error != body.Message || (d.Event != nil) != wantEvent {
		t.Errorf("delivery %+v, want verified %v, error %q, event listed %v", d, verified, body.Message, wantEvent)
	}
}

func TestRefusedDeliveriesAreListed(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	f := start(t, inbox.Config{Secrets: []string{secret}, MaxBody: 64 << 10})
	ctx := context.Background()

	t.Run("wrong secret", func(t *testing.T) {
		rl := newRelay(t, f.hook(), nil)
		err := sender(t, rl.URL, nil, webhook.NewSecret()).Deliver(ctx, event("k/wrong-secret"))
		if !errors.Is(err, webhook.ErrPermanent) {
			t.Errorf("Deliver: %v, want the receiver's refusal", err)
		}
		wantRefused(t, f, rl.last(t), http.StatusUnauthorized, "SignatureMismatch", false, true)
	})
	t.Run("tampered body", func(t *testing.T) {
		rl := newRelay(t, f.hook(), func(b []byte) []byte { return bytes.Replace(b, []byte(`"size":42`), []byte(`"size":43`), 1) })
		if err := sender(t, rl.URL, nil, secret).Deliver(ctx, event("k/tampered")); err == nil {
			t.Error("tampered delivery taken")
		}
		wantRefused(t, f, rl.last(t), http.StatusUnauthorized, "SignatureMismatch", false, true)
		if d := f.last(t); d.Event.Data.Size != 43 {
			t.Errorf("listed size %d, want what the unverified delivery claimed", d.Event.Data.Size)
		}
	})
	t.Run("timestamp 10 minutes old", func(t *testing.T) {
		rl := newRelay(t, f.hook(), nil)
		old := func() time.Time { return time.Now().Add(-10 * time.Minute) }
		if err := sender(t, rl.URL, old, secret).Deliver(ctx, event("k/old")); err == nil {
			t.Error("stale delivery taken")
		}
		wantRefused(t, f, rl.last(t), http.StatusUnauthorized, "TimestampOutOfRange", false, true)
	})
	t.Run("timestamp 10 minutes ahead", func(t *testing.T) {
		rl := newRelay(t, f.hook(), nil)
		ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
		if err := sender(t, rl.URL, ahead, secret).Deliver(ctx, event("k/ahead")); err == nil {
			t.Error("future delivery taken")
		}
		wantRefused(t, f, rl.last(t), http.StatusUnauthorized, "TimestampOutOfRange", false, true)
	})

	post := func(t *testing.T, body []byte, header http.Header) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, f.hook(), bytes.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, got}
	}
	// signed signs body as the Standard Webhooks library does.
	signed := func(t *testing.T, id string, body []byte) http.Header {
		t.Helper()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			t.Fatal(err)
		}
		return http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "Webhook-Signature": {sig}}
	}
	body, _ := json.Marshal(event("k/unsigned"))
	t.Run("no signature headers", func(t *testing.T) {
		wantRefused(t, f, post(t, body, nil), http.StatusUnauthorized, "SignatureMissing", false, true)
	})
	t.Run("timestamp not a number", func(t *testing.T) {
		h := signed(t, "msg_1", body)
		h.Set("Webhook-Timestamp", "yesterday")
		wantRefused(t, f, post(t, body, h), http.StatusUnauthorized, "SignatureMissing", false, true)
	})
	t.Run("signed, but not an event", func(t *testing.T) {
		other := []byte(`{"hello":"world"}`)
		wantRefused(t, f, post(t, other, signed(t, "msg_2", other)), http.StatusBadRequest, "NotAnEvent", true, false)
	})
	t.Run("signed, but not JSON", func(t *testing.T) {
		other := []byte(`hello`)
		wantRefused(t, f, post(t, other, signed(t, "msg_3", other)), http.StatusBadRequest, "NotAnEvent", true, false)
	})
	t.Run("over the size limit", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 64<<10+1)
		wantRefused(t, f, post(t, big, signed(t, "msg_4", big)), http.StatusRequestEntityTooLarge, "RequestTooLarge", false, false)
	})
	t.Run("at the size limit", func(t *testing.T) {
		e := event("k/padded")
		b, _ := json.Marshal(e)
		e.Data.Subject = strings.Repeat("s", 64<<10-len(b)+len(e.Data.Subject))
		b, _ = json.Marshal(e)
		if len(b) != 64<<10 {
			t.Fatalf("body of %d bytes, want 64 KiB", len(b))
		}
		if a := post(t, b, signed(t, e.Data.ID, b)); a.status != http.StatusNoContent {
			t.Errorf("%d-byte delivery: %d %s, want 204", len(b), a.status, a.body)
		}
	})
	if logs := f.logs.String(); strings.Contains(logs, strings.TrimPrefix(secret, "whsec_")) || strings.Contains(logs, "v1,") {
		t.Errorf("the log holds the secret or a signature: %s", logs)
	}
}

func TestDuplicatesAreMarked(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	f := start(t, inbox.Config{Secrets: []string{secret}, Keep: 3})
	s := sender(t, f.hook(), nil, secret)
	deliver := func(e uploadevent.Event) {
		t.Helper()
		if err := s.Deliver(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := event("k/a"), event("k/b"), event("k/c")
	// A forged delivery with a's id is neither a duplicate nor makes a's
	// first verified delivery one.
	sender(t, f.hook(), nil, webhook.NewSecret()).Deliver(context.Background(), a)
	deliver(a)
	deliver(a) // a retry: same webhook-id
	var got []bool
	for _, d := range f.listing(t).Events {
		got = append(got, d.Duplicate)
	}
	if want := []bool{false, false, true}; !slices.Equal(got, want) {
		t.Errorf("duplicate marks %v, want %v", got, want)
	}
	// Only what is kept counts: once both deliveries of a are dropped, a
	// is new again.
	deliver(b)
	deliver(c)
	deliver(b)
	l := f.listing(t).Events
	if len(l) != 3 || l[0].Event.Data.Key != "k/b" || l[2].Event.Data.Key != "k/b" || !l[2].Duplicate || l[0].Duplicate || l[0].Seq != 4 {
		t.Fatalf("kept %+v, want b, c, b (a duplicate) from seq 4", l)
	}
	deliver(c)
	deliver(a)
	if d := f.last(t); d.Event.Data.Key != "k/a" || d.Duplicate {
		t.Errorf("a after its deliveries were dropped: %+v, want not a duplicate", d)
	}
}

// The receiver holds the new and the old secret while senders move over.
func TestSecretRotation(t *testing.T) {
	t.Parallel()
	current, previous := webhook.NewSecret(), webhook.NewSecret()
	f := start(t, inbox.Config{Secrets: []string{current, previous}})
	for name, secrets := range map[string][]string{
		"sender still on the previous secret": {previous},
		"sender on the current secret":        {current},
		"sender signing with both":            {current, previous},
		"sender on a secret not yet known":    {webhook.NewSecret(), current},
	} {
		t.Run(name, func(t *testing.T) {
			e := event("k/" + name)
			if err := sender(t, f.hook(), nil, secrets...).Deliver(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if d := f.last(t); !d.Verified || d.WebhookID != e.Data.ID {
				t.Errorf("delivery %+v, want verified", d)
			}
		})
	}
	if err := sender(t, f.hook(), nil, webhook.NewSecret()).Deliver(context.Background(), event("k/unknown")); !errors.Is(err, webhook.ErrPermanent) {
		t.Errorf("a secret the receiver does not hold: %v, want refused", err)
	}
}

func TestForwarding(t *testing.T) {
	t.Parallel()
	f := start(t, inbox.Config{ForwardTo: "https://user:pass@hooks.example.com/ossdirect?token=s3cr3t#x"})
	l := f.listing(t)
	if l.Receiver != "forwarding to https://hooks.example.com/ossdirect" || l.Events == nil || len(l.Events) != 0 {
		t.Errorf("listing %+v, want the receiver without credentials and an empty list", l)
	}
	raw, _ := json.Marshal(l)
	if !strings.Contains(string(raw), `"events":[]`) {
		t.Errorf("listing %s, want events as an empty array", raw)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	bad := "whsec_" + base64.StdEncoding.EncodeToString([]byte("too short a key"))
	for name, cfg := range map[string]inbox.Config{
		"no secret":          {},
		"secret and forward": {Secrets: []string{webhook.NewSecret()}, ForwardTo: "http://127.0.0.1:1/"},
		"short secret":       {Secrets: []string{webhook.NewSecret(), bad}},
	} {
		_, err := inbox.New(cfg)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), strings.TrimPrefix(bad, "whsec_")) {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
	if _, err := inbox.New(inbox.Config{Secrets: []string{bad}}); !errors.Is(err, webhook.ErrBadSecret) {
		t.Errorf("short secret: %v, want ErrBadSecret", err)
	}
}
