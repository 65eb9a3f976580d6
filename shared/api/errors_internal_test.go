package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"ossdirect/shared/auth"
	"ossdirect/shared/upload"
)

// TestClientErrorTable checks the error table directly: each known error
// keeps its status, code and client-safe message; anything else is a bare
// 500 whose detail stays out of the message.
func TestClientErrorTable(t *testing.T) {
	t.Parallel()
	ps, err := upload.ParseProfiles([]byte(`{"a": {"prefix": "u/{sub}/", "maxSize": 10}, "b": {"prefix": "v/{sub}/", "maxSize": 10}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handlers{cfg: Config{Profiles: ps}}
	_, unknown := ps.Lookup("nope")
	authErr := func(kind error, reason string) error {
		return &auth.Error{Kind: kind, Reason: reason}
	}
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"api error", invalid("size", "must not be negative"), 400, CodeInvalidArgument, "size: must not be negative"},
		{"unknown profile", fmt.Errorf("grant: %w", unknown), 404, CodeNoSuchProfile, `profile: "nope" not found; allowed: a, b`},
		{"field error", &upload.FieldError{Field: "contentType", Reason: `"text/html" not allowed`, Allowed: []string{"image/png"}, Err: upload.ErrContentTypeNotAllowed},
			400, CodeInvalidArgument, `contentType: "text/html" not allowed; allowed: image/png`},
		{"credentials expiring", fmt.Errorf("%w: soon", upload.ErrCredentialsExpired), 503, CodeServiceUnavailable, "signing credentials are about to expire; retry"},
		{"auth missing", authErr(auth.ErrMissingCredentials, "no X-Api-Key header"), 401, CodeUnauthorized, "missing credentials: no X-Api-Key header"},
		// Nothing is cut out of a message: a reason echoing "auth: " or
		// "upload: " keeps it.
		{"auth issuer", authErr(auth.ErrWrongIssuer, `issuer "auth: upload: x" not accepted`), 401, CodeUnauthorized, `wrong issuer: issuer "auth: upload: x" not accepted`},
		{"auth unavailable", authErr(auth.ErrUnavailable, "no keys cached: GET https://idp/jwks: 500"), 503, CodeServiceUnavailable, "authentication keys are unavailable; retry later"},
		{"auth config", authErr(auth.ErrConfig, "authenticator was not built by New"), 500, CodeInternalError, "internal error"},
		{"grant option", fmt.Errorf("%w: bucket: %q", upload.ErrInvalidOption, "Bad"), 500, CodeInternalError, "internal error"},
		{"unknown", errors.New("db password=hunter2 rejected"), 500, CodeInternalError, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := h.clientError(tt.err)
			if got.Status != tt.wantStatus || got.Code != tt.wantCode || got.Message != tt.wantMessage {
				t.Errorf("clientError(%v) = %d %s %q, want %d %s %q", tt.err, got.Status, got.Code, got.Message, tt.wantStatus, tt.wantCode, tt.wantMessage)
			}
			if got.Status == http.StatusInternalServerError && !errors.Is(got.Err, tt.err) {
				t.Errorf("the cause %v is not kept for the log", tt.err)
			}
		})
	}
}
