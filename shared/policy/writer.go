package policy

import (
	"errors"
	"time"
)

// Writer appends a policy document's JSON condition by condition, for
// callers that sign one per request: it validates each condition as it
// comes and keeps nothing but the bytes, which are exactly what
// [Policy.Marshal] writes for the same conditions. [Builder] builds a
// [Policy] value instead.
type Writer struct {
	buf  []byte
	n    int
	errs []error
}

// NewWriter starts a document expiring at expiration (written in UTC to
// the millisecond), appended to dst.
func NewWriter(dst []byte, expiration time.Time) Writer {
	w := Writer{buf: append(dst, `{"expiration":"`...)}
	if err := validateExpiration(expiration); err != nil {
		w.errs = append(w.errs, err)
		return w
	}
	w.buf = appendExpiration(w.buf, expiration)
	w.buf = append(w.buf, `","conditions":[`...)
	return w
}

// Add appends c after validating it. Field names are given without "$".
func (w *Writer) Add(c Condition) {
	if err := c.validate(); err != nil {
		w.errs = append(w.errs, conditionError(w.n, c.Op, err))
	}
	if w.n > 0 {
		w.buf = append(w.buf, ',')
	}
	w.n++
	w.buf = c.appendJSON(w.buf)
}

// Finish closes the document and returns dst with it appended, or every
// validation error joined (each wraps [ErrInvalidPolicy] and names the
// condition index and the field, as [Builder.Build]'s do).
func (w *Writer) Finish() ([]byte, error) {
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	return append(w.buf, "]}"...), nil
}
