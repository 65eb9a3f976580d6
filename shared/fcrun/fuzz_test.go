package fcrun

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
)

// FuzzRequest: any HTTP-trigger event FC could hand over (the client's
// method, path, query, headers and body, as JSON) becomes a request whose
// body reads back, or is refused with ErrMalformedEvent; never a panic.
// The seeds are the captured fixtures in testdata.
func FuzzRequest(f *testing.F) {
	files, err := filepath.Glob("testdata/http-*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"rawPath":"/%zz","body":"!!","isBase64Encoded":true}`))
	f.Add([]byte(`{"headers":{"Content-Length":"-1","Host":"a b"},"requestContext":{"http":{"method":"G ET"}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev events.HTTPTriggerEvent
		if json.Unmarshal(raw, &ev) != nil {
			return
		}
		req, err := Request(context.Background(), &ev)
		if err != nil {
			if !errors.Is(err, ErrMalformedEvent) {
				t.Fatalf("Request(%s): %v, want ErrMalformedEvent", raw, err)
			}
			return
		}
		if req.Method == "" || req.URL == nil {
			t.Fatalf("Request(%s) = %+v: no method or URL", raw, req)
		}
		if req.Body != nil {
			if _, err := io.ReadAll(req.Body); err != nil {
				t.Fatalf("Request(%s): reading the body: %v", raw, err)
			}
		}
	})
}
