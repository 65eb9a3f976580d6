package policy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ossdirect/shared/jsonappend"
)

// ExpirationLayout is the layout [Policy.Marshal] writes the expiration in
// (always UTC). [Parse] also accepts RFC 3339 with no or any fraction, as
// long as the zone is "Z".
const ExpirationLayout = "2006-01-02T15:04:05.000Z"

// Op is a condition operator.
type Op string

// Condition operators. OpExact is the object form {"field":"value"}; the
// others are the first element of the array form.
const (
	OpExact              Op = "exact"
	OpEq                 Op = "eq"
	OpStartsWith         Op = "starts-with"
	OpContentLengthRange Op = "content-length-range"
	OpIn                 Op = "in"
	OpNotIn              Op = "not-in"
)

// Condition is one policy condition. Which fields are used depends on Op;
// the others must be zero:
//
//	OpExact, OpEq, OpStartsWith  Field, Value
//	OpIn, OpNotIn                Field, Values (non-empty)
//	OpContentLengthRange         Min, Max (0 <= Min <= Max)
type Condition struct {
	// Op is the operator.
	Op Op
	// Field is the form-field name without the leading "$", e.g. "key" or
	// "content-type". Matched case-insensitively by Evaluate.
	Field string
	// Value is the exact value (OpExact, OpEq) or the prefix (OpStartsWith).
	Value string
	// Values is the list of OpIn and OpNotIn.
	Values []string
	// Min and Max bound the file size in bytes, inclusive
	// (OpContentLengthRange).
	Min, Max int64
}

// Policy is a PostObject policy document.
type Policy struct {
	// Expiration is the instant after which the policy is refused.
	// Marshal writes it in UTC with millisecond precision.
	Expiration time.Time
	// Conditions are kept and marshalled in order.
	Conditions []Condition
}

// Builder builds a [Policy] condition by condition, recording every
// validation error; [Builder.Build] reports them. A Builder is not safe for
// concurrent use.
type Builder struct {
	p    Policy
	errs []error
}

// New starts a policy that expires at expiration, truncated to the
// millisecond (the precision of the marshalled document).
func New(expiration time.Time) *Builder {
	return &Builder{p: Policy{
		Expiration: expiration.UTC().Truncate(time.Millisecond),
		Conditions: make([]Condition, 0, typicalConditions),
	}}
}

// typicalConditions is room for the conditions of a V4 grant with a
// callback and its variables, so building one appends without growing.
const typicalConditions = 16

// Exact appends the exact-match object {"field":"value"}.
func (b *Builder) Exact(field, value string) *Builder {
	return b.Add(Condition{Op: OpExact, Field: field, Value: value})
}

// Eq appends ["eq","$field","value"].
func (b *Builder) Eq(field, value string) *Builder {
	return b.Add(Condition{Op: OpEq, Field: field, Value: value})
}

// StartsWith appends ["starts-with","$field","prefix"].
func (b *Builder) StartsWith(field, prefix string) *Builder {
	return b.Add(Condition{Op: OpStartsWith, Field: field, Value: prefix})
}

// ContentLengthRange appends ["content-length-range",minBytes,maxBytes]
// (inclusive bounds on the file size).
func (b *Builder) ContentLengthRange(minBytes, maxBytes int64) *Builder {
	return b.Add(Condition{Op: OpContentLengthRange, Min: minBytes, Max: maxBytes})
}

// In appends ["in","$field",[values…]].
func (b *Builder) In(field string, values ...string) *Builder {
	return b.Add(Condition{Op: OpIn, Field: field, Values: values})
}

// NotIn appends ["not-in","$field",[values…]].
func (b *Builder) NotIn(field string, values ...string) *Builder {
	return b.Add(Condition{Op: OpNotIn, Field: field, Values: values})
}

// Add appends c after validating it. Field names are given without "$".
func (b *Builder) Add(c Condition) *Builder {
	if err := c.validate(); err != nil {
		b.errs = append(b.errs, conditionError(len(b.p.Conditions), c.Op, err))
	}
	b.p.Conditions = append(b.p.Conditions, c.clone())
	return b
}

// Build returns the policy, or every validation error joined. Each error
// wraps [ErrInvalidPolicy] and names the condition index and the field.
func (b *Builder) Build() (*Policy, error) {
	errs := b.errs
	if err := validateExpiration(b.p.Expiration); err != nil {
		errs = append([]error{err}, errs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p := b.p.clone()
	return &p, nil
}

// Marshal builds the policy and returns its exact JSON bytes.
func (b *Builder) Marshal() ([]byte, error) {
	p, err := b.Build()
	if err != nil {
		return nil, err
	}
	return p.Marshal()
}

// Validate checks p as [Builder.Build] would.
func (p *Policy) Validate() error {
	var errs []error
	if err := validateExpiration(p.Expiration); err != nil {
		errs = append(errs, err)
	}
	for i, c := range p.Conditions {
		if err := c.validate(); err != nil {
			errs = append(errs, conditionError(i, c.Op, err))
		}
	}
	return errors.Join(errs...)
}

// Marshal returns the policy's JSON: compact, conditions in order, no HTML
// escaping, no trailing newline, expiration in [ExpirationLayout]. The same
// policy always yields the same bytes.
func (p *Policy) Marshal() ([]byte, error) {
	return p.appendJSON(make([]byte, 0, 64+48*len(p.Conditions)))
}

// Base64 returns the standard Base64 of [Policy.Marshal]'s bytes: the
// value of the PostObject policy form field, which is what gets signed.
func (p *Policy) Base64() (string, error) {
	var doc [1024]byte // fits a typical policy: no allocation but the string
	b, err := p.appendJSON(doc[:0])
	if err != nil {
		return "", err
	}
	return EncodeBase64(b), nil
}

// EncodeBase64 returns the standard Base64 of a policy document.
func EncodeBase64(doc []byte) string {
	var enc [1400]byte
	return string(base64.StdEncoding.AppendEncode(enc[:0], doc))
}

// appendJSON validates p and appends its document to dst.
func (p *Policy) appendJSON(dst []byte) ([]byte, error) {
	w := NewWriter(dst, p.Expiration)
	for _, c := range p.Conditions {
		w.Add(c)
	}
	return w.Finish()
}

// appendExpiration appends t in UTC in [ExpirationLayout], as
// AppendFormat would for the years validation allows (1 … 9999), at a
// fraction of its cost: every grant writes one.
func appendExpiration(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	b := [24]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(mo)/10), byte('0' + int(mo)%10), '-', byte('0' + d/10), byte('0' + d%10), 'T',
		byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), ':',
		byte('0' + s/10), byte('0' + s%10), '.', byte('0' + ms/100), byte('0' + ms/10%10), byte('0' + ms%10), 'Z',
	}
	return append(dst, b[:]...)
}

// appendJSON writes c in the document's compact form; c must be valid.
func (c *Condition) appendJSON(dst []byte) []byte {
	switch c.Op {
	case OpExact:
		dst = append(dst, '{')
		dst = jsonappend.String(dst, c.Field)
		dst = append(dst, ':')
		dst = jsonappend.String(dst, c.Value)
		return append(dst, '}')
	case OpContentLengthRange:
		dst = append(dst, `["content-length-range",`...)
		dst = strconv.AppendInt(dst, c.Min, 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, c.Max, 10)
		return append(dst, ']')
	}
	dst = append(dst, '[')
	dst = jsonappend.String(dst, string(c.Op))
	dst = append(dst, ',')
	dst = appendFieldRef(dst, c.Field)
	dst = append(dst, ',')
	switch c.Op {
	case OpIn, OpNotIn:
		dst = append(dst, '[')
		for i, v := range c.Values {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonappend.String(dst, v)
		}
		dst = append(dst, ']')
	default:
		dst = jsonappend.String(dst, c.Value)
	}
	return append(dst, ']')
}

// String renders c the way OSS prints it in a "Policy Condition failed"
// message: an array with ", " separators, exact-match objects shown as eq.
//
//	["eq", "$key", "a.png"]
//	["starts-with", "$key", "dir/"]
//	["in", "$content-type", ["image/png", "image/jpeg"]]
//	["content-length-range", 1, 100]
func (c Condition) String() string {
	var b []byte
	switch c.Op {
	case OpContentLengthRange:
		b = append(b, `["content-length-range", `...)
		b = strconv.AppendInt(b, c.Min, 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, c.Max, 10)
		return string(append(b, ']'))
	case OpExact:
		b = append(b, `["eq", `...)
	default:
		b = append(b, '[')
		b = jsonappend.String(b, string(c.Op))
		b = append(b, ", "...)
	}
	b = appendFieldRef(b, c.Field)
	b = append(b, ", "...)
	switch c.Op {
	case OpIn, OpNotIn:
		b = append(b, '[')
		for i, v := range c.Values {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = jsonappend.String(b, v)
		}
		b = append(b, ']')
	default:
		b = jsonappend.String(b, c.Value)
	}
	return string(append(b, ']'))
}

func (c Condition) clone() Condition {
	if c.Values != nil {
		c.Values = append([]string(nil), c.Values...)
	}
	return c
}

func (p Policy) clone() Policy {
	if p.Conditions != nil {
		cs := make([]Condition, len(p.Conditions))
		for i, c := range p.Conditions {
			cs[i] = c.clone()
		}
		p.Conditions = cs
	}
	return p
}

func validateExpiration(t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: expiration: must not be zero", ErrInvalidPolicy)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%w: expiration: year %d out of range 1..9999", ErrInvalidPolicy, y)
	}
	return nil
}

func conditionError(i int, op Op, err error) error {
	return fmt.Errorf("%w: conditions[%d] (%s): %w", ErrInvalidPolicy, i, op, err)
}

// validate checks c's shape; errors name the offending Condition field.
func (c Condition) validate() error {
	switch c.Op {
	case OpExact, OpEq, OpStartsWith:
		if err := validateField(c.Field); err != nil {
			return err
		}
		if !utf8.ValidString(c.Value) {
			return errors.New("value: not valid UTF-8")
		}
		if c.Values != nil || c.Min != 0 || c.Max != 0 {
			return fmt.Errorf("values, min, max: not used by %s", c.Op)
		}
	case OpIn, OpNotIn:
		if err := validateField(c.Field); err != nil {
			return err
		}
		if len(c.Values) == 0 {
			return fmt.Errorf("values: %q must not be empty", "$"+c.Field)
		}
		for i, v := range c.Values {
			if !utf8.ValidString(v) {
				return fmt.Errorf("values[%d]: not valid UTF-8", i)
			}
		}
		if c.Value != "" || c.Min != 0 || c.Max != 0 {
			return fmt.Errorf("value, min, max: not used by %s", c.Op)
		}
	case OpContentLengthRange:
		if c.Min < 0 {
			return fmt.Errorf("min: must be >= 0, got %d", c.Min)
		}
		if c.Max < c.Min {
			return fmt.Errorf("max: must be >= min (%d), got %d", c.Min, c.Max)
		}
		if c.Field != "" || c.Value != "" || c.Values != nil {
			return errors.New("field, value, values: not used by content-length-range")
		}
	default:
		return fmt.Errorf("op: unknown operator %q", string(c.Op))
	}
	return nil
}

func validateField(f string) error {
	switch {
	case f == "":
		return errors.New("field: must not be empty")
	case strings.HasPrefix(f, "$"):
		return fmt.Errorf("field %q: must be given without the leading \"$\"", f)
	case !utf8.ValidString(f):
		return errors.New("field: not valid UTF-8")
	}
	return nil
}

// appendFieldRef appends "$field" as a JSON string without building it.
func appendFieldRef(dst []byte, field string) []byte {
	start := len(dst)
	dst = jsonappend.String(dst, field) // "field"
	dst = append(dst, 0)
	copy(dst[start+2:], dst[start+1:len(dst)-1])
	dst[start+1] = '$' // "$field"
	return dst
}
