package devstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/syncbuf"
)

// eventStack is a local stack with the OSS trigger on, logging JSON.
type eventStack struct {
	*devstack.Stack
	logs *syncbuf.Buffer
	root *oss.Client
}

// startEventStack starts a stack with OSSEvents and test hooks on; edit
// adjusts the config.
func startEventStack(t *testing.T, edit func(*devstack.Config)) *eventStack {
	t.Helper()
	logs := &syncbuf.Buffer{}
	cfg := devstack.Config{OSSEvents: true, TestHooks: true, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	if edit != nil {
		edit(&cfg)
	}
	s := startWith(t, cfg)
	return &eventStack{Stack: s, logs: logs, root: rootClient(s)}
}

func rootClient(s *devstack.Stack) *oss.Client {
	return ossClient(s, credentials.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret), oss.SignatureVersionV4)
}

func (s *eventStack) put(t *testing.T, key, body string) *oss.PutObjectResult {
	t.Helper()
	res, err := s.root.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key),
		Body: strings.NewReader(body), ContentType: oss.Ptr("text/plain")})
	if err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
	return res
}

// waitFor polls cond until it holds; the deadline only bounds a broken
// run.
func waitFor(t *testing.T, what string, cond func() bool, state func() any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; state %+v", what, state())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// idle waits until no OSS event is pending and returns the stats.
func (s *eventStack) idle(t *testing.T, what string, cond func(devstack.OSSEventStats) bool) devstack.OSSEventStats {
	t.Helper()
	var st devstack.OSSEventStats
	waitFor(t, what, func() bool { st = s.OSSEventStats(); return st.Pending == 0 && cond(st) }, func() any { return st })
	return st
}

// An object uploaded under the profiles' directory reaches the callback
// function as FC's OSS event, and is verified there like a callback's; an
// object outside the prefix, or a CopyObject, invokes nothing.
func TestOSSEventsInvokeTheCallbackFunction(t *testing.T) {
	t.Parallel()
	s := startEventStack(t, nil)
	key := "uploads/alice/2026/07/report.txt"
	put := s.put(t, key, "hello, trigger")
	var verified []map[string]any
	waitFor(t, "the callback function to verify "+key,
		func() bool { verified = s.logs.Logged("upload verified", key); return len(verified) > 0 },
		func() any { return s.OSSEventStats() })
	if len(verified) != 1 || verified[0]["source"] != "oss-event" || verified[0]["event"] != "ObjectCreated:PutObject" ||
		verified[0]["etag"] != oss.ToString(put.ETag) || verified[0]["size"] != float64(len("hello, trigger")) {
		t.Fatalf("upload verified records: %v", verified)
	}
	st := s.idle(t, "the invocation to finish", func(st devstack.OSSEventStats) bool { return st.Succeeded == 1 })
	if st.Invocations != 1 || st.Failed != 0 || st.Retries != 0 || st.Dropped != 0 || !st.Enabled {
		t.Fatalf("stats %+v", st)
	}
	inv := s.logs.Logged("OSS trigger invocation succeeded", key)
	if len(inv) != 1 || inv[0]["requestId"] == "" || inv[0]["requestId"] != verified[0]["requestId"] {
		t.Fatalf("invocation records %v; the function's record carries requestId %v", inv, verified[0]["requestId"])
	}

	// Outside the prefix, and an event the trigger does not list. (The
	// function's own records under .ossdirect/ were filtered already.)
	filtered := st.Filtered
	s.put(t, "elsewhere/x.txt", "not mine")
	if _, err := s.root.CopyObject(context.Background(), &oss.CopyObjectRequest{Bucket: oss.Ptr(s.Bucket),
		Key: oss.Ptr("uploads/alice/2026/07/copy.txt"), SourceKey: oss.Ptr(key)}); err != nil {
		t.Fatal(err)
	}
	st = s.idle(t, "both events to be filtered", func(st devstack.OSSEventStats) bool { return st.Filtered >= filtered+2 })
	if st.Invocations != 1 || st.Filtered != filtered+2 {
		t.Fatalf("stats %+v: want the two events filtered and no invocation", st)
	}

	// The test hook serves the same numbers.
	resp, err := http.Get(s.API + "/_test/oss-events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var served devstack.OSSEventStats
	if err := json.NewDecoder(resp.Body).Decode(&served); err != nil || resp.StatusCode != 200 || served != st {
		t.Fatalf("GET /_test/oss-events: %d %+v %v, want %+v", resp.StatusCode, served, err, st)
	}
}

// webhookSecret is a fresh whsec_ secret.
func webhookSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// An invocation that fails (the webhook receiver answers 503, so the event
// is not delivered and HandleOSSEvent returns an error) is retried the
// configured number of times, then dropped with an ERROR record.
func TestOSSEventRetriedThenDropped(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(receiver.Close)
	s := startEventStack(t, func(c *devstack.Config) {
		c.WebhookURL, c.WebhookSecrets = receiver.URL, []string{webhookSecret(t)}
		c.OSSTriggerRetries, c.OSSTriggerBackoff, c.OSSTriggerTimeout = 2, 10*time.Millisecond, 1500*time.Millisecond
	})
	key := "uploads/bob/2026/07/lost.txt"
	s.put(t, key, "nobody takes it")
	st := s.idle(t, "the event to be dropped", func(st devstack.OSSEventStats) bool { return st.Dropped == 1 })
	if st.Invocations != 3 || st.Failed != 3 || st.Retries != 2 || st.Succeeded != 0 {
		t.Fatalf("stats %+v: want 3 failed invocations (1 + 2 retries) and the event dropped", st)
	}
	dropped := s.logs.Logged("OSS event dropped: the invocation failed and its retries are spent (in FC it would go to the asyncInvokeConfig onFailure destination)", key)
	if len(dropped) != 1 || dropped[0]["level"] != "ERROR" || dropped[0]["attempt"] != float64(3) {
		t.Fatalf("dropped records: %v", dropped)
	}
	if n := len(s.logs.Logged("OSS trigger invocation failed; FC's asynchronous retry will invoke it again", key)); n != 2 {
		t.Fatalf("%d retry records, want 2", n)
	}
	if hits.Load() == 0 {
		t.Fatal("the webhook receiver was never called: the invocations failed for another reason")
	}
	if strings.Contains(s.logs.String(), devstack.DevAccessKeySecret) {
		t.Fatal("the logs carry the root secret")
	}
}

// Close cancels an invocation in flight and a retry waiting, and leaves
// no goroutine behind. Not parallel: it counts the process's goroutines.
func TestOSSTriggerCloseLeavesNoGoroutine(t *testing.T) {
	arrived := make(chan struct{}, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("quick.txt")) {
			http.Error(w, "refused", http.StatusBadRequest) // final: the invocation fails at once
			return
		}
		arrived <- struct{}{}
		<-r.Context().Done() // hold the invocation until it is cancelled
	}))
	defer receiver.Close()
	before := runtime.NumGoroutine()

	es := startEventStack(t, func(c *devstack.Config) {
		c.TestHooks = false
		c.WebhookURL, c.WebhookSecrets = receiver.URL, []string{webhookSecret(t)}
		c.OSSTriggerBackoff, c.OSSTriggerTimeout = time.Hour, time.Minute
	})
	s := es.Stack
	es.put(t, "uploads/c/2026/07/quick.txt", "fails at once")
	waitFor(t, "a retry to be waiting", func() bool { return s.OSSEventStats().Retries == 1 }, func() any { return s.OSSEventStats() })
	es.put(t, "uploads/c/2026/07/slow.txt", "held")
	<-arrived
	if st := s.OSSEventStats(); st.Pending != 2 {
		t.Fatalf("stats %+v: want 2 pending (one waiting for its retry, one in flight)", st)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st := s.OSSEventStats(); st.Pending != 0 || st.Invocations != 2 {
		t.Fatalf("after Close: %+v", st)
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "devstack.(*ossTrigger)") {
		t.Fatalf("trigger goroutines left after Close:\n%s", stacks)
	}
	receiver.CloseClientConnections()
	http.DefaultClient.CloseIdleConnections()
	waitFor(t, "the goroutine count to come back", func() bool { return runtime.NumGoroutine() <= before },
		func() any {
			b := make([]byte, 1<<20)
			return string(b[:runtime.Stack(b, true)])
		})
}
