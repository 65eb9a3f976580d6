package main

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsOnlyTheWindow(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	t.Run("fixed count after a warm-up", func(t *testing.T) {
		hits.Store(0)
		rep, err := run(config{urls: []string{srv.URL}, conns: 4, count: 500, warmup: 100 * time.Millisecond, timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests != 500 || rep.Errors != 0 || rep.Bytes != 1000 {
			t.Errorf("requests %d, errors %d, bytes %d; want 500, 0, 1000", rep.Requests, rep.Errors, rep.Bytes)
		}
		if hits.Load() <= 500 {
			t.Errorf("the server saw %d requests: the warm-up's were not made or were counted", hits.Load())
		}
	})
	t.Run("duration", func(t *testing.T) {
		hits.Store(0)
		rep, err := run(config{urls: []string{srv.URL}, conns: 2, dur: 200 * time.Millisecond, warmup: 50 * time.Millisecond, timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requests == 0 || rep.Requests >= hits.Load() || rep.Seconds != 0.2 {
			t.Errorf("requests %d of %d seen by the server over %vs; want some, fewer than all, over 0.2s", rep.Requests, hits.Load(), rep.Seconds)
		}
	})
}

func TestRunErrorsByKind(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // its port now refuses connections

	rep, err := run(config{urls: []string{srv.URL, closed.URL}, conns: 2, count: 50, timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 0 || rep.Errors != 50 || rep.ByKind["status_503"] == 0 || rep.ByKind["refused"] == 0 {
		t.Errorf("requests %d, errors %d %v; want 0, 50 split between status_503 and refused", rep.Requests, rep.Errors, rep.ByKind)
	}
	if len(rep.Targets) != 2 || rep.Targets[0].ByKind["refused"] != 0 || rep.Targets[1].ByKind["status_503"] != 0 {
		t.Errorf("per-target summaries %+v: want the 503s on the first URL and the refusals on the second", rep.Targets)
	}
}
