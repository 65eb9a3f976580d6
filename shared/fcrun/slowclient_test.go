package fcrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPlainHTTPCutsOffSlowClients is the slowloris test of the plain-HTTP
// mode: clients that trickle their headers, or send the headers and then
// trickle the body, are cut off by the read timeouts, their handlers
// return, and the server's goroutines go back to what they were with no
// client. It does not run in parallel: it counts the process's goroutines.
// The timeouts are shortened through Options' unexported fields; nothing
// waits a fixed time, every wait is for a state with a deadline.
func TestPlainHTTPCutsOffSlowClients(t *testing.T) {
	const (
		clients       = 8
		headerTimeout = 300 * time.Millisecond
		bodyTimeout   = 600 * time.Millisecond
		// patience bounds every wait for a state: far above the timeouts,
		// so only a missing bound, never a slow machine, trips it.
		patience = 20 * time.Second
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handlerErrs sync.Map // remote address → the body read's error
	reading := make(chan struct{}, 2*clients)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reading <- struct{}{}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			handlerErrs.Store(r.RemoteAddr, err)
			http.Error(w, "body read failed", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "read %d bytes", n)
	})
	log, logs := testLogger()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts := Options{Logger: log, readHeaderTimeout: headerTimeout, readTimeout: bodyTimeout}
	go func() { done <- serve(ctx, ln, h, opts) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(patience):
			t.Error("serve did not return after cancel")
		}
	}()
	waitFor(t, patience, "the server to listen", func() bool { return strings.Contains(logs.String(), "fcrun: serving plain HTTP") })
	baseline := runtime.NumGoroutine()

	// A well-behaved request is answered (and its connection closed, so it
	// holds no goroutine).
	client := &http.Client{Timeout: patience, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post("http://"+ln.Addr().String()+"/", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "read 5 bytes" {
		t.Fatalf("prompt client: %d %q", resp.StatusCode, body)
	}
	<-reading

	// Half the clients never finish their headers; the other half send
	// headers announcing 1 MB and then one body byte every 20 ms. Each
	// keeps trickling until the server closes its connection.
	stop := make(chan struct{})
	var tricklers sync.WaitGroup
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n"
		if i%2 == 0 {
			head = "POST / HTTP/1.1\r\nHost: x\r\n" // and one header byte at a time, never the blank line
		}
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		tricklers.Add(1)
		go func() {
			defer tricklers.Done()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}()
	}
	// The body tricklers' handlers are running: the server holds
	// goroutines for them.
	for range clients / 2 {
		select {
		case <-reading:
		case <-time.After(patience):
			t.Fatal("the slow bodies never reached the handler")
		}
	}
	if n := runtime.NumGoroutine(); n <= baseline {
		t.Errorf("%d goroutines with %d slow clients, want more than the %d without", n, clients, baseline)
	}

	// Every slow client is cut off: the server closes its connection.
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(patience))
		got, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("client %d: still connected after %v (read %q)", i, patience, got)
		}
		if i%2 == 1 && !strings.Contains(string(got), " 400 ") {
			// The handler saw its body read fail and answered.
			t.Errorf("client %d (slow body): answer %q, want the handler's 400", i, got)
		}
	}
	close(stop)
	for _, c := range conns {
		c.Close()
	}
	tricklers.Wait()
	n := 0
	handlerErrs.Range(func(_, v any) bool {
		n++
		var ne net.Error
		if err := v.(error); !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("handler's body read failed with %v, want a timeout", err)
		}
		return true
	})
	if n != clients/2 {
		t.Errorf("%d handlers saw their body read fail, want %d", n, clients/2)
	}
	// No goroutine is left behind.
	waitFor(t, patience, fmt.Sprintf("goroutines back to %d", baseline), func() bool { return runtime.NumGoroutine() <= baseline })
}

// waitFor polls cond until it holds, failing the test after patience.
func waitFor(t *testing.T, patience time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", patience, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
