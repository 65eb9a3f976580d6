package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	whsecA = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	whsecB = "whsec_ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" // 32 bytes
	whsec8 = "whsec_c2hvcnRrZXk="                                 // 8 bytes
)

func TestLoadWebhook(t *testing.T) {
	t.Parallel()
	c, err := Load(env(with("WEBHOOK_URL", "https://hooks.example.com/ossdirect", "WEBHOOK_SECRET", whsecA+", "+whsecB,
		"WEBHOOK_CALLBACK_BUDGET", "1500ms")), noFiles)
	if err != nil {
		t.Fatal(err)
	}
	if c.WebhookURL != "https://hooks.example.com/ossdirect" || len(c.WebhookSecrets) != 2 || c.WebhookSecrets[0] != whsecA ||
		c.WebhookCallbackBudget != 1500*time.Millisecond {
		t.Errorf("got %q %d secrets %v", c.WebhookURL, len(c.WebhookSecrets), c.WebhookCallbackBudget)
	}
	if c, _ := Load(env(minimal()), noFiles); c.WebhookURL != "" || c.WebhookCallbackBudget != 3*time.Second {
		t.Errorf("defaults: %q %v", c.WebhookURL, c.WebhookCallbackBudget)
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"secret missing", with("WEBHOOK_URL", "https://h.example.com/"), "WEBHOOK_SECRET"},
		{"secret without url", with("WEBHOOK_SECRET", whsecA), "WEBHOOK_SECRET"},
		{"secret too short", with("WEBHOOK_URL", "https://h.example.com/", "WEBHOOK_SECRET", whsecA+" "+whsec8), "WEBHOOK_SECRET"},
		{"secret without prefix", with("WEBHOOK_URL", "https://h.example.com/", "WEBHOOK_SECRET", strings.TrimPrefix(whsecA, "whsec_")), "WEBHOOK_SECRET"},
		{"url not http", with("WEBHOOK_URL", "ftp://h.example.com/", "WEBHOOK_SECRET", whsecA), "WEBHOOK_URL"},
		{"budget too long", with("WEBHOOK_CALLBACK_BUDGET", "5s"), "WEBHOOK_CALLBACK_BUDGET"},
	} {
		_, err := Load(env(tc.env), noFiles)
		var ve *VarError
		if !errors.As(err, &ve) || ve.Name != tc.wantVar {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.wantVar)
			continue
		}
		if s := err.Error(); strings.Contains(s, strings.TrimPrefix(whsecA, "whsec_")) || strings.Contains(s, "c2hvcnRrZXk") {
			t.Errorf("%s: error repeats a secret: %v", tc.name, err)
		}
	}
}
