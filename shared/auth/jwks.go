package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	// MaxJWKSBytes is the largest JWKS response accepted.
	MaxJWKSBytes = 256 << 10
	// MaxJWKSKeys is the most keys a JWKS may hold, usable or not.
	MaxJWKSKeys = 100

	maxKidLen  = 256
	minRSABits = 2048
	maxRSABits = 8192
)

// jwk is one usable verification key from the JWKS.
type jwk struct {
	kid string
	alg string // the JWK's own alg, "" when it names none
	key any    // *rsa.PublicKey or *ecdsa.PublicKey
}

// verifies reports whether k may verify a token signed with alg: the key
// type and curve must fit alg, and so must the JWK's alg when it has one.
func (k *jwk) verifies(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch pub := k.key.(type) {
	case *rsa.PublicKey:
		return alg == "RS256" || alg == "PS256"
	case *ecdsa.PublicKey:
		return (alg == "ES256" && pub.Curve == elliptic.P256()) ||
			(alg == "ES384" && pub.Curve == elliptic.P384())
	}
	return false
}

// keySet is one successfully fetched JWKS. It is never empty and never
// modified after it is stored.
type keySet struct {
	keys    []*jwk
	fetched time.Time
}

// find returns the key a token with this kid header ("" when absent) must
// be verified with, or nil. A set of one key without a kid serves every
// token; a set of one key serves a token without a kid. Otherwise the kid
// must match. The caller refuses kid == "" with several keys first.
func (s *keySet) find(kid string) *jwk {
	if len(s.keys) == 1 && (kid == "" || s.keys[0].kid == "") {
		return s.keys[0]
	}
	for _, k := range s.keys {
		if kid != "" && k.kid == kid {
			return k
		}
	}
	return nil
}

// keyCache fetches, caches and refreshes the JWKS.
//
// There is no background goroutine (a function instance may be frozen
// between invocations): the request that finds the set missing or older
// than refresh fetches it, and so does a request whose kid is not in the
// set. Fetches share one singleflight call and are never closer together
// than MinJWKSFetchInterval, whatever triggered them, so a burst of tokens
// with an unknown kid, or a JWKS that is down, causes at most one fetch per
// interval. A failed fetch keeps the cached set.
type keyCache struct {
	url     *url.URL
	client  doer
	now     func() time.Time
	refresh time.Duration
	log     *slog.Logger

	set atomic.Pointer[keySet]
	sf  singleflight.Group

	mu       sync.Mutex
	next     time.Time // no fetch starts before this
	fetching bool      // a fetch is in progress
	lastErr  error     // why the last fetch failed; nil after a success
}

// key returns the public key that verifies a token with this kid header
// ("" when absent) and alg (already one of the accepted JWKS algorithms).
func (c *keyCache) key(ctx context.Context, kid, alg string) (any, error) {
	set := c.set.Load()
	if set == nil || !c.now().Before(set.fetched.Add(c.refresh)) {
		var err error
		if set, err = c.load(ctx); err != nil {
			return nil, err
		}
	}
	if kid == "" && len(set.keys) > 1 {
		return nil, errorf(ErrInvalidCredentials, "token has no kid header but the key set holds %d keys", len(set.keys))
	}
	k := set.find(kid)
	if k == nil {
		// The issuer may have rotated its keys since the last fetch.
		var err error
		if set, err = c.load(ctx); err != nil {
			return nil, err
		}
		if k = set.find(kid); k == nil {
			return nil, errorf(ErrInvalidCredentials, "no key with kid %q in the key set", echo(kid))
		}
	}
	if !k.verifies(alg) {
		return nil, errorf(ErrInvalidCredentials, "key %q cannot verify %s tokens", echo(k.kid), alg)
	}
	return k.key, nil
}

// load fetches the JWKS unless the last fetch started less than
// MinJWKSFetchInterval ago, then returns the newest set available.
// Concurrent callers wait for the same fetch (each gives up when its own
// ctx ends). It fails, wrapping ErrUnavailable, only when no set has ever
// been fetched successfully.
func (c *keyCache) load(ctx context.Context) (*keySet, error) {
	if c.dueOrFetching() {
		ch := c.sf.DoChan("jwks", func() (any, error) {
			c.fetchIfDue(ctx)
			return nil, nil
		})
		select {
		case <-ch:
		case <-ctx.Done():
			if set := c.set.Load(); set != nil {
				return set, nil
			}
			return nil, errorf(ErrUnavailable, "request ended while the key set was being fetched: %v", ctx.Err())
		}
	}
	if set := c.set.Load(); set != nil {
		return set, nil
	}
	c.mu.Lock()
	err := c.lastErr
	c.mu.Unlock()
	if err == nil {
		err = errors.New("no fetch has completed yet")
	}
	return nil, errorf(ErrUnavailable, "no keys cached: %v", err)
}

// dueOrFetching reports whether load must go through the singleflight
// call: a fetch may start, or one is in progress and its result is worth
// waiting for. Otherwise the stored set and lastErr are final for now.
func (c *keyCache) dueOrFetching() bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetching || !now.Before(c.next)
}

// fetchIfDue fetches and stores the JWKS unless a fetch started less than
// MinJWKSFetchInterval ago. It runs inside the singleflight call, detached
// from the cancellation of the request that started it.
func (c *keyCache) fetchIfDue(ctx context.Context) {
	now := c.now()
	c.mu.Lock()
	if now.Before(c.next) {
		c.mu.Unlock()
		return
	}
	c.next = now.Add(MinJWKSFetchInterval)
	c.fetching = true
	c.mu.Unlock()

	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
	defer cancel()
	set, ignored, err := c.fetch(fctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetching = false
	if err != nil {
		c.lastErr = err
		if old := c.set.Load(); old != nil {
			c.log.Warn("auth: JWKS fetch failed; keeping the cached keys",
				"jwks", c.where(), "error", err, "cachedKeys", len(old.keys), "fetchedAt", old.fetched, "retryAfter", MinJWKSFetchInterval)
		} else {
			c.log.Error("auth: JWKS fetch failed and no keys are cached; every token is refused until a fetch succeeds",
				"jwks", c.where(), "error", err, "retryAfter", MinJWKSFetchInterval)
		}
		return
	}
	c.lastErr = nil
	set.fetched = now
	c.set.Store(set)
	c.log.Info("auth: JWKS fetched", "jwks", c.where(), "keys", len(set.keys), "ignored", ignored)
}

// where names the JWKS for logs and errors: scheme, host and path, never
// user info or query (either could hold a credential).
func (c *keyCache) where() string {
	return c.url.Scheme + "://" + c.url.Host + c.url.EscapedPath()
}

// fetch GETs and parses the JWKS. ignored lists the keys that were left
// out and why.
func (c *keyCache) fetch(ctx context.Context) (set *keySet, ignored []string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the whole URL
		}
		return nil, nil, fmt.Errorf("GET %s: %w", c.where(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d, want 200", c.where(), resp.StatusCode)
	}
	if resp.ContentLength > MaxJWKSBytes {
		return nil, nil, fmt.Errorf("GET %s: response is %d bytes, larger than %d bytes", c.where(), resp.ContentLength, MaxJWKSBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the response: %w", c.where(), err)
	}
	if len(body) > MaxJWKSBytes {
		return nil, nil, fmt.Errorf("GET %s: response is larger than %d bytes", c.where(), MaxJWKSBytes)
	}
	set, ignored, err = parseJWKS(body)
	if err != nil {
		return nil, ignored, fmt.Errorf("GET %s: %w", c.where(), err)
	}
	return set, ignored, nil
}

// parseJWKS parses a JWK Set (RFC 7517 §5) and keeps the keys that can
// verify RS256, PS256, ES256 or ES384 signatures. Keys whose use is not
// "sig", whose key_ops lacks "verify", of another type (including
// symmetric "oct" keys), or with bad parameters are ignored and listed in
// ignored. The set itself is refused when it is not JSON, holds more than
// MaxJWKSKeys keys, holds two usable keys with the same kid, or holds no
// usable key. In a set of several usable keys, keys without a kid cannot
// be selected and are ignored too.
func parseJWKS(body []byte) (set *keySet, ignored []string, err error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("not a JSON key set: %w", err)
	}
	if doc.Keys == nil {
		return nil, nil, errors.New(`not a JSON key set: no "keys" array`)
	}
	raws := *doc.Keys
	if len(raws) > MaxJWKSKeys {
		return nil, nil, fmt.Errorf("key set holds %d keys, limit %d", len(raws), MaxJWKSKeys)
	}
	set = &keySet{}
	for i, raw := range raws {
		k, why := parseJWK(raw)
		if k == nil {
			ignored = append(ignored, fmt.Sprintf("key %d: %s", i, why))
			continue
		}
		if k.kid != "" && slices.ContainsFunc(set.keys, func(o *jwk) bool { return o.kid == k.kid }) {
			return nil, ignored, fmt.Errorf("key set holds two usable keys with kid %q", echo(k.kid))
		}
		set.keys = append(set.keys, k)
	}
	if len(set.keys) > 1 {
		kept := set.keys[:0]
		for _, k := range set.keys {
			if k.kid == "" {
				ignored = append(ignored, "a key without kid in a set of several keys")
				continue
			}
			kept = append(kept, k)
		}
		set.keys = kept
	}
	if len(set.keys) == 0 {
		return nil, ignored, fmt.Errorf("key set holds no usable signing key (%d entries ignored)", len(raws))
	}
	return set, ignored, nil
}

// parseJWK parses one key. It returns nil and the reason when the key is
// not usable.
func parseJWK(raw json.RawMessage) (*jwk, string) {
	var p struct {
		Kty    string   `json:"kty"`
		Use    string   `json:"use"`
		KeyOps []string `json:"key_ops"`
		Alg    string   `json:"alg"`
		Kid    string   `json:"kid"`
		N      string   `json:"n"`
		E      string   `json:"e"`
		Crv    string   `json:"crv"`
		X      string   `json:"x"`
		Y      string   `json:"y"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Sprintf("not a JSON object with string members: %v", err)
	}
	switch {
	case p.Use != "" && p.Use != "sig":
		return nil, fmt.Sprintf("use %q is not \"sig\"", echo(p.Use))
	case p.KeyOps != nil && !slices.Contains(p.KeyOps, "verify"):
		return nil, `key_ops does not include "verify"`
	case len(p.Kid) > maxKidLen:
		return nil, fmt.Sprintf("kid is longer than %d bytes", maxKidLen)
	}
	k := &jwk{kid: p.Kid, alg: p.Alg}
	switch p.Kty {
	case "RSA":
		if p.Alg != "" && p.Alg != "RS256" && p.Alg != "PS256" {
			return nil, fmt.Sprintf("RSA key with alg %q (want RS256 or PS256)", echo(p.Alg))
		}
		pub, err := parseRSA(p.N, p.E)
		if err != nil {
			return nil, "RSA key: " + err.Error()
		}
		k.key = pub
	case "EC":
		var curve elliptic.Curve
		var size int
		var alg string
		switch p.Crv {
		case "P-256":
			curve, size, alg = elliptic.P256(), 32, "ES256"
		case "P-384":
			curve, size, alg = elliptic.P384(), 48, "ES384"
		default:
			return nil, fmt.Sprintf("EC curve %q not supported (want P-256 or P-384)", echo(p.Crv))
		}
		if p.Alg != "" && p.Alg != alg {
			return nil, fmt.Sprintf("EC %s key with alg %q (want %s)", p.Crv, echo(p.Alg), alg)
		}
		x, errX := decodeB64URL(p.X)
		y, errY := decodeB64URL(p.Y)
		if errX != nil || errY != nil || len(x) != size || len(y) != size {
			return nil, fmt.Sprintf("EC %s key: x and y must be %d-byte base64url values", p.Crv, size)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Sprintf("EC %s key: %v", p.Crv, err)
		}
		k.key = pub
	default:
		return nil, fmt.Sprintf("kty %q not supported (want RSA or EC)", echo(p.Kty))
	}
	return k, ""
}

// parseRSA builds an RSA public key from the JWK's n and e (RFC 7518
// §6.3.1), with a 2048 to 8192-bit modulus and an odd exponent from 3 to
// 2³¹-1.
func parseRSA(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := decodeB64URL(n64)
	if err != nil || len(nb) == 0 {
		return nil, errors.New("n is not a base64url value")
	}
	eb, err := decodeB64URL(e64)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("e is not a base64url value of 1 to 4 bytes")
	}
	n := new(big.Int).SetBytes(nb)
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, fmt.Errorf("%d-bit modulus is outside %d..%d bits", bits, minRSABits, maxRSABits)
	}
	if n.Bit(0) == 0 {
		return nil, errors.New("modulus is even")
	}
	var e uint64
	for _, b := range eb {
		e = e<<8 | uint64(b)
	}
	if e < 3 || e%2 == 0 || e > 1<<31-1 {
		return nil, errors.New("exponent must be odd, at least 3 and below 2^31")
	}
	return &rsa.PublicKey{N: n, E: int(e)}, nil
}

// decodeB64URL decodes base64url, tolerating the padding RFC 7515 §2 says
// to leave out.
func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
