package jsonappend

import (
	"math/rand/v2"
	"testing"
)

// plain8 must agree with the byte-by-byte test for every byte value at
// every position, among plain and random neighbours.
func TestPlain8(t *testing.T) {
	t.Parallel()
	plainByte := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	check := func(b [8]byte) {
		var x uint64
		want := true
		for i, c := range b {
			x |= uint64(c) << (8 * i)
			want = want && plainByte(c)
		}
		if got := plain8(x); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", b[:], got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			b := [8]byte{'a', 'Z', '0', '+', '/', '=', '~', ' '}
			b[pos] = byte(c)
			check(b)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		var b [8]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(3) > 0 {
				b[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		check(b)
	}
}
