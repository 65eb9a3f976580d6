package devstack_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"ossdirect/internal/localcloud/devstack"
)

func encodeB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// startStackWith starts the stack with cfg on free loopback ports and a
// fresh data folder, and closes it when the test ends.
func startStackWith(t *testing.T, cfg devstack.Config) *devstack.Stack {
	t.Helper()
	cfg.Addr, cfg.OSSAddr, cfg.STSAddr, cfg.Dir = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	s, err := devstack.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}
