package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// printJSON writes v as one JSON document (no HTML escaping, so "&" and "<"
// in URLs and strings to sign stay readable).
func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "ossdirect: writing output: %v\n", err)
		return 1
	}
	return 0
}

// explain writes labelled multi-line strings with every newline made
// visible as "\n" at the end of its line, so a user can compare them byte
// for byte with the StringToSign in an OSS SignatureDoesNotMatch error.
func explain(w io.Writer, parts ...[2]string) {
	for _, p := range parts {
		if p[1] == "" {
			continue
		}
		fmt.Fprintf(w, "--- %s (%d bytes; \\n marks each newline byte) ---\n", p[0], len(p[1]))
		lines := strings.Split(p[1], "\n")
		for i, l := range lines {
			if i < len(lines)-1 {
				fmt.Fprintf(w, "%s\\n\n", l)
			} else {
				fmt.Fprintf(w, "%s\n", l)
			}
		}
	}
	fmt.Fprintln(w, "---")
}
