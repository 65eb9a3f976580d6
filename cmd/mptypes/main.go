// Command mptypes writes the WeChat mini-program helper's content-type
// table from shared/upload's built-in extension table, so the two cannot
// drift apart: the helper guesses a file's type from its extension the way
// the functions check it.
//
// Usage (go generate ./shared/upload runs it):
//
//	go run ./cmd/mptypes templates/miniprogram/ossdirect.js
//
// It replaces the lines between the file's BEGIN and END markers (see
// [beginMarker]) with `var CONTENT_TYPES = {…};`, one extension a line in
// table order, each mapped to its canonical (first) type, and leaves every
// other byte alone. The test in this directory fails while the file in the
// tree differs from what this command would write.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"ossdirect/shared/upload"
)

const (
	beginMarker = "// BEGIN GENERATED CONTENT_TYPES: go generate ./shared/upload (cmd/mptypes) from shared/upload/mediatypes.go. DO NOT EDIT."
	endMarker   = "// END GENERATED CONTENT_TYPES"
)

var (
	identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	// What an extension or a type may hold: nothing a JS string literal
	// would need to escape.
	plain = regexp.MustCompile(`^[a-z0-9][a-z0-9.+_-]*(/[a-z0-9][a-z0-9.+_-]*)?$`)
)

// render is the JS statement declaring CONTENT_TYPES for types.
func render(types []upload.MediaType) (string, error) {
	var b strings.Builder
	b.WriteString("var CONTENT_TYPES = {\n")
	for i, t := range types {
		if len(t.Types) == 0 {
			return "", fmt.Errorf("extension %q has no content type", t.Ext)
		}
		if !plain.MatchString(t.Ext) || strings.Contains(t.Ext, "/") || !plain.MatchString(t.Types[0]) || !strings.Contains(t.Types[0], "/") {
			return "", fmt.Errorf("extension %q or type %q is not plain lower-case ASCII", t.Ext, t.Types[0])
		}
		key := t.Ext
		if !identifier.MatchString(key) {
			key = "'" + key + "'"
		}
		sep := ","
		if i == len(types)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s: '%s'%s\n", key, t.Types[0], sep)
	}
	b.WriteString("};\n")
	return b.String(), nil
}

// replace puts block between src's marker lines, which must each occur
// exactly once, BEGIN first.
func replace(src []byte, block string) ([]byte, error) {
	begin, end := []byte(beginMarker+"\n"), []byte(endMarker+"\n")
	if n := bytes.Count(src, begin); n != 1 {
		return nil, fmt.Errorf("want the line %q exactly once, found it %d times", beginMarker, n)
	}
	if n := bytes.Count(src, end); n != 1 {
		return nil, fmt.Errorf("want the line %q exactly once, found it %d times", endMarker, n)
	}
	i := bytes.Index(src, begin) + len(begin)
	j := bytes.Index(src, end)
	if j < i {
		return nil, errors.New("the END marker comes before the BEGIN marker")
	}
	out := append([]byte(nil), src[:i]...)
	out = append(out, block...)
	return append(out, src[j:]...), nil
}

// generate returns path's content with the table rewritten.
func generate(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, err := render(upload.MediaTypes())
	if err != nil {
		return nil, err
	}
	out, err := replace(src, block)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func run(path string) error {
	out, err := generate(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mptypes-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mptypes <path of ossdirect.js>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mptypes:", err)
		os.Exit(1)
	}
}
