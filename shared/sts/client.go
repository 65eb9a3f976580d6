package sts

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	stsapi "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"golang.org/x/sync/singleflight"

	"ossdirect/shared/credentials"
)

// Defaults and limits of Config.
const (
	// MinDuration and MaxDuration bound Config.Duration.
	MinDuration = 15 * time.Minute
	MaxDuration = time.Hour
	// DefaultDuration is used when Config.Duration is zero.
	DefaultDuration = 15 * time.Minute
	// DefaultTimeout is used when Config.Timeout is zero.
	DefaultTimeout = 5 * time.Second
	// DefaultReuse is used when Config.Reuse is zero.
	DefaultReuse = 5 * time.Minute
	// DefaultMaxEntries is used when Config.MaxEntries is zero.
	DefaultMaxEntries = 10000
)

// maxResponseBytes bounds how much of an STS answer is read; real answers
// are a few kilobytes.
const maxResponseBytes = 1 << 20

// Config configures a Client. Zero values mean the documented defaults.
type Config struct {
	// RoleARN is the role to assume, "acs:ram::<account id>:role/<name>".
	// Required.
	RoleARN string
	// Endpoint is the STS endpoint: "host[:port]" (HTTPS) or
	// "http://host[:port]" / "https://host[:port]", such as
	// "sts.cn-hangzhou.aliyuncs.com" or "http://127.0.0.1:9100" for the
	// local emulator. Required.
	Endpoint string
	// Duration is the credentials' lifetime, whole seconds from
	// MinDuration (15m) to MaxDuration (1h). Zero means 15m.
	Duration time.Duration
	// Credentials are what the AssumeRole call is signed with, asked once
	// per call; in Function Compute the function role's (see
	// shared/credentials). A provider error wrapping ErrUnavailable,
	// context.Canceled or context.DeadlineExceeded is reported as transient,
	// any other as ErrMisconfigured. Required.
	Credentials credentials.Provider
	// Timeout bounds each STS call, connecting and reading included
	// (connecting alone gets a fifth of it). Zero means 5s.
	Timeout time.Duration
	// Reuse is how long before expiry cached credentials stop being handed
	// out; every caller gets credentials valid for at least this long.
	// Must be less than Duration. Zero means 5m.
	Reuse time.Duration
	// MaxEntries bounds the number of cached credentials. Zero means 10000.
	MaxEntries int
	// Now is the clock the cache uses. nil means time.Now.
	Now func() time.Time
	// Logger receives one record per STS call (debug on success, warn or
	// error on failure), never with secrets. nil discards.
	Logger *slog.Logger
}

// Client issues and caches temporary credentials. Build it with New; it is
// safe for concurrent use.
type Client struct {
	roleARN         string
	host            string // host[:port], used verbatim as the SDK's Endpoint
	protocol        string // "http" or "https"
	durationSeconds int64
	signer          credentials.Provider
	timeout         time.Duration
	connectTimeout  time.Duration
	now             func() time.Time
	log             *slog.Logger
	httpClient      *http.Client
	cache           *cache
	group           singleflight.Group
}

var roleARNPattern = regexp.MustCompile(`^acs:ram::[0-9]+:role/[^\s]+$`)

// New validates cfg, applies its defaults and returns a Client. Every
// problem is reported at once, in an error wrapping ErrMisconfigured.
func New(cfg Config) (*Client, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if !roleARNPattern.MatchString(cfg.RoleARN) {
		bad("RoleARN %q is not acs:ram::<account id>:role/<name>", cfg.RoleARN)
	}
	host, protocol, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		bad("%v", err)
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Duration < MinDuration || cfg.Duration > MaxDuration || cfg.Duration%time.Second != 0 {
		bad("Duration %v is not whole seconds from %v to %v", cfg.Duration, MinDuration, MaxDuration)
	}
	if cfg.Credentials == nil {
		bad("Credentials is required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < 10*time.Millisecond {
		bad("Timeout %v is below 10ms", cfg.Timeout)
	}
	if cfg.Reuse == 0 {
		cfg.Reuse = DefaultReuse
	}
	if cfg.Reuse < 0 || cfg.Reuse >= cfg.Duration {
		bad("Reuse %v is not between 0 and Duration %v", cfg.Reuse, cfg.Duration)
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxEntries < 0 {
		bad("MaxEntries %d is negative", cfg.MaxEntries)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMisconfigured, strings.Join(problems, "; "))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}

	connect := cfg.Timeout / 5
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Client{
		roleARN:         cfg.RoleARN,
		host:            host,
		protocol:        protocol,
		durationSeconds: int64(cfg.Duration / time.Second),
		signer:          cfg.Credentials,
		timeout:         cfg.Timeout,
		connectTimeout:  connect,
		now:             cfg.Now,
		log:             cfg.Logger,
		httpClient: &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			// A redirect would carry the signed query, and with it the
			// signer's security token, to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cache: newCache(cfg.MaxEntries, cfg.Reuse),
	}, nil
}

// parseEndpoint splits "host[:port]" or "http(s)://host[:port]" into the
// SDK's Endpoint (host[:port]) and Protocol.
func parseEndpoint(endpoint string) (host, protocol string, err error) {
	if endpoint == "" {
		return "", "", errors.New("missing Endpoint")
	}
	raw, protocol := endpoint, "https"
	if !strings.Contains(endpoint, "://") {
		raw = "https://" + endpoint
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("invalid Endpoint %q: want host[:port] or http(s)://host[:port]", endpoint)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		protocol = "http"
	case "https":
	default:
		return "", "", fmt.Errorf("invalid Endpoint %q: scheme must be http or https", endpoint)
	}
	if u.Host == "" || u.Hostname() == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(u.Host, " \t") {
		return "", "", fmt.Errorf("invalid Endpoint %q: want host[:port] or http(s)://host[:port]", endpoint)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("invalid Endpoint %q: bad port", endpoint)
		}
	}
	return u.Host, protocol, nil
}

// Credentials returns temporary credentials for subject using profile,
// restricted by sessionPolicy (a RAM policy document; required, so that
// credentials never carry the role's full permissions).
//
// Credentials are cached per (subject, profile, SHA-256 of sessionPolicy)
// and reused until Config.Reuse before they expire. Concurrent callers for
// the same key share one STS call; that call is bounded by Config.Timeout,
// not by ctx, and fills the cache even if every caller stops waiting. A
// caller whose ctx ends first gets an error matching both ErrUnavailable and
// ctx.Err().
//
// Errors match ErrInvalidArgument, ErrUnavailable (with a RetryAfter, see
// [Error]) or ErrMisconfigured.
func (c *Client) Credentials(ctx context.Context, subject, profile string, sessionPolicy []byte) (credentials.Value, error) {
	if subject == "" {
		return credentials.Value{}, fmt.Errorf("%w: empty subject", ErrInvalidArgument)
	}
	if len(sessionPolicy) == 0 {
		return credentials.Value{}, fmt.Errorf("%w: empty session policy", ErrInvalidArgument)
	}
	if !json.Valid(sessionPolicy) {
		return credentials.Value{}, fmt.Errorf("%w: session policy is not JSON", ErrInvalidArgument)
	}
	if err := ctx.Err(); err != nil {
		return credentials.Value{}, gaveUp(err)
	}
	key := newCacheKey(subject, profile, sessionPolicy)
	if creds, ok := c.cache.get(key, c.now()); ok {
		return creds, nil
	}
	ch := c.group.DoChan(string(key[:]), func() (any, error) {
		// A caller may have missed the cache just before a previous call
		// for this key filled it.
		if creds, ok := c.cache.get(key, c.now()); ok {
			return creds, nil
		}
		creds, err := c.assumeRole(context.WithoutCancel(ctx), subject, sessionPolicy)
		if err != nil {
			return nil, err
		}
		c.cache.put(key, creds, c.now())
		return creds, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return credentials.Value{}, res.Err
		}
		return res.Val.(credentials.Value), nil
	case <-ctx.Done():
		return credentials.Value{}, gaveUp(ctx.Err())
	}
}

// gaveUp is the error for a caller whose context ended first.
func gaveUp(err error) error {
	return &Error{Kind: ErrUnavailable, Message: "gave up waiting for STS: " + err.Error(),
		RetryAfter: retryAfterDefault, cause: err}
}

// assumeRole makes one AssumeRole call through the official SDK.
func (c *Client) assumeRole(ctx context.Context, subject string, policy []byte) (credentials.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	session := RoleSessionName(subject)
	log := c.log.With(slog.String("role_arn", c.roleARN), slog.String("session", session))

	signer, err := c.signer.Retrieve(ctx)
	ak, secret, token := signer.AccessKeyID, signer.AccessKeySecret, signer.SecurityToken
	if err == nil && (ak == "" || secret == "") {
		err = errors.New("signer returned an empty access key")
	}
	if err != nil {
		e := misconfigured("signer: " + redact(err.Error(), []string{secret, token}))
		if errIsTransient(err) {
			e = unavailable(e.Message, nil)
		}
		c.logFailure(ctx, log, e)
		return credentials.Value{}, e
	}

	readTimeout := c.timeout - c.connectTimeout
	doer := &callDoer{ctx: ctx, client: c.httpClient, now: c.now}
	cfg := &openapi.Config{
		AccessKeyId:     tea.String(ak),
		AccessKeySecret: tea.String(secret),
		Endpoint:        tea.String(c.host),
		Protocol:        tea.String(c.protocol),
		ConnectTimeout:  tea.Int(int(c.connectTimeout.Milliseconds())),
		ReadTimeout:     tea.Int(int(readTimeout.Milliseconds())),
		HttpClient:      doer,
	}
	if token != "" {
		cfg.SecurityToken = tea.String(token)
	}
	client, err := stsapi.NewClient(cfg)
	if err != nil {
		e := classify(err, answer{}, secret, token)
		e.Kind, e.RetryAfter = ErrMisconfigured, 0
		c.logFailure(ctx, log, e)
		return credentials.Value{}, e
	}
	req := &stsapi.AssumeRoleRequest{
		RoleArn:         tea.String(c.roleARN),
		RoleSessionName: tea.String(session),
		DurationSeconds: tea.Int64(c.durationSeconds),
		Policy:          tea.String(string(policy)),
	}
	runtime := &util.RuntimeOptions{
		ConnectTimeout: tea.Int(int(c.connectTimeout.Milliseconds())),
		ReadTimeout:    tea.Int(int(readTimeout.Milliseconds())),
		Autoretry:      tea.Bool(false),
	}
	resp, err := client.AssumeRoleWithOptions(req, runtime)
	if err != nil {
		e := classify(err, doer.answer, secret, token)
		c.logFailure(ctx, log, e)
		return credentials.Value{}, e
	}
	creds, requestID, err := parseResponse(resp)
	if err != nil {
		e := unavailable(err.Error(), nil)
		e.RequestID = requestID
		c.logFailure(ctx, log, e)
		return credentials.Value{}, e
	}
	log.LogAttrs(ctx, slog.LevelDebug, "sts: assumed role", slog.String("request_id", requestID),
		slog.Any("credentials", creds))
	return creds, nil
}

// errIsTransient reports whether a credentials provider's error is worth
// retrying.
func errIsTransient(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func (c *Client) logFailure(ctx context.Context, log *slog.Logger, e *Error) {
	level := slog.LevelError
	if e.Kind == ErrUnavailable {
		level = slog.LevelWarn
	}
	log.LogAttrs(ctx, level, "sts: AssumeRole failed", slog.String("kind", e.Kind.Error()),
		slog.String("code", e.Code), slog.Int("status", e.StatusCode), slog.String("request_id", e.RequestID),
		slog.Duration("retry_after", e.RetryAfter), slog.String("detail", e.Message))
}

// parseResponse extracts the credentials from a successful answer.
func parseResponse(resp *stsapi.AssumeRoleResponse) (credentials.Value, string, error) {
	if resp == nil || resp.Body == nil {
		return credentials.Value{}, "", errors.New("malformed AssumeRole response: no body")
	}
	requestID := tea.StringValue(resp.Body.RequestId)
	cr := resp.Body.Credentials
	if cr == nil {
		return credentials.Value{}, requestID, errors.New("malformed AssumeRole response: no Credentials")
	}
	creds := credentials.Value{
		AccessKeyID:     tea.StringValue(cr.AccessKeyId),
		AccessKeySecret: tea.StringValue(cr.AccessKeySecret),
		SecurityToken:   tea.StringValue(cr.SecurityToken),
	}
	if creds.AccessKeyID == "" || creds.AccessKeySecret == "" || creds.SecurityToken == "" {
		return credentials.Value{}, requestID, errors.New("malformed AssumeRole response: incomplete Credentials")
	}
	exp, err := time.Parse(time.RFC3339, tea.StringValue(cr.Expiration))
	if err != nil {
		return credentials.Value{}, requestID, fmt.Errorf("malformed AssumeRole response: Expiration %q", tea.StringValue(cr.Expiration))
	}
	creds.Expiry = exp.UTC()
	return creds, requestID, nil
}

// callDoer is the SDK's HTTP client for one call (dara.HttpClient). It sends
// the request with the call's context (the SDK's AssumeRoleWithOptions takes
// none), bounds the answer's size and remembers the status and Retry-After
// header of an error answer.
type callDoer struct {
	ctx    context.Context
	client *http.Client
	now    func() time.Time

	answer answer // the last error answer; the SDK calls Call synchronously
}

// Call implements dara.HttpClient; the SDK's per-request transport is not used.
func (d *callDoer) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	resp, err := d.client.Do(req.WithContext(d.ctx))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		d.answer = answer{status: resp.StatusCode, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), d.now())}
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxResponseBytes), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// parseRetryAfter parses a Retry-After value, delay-seconds or an HTTP date;
// 0 when absent or unusable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}
