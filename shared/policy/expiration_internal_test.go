package policy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// appendExpiration must write exactly what time.AppendFormat writes for
// every instant validation allows, whatever the zone.
func TestAppendExpirationMatchesAppendFormat(t *testing.T) {
	t.Parallel()
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("W", -11*3600)}
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 12, 5, 9, 7000000, time.UTC),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		sec := r.Int64N(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()-time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC).Unix()) +
			time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC).Unix()
		times = append(times, time.Unix(sec, r.Int64N(1e9)).In(zones[r.IntN(len(zones))]))
	}
	for _, tm := range times {
		if got, want := string(appendExpiration(nil, tm)), tm.UTC().Format(ExpirationLayout); got != want {
			t.Fatalf("appendExpiration(%v) = %s, want %s", tm, got, want)
		}
	}
}
