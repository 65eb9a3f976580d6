package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/fakefc"
)

// TestRequestIDIsFCs drives the built post-signature binary under the fake
// FC runtime: the X-Request-Id header, an error body's requestId and every
// log line of the invocation carry the invocation's FC request id (the
// runtime API's x-fc-request-id), not one the function invents, and a
// client cannot choose it with an X-Fc-Request-Id header.
func TestRequestIDIsFCs(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	rt := h.start(t, "post-signature")

	const fcID = "1-6650a1b2-0f1e2d3c4b5a69788796a5b4"
	req, _ := http.NewRequest(http.MethodGet, "https://post-signature.example/?profile=nope&filename=a.txt", nil)
	req.Header.Set("X-Fc-Request-Id", "chosen-by-the-client")
	payload, err := fakefc.HTTPEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	headers := h.invokeHeaders()
	headers["x-fc-request-id"] = fcID
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, payload, headers)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != nil || res.RequestID != fcID {
		t.Fatalf("invocation %s: error %v", res.RequestID, res.Error)
	}
	resp, err := fakefc.HTTPResponse(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Code      string `json:"code"`
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, body %s: want a 404 error body", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Request-Id"); got != fcID {
		t.Errorf("X-Request-Id %q, want FC's %q", got, fcID)
	}
	if e.RequestID != fcID {
		t.Errorf("error body requestId %q, want FC's %q", e.RequestID, fcID)
	}

	// FC's own marker line names the id; every JSON line the function
	// logged for the invocation carries it too.
	if err := rt.WaitOutput(ctx, "FC Invoke End RequestId: "+fcID); err != nil {
		t.Fatal(err)
	}
	out := rt.Output()
	start := strings.Index(out, "FC Invoke Start RequestId: "+fcID)
	end := strings.Index(out, "FC Invoke End RequestId: "+fcID)
	if start < 0 || end < start {
		t.Fatalf("no FC Invoke Start/End lines for %s:\n%s", fcID, out)
	}
	var lines int
	for line := range strings.SplitSeq(out[start:end], "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		lines++
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %v: %s", err, line)
			continue
		}
		if rec["requestId"] != fcID {
			t.Errorf("log line without FC's request id: %s", line)
		}
	}
	if lines < 2 { // "request refused" and the access line at least
		t.Errorf("%d JSON log lines in the invocation, want ≥ 2:\n%s", lines, out[start:end])
	}
}
