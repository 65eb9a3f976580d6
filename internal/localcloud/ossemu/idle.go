package ossemu

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// idleBody bounds the gaps in a request body, not its length: before each
// read it moves the connection's read deadline idle ahead, so a read that
// waits longer for the client's next bytes fails with a timeout (and
// net/http closes the connection after the answer), while a body that keeps
// arriving, however slowly, is read to its end. See Config.BodyIdleTimeout.
type idleBody struct {
	io.ReadCloser
	rc   *http.ResponseController // nil once deadlines proved unsupported
	idle time.Duration
	// timedOut is set when a read failed on the deadline; the request's
	// goroutine alone reads and writes it.
	timedOut bool
}

// limitIdle wraps r's body in an idleBody when the body can have bytes and
// idle is positive; it returns the wrapper, or nil.
func limitIdle(w http.ResponseWriter, r *http.Request, idle time.Duration) *idleBody {
	if idle <= 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := &idleBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: idle}
	r.Body = b
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.rc != nil {
		if err := b.rc.SetReadDeadline(time.Now().Add(b.idle)); err != nil {
			b.rc = nil // not served by net/http's server (a recorder, a test harness)
		}
	}
	n, err := b.ReadCloser.Read(p)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		b.timedOut = true
	}
	return n, err
}
