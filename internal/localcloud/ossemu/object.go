package ossemu

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// storedHeaders are the standard HTTP headers kept with an object and
// returned by GetObject and HeadObject (canonical names).
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// maxUserMeta bounds all x-oss-meta-* names and values together.
const maxUserMeta = 8 << 10

// uploadOptions are the object settings an upload request carries.
type uploadOptions struct {
	meta            objectMeta
	forbidOverwrite bool
	contentMD5      []byte // nil when not sent
}

// checkUnsupported refuses upload settings the emulator cannot honour
// (ACLs other than private, storage classes, encryption, tagging), rather
// than storing an object without them. get looks a header or form field up.
func checkUnsupported(get func(string) string) error {
	notImpl := func(name string) error {
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement " + name + ".")
	}
	if v := get("x-oss-object-acl"); v != "" && !strings.EqualFold(v, "default") && !strings.EqualFold(v, "private") {
		return notImpl("x-oss-object-acl " + strconv.Quote(v))
	}
	if v := get("x-oss-storage-class"); v != "" && !strings.EqualFold(v, "Standard") {
		return notImpl("x-oss-storage-class " + strconv.Quote(v))
	}
	for _, name := range []string{"x-oss-server-side-encryption", "x-oss-server-side-encryption-key-id",
		"x-oss-server-side-data-encryption", "x-oss-tagging"} {
		if get(name) != "" {
			return notImpl(name)
		}
	}
	return nil
}

// parseForbidOverwrite reads x-oss-forbid-overwrite: "true", "false" or absent.
func parseForbidOverwrite(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, invalidArgument("The x-oss-forbid-overwrite value must be true or false.").withEC("0006-00000117")
}

// parseContentMD5 decodes a Content-MD5 value.
func parseContentMD5(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != md5.Size {
		return nil, newError(errInvalidDigest, err)
	}
	return b, nil
}

// uploadHeaders reads the upload settings of a PutObject or
// InitiateMultipartUpload request.
func uploadHeaders(h http.Header) (*uploadOptions, error) {
	if err := checkUnsupported(h.Get); err != nil {
		return nil, err
	}
	o := &uploadOptions{meta: objectMeta{ContentType: h.Get("Content-Type")}}
	if o.meta.ContentType == "" {
		o.meta.ContentType = defaultContentType
	}
	for _, name := range storedHeaders {
		if v := h.Get(name); v != "" {
			if o.meta.Headers == nil {
				o.meta.Headers = map[string]string{}
			}
			o.meta.Headers[name] = v
		}
	}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, "x-oss-meta-") {
			continue
		}
		v := strings.Join(vs, ",")
		if o.meta.UserMeta == nil {
			o.meta.UserMeta = map[string]string{}
		}
		o.meta.UserMeta[lk] = v
		size += len(lk) + len(v)
	}
	if size > maxUserMeta {
		return nil, invalidArgument("The user metadata (x-oss-meta-*) exceeds 8 KB.")
	}
	var err error
	if o.forbidOverwrite, err = parseForbidOverwrite(h.Get("x-oss-forbid-overwrite")); err != nil {
		return nil, err
	}
	if o.contentMD5, err = parseContentMD5(h.Get("Content-MD5")); err != nil {
		return nil, err
	}
	return o, nil
}

// stage streams body to temporary storage. contentLength is the announced
// length (-1 when unknown); limit the largest acceptable body.
func (s *Server) stage(body io.Reader, contentLength, limit int64) (*staged, error) {
	if contentLength > limit {
		return nil, newError(errEntityTooLarge, nil)
	}
	st, err := s.store.Stage(body, limit)
	var re *readError
	switch {
	case errors.Is(err, errTooLarge):
		return nil, newError(errEntityTooLarge, err)
	case errors.As(err, &re):
		return nil, newError(errIncompleteBody, err)
	case err != nil:
		return nil, newError(errInternal, err)
	}
	if contentLength >= 0 && st.Size != contentLength {
		s.store.Discard(st)
		return nil, newError(errIncompleteBody, nil)
	}
	return st, nil
}

// commit installs st as the request's object and, with Config.Events set,
// records its event (see created). The replaced object's size, for the
// event's DeltaSize, is read just before the commit: a concurrent upload of
// the same key can make it stale.
func (s *Server) commit(rq *request, st *staged, m *objectMeta, noOverwrite bool) error {
	// The bucket's overwrite rules refuse like x-oss-forbid-overwrite (bucketconfig.go).
	noOverwrite = noOverwrite || s.overwriteForbidden(rq)
	prevSize := int64(-1)
	if s.cfg.Events != nil {
		if prev, err := s.store.Stat(rq.bucket, rq.key); err == nil {
			prevSize = prev.Size
		}
	}
	err := s.store.Commit(st, rq.bucket, rq.key, m, noOverwrite)
	switch {
	case errors.Is(err, errExists):
		return newError(errFileAlreadyExists, nil)
	case err != nil:
		return newError(errInternal, err)
	}
	s.created(rq, m, prevSize)
	return nil
}

// checkNotExists answers 409 early when overwriting is forbidden and the
// object exists (Commit checks again, atomically).
func (s *Server) checkNotExists(rq *request) error {
	ok, err := s.store.Exists(rq.bucket, rq.key)
	switch {
	case err != nil:
		return newError(errInternal, err)
	case ok:
		return newError(errFileAlreadyExists, nil)
	}
	return nil
}

// simpleMeta completes meta for a body uploaded in one piece.
func simpleMeta(base objectMeta, st *staged, now time.Time) objectMeta {
	m := base
	m.Size = st.Size
	m.ETag = quotedETag(st.MD5[:])
	m.CRC64 = st.CRC64
	m.ContentMD5 = b64(st.MD5[:])
	m.LastModified = now
	return m
}

func (s *Server) putObject(rq *request) error {
	if err := s.authorize(rq, actionPutObject); err != nil {
		return err
	}
	o, err := uploadHeaders(rq.r.Header)
	if err != nil {
		return err
	}
	cb, cbVar, err := callbackParams(rq)
	if err != nil {
		return err
	}
	spec, err := s.parseCallback(cb, cbVar, nil)
	if err != nil {
		return err
	}
	if rq.r.ContentLength > s.cfg.MaxObjectSize {
		return newError(errEntityTooLarge, nil)
	}
	if o.forbidOverwrite {
		if err := s.checkNotExists(rq); err != nil {
			return err
		}
	}
	st, err := s.stage(rq.r.Body, rq.r.ContentLength, s.cfg.MaxObjectSize)
	if err != nil {
		return err
	}
	defer s.store.Discard(st)
	if o.contentMD5 != nil && !bytes.Equal(o.contentMD5, st.MD5[:]) {
		return newError(errInvalidDigest, nil)
	}
	m := simpleMeta(o.meta, st, rq.now)
	if err := s.commit(rq, st, &m, o.forbidOverwrite); err != nil {
		return err
	}
	setUploadHeaders(rq.w.Header(), &m)
	if spec != nil {
		return s.finishCallback(rq, spec, &m, "PutObject")
	}
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// copyObject answers CopyObject (PUT with x-oss-copy-source:
// /<bucket>/<url-encoded key>) within the emulator's buckets. Like OSS, it
// needs oss:PutObject on the target and oss:GetObject on the source;
// x-oss-metadata-directive COPY (default) keeps the source's content type,
// headers and user metadata, REPLACE takes the request's. The copy is
// staged and committed like any upload (forbid-overwrite included), so its
// ETag is the MD5 of the bytes even when the source was a multipart object.
// Conditional copies (x-oss-copy-source-if-*) get 501.
func (s *Server) copyObject(rq *request) error {
	p, err := s.authenticate(rq)
	if err != nil {
		return err
	}
	if err := allow(p, actionPutObject, rq.resource()); err != nil {
		return err
	}
	for k := range rq.r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-oss-copy-source-") {
			return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement " + strings.ToLower(k) + ".")
		}
	}
	src := rq.r.Header.Get("x-oss-copy-source")
	bucket, key, ok := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if ok {
		key, err = url.PathUnescape(key)
	}
	if !ok || err != nil || !s.buckets[bucket] || checkObjectName(key) != nil {
		return invalidArgument("Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.")
	}
	if err := allow(p, actionGetObject, "acs:oss:*:*:"+bucket+"/"+key); err != nil {
		return err
	}
	o, err := uploadHeaders(rq.r.Header)
	if err != nil {
		return err
	}
	directive := rq.r.Header.Get("x-oss-metadata-directive")
	switch directive {
	case "", "COPY", "REPLACE":
	default:
		return invalidArgument("Unsupported x-oss-metadata-directive " + strconv.Quote(directive) + "; allowed: COPY, REPLACE.")
	}
	f, sm, err := s.open(bucket, key)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.forbidOverwrite {
		if err := s.checkNotExists(rq); err != nil {
			return err
		}
	}
	st, err := s.stage(f, sm.Size, s.cfg.MaxObjectSize)
	if err != nil {
		return err
	}
	defer s.store.Discard(st)
	base := o.meta
	if directive != "REPLACE" {
		base = objectMeta{ContentType: sm.ContentType, Headers: sm.Headers, UserMeta: sm.UserMeta}
	}
	m := simpleMeta(base, st, rq.now)
	if err := s.commit(rq, st, &m, o.forbidOverwrite); err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string
		LastModified string
	}{ETag: m.ETag, LastModified: m.LastModified.UTC().Format(timeLayout)})
}

// setUploadHeaders sets the headers of a successful upload.
func setUploadHeaders(h http.Header, m *objectMeta) {
	h.Set("ETag", m.ETag)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	if m.ContentMD5 != "" {
		h.Set("Content-MD5", m.ContentMD5)
	}
}

// responseOverrides maps GetObject's response-* parameters to the headers
// they replace.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

// open opens an object for reading: NoSuchKey when it does not exist.
func (s *Server) open(bucket, key string) (io.ReadSeekCloser, *objectMeta, error) {
	f, m, err := s.store.Open(bucket, key)
	switch {
	case errors.Is(err, errNotFound):
		return nil, nil, newError(errNoSuchKey, nil)
	case err != nil:
		return nil, nil, newError(errInternal, err)
	}
	return f, m, nil
}

// getObject answers GetObject, or HeadObject when head is set.
func (s *Server) getObject(rq *request, head bool) error {
	if err := s.authorize(rq, actionGetObject); err != nil {
		return err
	}
	f, m, err := s.open(rq.bucket, rq.key)
	if err != nil {
		return err
	}
	defer f.Close()
	h := rq.w.Header()
	h.Set("ETag", m.ETag)
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	if notModified, err := checkConditions(rq.r.Header, m); err != nil {
		return err
	} else if notModified {
		rq.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", m.ContentType)
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	h.Set("x-oss-storage-class", "Standard")
	if m.Multipart {
		h.Set("x-oss-object-type", "Multipart")
	} else {
		h.Set("x-oss-object-type", "Normal")
	}
	if m.ContentMD5 != "" {
		h.Set("Content-MD5", m.ContentMD5)
	}
	for k, v := range m.Headers {
		h.Set(k, v)
	}
	for k, v := range m.UserMeta {
		h.Set(k, v)
	}
	if head {
		h.Set("Content-Length", itoa(m.Size))
		rq.w.WriteHeader(http.StatusOK)
		return nil
	}
	for param, header := range responseOverrides {
		if v := rq.query.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	start, end, ranged, err := parseRange(rq.r.Header.Get("Range"), m.Size)
	if err != nil {
		return err
	}
	if !ranged {
		h.Set("Content-Length", itoa(m.Size))
		rq.w.WriteHeader(http.StatusOK)
		_, err := io.Copy(rq.w, f)
		return err
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return newError(errInternal, err)
	}
	n := end - start + 1
	h.Set("Content-Range", "bytes "+itoa(start)+"-"+itoa(end)+"/"+itoa(m.Size))
	h.Set("Content-Length", itoa(n))
	rq.w.WriteHeader(http.StatusPartialContent)
	_, err = io.CopyN(rq.w, f, n)
	return err
}

// parseRange interprets a Range header for an object of size bytes the way
// OSS does by default: one "bytes=" range; a malformed or multi-range value
// is ignored (the whole object is returned); an end past the object is cut
// to its last byte; a start at or past the end (or any range of an empty
// object) is 416 InvalidRange.
func parseRange(v string, size int64) (start, end int64, ranged bool, err error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, 0, false, nil
	}
	unsatisfiable := &apiError{kind: errInvalidRange, header: map[string]string{"Content-Range": "bytes */" + itoa(size)}}
	parse := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0 && s != "" && s[0] != '+'
	}
	switch {
	case first == "":
		n, ok := parse(last)
		if !ok {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, unsatisfiable
		}
		return max(size-n, 0), size - 1, true, nil
	default:
		a, ok := parse(first)
		if !ok {
			return 0, 0, false, nil
		}
		b := size - 1
		if last != "" {
			if b, ok = parse(last); !ok || b < a {
				return 0, 0, false, nil
			}
		}
		if a >= size {
			return 0, 0, false, unsatisfiable
		}
		return a, min(b, size-1), true, nil
	}
}

// checkConditions evaluates If-Match, If-Unmodified-Since (412) and
// If-None-Match, If-Modified-Since (304).
func checkConditions(h http.Header, m *objectMeta) (notModified bool, err error) {
	etagMatches := func(list string) bool {
		for _, e := range strings.Split(list, ",") {
			e = strings.TrimSpace(e)
			if e == "*" || strings.Trim(e, `"`) == strings.Trim(m.ETag, `"`) {
				return true
			}
		}
		return false
	}
	mod := m.LastModified.Truncate(time.Second)
	if v := h.Get("If-Match"); v != "" && !etagMatches(v) {
		return false, newError(errPreconditionFailed, nil)
	}
	if v := h.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && mod.After(t) {
			return false, newError(errPreconditionFailed, nil)
		}
	}
	if v := h.Get("If-None-Match"); v != "" {
		return etagMatches(v), nil
	}
	if v := h.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !mod.After(t) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) deleteObject(rq *request) error {
	if err := s.authorize(rq, actionDeleteObject); err != nil {
		return err
	}
	if err := s.store.Delete(rq.bucket, rq.key); err != nil {
		return newError(errInternal, err)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}
