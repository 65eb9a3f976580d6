// Command coldstart measures a server's cold start as a client sees it:
// from exec of the command to the first 200 answer to a GET of -url, polled
// in a tight loop (a refused connection is retried after 200 µs). It repeats
// that -runs times (each process killed and reaped before the next), and
// prints one JSON line: median, min and max in milliseconds and every run.
// The command inherits coldstart's environment (PORT and the rest).
//
//	PORT=18300 coldstart -runs 20 -url http://127.0.0.1:18300/healthz -- ./server --flag
//
// It measures a process already in the page cache on this machine (the
// first run warms it and is counted like the others); it deliberately does
// not include what a platform adds (FC's code download, sandbox start).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// Report is the JSON line coldstart prints.
type Report struct {
	Label   string    `json:"label,omitempty"`
	Runs    int       `json:"runs"`
	Median  float64   `json:"median_ms"`
	Min     float64   `json:"min_ms"`
	Max     float64   `json:"max_ms"`
	Samples []float64 `json:"samples_ms"`
	// ExecFloor is the median time to exec /bin/true and reap it, over as
	// many runs: what any process start costs on this machine.
	ExecFloor float64 `json:"exec_floor_ms"`
}

func main() {
	runs := flag.Int("runs", 20, "starts to measure")
	url := flag.String("url", "", "URL that answers 200 once the server is up")
	label := flag.String("label", "", "label copied into the report")
	limit := flag.Duration("timeout", 30*time.Second, "give up on a start after this long")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: coldstart [flags] -url URL -- COMMAND [ARG...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *url == "" || flag.NArg() == 0 || *runs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	rep := Report{Label: *label, Runs: *runs}
	for i := range *runs {
		d, err := once(flag.Args(), *url, *limit)
		if err != nil {
			fmt.Fprintf(os.Stderr, "coldstart: run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		rep.Samples = append(rep.Samples, ms(d))
	}
	rep.Median, rep.Min, rep.Max = median(rep.Samples)
	var floor []float64
	for range *runs {
		start := time.Now()
		if err := exec.Command("/bin/true").Run(); err != nil {
			break
		}
		floor = append(floor, ms(time.Since(start)))
	}
	if len(floor) > 0 {
		rep.ExecFloor, _, _ = median(floor)
	}
	json.NewEncoder(os.Stdout).Encode(rep)
}

// median returns the median (the mean of the middle two for an even count),
// the minimum and the maximum of v, which is not empty.
func median(v []float64) (med, lo, hi float64) {
	sorted := slices.Sorted(slices.Values(v))
	n := len(sorted)
	med = sorted[n/2]
	if n%2 == 0 {
		med = math.Round((sorted[n/2-1]+sorted[n/2])/2*1000) / 1000
	}
	return med, sorted[0], sorted[n-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// once starts the command and returns the time to its first 200.
func once(argv []string, url string, limit time.Duration) (time.Duration, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}, Timeout: limit}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
			return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return 0, err
		}
		if time.Since(start) > limit {
			return 0, fmt.Errorf("no answer after %v: %w", limit, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
