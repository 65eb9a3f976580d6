package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"ossdirect/shared/api"
	"ossdirect/shared/config"
	"ossdirect/shared/upload"
)

// discardWriter is the cheapest http.ResponseWriter: what the handler
// costs, not the recorder.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// BenchmarkPostSignatureHandler is post-signature's work per request
// inside the process, as scripts/bench-peers.sh loads it: the default
// profile, AUTH_MODE=none, no rate limit, static credentials, the access
// log written as JSON (LOG_LEVEL=info, to io.Discard) or not (warn). The
// HTTP server's own cost is not in it.
//
//	go test -run '^$' -bench BenchmarkPostSignatureHandler -benchmem -count 6 ./shared/api/
func BenchmarkPostSignatureHandler(b *testing.B) {
	profiles, err := upload.ParseProfiles([]byte(config.DefaultProfilesJSON))
	if err != nil {
		b.Fatal(err)
	}
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run("log="+level.String(), func(b *testing.B) {
			h := newHandlers(b, api.Config{Profiles: profiles,
				Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))}).Handler(api.PostSignature)
			r := httptest.NewRequest(http.MethodGet, "/?filename=a.png&contentType=image/png&size=1024", nil)
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status, w.n = 0, 0
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
