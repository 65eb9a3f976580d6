package api_test

// ossdirect reconcile on the local stack: uploads stored while no event
// reached the receiver are found by listing the bucket and delivered once.

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
	"ossdirect/shared/credentials"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// reconcileHandlers are the callback function's handlers against stack s,
// delivering to url, assembled as ossdirect reconcile assembles them.
func reconcileHandlers(t *testing.T, s *devstack.Stack, url, secret string) *api.Handlers {
	t.Helper()
	h, err := app.CallbackHandlers(callbackConfig(t, s, url, secret), nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func eventKeys(evs []api.ReconciledEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Key)
	}
	slices.Sort(out)
	return out
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startTrustStack(t) // no webhook: nothing is delivered or recorded at upload time
	ctx := context.Background()
	png := pngBytes(t, 3, 2)
	store := func(key, contentType string, body []byte) string {
		t.Helper()
		res, err := rootClient(s.Stack).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key),
			Body: bytes.NewReader(body), ContentType: oss.Ptr(contentType)})
		if err != nil {
			t.Fatal(err)
		}
		return uploadevent.ID(s.Bucket, key, oss.ToString(res.ETag))
	}
	ids := map[string]string{}
	for _, k := range []string{"images/alice/a.png", "images/bob/b b 图.png", "imgk/alice/k.png"} {
		ids[k] = store(k, "image/png", png)
	}
	ids["seed/alice/s.txt"] = store("seed/alice/s.txt", "text/plain", []byte("seed"))
	store("elsewhere/x.png", "image/png", png) // outside every profile
	since := time.Now().Add(-time.Hour)

	t.Run("receiver down: each failure reported with its reason, nothing recorded", func(t *testing.T) {
		h := reconcileHandlers(t, s.Stack, deadURL(t), rcv.secret)
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		rep, err := h.Reconcile(rctx, api.ReconcileOptions{Since: since, Profile: "default"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Checked != 1 || len(rep.Failed) != 1 || rep.Failed[0].Key != "seed/alice/s.txt" || rep.Failed[0].Reason == "" || len(rep.Delivered) != 0 {
			t.Fatalf("report %+v, want seed/alice/s.txt failed", rep)
		}
	})

	h := reconcileHandlers(t, s.Stack, rcv.URL, rcv.secret)
	t.Run("dry run: reports, delivers nothing", func(t *testing.T) {
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: since, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Checked != 4 || len(rep.Pending) != 4 || len(rep.Delivered) != 0 || len(rep.Failed) != 0 {
			t.Fatalf("dry run %+v", rep)
		}
		rcv.mu.Lock()
		n := len(rcv.got)
		rcv.mu.Unlock()
		if n != 0 {
			t.Fatalf("a dry run delivered %d events", n)
		}
	})

	t.Run("--profile narrows to its directory", func(t *testing.T) {
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: since, Profile: "imgk"})
		if err != nil {
			t.Fatal(err)
		}
		if got := eventKeys(rep.Delivered); !slices.Equal(got, []string{"imgk/alice/k.png"}) || rep.Checked != 1 {
			t.Fatalf("report %+v", rep)
		}
		if _, err := h.Reconcile(ctx, api.ReconcileOptions{Profile: "nope"}); err == nil {
			t.Fatal("an unknown profile: nil error")
		}
	})

	t.Run("receiver up: each upload delivered once", func(t *testing.T) {
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: since})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"images/alice/a.png", "images/bob/b b 图.png", "seed/alice/s.txt"}
		if got := eventKeys(rep.Delivered); !slices.Equal(got, want) || rep.Checked != 4 || rep.AlreadyDelivered != 1 || len(rep.Failed) != 0 {
			t.Fatalf("report %+v, want %q delivered, imgk's already", rep, want)
		}
		for key, id := range ids {
			got := rcv.events(key)
			if len(got) != 1 || got[0].Data.ID != id || got[0].Data.Source != uploadevent.SourceReconcile || got[0].Type != uploadevent.TypeCompleted {
				t.Errorf("%s: events %+v, want one upload.completed with id %s from reconcile", key, got, id)
			}
		}
		if got := rcv.events("elsewhere/x.png"); len(got) != 0 {
			t.Errorf("an object outside every profile was delivered: %+v", got)
		}
	})

	t.Run("again: nothing new", func(t *testing.T) {
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: since})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Checked != 4 || rep.AlreadyDelivered != 4 || len(rep.Delivered) != 0 || len(rep.Failed) != 0 {
			t.Fatalf("second run %+v", rep)
		}
		rcv.mu.Lock()
		n := len(rcv.got)
		rcv.mu.Unlock()
		if n != 4 {
			t.Fatalf("%d events received, want 4", n)
		}
	})

	t.Run("--since excludes older objects", func(t *testing.T) {
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: time.Now().Add(time.Hour)})
		if err != nil || rep.Checked != 0 {
			t.Fatalf("report %+v, %v", rep, err)
		}
	})
}

func TestReconcileNeedsAWebhook(t *testing.T) {
	t.Parallel()
	s := startTrustStack(t)
	profiles, _ := upload.ParseProfiles([]byte(trustProfiles))
	cfg := &config.Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.OSS, UploadHost: s.OSS + "/" + s.Bucket,
		Profiles: profiles, Auth: auth.Config{Mode: auth.ModeNone}, GrantSecrets: [][]byte{testGrantSecret},
		Credentials: credentials.NewStatic(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")}
	h, err := app.CallbackHandlers(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Reconcile(context.Background(), api.ReconcileOptions{}); err != api.ErrReconcileNeedsWebhook {
		t.Fatalf("Reconcile without a webhook: %v", err)
	}
}
