package devstack

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServeRuntime(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	serveRuntime().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_test/runtime", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q, want 200 application/json", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got RuntimeStats
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Goroutines < 1 || got.HeapInuse == 0 || got.Sys == 0 {
		t.Errorf("got %+v, want goroutines, heapInuse and sys above 0", got)
	}
}
