package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"sort"
	"strings"
)

// apiKey is one configured key, kept only as its SHA-256 digest.
type apiKey struct {
	digest  [sha256.Size]byte
	subject string
}

// newAPIKeys digests the configured key → subject map. Errors wrap
// ErrConfig and name no key.
func newAPIKeys(m map[string]string) ([]apiKey, error) {
	if len(m) == 0 {
		return nil, errorf(ErrConfig, "apikey mode needs at least one API key")
	}
	keys := make([]apiKey, 0, len(m))
	for k, sub := range m {
		switch {
		case k == "":
			return nil, errorf(ErrConfig, "API key for subject %q is empty", echo(sub))
		case sub == "":
			return nil, errorf(ErrConfig, "an API key has an empty subject")
		}
		keys = append(keys, apiKey{digest: sha256.Sum256([]byte(k)), subject: sub})
	}
	// A stable order keeps the work per request independent of map order.
	sort.Slice(keys, func(i, j int) bool { return keys[i].subject < keys[j].subject })
	return keys, nil
}

// lookup returns the subject of presented, comparing it in constant time
// with every configured key. Both sides are compared as SHA-256 digests,
// so the comparison takes the same time whatever the presented key's
// length; every key is compared, with no early exit and no map lookup, so
// the time taken depends only on the number of configured keys, not on
// whether or which one matched.
func (a *Authenticator) lookup(presented string) (string, bool) {
	d := sha256.Sum256([]byte(presented))
	found, idx := 0, 0
	for i := range a.keys {
		eq := subtle.ConstantTimeCompare(d[:], a.keys[i].digest[:])
		idx = subtle.ConstantTimeSelect(eq, i, idx)
		found |= eq
	}
	if found == 0 {
		return "", false
	}
	return a.keys[idx].subject, true
}

// authenticateAPIKey implements mode apikey. The key comes from X-Api-Key
// or from "Authorization: ApiKey <key>". When X-Api-Key is present, an
// Authorization header with another scheme (say, for a proxy) is ignored;
// a key in both places is refused as ambiguous.
func (a *Authenticator) authenticateAPIKey(r *http.Request) (Subject, error) {
	key, err := apiKeyFrom(r.Header)
	if err != nil {
		return Subject{}, err
	}
	sub, ok := a.lookup(key)
	if !ok {
		return Subject{}, errorf(ErrInvalidCredentials, "API key not recognised")
	}
	return Subject{ID: sub, Mode: ModeAPIKey}, nil
}

// apiKeyFrom extracts the presented API key. Errors never repeat it.
func apiKeyFrom(h http.Header) (string, error) {
	xv, xok, err := singleHeader(h, "X-Api-Key")
	if err != nil {
		return "", err
	}
	xv = trimOWS(xv)
	xok = xok && xv != ""

	av, aok, err := singleHeader(h, "Authorization")
	if err != nil {
		return "", err
	}
	var fromAuth string
	if aok && trimOWS(av) != "" {
		scheme, rest, err := splitAuthorization(av)
		switch {
		case err != nil && !xok:
			return "", err
		case err == nil && strings.EqualFold(scheme, "ApiKey"):
			if xok {
				return "", errorf(ErrInvalidCredentials, "API key sent both in X-Api-Key and in Authorization")
			}
			if rest == "" {
				return "", errorf(ErrInvalidCredentials, "Authorization header has the ApiKey scheme but no key")
			}
			fromAuth = rest
		case !xok:
			return "", errorf(ErrInvalidCredentials, "Authorization scheme %s not accepted, want ApiKey (or an X-Api-Key header)", schemeName(scheme))
		}
	}

	key := xv
	if !xok {
		key = fromAuth
	}
	switch {
	case key == "":
		return "", errorf(ErrMissingCredentials, "no X-Api-Key header and no Authorization: ApiKey header")
	case len(key) > maxAPIKeyLen:
		return "", errorf(ErrInvalidCredentials, "API key is longer than %d bytes", maxAPIKeyLen)
	}
	return key, nil
}
