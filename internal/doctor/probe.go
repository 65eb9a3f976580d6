package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// answer is what OSS said to a probe.
type answer struct {
	Status  int
	Code    string // OSS's error code; "" on success
	Message string
	Date    time.Time // OSS's Date header (zero when absent)
	Header  http.Header
	Body    []byte
}

// ossError is OSS's error document (the fields doctor reads).
type ossError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// objectURL is base (an endpoint or upload host URL that addresses the
// bucket) followed by the encoded key.
func objectURL(base, key string) string {
	return strings.TrimSuffix(base, "/") + "/" + signing.URIEncode(key, false)
}

// bucketBase is the URL that addresses bucket through endpoint: virtual
// hosted for names, path style for IP addresses and localhost (as the SDK
// does).
func bucketBase(endpoint, bucket string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a URL", endpoint)
	}
	if isLocalHost(u.Hostname()) {
		return u.Scheme + "://" + u.Host + "/" + bucket, nil
	}
	return u.Scheme + "://" + bucket + "." + u.Host, nil
}

// isLocalHost reports an IP address or localhost (path-style addressing,
// the local stack).
func isLocalHost(host string) bool {
	return host == "localhost" || net.ParseIP(host) != nil
}

// isLoopback reports a host on this machine only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// probeKey is a key under ossdirect's own prefix that nothing uses.
func probeKey(name string) string {
	var b [6]byte
	rand.Read(b[:])
	return upload.ReservedPrefix + "doctor/" + hex.EncodeToString(b[:]) + "-" + name
}

// send signs (version "v4" or "v1") and sends method on key at base.
func (d *doctor) send(ctx context.Context, base, method, key, version string, creds signing.Credentials, header http.Header, body []byte) (*answer, error) {
	if header == nil {
		header = http.Header{}
	}
	sr := &signing.Request{Method: method, Bucket: d.cfg.App.Bucket, Key: key, Region: d.cfg.App.Region, Header: header}
	now := d.now()
	var err error
	if version == upload.SignatureV1 {
		_, err = signing.SignV1(sr, creds, now)
	} else {
		_, err = signing.SignV4(sr, creds, now)
	}
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, objectURL(base, key), strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header = sr.Header
	req.ContentLength = int64(len(body))
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	a := &answer{Status: resp.StatusCode, Header: resp.Header}
	a.Body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.Date = t
	}
	if resp.StatusCode >= 300 {
		var e ossError
		if xml.Unmarshal(a.Body, &e) == nil {
			a.Code, a.Message = e.Code, e.Message
		}
		if a.Code == "" { // HEAD and some proxies: no body
			a.Code = resp.Header.Get("x-oss-ec")
		}
	}
	return a, nil
}

// describe names what went wrong with a request, for a Detail.
func describe(a *answer, err error) string {
	switch {
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "no answer in time: " + err.Error()
		}
		return err.Error()
	case a.Code != "":
		if a.Message != "" {
			return fmt.Sprintf("%d %s: %s", a.Status, a.Code, a.Message)
		}
		return fmt.Sprintf("%d %s", a.Status, a.Code)
	}
	return fmt.Sprintf("%d", a.Status)
}
