package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"ossdirect/internal/localcloud/devstack"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func noFiles(string) ([]byte, error) { return nil, fs.ErrNotExist }

func runReconcile(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = reconcileCommand(args, &out, &errb, envOf(env), noFiles)
	return out.String(), errb.String(), code
}

var testWebhookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestReconcileCommandErrors(t *testing.T) {
	t.Parallel()
	good := map[string]string{"OSS_BUCKET": "dev-bucket", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none",
		"WEBHOOK_URL": "http://127.0.0.1:1/hook", "WEBHOOK_SECRET": testWebhookSecret}
	without := func(name string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			if k != name {
				m[k] = v
			}
		}
		return m
	}
	with := func(name, value string) map[string]string {
		m := without(name)
		m[name] = value
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad --since", good, []string{"--since", "yesterday"}, "--since"},
		{"negative --since", good, []string{"--since", "-1h"}, "--since"},
		{"unknown flag", good, []string{"--nope"}, "-nope"},
		{"stray argument", good, []string{"extra"}, `unexpected argument "extra"`},
		{"no bucket", without("OSS_BUCKET"), nil, "OSS_BUCKET"},
		{"bad auth mode", with("AUTH_MODE", "magic"), nil, "AUTH_MODE"},
		{"no webhook", map[string]string{"OSS_BUCKET": "dev-bucket", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none"}, nil, "WEBHOOK_URL is not set"},
		{"webhook without secret", without("WEBHOOK_SECRET"), nil, "WEBHOOK_SECRET"},
		{"unknown profile", good, []string{"--profile", "nope"}, `--profile "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runReconcile(t, tc.env, tc.args...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and stderr naming %q", code, out, errOut, exitUsage, tc.want)
			}
		})
	}
	if _, _, code := runCLI(t, "reconcile", "-h"); code != 0 {
		t.Errorf("reconcile -h: exit %d", code)
	}
}

// The command end to end on the local stack, credentials from the
// environment as outside FC.
func TestReconcileCommand(t *testing.T) {
	stack := startStack(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", devstack.DevAccessKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", devstack.DevAccessKeySecret)
	var received atomic.Int32
	up := atomic.Bool{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusBadRequest) // refused: not retried
			return
		}
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	client := oss.NewClient(oss.LoadDefaultConfig().WithRegion(stack.Region).WithEndpoint(stack.OSS).WithUsePathStyle(true).
		WithCredentialsProvider(osscreds.NewStaticCredentialsProvider(devstack.DevAccessKeyID, devstack.DevAccessKeySecret, "")))
	key := "uploads/alice/" + time.Now().UTC().Format("2006/01") + "/lost.bin"
	if _, err := client.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(stack.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("lost")}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OSS_BUCKET": stack.Bucket, "OSS_REGION": stack.Region, "OSS_ENDPOINT": stack.OSS, "AUTH_MODE": "none",
		"WEBHOOK_URL": rcv.URL, "WEBHOOK_SECRET": testWebhookSecret}

	out, errOut, code := runReconcile(t, env, "--dry-run")
	if m := decode(t, out); code != 0 || m["checked"] != 1.0 || len(m["pending"].([]any)) != 1 || received.Load() != 0 {
		t.Fatalf("dry run: exit %d, %s %s", code, out, errOut)
	}
	out, errOut, code = runReconcile(t, env)
	if m := decode(t, out); code != exitReconcileFailed || len(m["failed"].([]any)) != 1 || !strings.Contains(errOut, "not delivered") {
		t.Fatalf("receiver refusing: exit %d, %s %s", code, out, errOut)
	}
	up.Store(true)
	out, errOut, code = runReconcile(t, env, "--since", "1h", "--profile", "default")
	if m := decode(t, out); code != 0 || len(m["delivered"].([]any)) != 1 || received.Load() != 1 {
		t.Fatalf("receiver up: exit %d, %s %s", code, out, errOut)
	}
	out, errOut, code = runReconcile(t, env)
	if m := decode(t, out); code != 0 || m["alreadyDelivered"] != 1.0 || len(m["delivered"].([]any)) != 0 || received.Load() != 1 {
		t.Fatalf("again: exit %d, %s %s", code, out, errOut)
	}
}
