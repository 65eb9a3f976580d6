package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/shared/api"
	"ossdirect/shared/upload"
)

// benchProfiles: no overwrite records, so the end-to-end figure is
// verification plus exactly one HEAD.
const benchProfiles = `{"docs": {"prefix": "docs/{sub}/", "maxSize": 65536, "contentTypes": ["text/plain"], "forbidOverwrite": false}}`

// BenchmarkCallback replays one genuine OSS callback (signed by the OSS
// emulator, carrying a grant binding) into the callback function:
//
//	verify:     RSA signature with the cached key, grant binding, bucket,
//	            key and profile checks — everything but the witness (the
//	            handler has no object store and stops there with 501);
//	end-to-end: the same plus the HEAD of the object in the emulator.
//
// keyfetches/op counts public-key fetches after the first: it must be 0.
//
//	go test -run '^$' -bench BenchmarkCallback -benchmem -count 5 ./shared/api/
func BenchmarkCallback(b *testing.B) {
	s := startStack(b, devstack.Config{Profiles: benchProfiles})
	replay := captureCallback(b, s, "docs/anonymous/bench.txt")
	profiles, err := upload.ParseProfiles([]byte(benchProfiles))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		objects api.ObjectStore
		want    int
	}{
		{name: "verify", want: http.StatusNotImplemented},
		{name: "end-to-end", objects: objectsOf(b, s), want: http.StatusOK},
	} {
		b.Run(tc.name, func(b *testing.B) {
			keys := &countingKeyClient{}
			h := newHandlers(b, api.Config{Bucket: s.Bucket, Region: s.Region, UploadHost: s.OSS + "/" + s.Bucket, Profiles: profiles,
				KeyURLPrefixes: []string{s.KeyURLPrefix}, KeyClient: keys, GrantSecrets: [][]byte{testGrantSecret}, Objects: tc.objects}).Handler(api.CallbackFn)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, replay()) // fetches the key
			if w.Code != tc.want {
				b.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			first := keys.fetches.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, replay())
				if w.Code != tc.want {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(keys.fetches.Load()-first)/float64(b.N), "keyfetches/op")
		})
	}
}

// captureCallback uploads key (in benchProfiles' docs directory) with a
// callback to a recorder and returns a function making a fresh copy of
// the callback request OSS sent.
func captureCallback(b *testing.B, s *devstack.Stack, key string) func() *http.Request {
	b.Helper()
	var captured *http.Request
	var body []byte
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		captured = r
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Status":"OK"}`))
	}))
	defer rec.Close()
	bind := binding(key, "anonymous", "docs")
	if err := putWithCallback(b, s, &callbackApp{url: rec.URL}, key, "text/plain", []byte("bench"), &bind, ""); err != nil {
		b.Fatal(err)
	}
	return func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, captured.URL.RequestURI(), bytes.NewReader(body))
		r.Header = captured.Header.Clone()
		return r
	}
}
