// Command fczip writes a Function Compute code package: a zip archive with
// the given files at its root, executable files stored with mode 0755 so the
// go1 runtime can exec the handler (reference/fc3.md §4.2). It replaces the
// zip binary, which CI machines may lack, and behaves the same on every OS.
//
// Usage:
//
//	go run ./cmd/fczip <zip> <file>...
//	go run ./cmd/fczip <zip> -C <dir>
//
// Each file is stored under its base name, Deflate-compressed, with a fixed
// timestamp (1980-01-01 00:00:00 UTC, the zip epoch), in argument order, so
// the same inputs give byte-identical archives. A file with any execute bit
// set is stored as 0755, any other as 0644; on Windows, which has no execute
// bits, every file is stored as 0755 (a code package holds the handler
// binary). The archive is written to a temporary file beside <zip> and
// renamed into place, so a failed run never leaves a partial package.
//
// With -C, every regular file under <dir> is stored under its path
// relative to <dir> (slash-separated, in lexical order), with the same
// modes and timestamp: the application package of `make fc-app`, whose
// function binaries must stay executable.
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
	var size int64
	var err error
	if len(files) == 2 && files[0] == "-C" {
		var n int
		size, n, err = writeTree(out, files[1])
		if err == nil {
			fmt.Printf("fczip: %s: %d bytes, %d file(s)\n", out, size, n)
			return
		}
	} else {
		size, err = write(out, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fczip:", err)
		os.Exit(1)
	}
	fmt.Printf("fczip: %s: %d bytes, %d file(s)\n", out, size, len(files))
}

// writeTree creates the archive out holding every regular file under dir
// by its relative path, and returns its size and the number of files.
func writeTree(out, dir string) (size int64, n int, err error) {
	var entries [][2]string // path, name
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		entries = append(entries, [2]string{path, filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	size, err = writeWith(out, func(w io.Writer) error { return archiveEntries(w, entries) })
	return size, len(entries), err
}

// write creates the archive out holding files and returns its size.
func write(out string, files []string) (size int64, err error) {
	return writeWith(out, func(w io.Writer) error { return archive(w, files) })
}

// writeWith writes the archive fill produces to a temporary file beside
// out and renames it into place.
func writeWith(out string, fill func(io.Writer) error) (size int64, err error) {
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
	if err := fill(tmp); err != nil {
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

// archive writes the zip of files, each under its base name, to w.
func archive(w io.Writer, files []string) error {
	entries := make([][2]string, len(files))
	for i, path := range files {
		entries[i] = [2]string{path, filepath.Base(path)}
	}
	return archiveEntries(w, entries)
}

// archiveEntries writes the zip of entries (path on disk, name in the
// archive) to w.
func archiveEntries(w io.Writer, entries [][2]string) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	seen := map[string]string{}
	for _, e := range entries {
		path, name := e[0], e[1]
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
