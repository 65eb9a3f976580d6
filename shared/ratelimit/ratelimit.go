package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// OnError says what a check that cannot reach Redis decides.
type OnError string

const (
	Open   OnError = "open"   // let the grant through (the default)
	Closed OnError = "closed" // refuse it: the caller answers 503
)

// ErrUnavailable is returned (wrapped) by Allow when Redis could not be
// asked and OnError is Closed.
var ErrUnavailable = errors.New("ratelimit: redis unavailable")

// Defaults of Config's optional fields.
const (
	DefaultTimeout  = 100 * time.Millisecond
	DefaultLogEvery = 10 * time.Second
)

// Config configures a Redis limiter. URL, Function and PerMinute are
// required.
type Config struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS
	// (go-redis's URL syntax and query options). It holds the password:
	// nothing here logs or returns it.
	URL string
	// Function namespaces the keys: ossdirect:rl:<Function>:<subject>.
	Function string
	// PerMinute grants per subject per minute, bursts of Burst (at least 1).
	PerMinute, Burst int
	// OnError: Open (default, "") or Closed.
	OnError OnError
	// Timeout bounds each check [DefaultTimeout].
	Timeout time.Duration
	// LogEvery is the least time between two Warn lines about failures
	// [DefaultLogEvery].
	LogEvery time.Duration
	Logger   *slog.Logger     // nil: discard
	Now      func() time.Time // nil: time.Now (spacing of the Warn lines)
}

// Redis is the Redis limiter; it implements shared/api's Limiter.
type Redis struct {
	cfg     Config
	client  *redis.Client
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
	prefix  string
	url     *url.URL // cfg.URL parsed, to redact error texts

	failures atomic.Int64 // checks that could not reach Redis, ever
	mu       sync.Mutex
	lastLog  time.Time
	unlogged int64 // failures since the last Warn line
}

// ParseURL checks a Redis URL and returns go-redis's options for it. Its
// errors never contain the URL or its password.
func ParseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL: want redis://[user:password@]host:port[/db] or rediss://…")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("scheme %q: want redis:// or rediss:// (TLS)", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("no host: want redis://[user:password@]host:port[/db]")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, errors.New(redact(err.Error(), raw, u))
	}
	return opts, nil
}

// redact removes the URL, its user info and password from msg.
func redact(msg, raw string, u *url.URL) string {
	msg = strings.ReplaceAll(msg, raw, "<REDIS_URL>")
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "<password>")
		}
	}
	return msg
}

// New validates cfg and makes the client; it does not connect (the first
// check does), so a cold start never waits for Redis.
func New(cfg Config) (*Redis, error) {
	switch {
	case cfg.URL == "":
		return nil, errors.New("ratelimit: no URL")
	case cfg.Function == "":
		return nil, errors.New("ratelimit: no Function")
	case cfg.PerMinute <= 0:
		return nil, errors.New("ratelimit: PerMinute must be positive")
	}
	switch cfg.OnError {
	case "":
		cfg.OnError = Open
	case Open, Closed:
	default:
		return nil, fmt.Errorf("ratelimit: OnError %q: want open or closed", cfg.OnError)
	}
	opts, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: URL: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = DefaultLogEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Burst = max(cfg.Burst, 1)
	// One request at a time per instance: a small pool; every step
	// bounded by Timeout, no retries (they would not fit in it).
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	opts.PoolSize = 2
	opts.DisableIdentity = true // no CLIENT SETINFO round trip (Tair and older servers refuse it)
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	client := redis.NewClient(opts)
	u, _ := url.Parse(cfg.URL) // ParseURL accepted it
	return &Redis{
		cfg: cfg, client: client, url: u, limiter: redis_rate.NewLimiter(client),
		limit:  redis_rate.Limit{Rate: cfg.PerMinute, Burst: cfg.Burst, Period: time.Minute},
		prefix: "ossdirect:rl:" + cfg.Function + ":",
	}, nil
}

// Allow takes one grant for subject: true, or false and how long until
// the next one. When Redis cannot be asked within Timeout it returns true
// (Open) or an error wrapping ErrUnavailable (Closed).
func (r *Redis) Allow(ctx context.Context, subject string) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	res, err := r.limiter.Allow(ctx, r.prefix+subject, r.limit)
	if err != nil {
		r.failed(err)
		if r.cfg.OnError == Closed {
			return false, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return true, 0, nil
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// Failures is how many checks could not reach Redis since New.
func (r *Redis) Failures() int64 { return r.failures.Load() }

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// failed counts a failed check and logs it at Warn, at most once per
// LogEvery, with the failures since the previous line.
func (r *Redis) failed(err error) {
	total := r.failures.Add(1)
	now := r.cfg.Now()
	r.mu.Lock()
	r.unlogged++
	if !r.lastLog.IsZero() && now.Sub(r.lastLog) < r.cfg.LogEvery {
		r.mu.Unlock()
		return
	}
	n := r.unlogged
	r.unlogged, r.lastLog = 0, now
	r.mu.Unlock()
	decision := "allowed (RATE_LIMIT_ON_ERROR=open)"
	if r.cfg.OnError == Closed {
		decision = "refused with 503 (RATE_LIMIT_ON_ERROR=closed)"
	}
	r.cfg.Logger.Warn("rate limit: redis unavailable; grants are "+decision,
		"err", redact(err.Error(), r.cfg.URL, r.url), "onError", string(r.cfg.OnError),
		"failuresSinceLastLog", n, "rateLimitFailures", total)
}

// quiet is go-redis's logger here: it would print every failed dial to
// stderr, outside the JSON log and unbounded during an outage; failed
// checks are logged by failed instead. go-redis's logger is global, so
// this holds for the whole process (the functions use go-redis only here).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once
