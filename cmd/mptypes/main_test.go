package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ossdirect/shared/upload"
)

const helper = "../../templates/miniprogram/ossdirect.js"

// The helper in the tree holds exactly the table this command writes.
func TestHelperIsUpToDate(t *testing.T) {
	t.Parallel()
	have, err := os.ReadFile(helper)
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(helper)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Errorf("templates/miniprogram/ossdirect.js: CONTENT_TYPES differs from shared/upload/mediatypes.go; run `go generate ./shared/upload`")
	}
}

// Read back, the rendered table maps every extension of shared/upload's
// table, and nothing else, to its canonical type.
func TestRenderRoundTrips(t *testing.T) {
	t.Parallel()
	types := upload.MediaTypes()
	block, err := render(types)
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`^  ('?)([a-z0-9_]+)('?): '([^'\\]+)',?$`)
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	if lines[0] != "var CONTENT_TYPES = {" || lines[len(lines)-1] != "};" {
		t.Fatalf("block:\n%s", block)
	}
	got := map[string]string{}
	for _, l := range lines[1 : len(lines)-1] {
		m := entry.FindStringSubmatch(l)
		if m == nil || m[1] != m[3] {
			t.Fatalf("not an entry: %q", l)
		}
		if _, dup := got[m[2]]; dup {
			t.Errorf("%s twice", m[2])
		}
		got[m[2]] = m[4]
	}
	if len(got) != len(types) {
		t.Errorf("%d entries, want %d", len(got), len(types))
	}
	for _, mt := range types {
		if got[mt.Ext] != mt.Types[0] {
			t.Errorf("%s: %q, want %q", mt.Ext, got[mt.Ext], mt.Types[0])
		}
	}
	if !strings.Contains(block, "  '7z': 'application/x-7z-compressed',\n") {
		t.Errorf("an extension that is not a JS identifier must be quoted:\n%s", block)
	}
}

func TestRenderRefusesWhatJSWouldNeedEscaped(t *testing.T) {
	t.Parallel()
	for _, bad := range []upload.MediaType{
		{Ext: "x", Types: nil},
		{Ext: "it's", Types: []string{"text/plain"}},
		{Ext: "x", Types: []string{"text/plain'"}},
		{Ext: "x", Types: []string{"text\\plain"}},
		{Ext: "x/y", Types: []string{"text/plain"}},
		{Ext: "X", Types: []string{"text/plain"}},
	} {
		if block, err := render([]upload.MediaType{bad}); err == nil {
			t.Errorf("render(%+v) = %q, want an error", bad, block)
		}
	}
}

func TestReplace(t *testing.T) {
	t.Parallel()
	b, e := beginMarker+"\n", endMarker+"\n"
	tests := []struct {
		name, src, want string
		wantErr         bool
	}{
		{name: "rewrites only the block", src: "a\n" + b + "old\nold\n" + e + "z\n", want: "a\n" + b + "NEW\n" + e + "z\n"},
		{name: "empty block", src: b + e, want: b + "NEW\n" + e},
		{name: "no markers", src: "var CONTENT_TYPES = {};\n", wantErr: true},
		{name: "no end", src: b + "old\n", wantErr: true},
		{name: "two begins", src: b + b + e, wantErr: true},
		{name: "end first", src: e + "x\n" + b, wantErr: true},
		{name: "marker not a whole line", src: b + "old " + endMarker, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := replace([]byte(tt.src), "NEW\n")
			if (err != nil) != tt.wantErr || (err == nil && string(got) != tt.want) {
				t.Errorf("replace = %q, %v; want %q (error: %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// run rewrites a file in place and keeps its mode.
func TestRunRewritesInPlace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ossdirect.js")
	if err := os.WriteFile(path, []byte("head\n"+beginMarker+"\nstale\n"+endMarker+"\ntail\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := run(path); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	block, _ := render(upload.MediaTypes())
	if want := "head\n" + beginMarker + "\n" + block + endMarker + "\ntail\n"; string(got) != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, %v; want 0640", info.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
