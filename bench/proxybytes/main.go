// Command proxybytes measures the bytes a server carries per upload when
// the upload goes through it (the baseline direct uploads avoid): a
// loopback server that accepts a browser-style multipart/form-data POST
// with one file part, reads the file and answers a small JSON, as a
// proxying upload endpoint does before it forwards the file to OSS. For each
// -size it POSTs such a form (streamed, with Content-Length, like a browser's
// FormData) and counts every byte on the client's connection: written
// (request line, headers, form boundaries, part headers, the file) and read
// (the answer). The forward to OSS is not counted, so the figure is a lower
// bound for a real proxy (which also sends the file on to OSS, twice the
// bytes through it). With -get URL it also counts one GET of URL the same
// way (a signing request, for the direct upload's side).
//
//	proxybytes -size 1MiB -size 1GiB [-get 'http://127.0.0.1:18090/?filename=a.png']
//
// One JSON line per measurement.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// counted is a connection that counts what passes through it.
type counted struct {
	net.Conn
	in, out *atomic.Int64
}

func (c counted) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.Add(int64(n))
	return n, err
}

func (c counted) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.Add(int64(n))
	return n, err
}

// Result is one JSON line.
type Result struct {
	What     string `json:"what"`
	FileSize int64  `json:"file_bytes,omitempty"`
	Sent     int64  `json:"request_bytes"`
	Received int64  `json:"response_bytes"`
	Total    int64  `json:"through_server_bytes"`
	Overhead int64  `json:"overhead_bytes"` // total - file size
}

type sizeList []int64

func (l *sizeList) String() string { return fmt.Sprint(*l) }
func (l *sizeList) Set(s string) error {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("want a size like 1MiB, got %q", s)
	}
	*l = append(*l, n*mult)
	return nil
}

type getList []string

func (l *getList) String() string     { return strings.Join(*l, " ") }
func (l *getList) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var sizes sizeList
	var gets getList
	flag.Var(&sizes, "size", "file size to upload through the proxy (repeatable; 1MiB, 1GiB, bytes)")
	flag.Var(&gets, "get", "also count one GET of this URL (repeatable)")
	flag.Parse()
	if len(sizes) == 0 && len(gets) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	if len(sizes) > 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		go http.Serve(l, http.HandlerFunc(proxyEndpoint))
		for _, size := range sizes {
			r, err := proxyUpload("http://"+l.Addr().String()+"/upload", size)
			if err != nil {
				fail(err)
			}
			enc.Encode(r)
		}
	}
	for _, u := range gets {
		r, err := get(u)
		if err != nil {
			fail(err)
		}
		enc.Encode(r)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "proxybytes:", err)
	os.Exit(1)
}

// client returns an HTTP client whose one connection counts into in/out.
func client(in, out *atomic.Int64) *http.Client {
	d := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{
		Proxy:              nil,
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return counted{c, in, out}, nil
		},
	}}
}

// proxyEndpoint reads a multipart form's file part to the end and answers
// what a proxying upload endpoint answers: the stored key and size.
func proxyEndpoint(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var n int64
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, _ := io.Copy(io.Discard, p)
		n += c
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"key":"uploads/anonymous/2026/12/0f8fad5b-d9cb-469f-a165-70867728950e.bin","size":%d}`, n)
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// writeForm writes the form a browser's FormData with one file sends.
func writeForm(w io.Writer, boundary string, size int64) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="photo.bin"`)
	h.Set("Content-Type", "application/octet-stream")
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(part, zeros{}, size); err != nil {
		return err
	}
	return mw.Close()
}

type discardCounter struct{ n int64 }

func (d *discardCounter) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

func proxyUpload(url string, size int64) (Result, error) {
	const boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW" // a browser's shape
	var length discardCounter
	if err := writeForm(&length, boundary, size); err != nil {
		return Result{}, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeForm(pw, boundary, size)) }()
	req, err := http.NewRequest(http.MethodPost, url, pr)
	if err != nil {
		return Result{}, err
	}
	req.ContentLength = length.n
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	var in, out atomic.Int64
	resp, err := client(&in, &out).Do(req)
	if err != nil {
		return Result{}, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("proxy upload of %d bytes: %s", size, resp.Status)
	}
	r := Result{What: "proxy upload (multipart/form-data POST through the server)", FileSize: size, Sent: out.Load(), Received: in.Load()}
	r.Total = r.Sent + r.Received
	r.Overhead = r.Total - size
	return r, nil
}

func get(url string) (Result, error) {
	var in, out atomic.Int64
	resp, err := client(&in, &out).Get(url)
	if err != nil {
		return Result{}, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	r := Result{What: "GET " + url, Sent: out.Load(), Received: in.Load()}
	r.Total = r.Sent + r.Received
	r.Overhead = r.Total
	return r, nil
}
