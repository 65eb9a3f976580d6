package signing

import (
	"crypto/hmac"
	"crypto/sha256"
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
	keys map[keyID][]byte
}

var derivedKeys = &keyCache{keys: map[keyID][]byte{}}

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
	y, m, d := t.UTC().Date()
	id := keyID{secret: secret, day: y*10000 + int(m)*100 + d, region: region, product: product}
	derivedKeys.mu.RLock()
	k, ok := derivedKeys.keys[id]
	derivedKeys.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveKeyV4(secret, t.UTC().Format(v4DateLayout), region, product)
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
