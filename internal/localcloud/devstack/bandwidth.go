package devstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/time/rate"
)

// bandwidthChunk is the most one read of a throttled body takes at a time,
// and the limiter's burst: small enough that a rate change applies within
// one chunk.
const bandwidthChunk = 16 << 10

// Bandwidth limits how fast the OSS emulator reads request bodies, across
// all connections together: the test hook that lets the end-to-end tests
// slow uploads where the bytes are received, so "pause at 25 %" is a state
// to wait for on any machine, not a race against its speed. Unlimited until
// Set says otherwise.
type Bandwidth struct {
	lim *rate.Limiter
}

// NewBandwidth returns an unlimited Bandwidth.
func NewBandwidth() *Bandwidth {
	return &Bandwidth{lim: rate.NewLimiter(rate.Inf, bandwidthChunk)}
}

// Set limits request bodies to bytesPerSecond in all; 0 lifts the limit.
func (b *Bandwidth) Set(bytesPerSecond int64) {
	if bytesPerSecond <= 0 {
		b.lim.SetLimit(rate.Inf)
		return
	}
	b.lim.SetLimit(rate.Limit(bytesPerSecond))
}

// Wrap throttles the request bodies h reads.
func (b *Bandwidth) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &slowBody{ReadCloser: r.Body, lim: b.lim, ctx: r.Context()}
		}
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP is the hook's control endpoint: PUT ?bytesPerSecond=N.
func (b *Bandwidth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("bytesPerSecond")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		http.Error(w, fmt.Sprintf("bytesPerSecond: %q is not a whole number ≥ 0 (0 lifts the limit)", v), http.StatusBadRequest)
		return
	}
	b.Set(n)
	w.WriteHeader(http.StatusNoContent)
}

type slowBody struct {
	io.ReadCloser
	lim *rate.Limiter
	ctx context.Context
}

func (s *slowBody) Read(p []byte) (int, error) {
	if s.lim.Limit() == rate.Inf {
		return s.ReadCloser.Read(p)
	}
	if len(p) > bandwidthChunk {
		p = p[:bandwidthChunk]
	}
	n, err := s.ReadCloser.Read(p)
	if n > 0 {
		if werr := s.lim.WaitN(s.ctx, n); werr != nil {
			return 0, werr // the client went away while we held its bytes
		}
	}
	return n, err
}
