package devstack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
)

// The hook's guarantee is a floor on time, which no machine can beat: a
// body read at N bytes/s takes at least (size - burst) / N.
func TestBandwidthSlowsRequestBodies(t *testing.T) {
	bw := devstack.NewBandwidth()
	var got int64
	srv := httptest.NewServer(bw.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			t.Errorf("reading the body: %v", err)
		}
		got = n
	})))
	defer srv.Close()

	post := func(size int) time.Duration {
		t.Helper()
		start := time.Now()
		res, err := http.Post(srv.URL, "application/octet-stream", bytes.NewReader(make([]byte, size)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got != int64(size) {
			t.Fatalf("the handler read %d bytes, want %d", got, size)
		}
		return time.Since(start)
	}
	const size = 256 << 10
	bw.Set(1 << 20)
	if d, floor := post(size), 200*time.Millisecond; d < floor {
		t.Errorf("256 KiB at 1 MiB/s took %v, want at least %v", d, floor)
	}
	bw.Set(0) // lifted: every byte still arrives
	post(size)
}

func TestBandwidthHookIsOffUnlessAskedFor(t *testing.T) {
	s := startStack(t)
	req, _ := http.NewRequest(http.MethodPut, s.API+"/_test/bandwidth?bytesPerSecond=1", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNoContent {
		t.Fatal("PUT /_test/bandwidth was accepted on a stack started without TestHooks")
	}
}

func TestBandwidthHookNamesABadValue(t *testing.T) {
	s, err := devstack.Start(devstack.Config{Addr: "127.0.0.1:0", OSSAddr: "127.0.0.1:0", STSAddr: "127.0.0.1:0", Dir: t.TempDir(), TestHooks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	}()
	for q, want := range map[string]int{"bytesPerSecond=-1": 400, "bytesPerSecond=fast": 400, "": 400, "bytesPerSecond=1048576": 204, "bytesPerSecond=0": 204} {
		req, _ := http.NewRequest(http.MethodPut, s.API+"/_test/bandwidth?"+q, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%q: status %d, want %d (%s)", q, res.StatusCode, want, body)
		}
		if want == 400 && !strings.HasPrefix(string(body), "bytesPerSecond:") {
			t.Errorf("%q: the error %q does not name bytesPerSecond", q, body)
		}
	}
}
