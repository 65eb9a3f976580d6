package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/shared/uploadevent"
	"ossdirect/shared/webhook"
)

// Defaults of Config.
const (
	DefaultKeep      = 200
	DefaultMaxBody   = 256 << 10
	DefaultHeartbeat = 15 * time.Second
)

// Config configures an Inbox. Zero values get the defaults in brackets.
type Config struct {
	// Secrets verify deliveries: whsec_ secrets (shared/webhook's rules),
	// any one of which may verify a delivery. Required unless ForwardTo is
	// set.
	Secrets []string
	// Receiver is the URL deliveries are POSTed to, as Events names it.
	Receiver string
	// ForwardTo, when set, is the user's own receiver the events go to
	// instead: the inbox takes no deliveries and Events says where they go.
	ForwardTo string
	// Keep is how many deliveries are kept, the oldest dropped first
	// [DefaultKeep].
	Keep int
	// MaxBody is the largest body accepted, in bytes [DefaultMaxBody].
	MaxBody int64
	// CORSOrigins are the browser origins, other than the inbox's own,
	// that may read Events (a page served elsewhere on this machine)
	// [none].
	CORSOrigins []string
	// Heartbeat is how often an idle event stream gets a comment line, so
	// proxies and browsers keep it open [DefaultHeartbeat].
	Heartbeat time.Duration
	Now       func() time.Time // stamps ReceivedAt; nil: time.Now
	Logger    *slog.Logger     // nil: discard
}

// Delivery is one POST the inbox received, verified or not.
type Delivery struct {
	// Seq numbers the deliveries from 1 in the order received; it is the
	// event stream's message id.
	Seq        int64     `json:"seq"`
	ReceivedAt time.Time `json:"receivedAt"`
	// WebhookID is the webhook-id header as sent (possibly empty).
	WebhookID string `json:"webhookId"`
	// Verified: a secret verified the signature within the timestamp
	// tolerance.
	Verified bool `json:"verified"`
	// Duplicate: verified, and a kept verified delivery had the same
	// webhook-id.
	Duplicate bool `json:"duplicate"`
	// Error says why the delivery was refused; empty when it was taken.
	Error string `json:"error,omitempty"`
	// Event is the body when it is an upload event (for an unverified
	// delivery: what it claims), else null.
	Event *uploadevent.Event `json:"event"`
}

// Listing is what Events serves as JSON.
type Listing struct {
	// Receiver is the inbox's URL, or "forwarding to <URL>".
	Receiver string `json:"receiver"`
	// Events are the kept deliveries, oldest first.
	Events []Delivery `json:"events"`
}

// Inbox receives webhook deliveries and serves what it received. Its
// methods are safe for concurrent use.
type Inbox struct {
	cfg      Config
	hooks    []*standardwebhooks.Webhook
	receiver string
	log      *slog.Logger

	mu      sync.Mutex
	kept    []Delivery     // oldest first, at most cfg.Keep
	seq     int64          // the last Seq given
	ids     map[string]int // webhook-ids of the kept verified deliveries, counted
	changed chan struct{}  // closed, and replaced, at every delivery and at Close
	closed  bool
}

// New validates cfg and returns its Inbox.
func New(cfg Config) (*Inbox, error) {
	switch {
	case cfg.ForwardTo != "" && len(cfg.Secrets) > 0:
		return nil, errors.New("inbox: give Secrets or ForwardTo, not both")
	case cfg.ForwardTo == "" && len(cfg.Secrets) == 0:
		return nil, errors.New("inbox: Secrets: at least one whsec_ secret is needed")
	}
	ib := &Inbox{cfg: cfg, receiver: cfg.Receiver, log: cfg.Logger, ids: map[string]int{}, changed: make(chan struct{})}
	for i, s := range cfg.Secrets {
		if err := webhook.ParseSecret(s); err != nil {
			return nil, fmt.Errorf("inbox: Secrets[%d]: %w", i, err)
		}
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return nil, fmt.Errorf("inbox: Secrets[%d]: not usable", i)
		}
		ib.hooks = append(ib.hooks, wh)
	}
	if cfg.ForwardTo != "" {
		ib.receiver = "forwarding to " + withoutCredentials(cfg.ForwardTo)
	}
	if ib.cfg.Keep <= 0 {
		ib.cfg.Keep = DefaultKeep
	}
	if ib.cfg.MaxBody <= 0 {
		ib.cfg.MaxBody = DefaultMaxBody
	}
	if ib.cfg.Heartbeat <= 0 {
		ib.cfg.Heartbeat = DefaultHeartbeat
	}
	if ib.cfg.Now == nil {
		ib.cfg.Now = time.Now
	}
	if ib.log == nil {
		ib.log = slog.New(slog.DiscardHandler)
	}
	return ib, nil
}

// withoutCredentials is u's scheme, host and path: its user information
// and query may hold credentials.
func withoutCredentials(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "another receiver"
	}
	return (&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String()
}

// Receive takes one delivery (POST): it verifies and keeps it, and answers
// 204, or the error of the package comment's table.
func (ib *Inbox) Receive(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, errMethod)
		return
	}
	d := Delivery{WebhookID: r.Header.Get(standardwebhooks.HeaderWebhookID)}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ib.cfg.MaxBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = fmt.Errorf("%w (%d bytes)", ErrTooLarge, ib.cfg.MaxBody)
	} else if err != nil {
		err = fmt.Errorf("%w: %v", errUnreadable, err)
	}
	if err == nil {
		err = ib.verify(body, r.Header)
		d.Verified = err == nil
		e, perr := parseEvent(body)
		d.Event = e
		if err == nil {
			err = perr
		}
	}
	if err != nil {
		d.Error = message(err)
	}
	d = ib.add(d)
	attrs := []any{"webhookId", d.WebhookID, "verified", d.Verified, "duplicate", d.Duplicate}
	if d.Event != nil {
		attrs = append(attrs, "type", d.Event.Type, "key", d.Event.Data.Key)
	}
	if d.Error != "" {
		attrs = append(attrs, "error", d.Error)
	}
	ib.log.InfoContext(r.Context(), "webhook received", attrs...)
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verify checks the Standard Webhooks signature with each secret in turn.
func (ib *Inbox) verify(body []byte, h http.Header) error {
	err := standardwebhooks.ErrNoMatchingSignature
	for _, wh := range ib.hooks {
		if err = wh.Verify(body, h); err == nil {
			return nil
		}
		if !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			break // a header or timestamp fault: the same with every secret
		}
	}
	switch {
	case errors.Is(err, standardwebhooks.ErrRequiredHeaders), errors.Is(err, standardwebhooks.ErrInvalidHeaders):
		return ErrSignatureHeaders
	case errors.Is(err, standardwebhooks.ErrMessageTooOld), errors.Is(err, standardwebhooks.ErrMessageTooNew):
		return ErrTimestamp
	}
	return ErrSignatureMismatch
}

// parseEvent reads body as an upload event: JSON with a type and a data.id.
func parseEvent(body []byte) (*uploadevent.Event, error) {
	var e uploadevent.Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	if e.Type == "" || e.Data.ID == "" {
		return nil, fmt.Errorf("%w: no type or no data.id", ErrNotEvent)
	}
	return &e, nil
}

// add numbers, stamps and keeps d, marks it a duplicate when it is one,
// and wakes the event streams.
func (ib *Inbox) add(d Delivery) Delivery {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	ib.seq++
	d.Seq = ib.seq
	d.ReceivedAt = ib.cfg.Now().UTC()
	if d.Verified {
		d.Duplicate = ib.ids[d.WebhookID] > 0
		ib.ids[d.WebhookID]++
	}
	if len(ib.kept) == ib.cfg.Keep {
		if old := ib.kept[0]; old.Verified {
			if ib.ids[old.WebhookID]--; ib.ids[old.WebhookID] == 0 {
				delete(ib.ids, old.WebhookID)
			}
		}
		ib.kept = append(ib.kept[:0], ib.kept[1:]...)
	}
	ib.kept = append(ib.kept, d)
	if !ib.closed {
		close(ib.changed)
		ib.changed = make(chan struct{})
	}
	return d
}

// after returns a copy of the kept deliveries numbered above seq, a
// channel closed at the next delivery or at Close, and whether the inbox
// is closed.
func (ib *Inbox) after(seq int64) ([]Delivery, <-chan struct{}, bool) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if seq > ib.seq {
		seq = 0 // an id from before a restart: all of this run's are new
	}
	var out []Delivery
	for _, d := range ib.kept {
		if d.Seq > seq {
			out = append(out, d)
		}
	}
	return out, ib.changed, ib.closed
}

// Close ends the event streams (their handlers return) and lets no new
// one start; deliveries are still received.
func (ib *Inbox) Close() {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if !ib.closed {
		ib.closed = true
		close(ib.changed)
	}
}
