// Package syncbuf is a bytes.Buffer that servers' goroutines (or a child
// process's output copier) may write while a test reads it: the log sink
// of the tests that assert on log lines.
package syncbuf

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// Buffer is safe for concurrent writes and reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Logged returns the records written so far by a slog JSON handler whose
// message is msg and whose "key" attribute is key (an object key), decoded;
// lines that are not JSON objects are skipped.
func (s *Buffer) Logged(msg, key string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(s.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg && rec["key"] == key {
			out = append(out, rec)
		}
	}
	return out
}
