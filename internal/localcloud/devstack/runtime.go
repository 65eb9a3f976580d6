package devstack

import (
	"encoding/json"
	"net/http"
	"runtime"
)

// RuntimeStats is what GET /_test/runtime reports about the stack's own
// process (with Config.TestHooks): scripts/loadtest.sh reads the goroutine
// count before and after its load to show that nothing leaks.
type RuntimeStats struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heapInuse"` // bytes in in-use heap spans
	HeapAlloc  uint64 `json:"heapAlloc"` // bytes of allocated heap objects
	Sys        uint64 `json:"sys"`       // bytes obtained from the OS
	NumGC      uint32 `json:"numGC"`
}

// serveRuntime answers GET /_test/runtime with RuntimeStats as JSON. It
// reads runtime.MemStats, which stops the world for a moment: poll it, do
// not hammer it.
func serveRuntime() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(RuntimeStats{
			Goroutines: runtime.NumGoroutine(),
			HeapInuse:  m.HeapInuse, HeapAlloc: m.HeapAlloc, Sys: m.Sys, NumGC: m.NumGC,
		})
	})
}
