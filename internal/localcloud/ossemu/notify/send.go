package notify

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"ossdirect/shared/callback"
)

// Defaults for the zero Sender fields.
const (
	// DefaultTimeout is OSS's limit for one callback exchange.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxResponse is the largest application-server answer
	// accepted (OSS documents 3 MB in the callbackUrl description and 1 MB
	// elsewhere; the larger is used).
	DefaultMaxResponse = 3 << 20
)

// UserAgent is the User-Agent OSS sends with callbacks.
const UserAgent = "aliyun-oss-callback"

// Sender performs callbacks. Its fields are read-only once Send has been
// called; a Sender is safe for concurrent use.
type Sender struct {
	// Key signs every callback (callback.Sign). Required; crypto/rsa
	// needs at least 1024 bits.
	Key *rsa.PrivateKey
	// PubKeyURL is the URL where the PEM of Key's public half is served;
	// it is sent Base64-encoded in x-oss-pub-key-url. Required.
	PubKeyURL string
	// Client sends the requests. nil: a client with its own transport that
	// uses no proxy and does not ask for compressed answers. A given
	// client is copied and its CheckRedirect replaced, so redirects are
	// never followed either way.
	Client *http.Client
	// Timeout bounds one attempt, from dialling to the end of the answer's
	// body. 0 or negative: DefaultTimeout (5 s, OSS's limit).
	Timeout time.Duration
	// MaxResponse is the largest answer body accepted, in bytes. 0 or
	// negative: DefaultMaxResponse (3 MiB).
	MaxResponse int64
	// Logger receives one record per attempt. nil: discard.
	Logger *slog.Logger
	// Now returns the time for the Date header. nil: time.Now.
	Now func() time.Time
}

// Send renders spec's body for obj, POSTs it to spec.URLs in order, and
// returns the first acceptable answer: the application server's JSON
// response body. An answer is acceptable when it arrives within the timeout
// with status 200 and a body of at most MaxResponse bytes that is valid
// JSON. Each URL is tried once; a failed URL is not retried.
//
// When every URL failed, Send returns a *Failure (wrapping
// ErrCallbackFailed) describing the last failure in OSS's words, e.g.
// "Error status : 502." or "Response body is not valid json format.". The
// emulator returns that message in a 203 CallbackFailed error. When ctx is
// done, Send stops after the current attempt and the Failure also wraps
// ctx's error.
//
// A spec that fails validation yields an *ArgumentError, and a Sender
// without Key or PubKeyURL an error wrapping ErrBadSender; nothing is sent
// then.
func (s *Sender) Send(ctx context.Context, spec *Spec, obj Object) ([]byte, error) {
	if s == nil || s.Key == nil || s.PubKeyURL == "" {
		return nil, fmt.Errorf("%w: Key and PubKeyURL are required", ErrBadSender)
	}
	if err := spec.check(); err != nil {
		return nil, err
	}
	rendered, err := Render(spec, obj)
	if err != nil {
		return nil, err
	}
	body := []byte(rendered)
	bodyType, _ := normBodyType(spec.BodyType) // Render checked it
	sum := md5.Sum(body)
	ex := exchange{
		body:      body,
		bodyType:  bodyType,
		md5:       base64.StdEncoding.EncodeToString(sum[:]),
		host:      spec.Host,
		bucket:    obj.Bucket,
		requestID: obj.RequestID,
	}

	log := s.logger()
	var last *Failure
	for i, raw := range spec.URLs {
		u, _ := checkURL(raw) // spec.check accepted it
		start := time.Now()
		answer, fail, err := s.attempt(ctx, u, ex)
		if err != nil {
			return nil, err
		}
		attrs := []any{
			slog.String("url", u),
			slog.Int("attempt", i+1),
			slog.Int("urls", len(spec.URLs)),
			slog.Duration("elapsed", time.Since(start)),
			slog.String("request_id", obj.RequestID),
		}
		if fail == nil {
			log.Info("notify: callback succeeded", append(attrs, slog.Int("response_bytes", len(answer)))...)
			return answer, nil
		}
		attrs = append(attrs, slog.Int("status", fail.Status), slog.String("message", fail.Message))
		if fail.Err != nil {
			attrs = append(attrs, slog.String("error", fail.Err.Error()))
		}
		log.Warn("notify: callback attempt failed", attrs...)
		last = fail
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// exchange holds what every attempt of one Send shares.
type exchange struct {
	body                []byte
	bodyType, md5, host string
	bucket, requestID   string
}

// attempt POSTs the callback to one URL. It returns the answer, or a
// *Failure, or (for a signing problem) an error that ends Send.
func (s *Sender) attempt(ctx context.Context, rawURL string, ex exchange) ([]byte, *Failure, error) {
	actx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()

	req, err := http.NewRequestWithContext(actx, http.MethodPost, rawURL, bytes.NewReader(ex.body))
	if err != nil { // checkURL accepted it, so this is not expected
		return nil, &Failure{Message: MsgConnect, URL: rawURL, Err: err}, nil
	}
	// Sign exactly the request target the client will write: the escaped
	// path and the raw query.
	path, query, _ := strings.Cut(req.URL.RequestURI(), "?")
	auth, err := callback.Sign(s.Key, path, query, ex.body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadSender, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	h := req.Header
	h.Set("Content-Type", ex.bodyType)
	h.Set("Content-MD5", ex.md5)
	h.Set("Date", now().UTC().Format(http.TimeFormat))
	h.Set("User-Agent", UserAgent)
	// OSS writes these names in lower case; set them verbatim.
	h["authorization"] = []string{auth}
	h["x-oss-pub-key-url"] = []string{base64.StdEncoding.EncodeToString([]byte(s.PubKeyURL))}
	h["x-oss-bucket"] = []string{ex.bucket}
	h["x-oss-request-id"] = []string{ex.requestID}
	h["x-oss-signature-version"] = []string{"1.0"}
	h["x-oss-tag"] = []string{"CALLBACK"}
	h["x-oss-additional-headers"] = []string{""}
	if ex.host != "" {
		req.Host = ex.host
	}

	resp, err := s.client().Do(req)
	if err != nil {
		return nil, transportFailure(ctx, actx, rawURL, err), nil
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, &Failure{Message: fmt.Sprintf(MsgStatusFormat, resp.StatusCode), URL: rawURL, Status: resp.StatusCode}, nil
	}
	limit := s.maxResponse()
	tooLong := &Failure{Message: MsgTooLong, URL: rawURL, Status: resp.StatusCode}
	if resp.ContentLength > limit {
		return nil, tooLong, nil
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		f := transportFailure(ctx, actx, rawURL, err)
		f.Status = resp.StatusCode
		return nil, f, nil
	}
	if int64(len(answer)) > limit {
		return nil, tooLong, nil
	}
	if !json.Valid(answer) {
		return nil, &Failure{Message: MsgNotJSON, URL: rawURL, Status: resp.StatusCode}, nil
	}
	return answer, nil, nil
}

// transportFailure classifies an error from the client or from reading the
// answer: the attempt's own deadline (or any network timeout) is OSS's
// timeout; everything else, including cancellation of ctx, is "can not
// connect". Err keeps the cause, so errors.Is(f, context.Canceled) works.
func transportFailure(ctx, actx context.Context, rawURL string, err error) *Failure {
	f := &Failure{Message: MsgConnect, URL: rawURL, Err: err}
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		f.Err = context.Cause(ctx)
		if errors.Is(f.Err, context.DeadlineExceeded) {
			f.Message = MsgTimeout
		}
	case errors.Is(actx.Err(), context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		f.Message = MsgTimeout
	}
	return f
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

func (s *Sender) maxResponse() int64 {
	if s.MaxResponse <= 0 {
		return DefaultMaxResponse
	}
	return s.MaxResponse
}

func (s *Sender) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// client returns the HTTP client for one attempt, never following
// redirects: OSS reports a redirect as "Error status : 301.".
func (s *Sender) client() *http.Client {
	if s.Client == nil {
		return defaultClient
	}
	c := *s.Client
	c.CheckRedirect = refuseRedirect
	return &c
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// defaultClient is shared by Senders without a Client. Its transport reads
// no proxy settings from the environment and does not request compression,
// so MaxResponse limits the bytes the server sent.
var defaultClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DisableCompression = true
	return &http.Client{Transport: t, CheckRedirect: refuseRedirect}
}()
