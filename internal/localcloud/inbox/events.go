package inbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Events serves the kept deliveries (GET): as a [Listing] in JSON, or, when
// the client accepts text/event-stream, as a stream of Server-Sent Events
// (see the package comment). It answers the CORS preflight (OPTIONS) of
// Config.CORSOrigins: a reconnecting EventSource sends Last-Event-ID, which
// is not a CORS-safelisted header.
func (ib *Inbox) Events(w http.ResponseWriter, r *http.Request) {
	allowed := ib.allowOrigin(w, r)
	switch {
	case r.Method == http.MethodOptions && allowed:
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD")
		w.Header().Set("Access-Control-Allow-Headers", "Accept, Cache-Control, Last-Event-ID")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, fmt.Errorf("%w: the event list is GET", errMethod))
		return
	}
	if r.Method == http.MethodGet && acceptsEventStream(r.Header.Get("Accept")) {
		ib.stream(w, r)
		return
	}
	ds, _, _ := ib.after(0)
	if ds == nil {
		ds = []Delivery{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(Listing{Receiver: ib.receiver, Events: ds})
}

// allowOrigin lets a browser page from one of Config.CORSOrigins read the
// answer, and reports whether r came from one.
func (ib *Inbox) allowOrigin(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(ib.cfg.CORSOrigins, origin) {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	return true
}

func acceptsEventStream(accept string) bool {
	for _, item := range strings.Split(accept, ",") {
		mediaType, _, _ := strings.Cut(item, ";")
		if strings.EqualFold(strings.TrimSpace(mediaType), "text/event-stream") {
			return true
		}
	}
	return false
}

// stream writes the deliveries after the client's Last-Event-ID (all kept
// ones when it has none), then each new one, until the client goes or the
// inbox closes.
func (ib *Inbox) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	cursor, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil || cursor < 0 {
		cursor = 0
	}
	heartbeat := time.NewTicker(ib.cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		ds, changed, closed := ib.after(cursor)
		for _, d := range ds {
			b, err := json.Marshal(d)
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", d.Seq, b); err != nil {
				return
			}
			cursor = d.Seq
		}
		if err := rc.Flush(); err != nil || closed {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-heartbeat.C:
			if _, err := io.WriteString(w, ": heartbeat\n\n"); err != nil {
				return
			}
		}
	}
}

// Receiver is what Events names as the receiver: Config.Receiver, or
// "forwarding to <URL>".
func (ib *Inbox) Receiver() string { return ib.receiver }
