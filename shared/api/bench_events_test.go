package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
	"ossdirect/shared/webhook"
)

// BenchmarkCallbackEvents measures what upload events add to the callback
// path: one genuine OSS callback replayed into the callback function, which
// verifies it, witnesses the object (HEAD in the OSS emulator) and then
//
//	log:     hands the event to the log sink (no webhook configured);
//	webhook: delivers it once — reads its .done record, claims it
//	         (x-oss-forbid-overwrite PUT holding the event), POSTs the
//	         signed Standard Webhook to a healthy loopback receiver, writes
//	         .done and deletes the claim: four OSS requests and one POST.
//
// Between iterations, with the timer stopped, the webhook row deletes the
// .done record so every iteration delivers (a replay would otherwise find
// it and stop). Each row reports the median and p99 of the per-callback
// latency and the events per second one callback at a time achieves.
//
//	go test -run '^$' -bench BenchmarkCallbackEvents -count 5 ./shared/api/
func BenchmarkCallbackEvents(b *testing.B) {
	s := startStack(b, devstack.Config{Profiles: benchProfiles})
	key := "docs/anonymous/events.txt"
	replay := captureCallback(b, s, key)
	profiles, err := upload.ParseProfiles([]byte(benchProfiles))
	if err != nil {
		b.Fatal(err)
	}
	var received atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	secret := make([]byte, 32)
	rand.Read(secret)
	sender, err := webhook.New(webhook.Config{URL: rcv.URL, Secrets: []string{"whsec_" + base64.StdEncoding.EncodeToString(secret)}})
	if err != nil {
		b.Fatal(err)
	}
	head, err := rootClient(s).HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		b.Fatal(err)
	}
	done := upload.ReservedPrefix + "events/" + uploadevent.ID(s.Bucket, key, oss.ToString(head.ETag)) + ".done"

	for _, tc := range []struct {
		name    string
		events  api.EventSink
		records bool
	}{
		{name: "log", events: webhook.Log{Logger: slog.New(slog.DiscardHandler)}},
		{name: "webhook", events: sender, records: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHandlers(b, api.Config{Bucket: s.Bucket, Region: s.Region, UploadHost: s.OSS + "/" + s.Bucket, Profiles: profiles,
				KeyURLPrefixes: []string{s.KeyURLPrefix}, GrantSecrets: [][]byte{testGrantSecret}, Objects: objectsOf(b, s),
				Events: tc.events, EventRecords: tc.records}).Handler(api.CallbackFn)
			forget := func() {
				if !tc.records {
					return
				}
				if _, err := rootClient(s).DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(done)}); err != nil {
					b.Fatal(err)
				}
			}
			call := func() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, replay())
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			call() // fetches the public key
			forget()
			before := received.Load()
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				call()
				took = append(took, time.Since(start))
				b.StopTimer()
				forget()
				b.StartTimer()
			}
			b.StopTimer()
			if tc.records && received.Load()-before != int64(b.N) {
				b.Fatalf("receiver got %d events for %d callbacks", received.Load()-before, b.N)
			}
			slices.Sort(took)
			var sum time.Duration
			for _, d := range took {
				sum += d
			}
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[(len(took)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(took))/sum.Seconds(), "events/s")
		})
	}
}
