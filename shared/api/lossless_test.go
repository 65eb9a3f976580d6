package api_test

// Nothing is lost between the witness and the receiver: an upload deleted
// for breaking its profile while the receiver was down is still reported
// (its event is kept in its claim), and a process killed between claiming
// an event and delivering it leaves it to the next attempt after the lease.

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/fc-runtime-go-sdk/events"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/app"
	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// objectCreated is the OSS event FC's trigger sends for key with etag.
func objectCreated(bucket, key, etag string) *events.OssEvent {
	return &events.OssEvent{Events: []*events.OssEventRecord{{
		EventName: oss.Ptr("ObjectCreated:PutObject"),
		Oss: &events.Oss{Bucket: &events.Bucket{Name: oss.Ptr(bucket)},
			Object: &events.Object{Key: oss.Ptr(key), ETag: oss.Ptr(etag)}},
	}}}
}

// etagOf is the ETag OSS gives a single PUT of data (upper-case hex MD5).
func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// claimOf reads the claim record of the event with id, if any.
func claimOf(t *testing.T, s *devstack.Stack, id string) (map[string]any, bool) {
	t.Helper()
	b, ok := stored(t, s, upload.ReservedPrefix+"events/"+id+".claim")
	if !ok {
		return nil, false
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("claim %s: %v: %s", id, err, b)
	}
	return c, true
}

func TestRejectedUploadIsReportedAfterItsDeletion(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	// The receiver is down while the uploads are witnessed.
	s := startEventStack(t, deadURL(t), rcv.secret, 500*time.Millisecond)
	ctx := context.Background()
	rejected := func(t *testing.T, name string) (key, id string) {
		t.Helper()
		g := s.stsFor(t, bobKey, "images")
		key = g.Prefix + name
		data := []byte("not an image: " + name)
		_, err := s.put(t, g, key, "text/plain", data, "")
		callbackRefused(t, err, "403")
		wantNotStored(t, s.Stack, key)
		id = uploadevent.ID(s.Bucket, key, etagOf(data))
		c, ok := claimOf(t, s.Stack, id)
		if !ok || c["leaseUntil"] != float64(0) || c["event"] == nil {
			t.Fatalf("claim of %s: %v (found %v), want a released claim holding the event", key, c, ok)
		}
		return key, id
	}

	t.Run("the OSS event's retry delivers the kept upload.rejected, once", func(t *testing.T) {
		key, id := rejected(t, "gone.txt")
		handle := ossEventHandler(t, s.Stack, rcv.URL, rcv.secret)
		for range 2 {
			if err := handle(ctx, objectCreated(s.Bucket, key, etagOf([]byte("not an image: gone.txt")))); err != nil {
				t.Fatalf("HandleOSSEvent: %v", err)
			}
		}
		got := rcv.events(key)
		if len(got) != 1 || got[0].Type != uploadevent.TypeRejected || got[0].Data.ID != id ||
			got[0].Data.Action != upload.ViolationDelete || got[0].Data.Subject != "bob" || got[0].Data.GrantID == "" {
			t.Fatalf("events %+v, want the callback's upload.rejected (action delete, subject and grant), once", got)
		}
	})

	t.Run("reconcile delivers the kept upload.rejected, once", func(t *testing.T) {
		key, id := rejected(t, "reconciled.txt")
		h, err := app.CallbackHandlers(callbackConfig(t, s.Stack, rcv.URL, rcv.secret), nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := h.Reconcile(ctx, api.ReconcileOptions{Since: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var delivered []string
		for _, d := range rep.Delivered {
			delivered = append(delivered, d.EventID)
		}
		if !strings.Contains(strings.Join(delivered, " "), id) || len(rep.Failed) != 0 {
			t.Fatalf("report %+v, want %s delivered and nothing failed", rep, id)
		}
		if got := rcv.events(key); len(got) != 1 || got[0].Type != uploadevent.TypeRejected {
			t.Fatalf("events %+v, want one upload.rejected", got)
		}
		if rep, err = h.Reconcile(ctx, api.ReconcileOptions{Since: time.Now().Add(-time.Hour)}); err != nil || len(rep.Delivered) != 0 {
			t.Fatalf("second run: %+v %v, want nothing delivered", rep, err)
		}
	})
}

// The child half of TestCrashBetweenClaimAndDelivery: it handles one OSS
// event and kills its own process (SIGKILL on Unix: no deferred function,
// no cleanup) as soon as the event is claimed.
func TestCrashBetweenClaimAndDeliveryChild(t *testing.T) {
	env := os.Getenv("OSSDIRECT_CRASH_CHILD")
	if env == "" {
		t.Skip("run by TestCrashBetweenClaimAndDelivery")
	}
	var in struct{ OSS, Bucket, Region, URL, Secret, Key, ETag string }
	if err := json.Unmarshal([]byte(env), &in); err != nil {
		t.Fatal(err)
	}
	s := &devstack.Stack{OSS: in.OSS, Bucket: in.Bucket, Region: in.Region}
	h, err := app.CallbackHandlers(callbackConfig(t, s, in.URL, in.Secret), nil)
	if err != nil {
		t.Fatal(err)
	}
	api.SetEventLease(h, 2*time.Second)
	api.SetAfterClaim(h, func(string) {
		p, _ := os.FindProcess(os.Getpid())
		p.Kill()
		select {}
	})
	h.HandleOSSEvent(context.Background(), objectCreated(in.Bucket, in.Key, in.ETag))
	t.Fatal("the process was not killed after the claim")
}

func TestCrashBetweenClaimAndDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again as a child process")
	}
	t.Parallel()
	rcv := newEventReceiver(t)
	s := startEventStack(t, rcv.URL, rcv.secret, 0)
	ctx := context.Background()
	data := pngBytes(t, 7, 7)
	key := "images/carol/crash.png"
	if _, err := rootClient(s.Stack).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(key),
		Body: strings.NewReader(string(data)), ContentType: oss.Ptr("image/png")}); err != nil {
		t.Fatal(err)
	}
	id := uploadevent.ID(s.Bucket, key, etagOf(data))

	in, _ := json.Marshal(map[string]string{"OSS": s.OSS, "Bucket": s.Bucket, "Region": s.Region, "URL": rcv.URL,
		"Secret": rcv.secret, "Key": key, "ETag": etagOf(data)})
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenClaimAndDeliveryChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "OSSDIRECT_CRASH_CHILD="+string(in))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Exited() {
		t.Fatalf("child: %v, want it killed by a signal; output:\n%s", err, out)
	}
	c, ok := claimOf(t, s.Stack, id)
	if !ok || c["event"] == nil {
		t.Fatalf("after the crash: claim %v (found %v), want the child's claim holding the event", c, ok)
	}
	if got := rcv.events(key); len(got) != 0 {
		t.Fatalf("events %+v before any retry, want none", got)
	}

	handle := ossEventHandler(t, s.Stack, rcv.URL, rcv.secret)
	// While the dead holder's lease lasts, a retry waits and fails (FC
	// would retry it again); nothing is delivered.
	leaseEnd := time.Unix(int64(c["leaseUntil"].(float64)), 0)
	if time.Now().Before(leaseEnd.Add(-300 * time.Millisecond)) {
		wctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		err := handle(wctx, objectCreated(s.Bucket, key, etagOf(data)))
		cancel()
		if err == nil || !strings.Contains(err.Error(), "being delivered by another invocation") {
			t.Fatalf("retry within the lease: %v, want the held-elsewhere error", err)
		}
	}
	time.Sleep(time.Until(leaseEnd) + 10*time.Millisecond) // the lease, not the machine, sets this wait
	for range 2 {
		if err := handle(ctx, objectCreated(s.Bucket, key, etagOf(data))); err != nil {
			t.Fatalf("retry after the lease: %v", err)
		}
	}
	if got := rcv.events(key); len(got) != 1 || got[0].Data.ID != id {
		t.Fatalf("events %+v, want one with id %s", got, id)
	}
	if _, ok := claimOf(t, s.Stack, id); ok {
		t.Error("the claim is still there after delivery")
	}
}
