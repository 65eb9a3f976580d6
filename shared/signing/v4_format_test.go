package signing

import (
	"testing"
	"time"
)

func TestFormatV4Date(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Date(2023, 12, 3, 12, 12, 12, 999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 8*3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1702781677, 0),
	} {
		if got, want := FormatV4Date(tm), tm.UTC().Format("20060102T150405Z"); got != want {
			t.Errorf("FormatV4Date(%v) = %s, want %s", tm, got, want)
		}
	}
}
