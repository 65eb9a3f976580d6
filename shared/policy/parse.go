package policy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth is the deepest container nesting the grammar needs: top-level
// object → conditions array → condition array → in/not-in list.
const maxDepth = 4

// Parse parses a policy document with OSS's grammar (see the package
// documentation for the exact rules and the choices made where OSS's are
// undocumented). The OSS escape \$ inside a JSON string stands for a
// literal "$". Errors are [*Violation] values with code
// CodeInvalidPolicyDocument, wrapping [ErrInvalidPolicy].
func Parse(data []byte) (*Policy, error) {
	if !utf8.Valid(data) {
		return nil, invalid("", "document is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(unescapeDollar(data)))
	dec.UseNumber()
	top, err := readNode(dec, 0)
	if err != nil {
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("", "trailing data after the policy object")
	}
	if top.kind != kindObject {
		return nil, invalid("", "document must be a JSON object, got %s", top.kindName())
	}
	var (
		p                  Policy
		haveExp, haveConds bool
	)
	for i, k := range top.keys {
		v := top.elems[i]
		switch k {
		case "expiration":
			if haveExp {
				return nil, invalid("", "duplicate key %q", k)
			}
			haveExp = true
			if v.kind != kindString {
				return nil, invalid("", "expiration: must be a string, got %s", v.kindName())
			}
			t, err := parseExpiration(v.str)
			if err != nil {
				return nil, invalid("", "expiration: %v", err)
			}
			p.Expiration = t
		case "conditions":
			if haveConds {
				return nil, invalid("", "duplicate key %q", k)
			}
			haveConds = true
			if v.kind != kindArray {
				return nil, invalid("", "conditions: must be an array, got %s", v.kindName())
			}
			p.Conditions = make([]Condition, 0, len(v.elems))
			for j, cn := range v.elems {
				c, err := parseCondition(j, cn)
				if err != nil {
					return nil, err
				}
				p.Conditions = append(p.Conditions, c)
			}
		default:
			return nil, invalid("", "unknown key %q (want expiration and conditions)", k)
		}
	}
	if !haveExp {
		return nil, invalid("", "expiration: missing")
	}
	if !haveConds {
		return nil, invalid("", "conditions: missing")
	}
	return &p, nil
}

// ParseBase64 decodes the standard Base64 of a policy form field and
// parses it with [Parse].
func ParseBase64(s string) (*Policy, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, invalid("", "policy is not valid base64: %v", err)
	}
	return Parse(b)
}

// parseExpiration accepts RFC 3339 with an optional fraction and the zone
// "Z" only, e.g. 2006-01-02T15:04:05Z or 2006-01-02T15:04:05.000Z.
func parseExpiration(s string) (time.Time, error) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' || !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 UTC time like %s", s, ExpirationLayout)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 UTC time like %s", s, ExpirationLayout)
	}
	if t.Year() < 1 { // a policy could not be written back (found by FuzzParse)
		return time.Time{}, fmt.Errorf("%q: year %d out of range 1..9999", s, t.Year())
	}
	return t, nil
}

// parseCondition interprets the i-th element of the conditions array.
func parseCondition(i int, n node) (Condition, error) {
	switch n.kind {
	case kindObject:
		if len(n.keys) != 1 {
			return Condition{}, invalid(MessageSimpleCondition,
				"conditions[%d]: exact-match object must have exactly one property, got %d", i, len(n.keys))
		}
		c := Condition{Op: OpExact, Field: n.keys[0]}
		if err := validateField(c.Field); err != nil {
			return Condition{}, invalid("", "conditions[%d]: %v", i, err)
		}
		v := n.elems[0]
		if v.kind != kindString {
			return Condition{}, invalid("", "conditions[%d]: value of %q must be a string, got %s", i, c.Field, v.kindName())
		}
		c.Value = v.str
		return c, nil
	case kindArray:
	default:
		return Condition{}, invalidEC("0006-00000222", "conditions[%d]: must be an object or an array, got %s", i, n.kindName())
	}
	if len(n.elems) == 0 || n.elems[0].kind != kindString {
		return Condition{}, invalid("", "conditions[%d]: array must start with an operator string", i)
	}
	op := Op(n.elems[0].str)
	switch op {
	case OpEq, OpStartsWith, OpIn, OpNotIn, OpContentLengthRange:
	default:
		return Condition{}, invalid("", "conditions[%d]: unknown operator %q", i, n.elems[0].str)
	}
	if len(n.elems) != 3 {
		return Condition{}, invalid("", "conditions[%d] (%s): want 3 elements, got %d", i, op, len(n.elems))
	}
	a, b := n.elems[1], n.elems[2]
	if op == OpContentLengthRange {
		lo, err := parseSize(a)
		if err != nil {
			return Condition{}, invalid("", "conditions[%d] (%s): min: %v", i, op, err)
		}
		hi, err := parseSize(b)
		if err != nil {
			return Condition{}, invalid("", "conditions[%d] (%s): max: %v", i, op, err)
		}
		if hi < lo {
			return Condition{}, invalid("", "conditions[%d] (%s): max: must be >= min (%d), got %d", i, op, lo, hi)
		}
		return Condition{Op: op, Min: lo, Max: hi}, nil
	}
	if a.kind != kindString || !strings.HasPrefix(a.str, "$") {
		return Condition{}, invalid("", "conditions[%d] (%s): field must be a string starting with \"$\"", i, op)
	}
	c := Condition{Op: op, Field: a.str[1:]}
	if err := validateField(c.Field); err != nil {
		return Condition{}, invalid("", "conditions[%d] (%s): %v", i, op, err)
	}
	if op == OpEq || op == OpStartsWith {
		if b.kind != kindString {
			return Condition{}, invalid("", "conditions[%d] (%s): value must be a string, got %s", i, op, b.kindName())
		}
		c.Value = b.str
		return c, nil
	}
	if b.kind != kindArray {
		return Condition{}, invalidEC("0006-00000224", "conditions[%d] (%s): values must be an array, got %s", i, op, b.kindName())
	}
	if len(b.elems) == 0 {
		return Condition{}, invalid("", "conditions[%d] (%s): values must not be empty", i, op)
	}
	c.Values = make([]string, len(b.elems))
	for j, e := range b.elems {
		if e.kind != kindString {
			return Condition{}, invalid("", "conditions[%d] (%s): values[%d] must be a string, got %s", i, op, j, e.kindName())
		}
		c.Values[j] = e.str
	}
	return c, nil
}

// parseSize accepts a non-negative JSON integer within int64.
func parseSize(n node) (int64, error) {
	if n.kind != kindNumber {
		return 0, fmt.Errorf("must be an integer, got %s", n.kindName())
	}
	v, err := strconv.ParseInt(n.str, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer in range", n.str)
	}
	if v < 0 {
		return 0, fmt.Errorf("must be >= 0, got %d", v)
	}
	return v, nil
}

// unescapeDollar rewrites the OSS escape \$ inside JSON strings to a plain
// "$", which standard JSON rejects. Escape pairs are consumed left to right,
// so in `\\$` the backslash pair stays intact and "$" is literal. Bytes
// outside strings are copied unchanged (the decoder rejects any backslash
// there).
func unescapeDollar(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\$`)) {
		return data
	}
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case !inString:
			if c == '"' {
				inString = true
			}
		case c == '\\' && i+1 < len(data):
			i++
			if data[i] == '$' {
				out = append(out, '$')
			} else {
				out = append(out, c, data[i])
			}
			continue
		case c == '"':
			inString = false
		}
		out = append(out, c)
	}
	return out
}

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is a parsed JSON value that keeps object keys in order, with
// duplicates.
type node struct {
	kind  nodeKind
	str   string // string value, or number text
	keys  []string
	elems []node // array elements, or object values parallel to keys
}

func (n node) kindName() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[n.kind]
}

// errTooDeep reports nesting beyond maxDepth.
var errTooDeep = errors.New("nesting too deep")

func readNode(dec *json.Decoder, depth int) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return node{}, errTooDeep
		}
		n := node{kind: kindArray}
		if v == '{' {
			n.kind = kindObject
		}
		for dec.More() {
			if n.kind == kindObject {
				kt, err := dec.Token()
				if err != nil {
					return node{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return node{}, errors.New("object key is not a string")
				}
				n.keys = append(n.keys, key)
			}
			e, err := readNode(dec, depth+1)
			if err != nil {
				return node{}, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return node{}, err
		}
		return n, nil
	case string:
		return node{kind: kindString, str: v}, nil
	case json.Number:
		return node{kind: kindNumber, str: string(v)}, nil
	case bool:
		return node{kind: kindBool}, nil
	default: // nil
		return node{kind: kindNull}, nil
	}
}

func syntaxError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return invalid("", "unexpected end of document")
	}
	return invalid("", "%v", err)
}

// invalid returns an InvalidPolicyDocument violation. ossMessage is OSS's
// message when known; otherwise "Invalid Policy: " + the detail is used.
func invalid(ossMessage, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	if ossMessage == "" {
		ossMessage = messageInvalidPrefix + detail
	}
	return &Violation{
		Code:    CodeInvalidPolicyDocument,
		Message: ossMessage,
		Err:     fmt.Errorf("%w: %s", ErrInvalidPolicy, detail),
	}
}

func invalidEC(ec, format string, args ...any) error {
	err := invalid("", format, args...)
	err.(*Violation).EC = ec
	return err
}
