package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p90 of four rounds up", ms(1, 2, 3, 4), 90, 4 * time.Millisecond},
		{"p50 of four", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p0 is the min", ms(3, 4), 0, 3 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(c.sorted, c.p); got != c.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", c.sorted, c.p, got, c.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	a, b := newSample(), newSample()
	for i := 1; i <= 50; i++ {
		a.lat = append(a.lat, time.Duration(101-i)*time.Millisecond) // 100..51, unsorted overall
		b.lat = append(b.lat, time.Duration(i)*time.Millisecond)     // 1..50
	}
	a.errors["status_503"] = 2
	b.errors["timeout"] = 1
	a.merge(b)
	got := summarize(a, 4*time.Second)
	if got.Requests != 100 || got.RPS != 25 {
		t.Errorf("requests %d, rps %v; want 100, 25", got.Requests, got.RPS)
	}
	if got.P50 != 50 || got.P90 != 90 || got.P99 != 99 || got.Max != 100 || got.Mean != 50.5 {
		t.Errorf("p50 %v p90 %v p99 %v max %v mean %v; want 50 90 99 100 50.5", got.P50, got.P90, got.P99, got.Max, got.Mean)
	}
	if got.Errors != 3 || got.ByKind["status_503"] != 2 || got.ByKind["timeout"] != 1 {
		t.Errorf("errors %d %v; want 3 {status_503:2 timeout:1}", got.Errors, got.ByKind)
	}
}
