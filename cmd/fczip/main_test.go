package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

func TestWriteKeepsTheExecutableBitAndIsDeterministic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := writeFile(t, dir, "main", "\x7fELF fake binary", 0o700)
	conf := writeFile(t, dir, "profiles.json", `{"default":{}}`, 0o600)

	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if _, err := write(a, []string{bin, conf}); err != nil {
		t.Fatal(err)
	}
	if _, err := write(b, []string{bin, conf}); err != nil {
		t.Fatal(err)
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if !bytes.Equal(za, zb) {
		t.Error("two archives of the same files differ")
	}

	zr, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	wantConf := os.FileMode(0o644)
	if runtime.GOOS == "windows" {
		wantConf = 0o755
	}
	want := []struct {
		name, content string
		perm          os.FileMode
	}{
		{"main", "\x7fELF fake binary", 0o755},
		{"profiles.json", `{"default":{}}`, wantConf},
	}
	if len(zr.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(want))
	}
	for i, f := range zr.File {
		w := want[i]
		if f.Name != w.name || f.Mode() != w.perm || !f.Modified.Equal(modTime) || f.Method != zip.Deflate {
			t.Errorf("entry %d: %s %v %v method %d, want %s %v %v deflate", i, f.Name, f.Mode(), f.Modified, f.Method, w.name, w.perm, modTime)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != w.content {
			t.Errorf("%s: content %q, want %q", f.Name, got, w.content)
		}
	}
}

func TestWriteRefusesWithoutLeavingAPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := writeFile(t, dir, "main", "x", 0o755)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	y := writeFile(t, sub, "main", "y", 0o755)
	out := filepath.Join(dir, "out.zip")
	for name, files := range map[string][]string{
		"same base name": {x, y},
		"missing file":   {filepath.Join(dir, "nope")},
		"directory":      {sub},
	} {
		if _, err := write(out, files); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "main" && e.Name() != "sub" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// -C stores a folder's files under their relative paths, executables as
// 0755, in lexical order (make fc-app: the application's src/code/<fn>/main).
func TestWriteTreeKeepsPathsAndTheExecutableBit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := filepath.Join(dir, "app")
	for _, d := range []string{"src/code/callback", "src/bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, root, "publish.yaml", "Edition: 3.0.0\n", 0o644)
	writeFile(t, filepath.Join(root, "src", "code", "callback"), "main", "\x7fELF", 0o755)
	writeFile(t, filepath.Join(root, "src", "bin"), "preflight.sh", "#!/bin/sh\n", 0o755)
	out := filepath.Join(dir, "app.zip")
	if _, n, err := writeTree(out, root); err != nil || n != 3 {
		t.Fatalf("writeTree: %d files, %v", n, err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want := []struct {
		name string
		perm os.FileMode
	}{{"publish.yaml", 0o644}, {"src/bin/preflight.sh", 0o755}, {"src/code/callback/main", 0o755}}
	if runtime.GOOS == "windows" {
		want[0].perm = 0o755
	}
	if len(zr.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(want))
	}
	for i, f := range zr.File {
		if f.Name != want[i].name || f.Mode() != want[i].perm {
			t.Errorf("entry %d: %s %v, want %s %v", i, f.Name, f.Mode(), want[i].name, want[i].perm)
		}
	}
}
