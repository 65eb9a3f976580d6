package jsonappend_test

import (
	"strings"
	"testing"

	"ossdirect/shared/jsonappend"
)

// BenchmarkString writes a policy-sized Base64 value, the longest string
// in post-signature's answer.
func BenchmarkString(b *testing.B) {
	s := strings.Repeat("eyJleHBpcmF0aW9uIjoiMjAyNi0xMS0yM1QxMjoxMDowMC4wMDBaIiwiY29+/", 15)
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = jsonappend.String(buf[:0], s)
	}
}
