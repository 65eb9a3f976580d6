package functions_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/fakefc"
	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
)

// The durable path under FC: with the receiver down for good the callback
// function's OSS-event invocation ends in an error result (FC would retry
// it, then hand it to the dead-letter destination); once the receiver is
// back, reconcile — the callback function's delivery outside FC, from the
// same environment — delivers the event, once.
func TestOSSEventUndeliveredUnderFCThenReconciled(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)

	secret := make([]byte, 32)
	rand.Read(secret)
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(secret)
	wh, err := standardwebhooks.NewWebhook(whsec)
	if err != nil {
		t.Fatal(err)
	}
	var up atomic.Bool
	var mu sync.Mutex
	var got []string // the delivered events' ids
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)
	env := append(h.env(t, "callback"), "WEBHOOK_URL="+rcv.URL, "WEBHOOK_SECRET="+whsec)
	rt := fakefc.Start(t, binaries(t)["callback"], env)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key := "uploads/anonymous/" + time.Now().UTC().Format("2006/01") + "/undelivered.txt"
	root := h.ossClient(osscreds.NewStaticCredentialsProvider(h.stack.AccessKeyID, devstack.DevAccessKeySecret), h.stack.OSS)
	if _, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(h.stack.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	res := h.invoke(t, rt, ossEvent(h.stack.Bucket, key, "ObjectCreated:PutObject"))
	if res.Error == nil || !strings.Contains(res.Error.Error(), "not delivered") {
		t.Fatalf("OSS event with the receiver down: body %s error %v, want an error result naming the undelivered event", res.Body, res.Error)
	}
	if !rt.Alive() {
		t.Fatal("the function exited after a failed invocation")
	}

	up.Store(true)
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = credentials.NewStatic(h.stack.AccessKeyID, devstack.DevAccessKeySecret, "")
	handlers, err := app.CallbackHandlers(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		rep, err := handlers.Reconcile(ctx, api.ReconcileOptions{Since: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep)
		if want := 1 - run; len(rep.Delivered) != want || len(rep.Failed) != 0 {
			t.Fatalf("reconcile run %d: %s, want %d delivered and none failed", run+1, b, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("receiver got %d deliveries %v, want 1", len(got), got)
	}
}
