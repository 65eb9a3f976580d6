package sts_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"ossdirect/shared/credentials"
	"ossdirect/shared/sts"
)

func ExampleRoleSessionName() {
	fmt.Println(sts.RoleSessionName("alice@example.com"))              // already valid: unchanged
	fmt.Println(sts.RoleSessionName("alice smith"))                    // sanitised, hash appended
	fmt.Println(sts.RoleSessionName("auth0|65f0c2e1a9b3d4e5f6a7b8c9")) // sanitised and cut to 32
	// Output:
	// alice@example.com
	// alice_smith-038bd15a1ecf
	// auth0_65f0c2e1a9b3d-033f8fcaae52
}

// How the sts-token function wires the client (in main) and maps its errors
// to HTTP answers.
func ExampleClient_Credentials() {
	client, err := sts.New(sts.Config{
		RoleARN:  "acs:ram::1234567890123456:role/oss-uploader",
		Endpoint: "sts.cn-hangzhou.aliyuncs.com",
		// The function role's credentials: those FC passes with the
		// invocation, else those in FC's environment.
		Credentials: credentials.Chain{credentials.Invocation{}, credentials.NewDefaultChain()},
	})
	if err != nil {
		panic(err) // fail at cold start
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:bucket/uploads/alice/*"]}]}`)
		creds, err := client.Credentials(r.Context(), "alice", "default", policy)
		switch {
		case errors.Is(err, sts.ErrUnavailable):
			w.Header().Set("Retry-After", strconv.Itoa(int(sts.RetryAfter(err).Seconds())))
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		case err != nil:
			slog.ErrorContext(r.Context(), "issuing credentials", "err", err) // safe to log
			http.Error(w, "internal error", http.StatusInternalServerError)
		default:
			_ = creds // AccessKeyID, AccessKeySecret, SecurityToken, Expiration go to the client
		}
	})
	_ = handler
}
