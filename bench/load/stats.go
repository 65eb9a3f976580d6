package main

import (
	"math"
	"slices"
	"time"
)

// sample is what one worker records for one target: the latency of every
// request that completed inside the measuring window, and what went wrong.
type sample struct {
	lat    []time.Duration
	bytes  int64
	errors map[string]int64 // kind -> count, see errorKind
}

func newSample() *sample { return &sample{errors: map[string]int64{}} }

// merge adds o's records to s.
func (s *sample) merge(o *sample) {
	s.lat = append(s.lat, o.lat...)
	s.bytes += o.bytes
	for k, v := range o.errors {
		s.errors[k] += v
	}
}

// Summary is the JSON one run (or one of its targets) reports. Latencies are
// in milliseconds; percentiles are nearest-rank over every completed 2xx
// request of the window (no interpolation, no histogram buckets).
type Summary struct {
	Label    string           `json:"label,omitempty"`
	URL      string           `json:"url,omitempty"`
	Requests int64            `json:"requests"` // 2xx completed inside the window
	Seconds  float64          `json:"seconds"`  // the window's length
	RPS      float64          `json:"rps"`
	P50      float64          `json:"p50_ms"`
	P90      float64          `json:"p90_ms"`
	P99      float64          `json:"p99_ms"`
	Max      float64          `json:"max_ms"`
	Mean     float64          `json:"mean_ms"`
	Bytes    int64            `json:"body_bytes"` // response bodies read (2xx)
	Errors   int64            `json:"errors"`     // non-2xx + transport, inside the window
	ByKind   map[string]int64 `json:"errors_by_kind"`
}

// percentile is the nearest-rank p-th percentile of sorted (ascending):
// the smallest value with at least p % of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// summarize sorts s.lat in place and reports it over a window of the given
// length.
func summarize(s *sample, window time.Duration) Summary {
	slices.Sort(s.lat)
	out := Summary{Requests: int64(len(s.lat)), Seconds: window.Seconds(), Bytes: s.bytes, ByKind: map[string]int64{}}
	if window > 0 {
		out.RPS = math.Round(float64(len(s.lat))/window.Seconds()*10) / 10
	}
	if n := len(s.lat); n > 0 {
		var sum time.Duration
		for _, d := range s.lat {
			sum += d
		}
		out.Mean = ms(sum / time.Duration(n))
		out.P50, out.P90, out.P99 = ms(percentile(s.lat, 50)), ms(percentile(s.lat, 90)), ms(percentile(s.lat, 99))
		out.Max = ms(s.lat[n-1])
	}
	for k, v := range s.errors {
		out.ByKind[k] = v
		out.Errors += v
	}
	return out
}
