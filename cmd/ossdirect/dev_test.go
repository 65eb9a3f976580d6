package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevChild is `ossdirect dev` in a child process of the tests below
// (they re-run this test binary); it exits with dev's status.
func TestDevChild(t *testing.T) {
	args := os.Getenv("OSSDIRECT_DEV_ARGS")
	if args == "" {
		t.Skip("run by TestDevReadyBanner and TestDevBusyPort")
	}
	os.Exit(run(append([]string{"dev"}, strings.Split(args, "\x1f")...), os.Stdin, os.Stdout, os.Stderr))
}

func devChild(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDevChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "OSSDIRECT_DEV_ARGS="+strings.Join(args, "\x1f"))
	return cmd
}

// The human banner comes after binding, with the ports actually bound and
// the data folder given.
func TestDevReadyBanner(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again as ossdirect dev")
	}
	data := filepath.Join(t.TempDir(), "my data")
	cmd := devChild(t, "--addr", "127.0.0.1:0", "--oss-addr", "127.0.0.1:0", "--sts-addr", "127.0.0.1:0", "--data", data, "--web", "", "--log-level", "error")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var info struct{ API, OSS, STS string }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || json.Unmarshal([]byte(line), &info) != nil {
		t.Fatalf("first stdout line %q: %v", line, err)
	}
	banner := readUntil(t, stderr, "\n\n", "data")
	for _, want := range []string{"ossdirect dev is up", "upload page   " + info.API + "/", "status        " + info.API + "/status",
		"OSS emulator  " + info.OSS, "STS emulator  " + info.STS, "data          " + data} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, ":0/") || strings.Contains(banner, "8080") {
		t.Errorf("banner shows the asked-for port, not the bound one:\n%s", banner)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("dev after SIGTERM: %v", err)
	}
}

// A busy port: the error names the listener's flag and how to move it.
func TestDevBusyPort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again as ossdirect dev")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cmd := devChild(t, "--addr", "127.0.0.1:0", "--oss-addr", busy.Addr().String(), "--sts-addr", "127.0.0.1:0", "--data", t.TempDir(), "--web", "")
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
		t.Fatalf("dev on a busy port: %v, want a failure; output:\n%s", err, out)
	}
	for _, want := range []string{"address already in use", "hint: another program is using " + busy.Addr().String(), "DEV_FLAGS='--oss-addr 127.0.0.1:0'"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "ossdirect dev is up") {
		t.Errorf("the ready banner was printed although a listener failed:\n%s", out)
	}
}

// readUntil reads r until the text read so far contains after and then
// end, or 20 s pass.
func readUntil(t *testing.T, r interface{ Read([]byte) (int, error) }, end, after string) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			sb.Write(buf[:n])
			s := sb.String()
			if i := strings.Index(s, after); i >= 0 && strings.Contains(s[i:], end) || err != nil {
				done <- s
				return
			}
		}
	}()
	select {
	case s := <-done:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("no ready banner within 20 s")
		return ""
	}
}
