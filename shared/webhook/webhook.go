package webhook

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ossdirect/shared/uploadevent"
)

// MinSecretBytes is the least key length a whsec_ secret must decode to.
const MinSecretBytes = 24

// ErrPermanent is wrapped by a delivery the receiver refused for good (a
// 4xx other than 408 and 429): retrying would not help.
var ErrPermanent = errors.New("webhook: receiver refused the event")

// ErrBadSecret is wrapped by the error for a secret that is not whsec_ and
// base64 of at least MinSecretBytes bytes.
var ErrBadSecret = errors.New("webhook: secret is not whsec_ and base64 of at least 24 bytes")

// ParseSecret checks one whsec_ secret. The error never repeats it.
func ParseSecret(s string) error {
	_, err := parseSecret(s)
	return err
}

func parseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, fmt.Errorf("%w: no whsec_ prefix", ErrBadSecret)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrBadSecret)
	}
	if len(key) < MinSecretBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadSecret, len(key))
	}
	return key, nil
}

// NewSecret returns a fresh secret: "whsec_" and the base64 of 32 bytes
// from crypto/rand.
func NewSecret() string {
	key := make([]byte, 32)
	crand.Read(key) // never fails (Go 1.24+)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// Doer sends HTTP requests (an *http.Client).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Config configures a Sender. URL and Secrets are required.
type Config struct {
	// URL is the receiver, http or https.
	URL string
	// Secrets sign every message: whsec_ secrets, the current one first.
	Secrets []string
	// Client sends the requests; nil: a client with a 10 s timeout that
	// follows no redirects.
	Client Doer
	// MaxAttempts bounds the attempts per Deliver [5].
	MaxAttempts int
	// BaseDelay is the first backoff ceiling, doubled after each failed
	// attempt up to MaxDelay [200ms, 5s]; each wait is uniformly random
	// below its ceiling (full jitter).
	BaseDelay, MaxDelay time.Duration
	Now                 func() time.Time // nil: time.Now
	Logger              *slog.Logger     // nil: discard
}

// Sender delivers events to one receiver as signed Standard Webhooks.
type Sender struct {
	cfg   Config
	url   string
	hooks []*standardwebhooks.Webhook
	log   *slog.Logger
}

// New validates cfg and returns its Sender.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("webhook: URL: want an absolute http:// or https:// URL")
	}
	if len(cfg.Secrets) == 0 {
		return nil, errors.New("webhook: Secrets: at least one whsec_ secret is needed")
	}
	s := &Sender{cfg: cfg, url: cfg.URL, log: cfg.Logger}
	for i, sec := range cfg.Secrets {
		key, err := parseSecret(sec)
		if err != nil {
			return nil, fmt.Errorf("webhook: Secrets[%d]: %w", i, err)
		}
		wh, err := standardwebhooks.NewWebhookRaw(key)
		if err != nil {
			return nil, fmt.Errorf("webhook: Secrets[%d]: %w", i, err)
		}
		s.hooks = append(s.hooks, wh)
	}
	if s.cfg.Client == nil {
		s.cfg.Client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if s.cfg.MaxAttempts <= 0 {
		s.cfg.MaxAttempts = 5
	}
	if s.cfg.BaseDelay <= 0 {
		s.cfg.BaseDelay = 200 * time.Millisecond
	}
	if s.cfg.MaxDelay <= 0 {
		s.cfg.MaxDelay = 5 * time.Second
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Deliver POSTs e until the receiver answers 2xx, refuses it for good
// (ErrPermanent), MaxAttempts are spent, or ctx ends; the error of the
// last attempt is returned.
func (s *Sender) Deliver(ctx context.Context, e uploadevent.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webhook: event %s: %w", e.Data.ID, err)
	}
	ceiling := s.cfg.BaseDelay
	var last error
	for attempt := 1; ; attempt++ {
		retry, err := s.attempt(ctx, e.Data.ID, body)
		if err == nil {
			s.log.InfoContext(ctx, "event delivered", "eventId", e.Data.ID, "type", e.Type, "attempt", attempt)
			return nil
		}
		last = fmt.Errorf("webhook: event %s, attempt %d: %w", e.Data.ID, attempt, err)
		if !retry || attempt >= s.cfg.MaxAttempts {
			return last
		}
		wait := rand.N(ceiling) + time.Millisecond
		ceiling = min(2*ceiling, s.cfg.MaxDelay)
		if dl, ok := ctx.Deadline(); ok && s.cfg.Now().Add(wait).After(dl) {
			return fmt.Errorf("%w (no time left to retry: %w)", last, context.DeadlineExceeded)
		}
		s.log.DebugContext(ctx, "event delivery failed; retrying", "eventId", e.Data.ID, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%w)", last, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt sends one request; retry says whether another might succeed.
func (s *Sender) attempt(ctx context.Context, id string, body []byte) (retry bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ts := s.cfg.Now()
	sigs := make([]string, len(s.hooks))
	for i, wh := range s.hooks {
		if sigs[i], err = wh.Sign(id, ts, body); err != nil {
			return false, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ossdirect-webhook")
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, strings.Join(sigs, " "))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return true, err // refused connection, timeout, reset: the receiver may be back soon
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return true, fmt.Errorf("receiver answered %s: %q", resp.Status, head)
	default:
		return false, fmt.Errorf("%w: %s: %q", ErrPermanent, resp.Status, head)
	}
}
