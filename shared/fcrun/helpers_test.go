package fcrun

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

func readFixture(t testing.TB, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httpFixture(t testing.TB, name string) *events.HTTPTriggerEvent {
	t.Helper()
	var ev events.HTTPTriggerEvent
	if err := json.Unmarshal(readFixture(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

// fcContext returns a context like the one the SDK passes to handlers.
func fcContext() context.Context {
	return fccontext.NewContext(context.Background(), &fccontext.FcContext{
		RequestID: "fc-req-1",
		Credentials: fccontext.Credentials{
			AccessKeyId:     "STS.invoke-ak",
			AccessKeySecret: "invoke-secret",
			SecurityToken:   "invoke-token",
		},
		Region:    "cn-hangzhou",
		AccountId: "1234567890123456",
	})
}

// logBuffer is a concurrency-safe sink for a JSON slog handler.
type logBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func testLogger() (*slog.Logger, *logBuffer) {
	var b logBuffer
	return slog.New(slog.NewJSONHandler(&b, nil)), &b
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
