// Package strictjson checks the member names of a JSON object exactly, the
// way a query string's parameter names are read: encoding/json matches
// names case-insensitively ("Size" would set size) and keeps the last of a
// repeated name, so a gateway and the code behind it could read one request
// two ways. The upload profiles and the signing functions' JSON bodies are
// both read through it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Problem is what is wrong with a member name.
type Problem int

const (
	OK       Problem = iota // every name is allowed, and given once
	Unknown                 // not in the allowed list, letter case included
	Repeated                // given more than once
)

// CheckKeys returns the first member name of the JSON object raw that is
// not exactly one of allowed, or that repeats, with its Problem. When raw
// is not a JSON object (or not JSON) it returns OK: decoding reports that.
func CheckKeys(raw []byte, allowed []string) (string, Problem) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", OK
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", OK
		}
		name, _ := tok.(string)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", OK
		}
		switch {
		case !slices.Contains(allowed, name):
			return name, Unknown
		case seen[name]:
			return name, Repeated
		}
		seen[name] = true
	}
	return "", OK
}

// IsObject reports whether raw, after white space, starts a JSON object.
func IsObject(raw []byte) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
