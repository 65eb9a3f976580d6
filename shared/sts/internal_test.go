package sts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/shared/credentials"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, host, protocol string
	}{
		{"sts.cn-hangzhou.aliyuncs.com", "sts.cn-hangzhou.aliyuncs.com", "https"},
		{"sts-vpc.cn-hangzhou.aliyuncs.com:443", "sts-vpc.cn-hangzhou.aliyuncs.com:443", "https"},
		{"127.0.0.1:9100", "127.0.0.1:9100", "https"},
		{"http://127.0.0.1:9100", "127.0.0.1:9100", "http"},
		{"HTTP://127.0.0.1:9100/", "127.0.0.1:9100", "http"},
		{"https://sts.aliyuncs.com", "sts.aliyuncs.com", "https"},
		{"http://[::1]:9100", "[::1]:9100", "http"},
	} {
		host, protocol, err := parseEndpoint(tc.in)
		if err != nil || host != tc.host || protocol != tc.protocol {
			t.Errorf("parseEndpoint(%q) = %q, %q, %v; want %q, %q", tc.in, host, protocol, err, tc.host, tc.protocol)
		}
	}
	for _, in := range []string{"", "ftp://sts.aliyuncs.com", "https://", "https://sts.aliyuncs.com/path",
		"https://sts.aliyuncs.com?x=1", "https://sts.aliyuncs.com#f", "https://user@sts.aliyuncs.com",
		"sts.aliyuncs.com:0", "sts.aliyuncs.com:http", "sts aliyuncs.com"} {
		if host, protocol, err := parseEndpoint(in); err == nil {
			t.Errorf("parseEndpoint(%q) = %q, %q; want an error", in, host, protocol)
		}
	}
}

func creds(id string, exp time.Time) credentials.Value {
	return credentials.Value{AccessKeyID: id, AccessKeySecret: "s", SecurityToken: "t", Expiry: exp}
}

func TestCacheFreshness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := newCache(10, 5*time.Minute)
	k := newCacheKey("alice", "images", []byte("{}"))
	c.put(k, creds("A", now.Add(15*time.Minute)), now)

	if got, ok := c.get(k, now.Add(10*time.Minute-time.Nanosecond)); !ok || got.AccessKeyID != "A" {
		t.Errorf("just before the reuse window: got %v, %v; want A", got, ok)
	}
	if _, ok := c.get(k, now.Add(10*time.Minute)); ok {
		t.Error("at the reuse window: cache hit, want miss")
	}
	if n := c.len(); n != 0 {
		t.Errorf("stale entry kept: len = %d", n)
	}

	// Credentials already inside the reuse window are not stored.
	c.put(k, creds("B", now.Add(4*time.Minute)), now)
	if n := c.len(); n != 0 {
		t.Errorf("stale credentials stored: len = %d", n)
	}
}

func TestCacheKey(t *testing.T) {
	t.Parallel()
	keys := map[cacheKey]string{}
	for _, k := range [][3]string{
		{"alice", "images", "{}"},
		{"alice", "images", "{ }"},
		{"alice", "docs", "{}"},
		{"bob", "images", "{}"},
		// Length prefixes keep the fields apart.
		{"ab", "c", "{}"},
		{"a", "bc", "{}"},
		{"a", "", "b{}"},
	} {
		key := newCacheKey(k[0], k[1], []byte(k[2]))
		if other, dup := keys[key]; dup {
			t.Errorf("%q and %s share a cache key", k, other)
		}
		keys[key] = fmt.Sprintf("%q", k)
	}
}

func TestCacheEviction(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	key := func(s string) cacheKey { return newCacheKey(s, "p", []byte("{}")) }

	t.Run("least recently used", func(t *testing.T) {
		t.Parallel()
		c := newCache(3, 5*time.Minute)
		for _, s := range []string{"a", "b", "c"} {
			c.put(key(s), creds(s, now.Add(15*time.Minute)), now)
		}
		c.get(key("a"), now) // b is now the least recently used
		c.put(key("d"), creds("d", now.Add(15*time.Minute)), now)
		if _, ok := c.get(key("b"), now); ok {
			t.Error("b survived; want it evicted as least recently used")
		}
		for _, s := range []string{"a", "c", "d"} {
			if _, ok := c.get(key(s), now); !ok {
				t.Errorf("%s evicted", s)
			}
		}
		if n := c.len(); n != 3 {
			t.Errorf("len = %d, want 3", n)
		}
	})

	t.Run("stale entries first", func(t *testing.T) {
		t.Parallel()
		c := newCache(3, 5*time.Minute)
		c.put(key("old"), creds("old", now.Add(6*time.Minute)), now) // stale in two minutes
		c.put(key("b"), creds("b", now.Add(15*time.Minute)), now)
		c.put(key("c"), creds("c", now.Add(15*time.Minute)), now)
		c.get(key("old"), now) // most recently used, yet stale below
		later := now.Add(2 * time.Minute)
		c.put(key("d"), creds("d", now.Add(30*time.Minute)), later)
		for _, s := range []string{"b", "c", "d"} {
			if _, ok := c.get(key(s), later); !ok {
				t.Errorf("%s evicted; want the stale entry to go first", s)
			}
		}
		if n := c.len(); n != 3 {
			t.Errorf("len = %d, want 3", n)
		}
	})

	t.Run("update in place", func(t *testing.T) {
		t.Parallel()
		c := newCache(1, 5*time.Minute)
		c.put(key("a"), creds("a1", now.Add(15*time.Minute)), now)
		c.put(key("a"), creds("a2", now.Add(15*time.Minute)), now)
		if got, ok := c.get(key("a"), now); !ok || got.AccessKeyID != "a2" || c.len() != 1 {
			t.Errorf("got %v, %v, len %d; want a2 alone", got, ok, c.len())
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 3 ", 3 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"86400", time.Minute},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	const secret, token = "the-secret", "the-token"
	for _, tc := range []struct{ in, want string }{
		{"plain message", "plain message"},
		{"uses the-secret and the-token", "uses [redacted] and [redacted]"},
		{"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&the-token",
			"Specified signature is not matched with our calculation. [string to sign redacted]"},
		{"StringToSign mismatch: String To Sign is x", "StringToSign mismatch: [string to sign redacted]"},
	} {
		if got := redact(tc.in, []string{secret, token, ""}); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := redact(strings.Repeat("é", 1000), nil)
	if len(long) > maxMessageLength+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("long message not capped: %d bytes", len(long))
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	const token = "CAIS-signer-token"
	sdkErr := func(code string, status int, data string) error {
		return &tea.SDKError{Code: tea.String(code), StatusCode: tea.Int(status), Message: tea.String("code: " + code), Data: tea.String(data)}
	}
	timeoutErr := &url.Error{Op: "Post", URL: "http://127.0.0.1/?SecurityToken=" + token, Err: &net.OpError{Op: "dial", Err: timeoutError{}}}
	for _, tc := range []struct {
		name           string
		err            error
		ans            answer
		want           error
		wantRetryAfter time.Duration
	}{
		{"Throttling.Api", sdkErr("Throttling.Api", 400, ""), answer{}, ErrUnavailable, retryAfterThrottled},
		{"throttled with header", sdkErr("Throttling", 400, ""), answer{status: 400, retryAfter: 9 * time.Second}, ErrUnavailable, 9 * time.Second},
		{"503 without code", sdkErr("", 503, ""), answer{}, ErrUnavailable, retryAfterThrottled},
		{"504", sdkErr("GatewayTimeout", 504, ""), answer{}, ErrUnavailable, retryAfterDefault},
		{"expired signer token", sdkErr("InvalidSecurityToken.Expired", 400, ""), answer{}, ErrUnavailable, retryAfterDefault},
		{"NoPermission", sdkErr("NoPermission", 403, `{"RequestId":"R","Code":"NoPermission","Message":"m"}`), answer{}, ErrMisconfigured, 0},
		{"InvalidParameter.PolicySize", sdkErr("InvalidParameter.PolicySize", 400, ""), answer{}, ErrMisconfigured, 0},
		{"SDK InvalidCredentials", sdkErr("InvalidCredentials", 0, ""), answer{}, ErrMisconfigured, 0},
		{"client timeout", timeoutErr, answer{}, ErrUnavailable, retryAfterDefault},
		{"context deadline", &url.Error{Op: "Post", URL: "http://x/?SecurityToken=" + token, Err: context.DeadlineExceeded}, answer{}, context.DeadlineExceeded, retryAfterDefault},
		{"connection refused", &url.Error{Op: "Post", URL: "http://x/?SecurityToken=" + token, Err: errors.New("connect: connection refused")}, answer{}, ErrUnavailable, retryAfterDefault},
		{"non-JSON 502", errors.New("invalid character '<'"), answer{status: 502}, ErrUnavailable, retryAfterDefault},
		{"non-JSON 404", errors.New("invalid character '<'"), answer{status: 404}, ErrMisconfigured, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := classify(tc.err, tc.ans, "secret", token)
			if !errors.Is(e, tc.want) {
				t.Errorf("classify = %v, want %v", e, tc.want)
			}
			if e.RetryAfter != tc.wantRetryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tc.wantRetryAfter)
			}
			if strings.Contains(e.Error(), token) {
				t.Errorf("token leaked: %v", e)
			}
		})
	}

	e := classify(sdkErr("NoPermission", 403, `{"RequestId":"R-1","Code":"NoPermission","Message":"not authorized"}`), answer{}, "", "")
	if e.RequestID != "R-1" || e.Message != "not authorized" || e.Code != "NoPermission" || e.StatusCode != 403 {
		t.Errorf("classify = %+v; want the request id and message from Data", e)
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
