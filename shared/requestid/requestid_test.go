package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestFromContext(t *testing.T) {
	t.Parallel()
	if id, ok := FromContext(context.Background()); ok || id != "" {
		t.Errorf("empty context: %q, %v", id, ok)
	}
	if _, ok := FromContext(NewContext(context.Background(), "")); ok {
		t.Error("an empty id counts as none")
	}
	if id, ok := FromContext(NewContext(context.Background(), "1-abc")); !ok || id != "1-abc" {
		t.Errorf("got %q, %v", id, ok)
	}
}

func TestLogHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
	ctx := NewContext(context.Background(), "fc-1")

	log.InfoContext(ctx, "stamped")
	log.Info("no context")
	log.InfoContext(ctx, "explicit", Key, "other")
	log.With(Key, "with").InfoContext(ctx, "derived")
	log.With("component", "x").InfoContext(ctx, "derived, other attr")
	log.WithGroup("g").InfoContext(ctx, "grouped", "a", 1)

	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, m)
	}
	want := []any{"fc-1", nil, "other", "with", "fc-1", nil}
	for i, w := range want {
		if got[i][Key] != w {
			t.Errorf("%s: requestId = %v, want %v", got[i]["msg"], got[i][Key], w)
		}
		if n := strings.Count(strings.Split(buf.String(), "\n")[i], `"`+Key+`"`); n > 1 {
			t.Errorf("%s: %d requestId attributes", got[i]["msg"], n)
		}
	}
	if g, _ := got[5]["g"].(map[string]any); g[Key] != "fc-1" {
		t.Errorf("grouped record: %v", got[5])
	}
	if LogHandler(log.Handler()) != log.Handler() {
		t.Error("LogHandler wraps twice")
	}
}
