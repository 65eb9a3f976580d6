package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
	"time"
)

// maxCachedKeys bounds the derived-key cache. Keys change daily and with
// every credential rotation, so old entries are simply dropped when full.
const maxCachedKeys = 256

type keyID struct {
	secret          string
	day             int // yyyymmdd
	region, product string
}

// keyCache memoises derived V4 signing keys.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyID]*signingKey
}

// signingKey is a derived V4 key and a pool of HMACs keyed with it, so a
// signature neither allocates an HMAC nor re-hashes the padded key blocks
// (a reset keyed HMAC restores its precomputed inner state).
type signingKey struct {
	key  []byte
	macs sync.Pool // of *keyedMAC, keyed with key
}

// keyedMAC is a pooled HMAC with room for its sum: Sum through the
// hash.Hash interface would move a caller's array to the heap.
type keyedMAC struct {
	mac hash.Hash
	sum [sha256.Size]byte
}

// sum returns HMAC-SHA256(key, message) into out.
func (k *signingKey) sum(message string, out *[sha256.Size]byte) {
	bp := messageBuffers.Get().(*[]byte)
	b := append((*bp)[:0], message...)
	k.sumBytes(b, out)
	putMessageBuffer(bp, b)
}

// sumBytes returns HMAC-SHA256(key, message) into out.
func (k *signingKey) sumBytes(message []byte, out *[sha256.Size]byte) {
	m := k.macs.Get().(*keyedMAC)
	m.mac.Write(message)
	m.mac.Sum(m.sum[:0])
	*out = m.sum
	m.mac.Reset()
	k.macs.Put(m)
}

// messageBuffers recycles the byte buffers of messages fed to hashes
// (whose Write takes bytes), so signing allocates no copy of them.
var messageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putMessageBuffer returns b, grown from *bp, to the pool unless it grew
// too large to keep.
func putMessageBuffer(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		messageBuffers.Put(bp)
	}
}

func newSigningKey(key []byte) *signingKey {
	k := &signingKey{key: key}
	k.macs.New = func() any { return &keyedMAC{mac: hmac.New(sha256.New, key)} }
	return k
}

var derivedKeys = &keyCache{keys: map[keyID]*signingKey{}}

// SigningKeyV4 returns the V4 signing key for secret on t's UTC date:
//
//	k1 = HMAC-SHA256("aliyun_v4" + secret, yyyymmdd)
//	k2 = HMAC-SHA256(k1, region)
//	k3 = HMAC-SHA256(k2, product)
//	k4 = HMAC-SHA256(k3, "aliyun_v4_request")
//
// Results are cached by (secret, date, region, product) so repeated signing
// does not redo the four HMACs. The returned slice must not be modified.
func SigningKeyV4(secret string, t time.Time, region, product string) []byte {
	return signingKeyV4(secret, t, region, product).key
}

func signingKeyV4(secret string, t time.Time, region, product string) *signingKey {
	y, m, d := t.UTC().Date()
	id := keyID{secret: secret, day: y*10000 + int(m)*100 + d, region: region, product: product}
	derivedKeys.mu.RLock()
	k, ok := derivedKeys.keys[id]
	derivedKeys.mu.RUnlock()
	if ok {
		return k
	}
	k = newSigningKey(deriveKeyV4(secret, t.UTC().Format(v4DateLayout), region, product))
	derivedKeys.mu.Lock()
	if len(derivedKeys.keys) >= maxCachedKeys {
		clear(derivedKeys.keys)
	}
	derivedKeys.keys[id] = k
	derivedKeys.mu.Unlock()
	return k
}

func deriveKeyV4(secret, date, region, product string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, product)
	return hmacSHA256(k, v4Terminator)
}

func hmacSHA256(key []byte, message string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(message))
	return m.Sum(nil)
}
