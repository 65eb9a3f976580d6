package fcrun

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// eventBody is an HTTP-trigger event's "body" as it sits in the event
// bytes: the JSON string's contents, not unescaped and not base64-decoded.
// Its UnmarshalJSON keeps a sub-slice of the event (encoding/json hands
// Unmarshalers a slice of its input), so decoding the event never copies
// the body; the body is decoded only as the handler reads it, and only as
// far as the MaxBody cap lets it. The event bytes must therefore not be
// modified while the request is served (the FC SDK hands each invocation
// its own payload).
type eventBody struct {
	set bool   // the event had a string body (not absent, not null)
	raw []byte // the string's contents without the quotes
	// escaped: raw holds JSON escapes or invalid UTF-8, so it must go
	// through unescaper to become the string encoding/json would produce.
	escaped bool
}

func (b *eventBody) UnmarshalJSON(p []byte) error {
	if string(p) == "null" {
		*b = eventBody{}
		return nil
	}
	if len(p) < 2 || p[0] != '"' {
		return errors.New("body is not a string")
	}
	raw := p[1 : len(p)-1]
	*b = eventBody{set: true, raw: raw, escaped: bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw)}
	return nil
}

// text returns a reader of the body string as encoding/json would decode it.
func (b *eventBody) text() io.Reader {
	if !b.escaped {
		return bytes.NewReader(b.raw)
	}
	return &unescaper{src: b.raw}
}

// open returns a reader of the request body: the string, base64-decoded
// when b64 is set.
func (b *eventBody) open(b64 bool) io.Reader {
	if !b.set {
		return bytes.NewReader(nil)
	}
	r := b.text()
	if b64 {
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// size returns the decoded body's length and reports a malformed body
// (bad base64) the way decoding it whole would, without holding it in
// memory: the body is decoded in passing, into nothing. A body that is
// certainly over maxBody (> 0) is not decoded at all (its handler is
// refused at the cap anyway); known is false when its exact length could
// not be had without decoding it.
func (b *eventBody) size(b64 bool, maxBody int64) (n int64, known bool, err error) {
	switch {
	case !b.set:
		return 0, true, nil
	case !b64 && !b.escaped:
		return int64(len(b.raw)), true, nil
	case b64 && !b.escaped:
		// Plain base64 (JSON strings cannot hold raw newlines, the only
		// bytes the decoder skips): the length follows from the padding.
		n = int64(len(b.raw)) / 4 * 3
		if l := len(b.raw); l%4 == 0 && l > 0 && b.raw[l-1] == '=' {
			n--
			if b.raw[l-2] == '=' {
				n--
			}
		}
		if maxBody > 0 && n > maxBody {
			return n, true, nil
		}
	}
	r := b.open(b64)
	if maxBody > 0 {
		r = io.LimitReader(r, maxBody+1)
	}
	got, err := io.Copy(io.Discard, r)
	if err != nil {
		return 0, false, err
	}
	if maxBody > 0 && got > maxBody {
		return got, false, nil
	}
	return got, true, nil
}

// unescapeChunk is how much escaped input unescaper decodes at a time.
const unescapeChunk = 32 << 10

// unescaper reads the contents of a valid JSON string (src, without the
// quotes), unescaped exactly as encoding/json does: it feeds encoding/json
// chunks cut only between characters (never inside an escape, a surrogate
// pair or a UTF-8 sequence), so memory stays bounded by the chunk size.
type unescaper struct {
	src     []byte
	pending string
	scratch []byte
}

func (u *unescaper) Read(p []byte) (int, error) {
	for u.pending == "" {
		if len(u.src) == 0 {
			return 0, io.EOF
		}
		cut := cutPoint(u.src, unescapeChunk)
		u.scratch = append(append(append(u.scratch[:0], '"'), u.src[:cut]...), '"')
		u.src = u.src[cut:]
		if err := json.Unmarshal(u.scratch, &u.pending); err != nil {
			return 0, err
		}
	}
	n := copy(p, u.pending)
	u.pending = u.pending[n:]
	return n, nil
}

// cutPoint returns an index ≥ min(n, len(src)) at which src (escaped JSON
// string contents) can be split without changing how either half decodes.
func cutPoint(src []byte, n int) int {
	i := 0
	for i < len(src) && i < n {
		if src[i] != '\\' {
			i++
			continue
		}
		if i+1 < len(src) && src[i+1] == 'u' {
			i += 6
			// Keep a surrogate pair together: \uD8xx-\uDBxx then \u.
			if hi := src[i-4 : i]; (hi[0] == 'd' || hi[0] == 'D') && bytes.IndexByte([]byte("89abAB"), hi[1]) >= 0 &&
				i+1 < len(src) && src[i] == '\\' && src[i+1] == 'u' {
				i += 6
			}
			continue
		}
		i += 2
	}
	for i < len(src) && src[i]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		i++
	}
	return min(i, len(src))
}
