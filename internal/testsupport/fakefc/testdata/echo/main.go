// Command echo is the test function fakefc's end-to-end tests build: an
// fcrun.Start'ed http.Handler that reports what it saw. It is test data,
// not part of the build (testdata/ is ignored by ./...).
//
// Routes: /panic panics; /binary returns 256 binary bytes as image/png;
// /cookies sets two cookies; /slow waits 300 ms; anything else echoes the
// request as JSON (413 when the body is over fcrun's cap). OSS events are
// logged to stderr ("echo: oss event"); the object key "fail" makes the
// handler return an error and "panic" makes it panic.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"ossdirect/shared/credentials"
	"ossdirect/shared/fcrun"
)

// Echo is the JSON the echo route answers with.
type Echo struct {
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	EscapedPath   string              `json:"escapedPath"`
	RequestURI    string              `json:"requestURI"`
	RawQuery      string              `json:"rawQuery"`
	Query         map[string][]string `json:"query"`
	Header        http.Header         `json:"header"`
	Host          string              `json:"host"`
	RemoteAddr    string              `json:"remoteAddr"`
	ContentLength int64               `json:"contentLength"`
	Body          []byte              `json:"body"`
	AccessKeyID   string              `json:"accessKeyId"`
	SecurityToken string              `json:"securityToken"`
	HasCreds      bool                `json:"hasCreds"`
	FCRequestID   string              `json:"fcRequestId"`
	EventID       string              `json:"eventRequestId"`
	HasDeadline   bool                `json:"hasDeadline"`
	Pid           int                 `json:"pid"`
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("echo: magic panic path") })
	mux.HandleFunc("/binary", func(w http.ResponseWriter, _ *http.Request) {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", Path: "/"})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "slow done")
	})
	mux.HandleFunc("/", echo)

	err := fcrun.Start(mux, fcrun.Options{
		Events:     onOSS(logger),
		Logger:     logger,
		Lookup:     os.LookupEnv,
		ListenHost: "127.0.0.1", // test binary: loopback only
	})
	if err != nil {
		logger.Error("echo: start", "err", err)
		os.Exit(1)
	}
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	creds, ok := credentials.FromContext(r.Context())
	ak, token := creds.AccessKeyID, creds.SecurityToken
	e := Echo{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RequestURI: r.RequestURI,
		RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header, Host: r.Host, RemoteAddr: r.RemoteAddr,
		ContentLength: r.ContentLength, Body: body, AccessKeyID: ak, SecurityToken: token, HasCreds: ok,
		Pid: os.Getpid(),
	}
	if fcc, ok := fccontext.FromContext(r.Context()); ok {
		e.FCRequestID = fcc.RequestID
	}
	if ev, ok := fcrun.EventFromContext(r.Context()); ok && ev.TriggerContext.RequestId != nil {
		e.EventID = *ev.TriggerContext.RequestId
	}
	_, e.HasDeadline = r.Context().Deadline()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(e)
}

func onOSS(logger *slog.Logger) func(context.Context, *events.OssEvent) error {
	return func(ctx context.Context, ev *events.OssEvent) error {
		creds, _ := credentials.FromContext(ctx)
		ak := creds.AccessKeyID
		for _, rec := range ev.Events {
			if rec == nil || rec.Oss == nil || rec.Oss.Object == nil || rec.Oss.Object.Key == nil || rec.EventName == nil {
				return errors.New("echo: incomplete OSS record")
			}
			key := *rec.Oss.Object.Key
			switch key {
			case "fail":
				return errors.New("echo: refusing object fail")
			case "panic":
				panic("echo: OSS magic panic key")
			}
			logger.InfoContext(ctx, "echo: oss event", "event", *rec.EventName, "key", key, "ak", ak)
		}
		return nil
	}
}
