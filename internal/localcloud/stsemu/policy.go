package stsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxPolicySize is the longest session policy accepted, in characters
// (Unicode code points). The STS SDK field documentation says 1–2048, the
// 2021 RAM AssumeRole page says 1–1024; the emulator accepts the larger
// limit, so it never refuses a policy that current STS accepts
// (shared/upload keeps its own policies under 1024).
const MaxPolicySize = 2048

// Effect is a statement's effect: [Allow] or [Deny].
type Effect string

// The two statement effects. RAM spells them exactly so; other spellings
// fail the grammar check.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed and validated RAM policy document, used here as an
// AssumeRole session policy. Build one with [ParsePolicy]; a Policy built
// by hand is re-validated wherever it is used ([Authority.Issue]).
//
// A Policy is immutable once parsed and safe for concurrent use.
type Policy struct {
	// Version is the policy language version; always "1".
	Version string
	// Statements are the statements in document order. A document whose
	// Statement element is a single object yields one statement.
	Statements []Statement

	raw string // the document as parsed; "" for a hand-built Policy
}

// Statement is one statement of a [Policy]. Action and Resource are always
// lists, whichever form (string or array) the document used.
type Statement struct {
	// Effect is Allow or Deny.
	Effect Effect
	// Action holds the action patterns, such as "oss:PutObject", "oss:*"
	// or "*". They match case-insensitively; "*" and "?" are wildcards.
	Action []string
	// Resource holds the resource patterns, such as
	// "acs:oss:*:*:bucket/prefix/*" or "*". They match case-sensitively;
	// "*" and "?" are wildcards.
	Resource []string
	// Condition is the statement's Condition block as written, or nil. It
	// is checked for shape only and never evaluated; see [Policy.Allows].
	Condition json.RawMessage
}

// ParsePolicy parses and validates a RAM policy document the way STS checks
// an AssumeRole Policy parameter:
//
//   - at most [MaxPolicySize] characters, else an error wrapping
//     [ErrPolicyTooLarge];
//   - one JSON object with exactly the elements "Version" (the string "1")
//     and "Statement" (an object, or a non-empty array of objects);
//   - each statement has "Effect" ("Allow" or "Deny"), "Action" and
//     "Resource" (a non-empty string or a non-empty array of non-empty
//     strings), and optionally "Condition" (an object of operators, each an
//     object of keys mapped to a scalar or an array of scalars).
//
// An action is "*" or "service:name"; a resource is "*" or starts with
// "acs:". Element names are case-sensitive; unknown elements, duplicate
// names, NotAction, NotResource and Principal are rejected, as is anything
// after the object. Every other failure wraps [ErrInvalidPolicy].
func ParsePolicy(doc string) (*Policy, error) {
	if n := utf8.RuneCountInString(doc); n > MaxPolicySize {
		return nil, errorf(ErrPolicyTooLarge, "%d characters, limit %d", n, MaxPolicySize)
	}
	if !utf8.ValidString(doc) {
		return nil, errorf(ErrInvalidPolicy, "not valid UTF-8")
	}
	fields, err := objectFields([]byte(doc))
	if err != nil {
		return nil, errorf(ErrInvalidPolicy, "document: %v", err)
	}
	p := &Policy{raw: doc}
	var haveVersion, haveStatement bool
	for _, f := range fields {
		switch f.name {
		case "Version":
			var v string
			if err := json.Unmarshal(f.value, &v); err != nil || v != "1" {
				return nil, errorf(ErrInvalidPolicy, `Version must be the string "1"`)
			}
			p.Version, haveVersion = v, true
		case "Statement":
			sts, err := parseStatements(f.value)
			if err != nil {
				return nil, err
			}
			p.Statements, haveStatement = sts, true
		default:
			return nil, errorf(ErrInvalidPolicy, "unsupported element %s", quote(f.name))
		}
	}
	if !haveVersion {
		return nil, errorf(ErrInvalidPolicy, "missing Version")
	}
	if !haveStatement {
		return nil, errorf(ErrInvalidPolicy, "missing Statement")
	}
	return p, nil
}

// String returns the policy document: the exact text given to
// [ParsePolicy], or the canonical JSON of a hand-built Policy.
func (p *Policy) String() string {
	if p == nil {
		return ""
	}
	if p.raw != "" {
		return p.raw
	}
	b, err := p.MarshalJSON() // not json.Marshal, which would escape <>&
	if err != nil {
		return ""
	}
	return string(b)
}

// MarshalJSON returns the canonical JSON form of p: Statement always an
// array, Action and Resource always arrays.
func (p *Policy) MarshalJSON() ([]byte, error) {
	type statement struct {
		Effect    Effect          `json:"Effect"`
		Action    []string        `json:"Action"`
		Resource  []string        `json:"Resource"`
		Condition json.RawMessage `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{Version: p.Version, Statement: make([]statement, 0, len(p.Statements))}
	for _, s := range p.Statements {
		doc.Statement = append(doc.Statement, statement(s))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Allows reports whether p grants action on resource:
//
//  1. a matching Deny statement refuses, whatever else matches;
//  2. otherwise a matching Allow statement grants;
//  3. otherwise the request is refused (implicit deny).
//
// A statement matches when one of its Action patterns matches action
// (case-insensitively) and one of its Resource patterns matches resource
// (case-sensitively); "*" matches any run of characters, "?" exactly one.
//
// Conditions are not evaluated. To stay on the safe side, an Allow
// statement with a non-empty Condition never grants, and a Deny statement
// with a Condition always applies, as if its condition held.
//
// A nil Policy grants nothing. For credentials that carry no session
// policy, use [Identity.Allows], which treats a nil policy as "no
// restriction".
func (p *Policy) Allows(action, resource string) bool {
	if p == nil {
		return false
	}
	action = strings.ToLower(action)
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.matches(action, resource) {
			continue
		}
		switch s.Effect {
		case Deny:
			return false
		case Allow:
			if !s.hasCondition() {
				allowed = true
			}
		}
	}
	return allowed
}

// OSSResource returns the RAM resource name of an OSS object,
// "acs:oss:*:*:bucket/key", or of the bucket itself when key is "",
// "acs:oss:*:*:bucket". Region and account are "*", as OSS documents for
// the region; a policy naming a specific account does not match it.
func OSSResource(bucket, key string) string {
	if key == "" {
		return "acs:oss:*:*:" + bucket
	}
	return "acs:oss:*:*:" + bucket + "/" + key
}

// matches reports whether s applies to the request. action is already
// lower-cased.
func (s *Statement) matches(action, resource string) bool {
	actionMatch := false
	for _, a := range s.Action {
		if wildcardMatch(strings.ToLower(a), action) {
			actionMatch = true
			break
		}
	}
	if !actionMatch {
		return false
	}
	for _, r := range s.Resource {
		if wildcardMatch(r, resource) {
			return true
		}
	}
	return false
}

// hasCondition reports whether s carries a non-empty Condition block.
func (s *Statement) hasCondition() bool {
	c := bytes.TrimSpace(s.Condition)
	if len(c) == 0 || bytes.Equal(c, []byte("null")) {
		return false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c, &m); err != nil {
		return true // not an object: treat as present, the safe reading
	}
	return len(m) > 0
}

// wildcardMatch reports whether s matches pattern, where '*' matches any
// run of characters (including none) and '?' exactly one character.
// Characters are Unicode code points; an invalid UTF-8 byte counts as one.
// It runs in O(len(pattern)·len(s)) time at worst and never recurses.
func wildcardMatch(pattern, s string) bool {
	p, t := 0, 0
	starP, starT := -1, 0
	for t < len(s) {
		if p < len(pattern) {
			pc, pw := utf8.DecodeRuneInString(pattern[p:])
			_, tw := utf8.DecodeRuneInString(s[t:])
			switch {
			case pc == '*':
				starP, starT = p, t
				p += pw
				continue
			case pc == '?':
				p += pw
				t += tw
				continue
			case pattern[p:p+pw] == s[t:t+tw]:
				p += pw
				t += tw
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Backtrack: let the last '*' swallow one more character.
		_, tw := utf8.DecodeRuneInString(s[starT:])
		starT += tw
		t = starT
		p = starP + 1
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func parseStatements(raw json.RawMessage) ([]Statement, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		s, err := parseStatement(raw)
		if err != nil {
			return nil, err
		}
		return []Statement{s}, nil
	}
	var list []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, errorf(ErrInvalidPolicy, "Statement must be an object or an array of objects")
	}
	if len(list) == 0 {
		return nil, errorf(ErrInvalidPolicy, "Statement is empty")
	}
	out := make([]Statement, 0, len(list))
	for _, item := range list {
		s, err := parseStatement(item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var s Statement
	fields, err := objectFields(raw)
	if err != nil {
		return s, errorf(ErrInvalidPolicy, "statement: %v", err)
	}
	for _, f := range fields {
		switch f.name {
		case "Effect":
			var e string
			if err := json.Unmarshal(f.value, &e); err != nil || (e != string(Allow) && e != string(Deny)) {
				return s, errorf(ErrInvalidPolicy, `Effect must be "Allow" or "Deny"`)
			}
			s.Effect = Effect(e)
		case "Action":
			list, err := stringOrList(f.value)
			if err != nil {
				return s, errorf(ErrInvalidPolicy, "Action %v", err)
			}
			for _, a := range list {
				if !validAction(a) {
					return s, errorf(ErrInvalidPolicy, `Action %s is not "*" or "service:name"`, quote(a))
				}
			}
			s.Action = list
		case "Resource":
			list, err := stringOrList(f.value)
			if err != nil {
				return s, errorf(ErrInvalidPolicy, "Resource %v", err)
			}
			for _, r := range list {
				if r != "*" && !strings.HasPrefix(r, "acs:") {
					return s, errorf(ErrInvalidPolicy, `Resource %s is not "*" or "acs:..."`, quote(r))
				}
			}
			s.Resource = list
		case "Condition":
			if err := checkCondition(f.value); err != nil {
				return s, err
			}
			s.Condition = append(json.RawMessage(nil), f.value...)
		case "NotAction", "NotResource", "Principal":
			return s, errorf(ErrInvalidPolicy, "element %q is not supported in a session policy by this emulator", f.name)
		default:
			return s, errorf(ErrInvalidPolicy, "unsupported statement element %s", quote(f.name))
		}
	}
	switch {
	case s.Effect == "":
		return s, errorf(ErrInvalidPolicy, "statement without Effect")
	case s.Action == nil:
		return s, errorf(ErrInvalidPolicy, "statement without Action")
	case s.Resource == nil:
		return s, errorf(ErrInvalidPolicy, "statement without Resource")
	}
	return s, nil
}

// validAction reports whether a is "*" or "service:name" with a non-empty
// service of letters, digits, '-' or wildcards and a non-empty name of
// letters, digits, '-', '_', '.' or wildcards.
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	service, name, ok := strings.Cut(a, ":")
	if !ok || service == "" || name == "" {
		return false
	}
	for _, c := range service {
		if !isAlnum(c) && c != '-' && c != '*' && c != '?' {
			return false
		}
	}
	for _, c := range name {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' && c != '*' && c != '?' {
			return false
		}
	}
	return true
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// stringOrList decodes a non-empty string or a non-empty array of
// non-empty strings. The error reads after the element name.
func stringOrList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	var one string
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &one); err != nil || one == "" {
			return nil, errors.New("must be a non-empty string")
		}
		return []string{one}, nil
	}
	var list []string
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	if len(list) == 0 {
		return nil, errors.New("must not be empty")
	}
	for _, s := range list {
		if s == "" {
			return nil, errors.New("must not contain an empty string")
		}
	}
	return list, nil
}

// checkCondition checks the shape of a Condition block:
// {"Operator": {"key": scalar | [scalar, ...]}, ...}.
func checkCondition(raw json.RawMessage) error {
	ops, err := objectFields(raw)
	if err != nil {
		return errorf(ErrInvalidPolicy, "Condition: %v", err)
	}
	for _, op := range ops {
		if op.name == "" {
			return errorf(ErrInvalidPolicy, "Condition: empty operator")
		}
		keys, err := objectFields(op.value)
		if err != nil {
			return errorf(ErrInvalidPolicy, "Condition %s: %v", quote(op.name), err)
		}
		if len(keys) == 0 {
			return errorf(ErrInvalidPolicy, "Condition %s: no keys", quote(op.name))
		}
		for _, k := range keys {
			if k.name == "" {
				return errorf(ErrInvalidPolicy, "Condition %s: empty key", quote(op.name))
			}
			if !conditionValue(k.value) {
				return errorf(ErrInvalidPolicy, "Condition %s %s: value must be a string, number, boolean or an array of them", quote(op.name), quote(k.name))
			}
		}
	}
	return nil
}

func conditionValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return false
		}
		for _, v := range list {
			if !scalar(v) {
				return false
			}
		}
		return true
	}
	return scalar(raw)
}

func scalar(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '"', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return true
	}
	return false
}

type field struct {
	name  string
	value json.RawMessage
}

// objectFields splits data, which must be exactly one JSON object (nothing
// but white space after it), into its members in order. Duplicate names are
// an error.
func objectFields(data []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, errors.New("not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []field
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("not valid JSON")
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("not valid JSON")
		}
		if seen[name] {
			return nil, errors.New("duplicate element " + quote(name))
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("not valid JSON")
		}
		out = append(out, field{name: name, value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, errors.New("not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

// quote quotes s for an error message, shortened so a hostile document
// cannot make the message huge.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}
