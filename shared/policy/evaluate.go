package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Form is a submitted PostObject form as the evaluator sees it.
type Form struct {
	// Fields maps form-field names, as sent, to their values. The file part
	// is not a field. Names are matched case-insensitively; if several names
	// differ only in case, a condition must hold for each of their values.
	Fields map[string]string
	// Bucket is the bucket the form was posted to; the "bucket" condition
	// is checked against it (a form field named bucket is ignored).
	Bucket string
	// Size is the file's size in bytes, checked by content-length-range.
	Size int64
}

// Evaluate reports whether form, submitted at now, satisfies p, in the
// order OSS does: expiry first, then each condition in document order; the
// first failure is returned as a [*Violation]:
//
//   - now after p.Expiration: [ErrExpired], code AccessDenied, message
//     "Invalid according to Policy: Policy expired.";
//   - a failed condition: [ErrConditionFailed], code AccessDenied, message
//     `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]`;
//   - a file outside content-length-range: [ErrEntityTooLarge] (code
//     EntityTooLarge) or [ErrEntityTooSmall] (code EntityTooSmall), with the
//     same "Policy Condition failed" message naming the range.
//
// A condition on a field the form lacks is evaluated against "". Fields the
// policy does not mention are accepted. Evaluate does not validate p: a
// condition with an unknown operator fails.
func (p *Policy) Evaluate(form Form, now time.Time) error {
	if now.After(p.Expiration) {
		return &Violation{
			Code:    CodeAccessDenied,
			Message: MessageExpired,
			Err:     fmt.Errorf("%w at %s", ErrExpired, p.Expiration.UTC().Format(ExpirationLayout)),
		}
	}
	var fields map[string][]string
	if len(p.Conditions) > 0 {
		fields = make(map[string][]string, len(form.Fields))
		for name, v := range form.Fields {
			k := strings.ToLower(name)
			fields[k] = append(fields[k], v)
		}
	}
	for i := range p.Conditions {
		c := &p.Conditions[i]
		if c.Op == OpContentLengthRange {
			switch {
			case form.Size > c.Max:
				return sizeViolation(c, CodeEntityTooLarge, "0006-00000003",
					fmt.Errorf("%w: size %d > %d: %s", ErrEntityTooLarge, form.Size, c.Max, c))
			case form.Size < c.Min:
				return sizeViolation(c, CodeEntityTooSmall, "0006-00000004",
					fmt.Errorf("%w: size %d < %d: %s", ErrEntityTooSmall, form.Size, c.Min, c))
			}
			continue
		}
		var values []string
		if strings.EqualFold(c.Field, "bucket") {
			values = []string{form.Bucket}
		} else if values = fields[strings.ToLower(c.Field)]; values == nil {
			values = []string{""}
		}
		for _, v := range values {
			if !c.match(v) {
				cc := c.clone()
				return &Violation{
					Code:      CodeAccessDenied,
					Message:   MessageConditionFailedPrefix + cc.String(),
					EC:        "0006-00000227",
					Condition: &cc,
					Err:       fmt.Errorf("%w: %s", ErrConditionFailed, cc),
				}
			}
		}
	}
	return nil
}

// match reports whether v satisfies a non-size condition.
func (c *Condition) match(v string) bool {
	switch c.Op {
	case OpExact, OpEq:
		return v == c.Value
	case OpStartsWith:
		return strings.HasPrefix(v, c.Value)
	case OpIn:
		return slices.Contains(c.Values, v)
	case OpNotIn:
		return !slices.Contains(c.Values, v)
	}
	return false
}

func sizeViolation(c *Condition, code, ec string, err error) error {
	cc := c.clone()
	return &Violation{
		Code:      code,
		Message:   MessageConditionFailedPrefix + cc.String(),
		EC:        ec,
		Condition: &cc,
		Err:       err,
	}
}
