// Command fczip writes a Function Compute code package: a zip archive with
// the given files at its root, executable files stored with mode 0755 so the
// go1 runtime can exec the handler (reference/fc3.md §4.2). It replaces the
// zip binary, which CI machines may lack, and behaves the same on every OS.
//
// Usage:
//
//	go run ./cmd/fczip <zip> <file>...
//
// Each file is stored under its base name, Deflate-compressed, with a fixed
// timestamp (1980-01-01 00:00:00 UTC, the zip epoch), in argument order, so
// the same inputs give byte-identical archives. A file with any execute bit
// set is stored as 0755, any other as 0644; on Windows, which has no execute
// bits, every file is stored as 0755 (a code package holds the handler
// binary). The archive is written to a temporary file beside <zip> and
// renamed into place, so a failed run never leaves a partial package.
package main

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// modTime is stored for every entry: the zip (MS-DOS) epoch.
var modTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: fczip <zip> <file>...")
		os.Exit(2)
	}
	out, files := os.Args[1], os.Args[2:]
	size, err := write(out, files)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fczip:", err)
		os.Exit(1)
	}
	fmt.Printf("fczip: %s: %d bytes, %d file(s)\n", out, size, len(files))
}

// write creates the archive out holding files and returns its size.
func write(out string, files []string) (size int64, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".fczip-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := archive(tmp, files); err != nil {
		return 0, err
	}
	info, err := tmp.Stat()
	if err != nil {
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	return info.Size(), os.Rename(tmp.Name(), out)
}

// archive writes the zip of files to w.
func archive(w io.Writer, files []string) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	seen := map[string]string{}
	for _, path := range files {
		name := filepath.Base(path)
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("%s and %s would both be stored as %q", prev, path, name)
		}
		seen[name] = path
		if err := add(zw, path, name); err != nil {
			return err
		}
	}
	return zw.Close()
}

func add(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modTime}
	hdr.SetMode(mode(info.Mode()))
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	n, err := io.Copy(w, f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if n != info.Size() {
		return errors.New(path + ": changed while being archived")
	}
	return nil
}

// mode is the permission stored for a file whose mode on disk is m.
func mode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 || runtime.GOOS == "windows" {
		return 0o755
	}
	return 0o644
}
