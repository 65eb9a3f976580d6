package inbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/localcloud/inbox"
	"ossdirect/shared/webhook"
)

// guard bounds every wait for a state, so a broken stream fails the test
// instead of hanging it; nothing waits for it to pass.
const guard = 20 * time.Second

type message struct {
	id, data, comment string
}

// subscribe opens the event stream (with Last-Event-ID when lastID is not
// empty) and returns its messages as they arrive; the channel is closed
// when the stream ends. cancel drops the connection.
func subscribe(t *testing.T, f *fixture, lastID string) (<-chan message, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, ct)
	}
	out := make(chan message, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var m message
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				out <- m
				m = message{}
			case strings.HasPrefix(line, ":"):
				m.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				m.id = line[len("id: "):]
			case strings.HasPrefix(line, "data: "):
				m.data += line[len("data: "):]
			}
		}
	}()
	return out, cancel
}

// next returns the next message that is not a comment.
func next(t *testing.T, ch <-chan message) inbox.Delivery {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended")
			}
			if m.comment != "" {
				continue
			}
			var d inbox.Delivery
			if err := json.Unmarshal([]byte(m.data), &d); err != nil || strconv.FormatInt(d.Seq, 10) != m.id {
				t.Fatalf("message %+v (%v), want a delivery with its seq as id", m, err)
			}
			return d
		case <-timeout:
			t.Fatalf("no message within %v", guard)
		}
	}
}

// ended waits for the stream to end on the client side.
func ended(t *testing.T, ch <-chan message) {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("the stream did not end within %v", guard)
		}
	}
}

// handlerReturned waits for one stream handler to return.
func (f *fixture) handlerReturned(t *testing.T) {
	t.Helper()
	select {
	case <-f.returned:
	case <-time.After(guard):
		t.Fatalf("the stream handler did not return within %v", guard)
	}
}

func TestEventStream(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	f := start(t, inbox.Config{Secrets: []string{secret}, Heartbeat: time.Hour})
	s := sender(t, f.hook(), nil, secret)
	deliver := func(key string) {
		t.Helper()
		if err := s.Deliver(context.Background(), event(key)); err != nil {
			t.Fatal(err)
		}
	}
	deliver("k/1")
	deliver("k/2")

	first, cancelFirst := subscribe(t, f, "")
	for i, want := range []string{"k/1", "k/2"} {
		if d := next(t, first); d.Event == nil || d.Event.Data.Key != want || d.Seq != int64(i+1) || !d.Verified {
			t.Fatalf("backlog message %d: %+v, want %s", i, d, want)
		}
	}
	deliver("k/3")
	if d := next(t, first); d.Event.Data.Key != "k/3" || d.Seq != 3 {
		t.Fatalf("live message: %+v, want k/3", d)
	}

	// A reconnecting EventSource gets only what it has not seen; an id from
	// before a restart (above every seq) gets everything.
	resumed, _ := subscribe(t, f, "2")
	if d := next(t, resumed); d.Seq != 3 {
		t.Fatalf("after Last-Event-ID 2: seq %d, want 3", d.Seq)
	}
	restarted, _ := subscribe(t, f, "999")
	if d := next(t, restarted); d.Seq != 1 {
		t.Fatalf("after Last-Event-ID 999: seq %d, want 1", d.Seq)
	}

	// The client goes: its handler returns, the others go on.
	cancelFirst()
	f.handlerReturned(t)
	deliver("k/4")
	if d := next(t, resumed); d.Seq != 4 {
		t.Fatalf("after another client left: seq %d, want 4", d.Seq)
	}

	// The inbox closes: every stream ends and its handler returns; a new
	// stream gets what was kept and ends.
	f.inbox.Close()
	ended(t, resumed)
	ended(t, restarted)
	f.handlerReturned(t)
	f.handlerReturned(t)
	late, _ := subscribe(t, f, "3")
	if d := next(t, late); d.Seq != 4 {
		t.Fatalf("after Close: seq %d, want 4", d.Seq)
	}
	ended(t, late)
	f.handlerReturned(t)
}

func TestEventStreamHeartbeat(t *testing.T) {
	t.Parallel()
	f := start(t, inbox.Config{Secrets: []string{webhook.NewSecret()}, Heartbeat: 5 * time.Millisecond})
	ch, _ := subscribe(t, f, "")
	timeout := time.After(guard)
	for {
		select {
		case m := <-ch:
			if m.comment == "heartbeat" {
				return
			}
			t.Fatalf("message %+v on an empty inbox, want a heartbeat", m)
		case <-timeout:
			t.Fatalf("no heartbeat within %v", guard)
		}
	}
}

// Mounted without a method in the pattern, the handlers still refuse
// other methods.
func TestWrongMethods(t *testing.T) {
	t.Parallel()
	ib, err := inbox.New(inbox.Config{Secrets: []string{webhook.NewSecret()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		method  string
		allow   string
	}{
		{"GET a delivery", ib.Receive, http.MethodGet, "POST"},
		{"POST the events", ib.Events, http.MethodPost, "GET, HEAD"},
	} {
		rec := httptest.NewRecorder()
		tc.handler(rec, httptest.NewRequest(tc.method, "/", nil))
		var body struct{ Code string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow || body.Code != "MethodNotAllowed" {
			t.Errorf("%s: %d Allow %q %s, want 405 Allow %q", tc.name, rec.Code, rec.Header().Get("Allow"), rec.Body, tc.allow)
		}
	}
}

// A page served from another allowed origin may read the list and follow
// the stream (whose reconnects send Last-Event-ID, so they are preflighted);
// other origins get no CORS grant.
func TestEventsCORS(t *testing.T) {
	t.Parallel()
	const page = "http://localhost:5173"
	ib, err := inbox.New(inbox.Config{Secrets: []string{webhook.NewSecret()}, CORSOrigins: []string{page}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, origin string
		wantStatus           int
		wantAllow            string
	}{
		{"list from the allowed origin", http.MethodGet, page, http.StatusOK, page},
		{"preflight from the allowed origin", http.MethodOptions, page, http.StatusNoContent, page},
		{"list from another origin", http.MethodGet, "http://evil.test", http.StatusOK, ""},
		{"preflight from another origin", http.MethodOptions, "http://evil.test", http.StatusMethodNotAllowed, ""},
	} {
		req := httptest.NewRequest(tc.method, "/events", nil)
		req.Header.Set("Origin", tc.origin)
		if tc.method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "last-event-id")
		}
		rec := httptest.NewRecorder()
		ib.Events(rec, req)
		h := rec.Header()
		if rec.Code != tc.wantStatus || h.Get("Access-Control-Allow-Origin") != tc.wantAllow || h.Get("Vary") != "Origin" {
			t.Errorf("%s: %d, Allow-Origin %q, Vary %q; want %d, %q, Origin", tc.name, rec.Code, h.Get("Access-Control-Allow-Origin"), h.Get("Vary"), tc.wantStatus, tc.wantAllow)
		}
		if tc.method == http.MethodOptions && tc.wantAllow != "" && !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Last-Event-ID") {
			t.Errorf("%s: Allow-Headers %q, want Last-Event-ID", tc.name, h.Get("Access-Control-Allow-Headers"))
		}
	}
}
