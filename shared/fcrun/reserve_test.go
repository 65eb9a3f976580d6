package fcrun

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
)

func TestAnswerReserve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ left, want time.Duration }{
		{10 * time.Second, time.Second},
		{time.Minute, time.Second},
		{3 * time.Second, 300 * time.Millisecond},
		{100 * time.Millisecond, 50 * time.Millisecond},
		{0, 50 * time.Millisecond},
		{-time.Second, 50 * time.Millisecond},
	} {
		if got := answerReserve(tc.left); got != tc.want {
			t.Errorf("answerReserve(%v) = %v, want %v", tc.left, got, tc.want)
		}
	}
}

// TestHandlerContextEndsBeforeTheDeadline: the HTTP handler's and the OSS
// event handler's contexts end a reserve before the invocation's
// deadline, so an answer given when they end is posted in time; without a
// deadline (plain HTTP) there is none.
func TestHandlerContextEndsBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	got := make(chan time.Time, 1)
	note := func(ctx context.Context) {
		dl, ok := ctx.Deadline()
		if !ok {
			dl = time.Time{}
		}
		got <- dl
	}
	fn := Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { note(r.Context()) }),
		Options{Logger: discardLogger(), Events: func(ctx context.Context, _ *events.OssEvent) error { note(ctx); return nil }})
	for _, tc := range []struct {
		name string
		raw  string
	}{
		{"HTTP", string(readFixture(t, "http-lower.json"))},
		{"OSS", string(readFixture(t, "oss-created.json"))},
	} {
		deadline := time.Now().Add(time.Minute) // a tenth of it is past the 1 s cap
		ctx, cancel := context.WithDeadline(fcContext(), deadline)
		if _, err := fn(ctx, json.RawMessage(tc.raw)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cancel()
		if dl := <-got; !dl.Equal(deadline.Add(-time.Second)) {
			t.Errorf("%s: handler deadline %v, want 1s before the invocation's %v", tc.name, dl, deadline)
		}
	}
	if _, err := fn(context.Background(), json.RawMessage(readFixture(t, "http-lower.json"))); err != nil {
		t.Fatal(err)
	}
	if dl := <-got; !dl.IsZero() {
		t.Errorf("no invocation deadline, yet the handler's is %v", dl)
	}
}
