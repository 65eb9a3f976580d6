// Command load is the benchmarks' HTTP load generator: a closed loop of N
// keep-alive connections (one worker each, a new request as soon as the
// previous answer is read) against one or more URLs, for a duration or a
// fixed number of requests, after a warm-up. It prints one JSON line:
// req/s, nearest-rank p50/p90/p99/max over every 2xx request completed in
// the window, and the errors by kind (status_NNN for non-2xx answers;
// timeout, refused, reset, eof or transport for requests that got none).
//
//	load -c 32 -warmup 1s -d 10s -label ours-v4 'http://127.0.0.1:18090/?filename=a.png'
//	load -c 256 -d 60s URL1 URL2 URL3    # workers spread over the URLs round-robin; one summary per URL too
//
// The window starts when the warm-up ends. In duration mode (-d) a request
// counts when it completes inside [start of window, end of window); what
// completes during the warm-up is only checked for errors (warmup_errors),
// and requests still in flight at the end are cancelled and not counted.
// In count mode (-n) the first n requests begun after the warm-up count, and
// the window ends with the last of them. The exit status is 0 even when
// requests failed: the caller reads "errors".
//
// It deliberately does not do open-loop (constant-rate) load, HTTP/2 or
// request bodies: the benchmarks it serves ask small GETs as fast as a fixed
// set of clients can.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type urlList []string

func (l *urlList) String() string     { return strings.Join(*l, " ") }
func (l *urlList) Set(s string) error { *l = append(*l, s); return nil }

// Report is the one JSON line load prints.
type Report struct {
	Summary
	Conns        int       `json:"conns"`
	Warmup       float64   `json:"warmup_s"`
	WarmupErrors int64     `json:"warmup_errors"`
	Targets      []Summary `json:"targets,omitempty"` // per URL, when there are several
}

func main() {
	var (
		conns   = flag.Int("c", 32, "connections (closed-loop workers)")
		dur     = flag.Duration("d", 10*time.Second, "measuring window after the warm-up (ignored with -n)")
		count   = flag.Int64("n", 0, "fixed number of requests after the warm-up instead of -d")
		warmup  = flag.Duration("warmup", time.Second, "warm-up before the window (not counted)")
		timeout = flag.Duration("timeout", 10*time.Second, "per-request timeout")
		label   = flag.String("label", "", "label copied into the report")
	)
	var urls urlList
	flag.Var(&urls, "url", "target URL (repeatable; positional arguments are targets too)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: load [flags] URL...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	urls = append(urls, flag.Args()...)
	if len(urls) == 0 || *conns < 1 || (*count == 0 && *dur <= 0) || *count < 0 {
		flag.Usage()
		os.Exit(2)
	}
	rep, err := run(config{urls: urls, conns: *conns, dur: *dur, count: *count, warmup: *warmup, timeout: *timeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	rep.Label = *label
	json.NewEncoder(os.Stdout).Encode(rep)
}

type config struct {
	urls            []string
	conns           int
	dur             time.Duration
	count           int64
	warmup, timeout time.Duration
}

func run(cfg config) (*Report, error) {
	reqs := make([]*http.Request, len(cfg.urls))
	for i, u := range cfg.urls {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		reqs[i] = r
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.conns,
		MaxIdleConnsPerHost: cfg.conns,
		MaxConnsPerHost:     cfg.conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.timeout}

	start := time.Now()
	windowStart := start.Add(cfg.warmup)
	windowEnd := windowStart.Add(cfg.dur) // duration mode only
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if cfg.count == 0 {
		ctx, cancel = context.WithDeadline(ctx, windowEnd)
	}
	defer cancel()

	var (
		issued       atomic.Int64 // count mode: requests begun in the window
		warmupErrors atomic.Int64
		lastDone     atomic.Int64 // count mode: unix nanos of the last counted completion
		wg           sync.WaitGroup
	)
	perWorker := make([]*sample, cfg.conns)
	for w := range cfg.conns {
		perWorker[w] = newSample()
		wg.Add(1)
		go func(s *sample, target *http.Request) {
			defer wg.Done()
			req := target.WithContext(ctx)
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil {
				begin := time.Now()
				counted := !begin.Before(windowStart)
				if cfg.count > 0 && counted && issued.Add(1) > cfg.count {
					return
				}
				status, n, err := do(client, req, buf)
				end := time.Now()
				switch {
				case end.Before(windowStart):
					if err != nil || status/100 != 2 {
						warmupErrors.Add(1)
					}
					continue
				case cfg.count == 0 && !end.Before(windowEnd):
					return // completed (or was cancelled) after the window
				case cfg.count > 0 && !counted:
					continue // began in the warm-up
				}
				switch {
				case err != nil:
					s.errors[errorKind(err)]++
				case status/100 != 2:
					s.errors[fmt.Sprintf("status_%d", status)]++
				default:
					s.lat = append(s.lat, end.Sub(begin))
					s.bytes += n
				}
				if cfg.count > 0 {
					for t := end.UnixNano(); ; {
						last := lastDone.Load()
						if t <= last || lastDone.CompareAndSwap(last, t) {
							break
						}
					}
				}
			}
		}(perWorker[w], reqs[w%len(reqs)])
	}
	wg.Wait()

	window := cfg.dur
	if cfg.count > 0 {
		window = time.Unix(0, lastDone.Load()).Sub(windowStart)
	}
	all := newSample()
	perTarget := make([]*sample, len(cfg.urls))
	for i := range perTarget {
		perTarget[i] = newSample()
	}
	for w, s := range perWorker {
		perTarget[w%len(cfg.urls)].merge(s)
	}
	rep := &Report{Conns: cfg.conns, Warmup: cfg.warmup.Seconds(), WarmupErrors: warmupErrors.Load()}
	for i, s := range perTarget {
		all.merge(s)
		if len(cfg.urls) > 1 {
			t := summarize(s, window)
			t.URL = cfg.urls[i]
			rep.Targets = append(rep.Targets, t)
		}
	}
	rep.Summary = summarize(all, window)
	if len(cfg.urls) == 1 {
		rep.URL = cfg.urls[0]
	}
	return rep, nil
}

// do sends req and reads the whole answer, so the connection is reused.
func do(c *http.Client, req *http.Request, buf []byte) (status int, n int64, err error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err = io.CopyBuffer(io.Discard, resp.Body, buf)
	resp.Body.Close()
	return resp.StatusCode, n, err
}

// errorKind names a transport failure for the report.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	}
	return "transport"
}
