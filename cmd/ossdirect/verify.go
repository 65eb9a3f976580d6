package main

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"ossdirect/shared/callback"
)

// keyFetchTimeout bounds the public-key download, like OSS's own 5 s
// callback budget.
const keyFetchTimeout = 5 * time.Second

// maxKeySize bounds a served public key; OSS's PEM is a few hundred bytes.
const maxKeySize = 64 << 10

type prefixList []string

func (l *prefixList) String() string     { return strings.Join(*l, ",") }
func (l *prefixList) Set(s string) error { *l = append(*l, s); return nil }

func verifyCallback(args []string, stdout, stderr io.Writer) int {
	const cmd = "verify callback"
	fs := newFlagSet(cmd, stdout)
	requestURI := fs.String("request-uri", "", "the callback's request `URI` as received: path?query, still percent-encoded")
	bodyFile := fs.String("body-file", "", "a `FILE` holding the callback body exactly as received")
	authz := fs.String("authorization", "", "the authorization header (base64 signature `SIG`)")
	keyURL := fs.String("pub-key-url", "", "the x-oss-pub-key-url header (`B64URL`: the key's URL in base64)")
	keyFile := fs.String("pub-key-file", "", "verify with this `PEM` public key instead of fetching the one the callback names")
	var extra prefixList
	fs.Var(&extra, "key-url-prefix", "also fetch keys under this URL `PREFIX` (repeatable; e.g. the local emulator's)")
	usageErr := func(err error) int { return usageFailed(stderr, cmd, err) }
	if err := fs.parse(args); err != nil {
		return usageErr(err)
	}
	if err := required(cmd, map[string]string{"request-uri": *requestURI, "body-file": *bodyFile, "authorization": *authz, "pub-key-url": *keyURL},
		"request-uri", "body-file", "authorization", "pub-key-url"); err != nil {
		return usageErr(err)
	}
	if !strings.HasPrefix(*requestURI, "/") {
		return usageErr(usagef("%s: --request-uri %q: want the path and query as received, starting with /", cmd, *requestURI))
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return usageErr(usagef("%s: --body-file: %v", cmd, err))
	}
	path, rawQuery, _ := strings.Cut(*requestURI, "?")
	in := callback.Input{Path: path, RawQuery: rawQuery, Body: body, Authorization: *authz, PubKeyURL: *keyURL}

	allowed := append(append([]string(nil), callback.DefaultKeyURLPrefixes...), extra...)
	if err := callback.ValidateKeyURLPrefixes(allowed); err != nil {
		return usageErr(usagef("%s: --key-url-prefix: %v", cmd, err))
	}
	var verr error
	if *keyFile != "" {
		pemKey, err := os.ReadFile(*keyFile)
		if err != nil {
			return usageErr(usagef("%s: --pub-key-file: %v", cmd, err))
		}
		// The caller vouches for this key, so the URL the callback names is
		// not consulted.
		pub, err := callback.ParsePublicKey(pemKey)
		if err != nil {
			return usageErr(usagef("%s: --pub-key-file: %v", cmd, err))
		}
		verr = callback.Verify(in, pub)
	} else {
		u, err := in.KeyURL(allowed)
		if err != nil {
			return invalid(stdout, stderr, err)
		}
		keys := callback.KeyCache{Timeout: keyFetchTimeout, MaxBytes: maxKeySize}
		pemKey, err := keys.Get(context.Background(), u)
		if err != nil {
			return invalid(stdout, stderr, err)
		}
		verr = callback.VerifyPEM(in, pemKey, allowed)
	}
	if verr != nil {
		return invalid(stdout, stderr, verr)
	}
	return printJSON(stdout, stderr, map[string]any{"valid": true})
}

func invalid(stdout, stderr io.Writer, reason error) int {
	if printJSON(stdout, stderr, map[string]any{"valid": false, "reason": reason.Error()}) != 0 {
		return exitUsage
	}
	return 1
}
