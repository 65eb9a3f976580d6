package ossemu

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Server is the OSS emulator: an http.Handler. Create it with New.
type Server struct {
	cfg     Config
	store   store
	buckets map[string]bool
	log     *slog.Logger

	// Bucket configuration (bucketconfig.go) and the knobs that break the
	// emulator like a misconfigured account (knobs.go).
	bucketCfg map[string]*bucketState
	knobs     knobs
}

// New validates cfg, prepares cfg.Dir and returns the server.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	st, err := newFileStore(cfg.Dir, cfg.Buckets)
	if err != nil {
		return nil, fmt.Errorf("ossemu: preparing %s: %w", cfg.Dir, err)
	}
	st.fault = cfg.WriteFault
	s := &Server{cfg: cfg, store: st, buckets: map[string]bool{}, log: cfg.Logger}
	for _, b := range cfg.Buckets {
		s.buckets[b] = true
	}
	s.initBucketConfig()
	s.knobs.init(cfg)
	return s, nil
}

// KeyURL returns the URL at which the server publishes its callback public
// key, for a server reachable at baseURL (e.g. "http://127.0.0.1:9000"):
// baseURL + Config.KeyURLPath + KeyFileName. Callbacks carry it (base64) in
// x-oss-pub-key-url; a callback verifier must allow-list it (or its folder,
// baseURL + Config.KeyURLPath) explicitly. The key is only served on IP and
// localhost hosts, never on a CNAME host.
func (s *Server) KeyURL(baseURL string) string {
	return s.KeyURLPrefix(baseURL) + KeyFileName
}

// KeyURLPrefix returns baseURL + Config.KeyURLPath: the folder of KeyURL,
// ending with "/", in the form callback.CheckKeyURL takes as an allow-list
// entry.
func (s *Server) KeyURLPrefix(baseURL string) string {
	return strings.TrimSuffix(baseURL, "/") + s.cfg.KeyURLPath
}

// request is the state of one request.
type request struct {
	w   *statusWriter
	r   *http.Request
	id  string
	now time.Time
	log *slog.Logger
	// host is the request's host name, lower case, without port.
	host string
	// cname is true when host is a CNAME: the path is "/<key>".
	cname       bool
	bucket, key string
	query       url.Values
	// op names the operation, for the log.
	op string
	// errCode and errCause record the error answered, for the log.
	errCode  string
	errCause error
	// created is the event of the object the request stored (nil: none).
	created *Event
	// principal is who signed the request, once authenticated (overwrite
	// rules name it); subResources are the query names V1 signs beyond
	// signing's fixed set (bucket configuration: "cors", ...).
	principal    *Principal
	subResources []string
}

func (rq *request) hostID() string {
	if rq.bucket != "" && !rq.cname {
		return rq.bucket + "." + rq.host
	}
	return rq.host
}

// resource is the RAM resource of the request's object.
func (rq *request) resource() string { return "acs:oss:*:*:" + rq.bucket + "/" + rq.key }

// statusWriter records the status for the access log and keeps io.ReaderFrom
// (sendfile) available to io.Copy.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newRequestID returns 24 upper-case hex digits, like OSS's x-oss-request-id.
func newRequestID() string { return randomHex(12) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return strings.ToUpper(hex.EncodeToString(b))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	rq := &request{w: sw, r: r, id: newRequestID(), now: s.now()}
	rq.log = s.log.With("request_id", rq.id)
	h := sw.Header()
	h.Set("x-oss-request-id", rq.id)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", rq.now.Format(http.TimeFormat))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			rq.log.Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw.status == 0 {
				s.writeError(rq, newError(errInternal, fmt.Errorf("panic: %v", v)))
			}
		}
		s.logRequest(rq)
	}()
	defer s.emit(rq) // runs first, panics included
	body := limitIdle(w, r, s.cfg.BodyIdleTimeout)
	if err := s.serve(rq); err != nil {
		if body != nil && body.timedOut {
			// Whatever the operation made of the failed read (an
			// incomplete body, a malformed form), the client stalled.
			err = newError(errRequestTimeout, err)
		}
		if sw.status != 0 {
			// The response has started (e.g. a GetObject body failed midway).
			rq.errCause = err
			return
		}
		s.writeError(rq, err)
	}
}

func (s *Server) logRequest(rq *request) {
	attrs := []any{"method", rq.r.Method, "host", rq.host, "bucket", rq.bucket, "key", rq.key,
		"op", rq.op, "status", rq.w.status, "remote", rq.r.RemoteAddr}
	if rq.errCode != "" {
		attrs = append(attrs, "code", rq.errCode)
	}
	if rq.errCause != nil {
		attrs = append(attrs, "err", safeCause(rq.errCause))
	}
	rq.log.Info("request", attrs...)
}

// resolve works out the bucket and key the request addresses.
func (s *Server) resolve(rq *request) {
	host := rq.r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	rq.host = strings.ToLower(strings.Trim(host, "[]"))
	path := rq.r.URL.Path
	if b, ok := s.cfg.CNAMEs[rq.host]; ok {
		rq.cname, rq.bucket = true, b
		rq.key = strings.TrimPrefix(path, "/")
		return
	}
	rq.bucket, rq.key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
}

// serve routes the request to its operation.
func (s *Server) serve(rq *request) error {
	r := rq.r
	s.resolve(rq)
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return invalidArgument("The query string is malformed.")
	}
	rq.query = q
	if !rq.cname && r.URL.Path == s.cfg.KeyURLPath+KeyFileName {
		rq.op = "GetCallbackPublicKey"
		return s.servePublicKey(rq)
	}
	if rq.bucket == "" {
		rq.op = "Service"
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement service-level operations (ListBuckets).")
	}
	if !validBucketName(rq.bucket) {
		return newError(errInvalidBucketName, nil)
	}
	if !s.buckets[rq.bucket] {
		return newError(errNoSuchBucket, nil)
	}
	s.corsActual(rq)
	// Bucket configuration and the public-endpoint knob (bucketconfig.go, knobs.go).
	if op, ok := bucketConfigOp(rq); ok {
		return s.serveBucketConfig(rq, op)
	}
	if err := s.checkEndpoint(rq); err != nil {
		return err
	}
	if r.Method == http.MethodOptions {
		rq.op = "OptionObject"
		return s.preflight(rq)
	}
	_, uploads := q["uploads"]
	_, uploadID := q["uploadId"]
	_, partNumber := q["partNumber"]
	// ListObjectsV2 (GET /<bucket>?list-type=2) takes two parameters that
	// mean something else, unsupported, everywhere else.
	listV2 := rq.key == "" && r.Method == http.MethodGet && !uploads && q.Get("list-type") == "2" && len(q["list-type"]) == 1
	if name := unsupportedSubresource(q, listV2); name != "" {
		rq.op = "Unsupported"
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement the sub-resource or parameter " + strconv.Quote(name) + ".")
	}
	if v, ok := q["encoding-type"]; ok && (len(v) != 1 || v[0] != "url") {
		return invalidArgument("The encoding-type parameter must be \"url\".")
	}
	if rq.key == "" {
		if r.Method == http.MethodPost && !uploads && !uploadID && !partNumber {
			rq.op = "PostObject"
			return s.postObject(rq)
		}
		if listV2 {
			rq.op = "ListObjectsV2"
			return s.listObjectsV2(rq)
		}
		if r.Method == http.MethodGet && uploads && !uploadID && !partNumber {
			rq.op = "ListMultipartUploads"
			return s.listMultipartUploads(rq)
		}
		rq.op = "Bucket"
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement bucket-level operations other than PostObject, ListObjectsV2, ListMultipartUploads and the CORS, lifecycle and overwrite configurations (such as ListObjects without list-type=2).")
	}
	if err := checkObjectName(rq.key); err != nil {
		return err
	}
	switch {
	case r.Method == http.MethodPut && (uploadID || partNumber):
		rq.op = "UploadPart"
		return s.uploadPart(rq)
	case r.Method == http.MethodPut && !uploads && r.Header.Get("x-oss-copy-source") != "":
		rq.op = "CopyObject"
		return s.copyObject(rq)
	case r.Method == http.MethodPut && !uploads:
		rq.op = "PutObject"
		return s.putObject(rq)
	case r.Method == http.MethodGet && uploadID:
		rq.op = "ListParts"
		return s.listParts(rq)
	case r.Method == http.MethodGet && !uploads:
		rq.op = "GetObject"
		return s.getObject(rq, false)
	case r.Method == http.MethodHead && !uploads && !uploadID:
		rq.op = "HeadObject"
		return s.getObject(rq, true)
	case r.Method == http.MethodDelete && uploadID:
		rq.op = "AbortMultipartUpload"
		return s.abortUpload(rq)
	case r.Method == http.MethodDelete && !uploads:
		rq.op = "DeleteObject"
		return s.deleteObject(rq)
	case r.Method == http.MethodPost && uploads && !uploadID:
		rq.op = "InitiateMultipartUpload"
		return s.initiateUpload(rq)
	case r.Method == http.MethodPost && uploadID && !uploads:
		rq.op = "CompleteMultipartUpload"
		return s.completeUpload(rq)
	}
	rq.op = "Unsupported"
	return newError(errMethodNotAllowed, nil)
}

// unsupportedSubresources are OSS sub-resources and parameters with a
// meaning the emulator does not implement: answering them as a plain object
// operation would silently do something else, so they get 501.
var unsupportedSubresources = []string{
	"acl", "append", "asyncFetch", "bucketInfo", "cname", "comp", "continuation-token", "cors",
	"delete", "encryption", "endTime", "img", "inventory", "inventoryId", "lifecycle", "list-type",
	"live", "location", "logging", "metaQuery", "objectMeta", "policy", "position", "qos", "qosInfo",
	"referer", "regionList", "replication", "replicationLocation", "replicationProgress",
	"requestPayment", "resourceGroup", "restore", "rtc", "select", "sequential", "startTime",
	"stat", "status", "style", "styleName", "symlink", "tagging", "transferAcceleration",
	"versionId", "versioning", "versions", "vod", "website", "worm", "wormExtend", "wormId",
	"x-oss-async-process", "x-oss-process", "x-oss-request-payer", "cloudboxes", "overwriteConfig",
}

func unsupportedSubresource(q url.Values, listV2 bool) string {
	for _, name := range unsupportedSubresources {
		if listV2 && (name == "list-type" || name == "continuation-token") {
			continue
		}
		if _, ok := q[name]; ok {
			return name
		}
	}
	return ""
}

// checkObjectName applies OSS's object-name rules: UTF-8, 1–1023 bytes,
// not starting with "/" or "\".
func checkObjectName(key string) error {
	if key == "" || len(key) > 1023 || !utf8.ValidString(key) || key[0] == '/' || key[0] == '\\' {
		return newError(errInvalidObjectName, nil)
	}
	return nil
}

// Small shared helpers.

const defaultContentType = "application/octet-stream"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// quotedETag returns OSS's ETag for content with MD5 sum: quoted upper hex.
func quotedETag(sum []byte) string { return `"` + strings.ToUpper(hex.EncodeToString(sum)) + `"` }

// multipartETag returns the ETag of an object made of parts with the given
// (quoted hex) ETags: the MD5 of the concatenated binary part MD5s and "-N",
// as S3 computes it (OSS documents no formula; reference §8).
func multipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		b, _ := hex.DecodeString(strings.Trim(e, `"`))
		h.Write(b)
	}
	return `"` + strings.ToUpper(hex.EncodeToString(h.Sum(nil))) + "-" + strconv.Itoa(len(partETags)) + `"`
}

// safeCause renders an error for the log. Errors built by this package
// never carry secrets or tokens; the messages of Credentials
// implementations are not trusted and are reduced to their sentinel.
func safeCause(err error) string {
	for _, sentinel := range []error{ErrUnknownAccessKey, ErrSecurityTokenExpired, ErrInvalidSecurityToken} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	return err.Error()
}
