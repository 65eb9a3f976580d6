package upload

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxPrefixLength bounds a prefix template, in bytes.
const maxPrefixLength = 512

// placeholder identifies a template placeholder; 0 means a literal part.
type placeholder uint8

const (
	literal placeholder = iota
	phSub
	phYear
	phMonth
	phDay
)

var placeholders = map[string]placeholder{
	"sub": phSub, "yyyy": phYear, "mm": phMonth, "dd": phDay,
}

type part struct {
	ph  placeholder
	lit string
}

// prefixTemplate is a parsed, validated prefix.
type prefixTemplate struct {
	src     string // the template as written
	parts   []part
	usesSub bool
}

// parseTemplate validates s (see the package documentation); errors are
// reasons for the "prefix" field.
func parseTemplate(s string) (*prefixTemplate, error) {
	switch {
	case s == "":
		return nil, fmt.Errorf("must not be empty")
	case len(s) > maxPrefixLength:
		return nil, fmt.Errorf("longer than %d bytes", maxPrefixLength)
	case !utf8.ValidString(s):
		return nil, fmt.Errorf("not valid UTF-8")
	case strings.HasPrefix(s, "/"):
		return nil, fmt.Errorf(`must not start with "/"`)
	case !strings.HasSuffix(s, "/"):
		return nil, fmt.Errorf(`must end with "/"`)
	}
	t := &prefixTemplate{src: s}
	rest := s
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, part{lit: rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf(`unmatched "}"`)
		}
		if open > 0 {
			t.parts = append(t.parts, part{lit: rest[:open]})
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] != '}' {
			return nil, fmt.Errorf(`unmatched "{"`)
		}
		name := rest[open+1 : open+1+end]
		ph, ok := placeholders[name]
		if !ok {
			return nil, fmt.Errorf("unknown placeholder {%s}; allowed: {sub}, {yyyy}, {mm}, {dd}", name)
		}
		t.usesSub = t.usesSub || ph == phSub
		t.parts = append(t.parts, part{ph: ph})
		rest = rest[open+1+end+1:]
	}
	for _, p := range t.parts {
		if p.ph != literal {
			continue
		}
		for _, r := range p.lit {
			switch {
			case r == '\\':
				return nil, fmt.Errorf("must not contain a backslash")
			case r == '*' || r == '?':
				return nil, fmt.Errorf("must not contain %q (a RAM policy wildcard)", r)
			case r == '$':
				return nil, fmt.Errorf(`must not contain "$" (a policy variable marker)`)
			case unsafeRune(r):
				return nil, fmt.Errorf("must not contain control character %U", r)
			}
		}
	}
	// Segments made only of literal text must not be empty, "." or "..".
	// A segment holding a placeholder is never empty and never "." or "..":
	// every expansion is non-empty, has no "/", and a subject of dots is
	// escaped.
	segs := strings.Split(strings.TrimSuffix(s, "/"), "/")
	for _, seg := range segs {
		switch seg {
		case "":
			return nil, fmt.Errorf(`must not contain an empty segment ("//")`)
		case ".", "..":
			return nil, fmt.Errorf("must not contain a %s segment", strconv.Quote(seg))
		}
	}
	return t, nil
}

// expand returns the directory for subject at now (UTC date).
func (t *prefixTemplate) expand(subject string, now time.Time) (string, error) {
	var sub string
	if t.usesSub {
		var err error
		if sub, err = SanitizeSubject(subject); err != nil {
			return "", err
		}
	}
	y, m, d := now.UTC().Date()
	var buf [256]byte // most directories fit; append grows beyond
	b := buf[:0]
	for _, p := range t.parts {
		switch p.ph {
		case literal:
			b = append(b, p.lit...)
		case phSub:
			b = append(b, sub...)
		case phYear:
			b = appendDigits(b, y, 4)
		case phMonth:
			b = appendDigits(b, int(m), 2)
		case phDay:
			b = appendDigits(b, d, 2)
		}
	}
	return string(b), nil
}

// appendDigits appends n (>= 0) zero-padded to width digits, as "%0*d".
func appendDigits(b []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for n >= 10 || len(d)-i < width-1 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	d[i] = byte('0' + n)
	return append(b, d[i:]...)
}

// static is the literal text before the first placeholder: every
// expansion starts with it.
func (t *prefixTemplate) static() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.ph != literal {
			break
		}
		b.WriteString(p.lit)
	}
	return b.String()
}

// pattern matches the keys under any expansion: {sub} is one group of
// sanitised-subject characters, the dates are digits.
func (t *prefixTemplate) pattern() *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, p := range t.parts {
		switch p.ph {
		case literal:
			b.WriteString(regexp.QuoteMeta(p.lit))
		case phSub:
			b.WriteString(`([A-Za-z0-9._~-]+)`)
		case phYear:
			b.WriteString(`[0-9]{4}`)
		case phMonth, phDay:
			b.WriteString(`[0-9]{2}`)
		}
	}
	return regexp.MustCompile(b.String())
}

// StaticPrefix is the part of p's directory before its first placeholder:
// every key p allows starts with it (where to list, what to keep clear).
func (p *Profile) StaticPrefix() string {
	tpl, errs := p.compile()
	if len(errs) > 0 {
		return p.Prefix
	}
	return tpl.static()
}

// DirPattern matches the keys under p's directory for any subject and date,
// with one group per {sub} holding the (sanitised) subject.
func (p *Profile) DirPattern() (*regexp.Regexp, error) {
	tpl, errs := p.compile()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return tpl.pattern(), nil
}
