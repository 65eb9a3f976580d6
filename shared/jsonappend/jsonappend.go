// Package jsonappend writes JSON by appending to a byte slice, for the
// answers the functions give on every request. Its output is byte for
// byte what encoding/json writes with HTML escaping off (Encoder
// SetEscapeHTML(false)), without reflection, sorting through reflect
// values or a buffer per call: the tests hold it to that.
package jsonappend

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// String appends s as a JSON string. As encoding/json does: ", \ and the
// control characters are escaped (\b \f \n \r \t by name, others as
// \u00XX), U+2028 and U+2029 as \u2028 and \u2029, and each byte of
// invalid UTF-8 becomes \ufffd; <, > and & are kept.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain bytes at a time: most strings here are keys,
		// URLs and Base64 with nothing to escape.
		for i+8 <= len(s) && plain8(uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain8 reports whether none of the eight bytes in x needs attention:
// none is below 0x20, '"', '\\' or at or above 0x80 (the SWAR tests of
// "Bit Twiddling Hacks": a byte below n, a byte equal to b).
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v }
	below20 := (x - ones*0x20) & ^x
	return (below20|hasZero(x^(ones*'"'))|hasZero(x^(ones*'\\'))|x)&highs == 0
}

// Object appends the members of one JSON object: start it with
// [NewObject], write members in the order encoding/json would (a struct's
// fields in declaration order), close it with [Object.End].
type Object struct {
	buf  []byte
	open bool
}

// NewObject starts an object appended to dst.
func NewObject(dst []byte) Object { return Object{buf: append(dst, '{')} }

func (o *Object) key(k string) {
	if o.open {
		o.buf = append(o.buf, ',')
	}
	o.open = true
	o.buf = String(o.buf, k)
	o.buf = append(o.buf, ':')
}

// String writes "k":"v".
func (o *Object) String(k, v string) {
	o.key(k)
	o.buf = String(o.buf, v)
}

// Int writes "k":v.
func (o *Object) Int(k string, v int64) {
	o.key(k)
	o.buf = strconv.AppendInt(o.buf, v, 10)
}

// StringMap writes "k":{…} with m's entries sorted by key, as
// encoding/json writes a map[string]string; a nil map is null.
func (o *Object) StringMap(k string, m map[string]string) {
	o.key(k)
	if m == nil {
		o.buf = append(o.buf, "null"...)
		return
	}
	type member struct{ k, v string }
	var scratch [32]member // most maps here are small: no allocation
	members := scratch[:0]
	for mk, mv := range m {
		members = append(members, member{mk, mv})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.k, b.k) })
	inner := NewObject(o.buf)
	for _, mb := range members {
		inner.String(mb.k, mb.v)
	}
	o.buf = inner.End()
}

// End closes the object and returns the slice appended to.
func (o *Object) End() []byte { return append(o.buf, '}') }
