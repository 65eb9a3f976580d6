package auth

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestCheckAPIKeyRules(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef" // MinAPIKeyLen characters
	tests := []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"subject", CheckAPIKeySubject("alice"), false},
		{"subject 128", CheckAPIKeySubject(strings.Repeat("a", 128)), false},
		{"subject empty", CheckAPIKeySubject(""), true},
		{"subject 129", CheckAPIKeySubject(strings.Repeat("a", 129)), true},
		{"subject space", CheckAPIKeySubject("al ice"), true},
		{"subject colon", CheckAPIKeySubject("al:ice"), true},
		{"subject comma", CheckAPIKeySubject("al,ice"), true},
		{"key", CheckAPIKey(key), false},
		{"key short", CheckAPIKey(key[1:]), true},
	}
	for _, tt := range tests {
		if (tt.err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.name, tt.err, tt.wantErr)
		}
	}
	if err := CheckAPIKey(key[1:]); strings.Contains(err.Error(), key[1:]) {
		t.Errorf("CheckAPIKey error %q repeats the key", err)
	}
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	t.Parallel()
	const secret, key = "a-secret-of-at-least-thirty-two-bytes", "key-of-sixteen-chars"
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("cfg", "auth", Config{Mode: ModeJWT, JWTSecret: secret, APIKeys: map[string]string{key: "alice"}})
	if strings.Contains(b.String(), secret) || strings.Contains(b.String(), key) || !strings.Contains(b.String(), `"jwtSecretSet":true`) {
		t.Errorf("log line %s", b.String())
	}
}
