package fcrun

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestStartRefuses(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	tests := []struct {
		name string
		h    http.Handler
		opts Options
		want error
	}{
		{"neither variable", h, Options{Lookup: lookup(nil)}, ErrNoRuntime},
		{"both empty", h, Options{Lookup: lookup(map[string]string{"FC_RUNTIME_API": "", "PORT": ""})}, ErrNoRuntime},
		{"nil Lookup", h, Options{}, ErrOptions},
		{"nil handler", nil, Options{Lookup: lookup(map[string]string{"PORT": "8080"})}, ErrOptions},
		{"PORT not a number", h, Options{Lookup: lookup(map[string]string{"PORT": "http"})}, ErrOptions},
		{"PORT out of range", h, Options{Lookup: lookup(map[string]string{"PORT": "70000"})}, ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := Start(tt.h, tt.opts); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	err := Start(h, Options{Lookup: lookup(nil)})
	for _, name := range []string{"FC_RUNTIME_API", "PORT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reached, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", echoHandler())
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		close(reached)
		<-release
		_, _ = w.Write([]byte("slow done"))
	})
	mux.HandleFunc("/half", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		panic("after write")
	})
	log, logs := testLogger()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, mux, Options{Logger: log, MaxBody: 16}) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 5 * time.Second}

	resp, err := client.Get(base + "/callback%2Fx/%E4%B8%AD?b=2&a=1&a=3")
	if err != nil {
		t.Fatal(err)
	}
	var e echoed
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e.RawPath != "/callback%2Fx/%E4%B8%AD" || e.RequestURI != "/callback%2Fx/%E4%B8%AD?b=2&a=1&a=3" || e.AK != "" || e.HasEvent || e.Deadline {
		t.Errorf("plain request seen as %+v", e)
	}

	req, _ := http.NewRequest("GET", base+"/panic", nil)
	req.Header.Set("X-Fc-Request-Id", "custom-runtime-id")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || string(body) != `{"code":"InternalError","message":"internal error","requestId":"custom-runtime-id"}` || resp.Header.Get("X-Request-Id") != "custom-runtime-id" {
		t.Errorf("panic: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// A panic after the status line was sent aborts the connection: the
	// chunked body ends without its terminator.
	if resp, err := client.Get(base + "/half"); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err == nil {
			t.Errorf("half-written response: status %d, body error %v", resp.StatusCode, err)
		}
	}

	resp, err = client.Post(base+"/", "text/plain", strings.NewReader(strings.Repeat("x", 17)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over MaxBody: status %d", resp.StatusCode)
	}

	// Graceful shutdown lets an in-flight request finish.
	slow := make(chan string, 1)
	go func() {
		resp, err := client.Get(base + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("/slow never reached its handler")
	}
	cancel()
	// Shutdown has begun once the listener refuses connections; serve
	// must still be waiting for /slow then.
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if got := <-slow; got != "slow done" {
		t.Errorf("in-flight request: %q", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after cancel")
	}
	for _, want := range []string{`"addr":"127.0.0.1:`, "fcrun: shutting down", "fcrun: stopped", `"panic":"boom"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}
