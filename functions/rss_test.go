package functions_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ossdirect/internal/testsupport/fakefc"
)

// maxEventBody is the largest request body FC's HTTP trigger passes to a
// synchronous invocation (32 MB, fc3.md §4.1); base64 makes it a 43 MB event.
const maxEventBody = 32 << 20

// peakRSSBound bounds a function's peak RSS while it is handed the largest
// event FC can deliver: well under s.yaml's memorySize (256 MB), and low
// enough to catch the old event copying (269 MiB) and the FC SDK's own
// read of the event (139 MiB, a bytes.Buffer doubling up to 64 MiB), both
// gone since fcrun reads the event itself into one buffer sized from
// Content-Length (~54 MiB): see docs/BENCHMARKS.md. The target.
const peakRSSBound = 64 << 20

// TestPeakRSSWithMaximalEvent sends a 32 MB binary POST (a 43 MB event) to
// fresh post-signature processes under the fake FC runtime and reads each
// process's peak RSS (VmHWM) afterwards. The function must refuse the body
// with the API's 413 and the median peak must stay under peakRSSBound.
// PEAK_RSS_BINARY=<path> measures another build of post-signature instead
// (how docs/BENCHMARKS.md's "before" numbers were taken); PEAK_RSS_RUNS sets
// the number of processes (default 1); PEAK_RSS_CHUNKED=1 sends the event
// without Content-Length (fcrun's fallback read, measured only: the bound
// is not applied).
func TestPeakRSSWithMaximalEvent(t *testing.T) {
	skipShort(t)
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/status")
	}
	runs := 1
	if s := os.Getenv("PEAK_RSS_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("PEAK_RSS_RUNS=%q", s)
		}
		runs = n
	}
	binary := os.Getenv("PEAK_RSS_BINARY")
	if binary == "" {
		binary = binaries(t)["post-signature"]
	}
	// A JSON object whose string value is bytes 0x80–0xFF: not UTF-8, so FC
	// base64-encodes it (the largest event for the size), yet a JSON prefix
	// that post-signature reads until its own 16 KiB cap answers 413.
	body := make([]byte, maxEventBody)
	rand.Read(body)
	for i := range body {
		body[i] |= 0x80
	}
	copy(body, `{"filename":"`)
	req, _ := http.NewRequest(http.MethodPost, "https://post-signature.example/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	payload, err := fakefc.HTTPEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	body = nil
	h := newHarness(t)
	headers := h.invokeHeaders()
	chunked := os.Getenv("PEAK_RSS_CHUNKED") == "1"
	if chunked {
		headers["Content-Length"] = "" // fakefc: send the event chunked
	}

	var peaks []int64
	for i := range runs {
		rt := fakefc.Start(t, binary, h.env(t, "post-signature"))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		res, err := rt.Invoke(ctx, payload, headers)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if res.Error != nil {
			t.Fatalf("run %d: function error %v", i, res.Error)
		}
		resp, err := fakefc.HTTPResponse(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("run %d: status %d, want 413", i, resp.StatusCode)
		}
		peak := vmHWM(t, rt.Pid())
		rt.Stop()
		peaks = append(peaks, peak)
	}
	sorted := slices.Clone(peaks)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var mib []string
	for _, p := range peaks {
		mib = append(mib, strconv.FormatFloat(float64(p)/(1<<20), 'f', 1, 64))
	}
	t.Logf("event %d bytes; peak RSS (VmHWM) per run: %s MiB; median %.1f MiB, range %.1f–%.1f MiB",
		len(payload), strings.Join(mib, ", "), float64(median)/(1<<20), float64(sorted[0])/(1<<20), float64(sorted[len(sorted)-1])/(1<<20))
	if median >= peakRSSBound && !chunked {
		t.Errorf("median peak RSS %.1f MiB, want < %d MiB", float64(median)/(1<<20), peakRSSBound>>20)
	}
}

// vmHWM returns a process's peak resident set size in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
