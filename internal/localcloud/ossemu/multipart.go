package ossemu

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// minPartSize is the smallest part other than the last (100 KB).
	minPartSize = 100 << 10
	// maxPartNumber is the largest part number.
	maxPartNumber = 10000
	// maxListParts is ListParts' largest and default max-parts.
	maxListParts = 1000
	// maxCompleteBody bounds a CompleteMultipartUpload XML body.
	maxCompleteBody = 2 << 20
	// timeLayout is OSS's XML time format.
	timeLayout = "2006-01-02T15:04:05.000Z"
)

// writeXML writes v as an XML document with status.
func writeXML(rq *request, status int, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return newError(errInternal, err)
	}
	body = append([]byte(xml.Header), body...)
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(body)
	return nil
}

// encodingURL reports whether the request asked for encoding-type=url
// (the only value serve lets through).
func encodingURL(rq *request) bool { return rq.query.Has("encoding-type") }

// xmlKey renders the request's key for an XML response.
func xmlKey(rq *request) string { return xmlValue(rq, rq.key) }

// xmlValue renders a key, prefix, delimiter or marker for an XML response
// (URL-encoded when asked).
func xmlValue(rq *request, v string) string {
	if encodingURL(rq) {
		return url.QueryEscape(v)
	}
	return v
}

func xmlEncodingType(rq *request) string {
	if encodingURL(rq) {
		return "url"
	}
	return ""
}

// findUpload returns the request's multipart upload (uploadId), which must
// belong to the addressed object.
func (s *Server) findUpload(rq *request) (*uploadInfo, error) {
	id := rq.query.Get("uploadId")
	if id == "" {
		return nil, invalidArgument("The uploadId parameter is empty.")
	}
	u, err := s.store.Upload(id)
	switch {
	case errors.Is(err, errNoUpload):
		return nil, newError(errNoSuchUpload, nil)
	case err != nil:
		return nil, newError(errInternal, err)
	case u.Bucket != rq.bucket || u.Key != rq.key:
		return nil, newError(errNoSuchUpload, nil)
	}
	return u, nil
}

func uploadError(err error) error {
	switch {
	case errors.Is(err, errNoUpload):
		return newError(errNoSuchUpload, nil)
	case errors.Is(err, errBadPart):
		return newError(errInvalidPart, err)
	}
	return newError(errInternal, err)
}

func (s *Server) initiateUpload(rq *request) error {
	if err := s.authorize(rq, actionPutObject); err != nil {
		return err
	}
	o, err := uploadHeaders(rq.r.Header)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, 64<<10))
	if err != nil {
		return newError(errIncompleteBody, err)
	}
	if o.contentMD5 != nil {
		if sum := md5.Sum(body); !bytes.Equal(sum[:], o.contentMD5) {
			return newError(errInvalidDigest, nil)
		}
	}
	if o.forbidOverwrite {
		if err := s.checkNotExists(rq); err != nil {
			return err
		}
	}
	u := &uploadInfo{ID: randomHex(16), Bucket: rq.bucket, Key: rq.key, Initiated: rq.now,
		Meta: o.meta, ForbidOverwrite: o.forbidOverwrite}
	if err := s.store.CreateUpload(u); err != nil {
		return newError(errInternal, err)
	}
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
		EncodingType string   `xml:",omitempty"`
		Bucket       string
		Key          string
		UploadID     string `xml:"UploadId"`
	}{EncodingType: xmlEncodingType(rq), Bucket: rq.bucket, Key: xmlKey(rq), UploadID: u.ID})
}

func (s *Server) uploadPart(rq *request) error {
	if err := s.authorize(rq, actionPutObject); err != nil {
		return err
	}
	if rq.r.Header.Get("x-oss-copy-source") != "" {
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement UploadPartCopy (x-oss-copy-source).")
	}
	n, err := strconv.Atoi(rq.query.Get("partNumber"))
	if err != nil || n < 1 || n > maxPartNumber {
		return invalidArgument("Part number must be an integer between 1 and 10000, inclusive.")
	}
	u, err := s.findUpload(rq)
	if err != nil {
		return err
	}
	contentMD5, err := parseContentMD5(rq.r.Header.Get("Content-MD5"))
	if err != nil {
		return err
	}
	st, err := s.stage(rq.r.Body, rq.r.ContentLength, s.cfg.MaxObjectSize)
	if err != nil {
		return err
	}
	defer s.store.Discard(st)
	if contentMD5 != nil && !bytes.Equal(contentMD5, st.MD5[:]) {
		return newError(errInvalidDigest, nil)
	}
	p := &partInfo{Number: n, ETag: quotedETag(st.MD5[:]), Size: st.Size, CRC64: st.CRC64, LastModified: rq.now}
	if err := s.store.PutPart(u.ID, p, st); err != nil {
		return uploadError(err)
	}
	h := rq.w.Header()
	h.Set("ETag", p.ETag)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	h.Set("Content-MD5", b64(st.MD5[:]))
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// completeRequest is the CompleteMultipartUpload XML body.
type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

// sameETag compares ETags ignoring quotes and hex case.
func sameETag(a, b string) bool {
	return strings.EqualFold(strings.Trim(a, `" `), strings.Trim(b, `" `))
}

func (s *Server) completeUpload(rq *request) error {
	if err := s.authorize(rq, actionPutObject); err != nil {
		return err
	}
	u, err := s.findUpload(rq)
	if err != nil {
		return err
	}
	h := rq.r.Header
	forbid, err := parseForbidOverwrite(h.Get("x-oss-forbid-overwrite"))
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
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, maxCompleteBody+1))
	if err != nil {
		return newError(errIncompleteBody, err)
	}
	if len(body) > maxCompleteBody {
		return newError(errMalformedXML, errors.New("body too large"))
	}
	current, err := s.store.Parts(u.ID)
	if err != nil {
		return uploadError(err)
	}
	var chosen []partInfo
	switch v := h.Get("x-oss-complete-all"); {
	case strings.EqualFold(v, "yes"):
		if len(bytes.TrimSpace(body)) > 0 {
			return invalidArgument("The request body must be empty when x-oss-complete-all is yes.")
		}
		chosen = current
	case v != "":
		return invalidArgument("The x-oss-complete-all value must be yes.")
	default:
		var req completeRequest
		if err := xml.Unmarshal(body, &req); err != nil {
			return newError(errMalformedXML, err)
		}
		for i, p := range req.Parts {
			if i > 0 && p.PartNumber <= req.Parts[i-1].PartNumber {
				return newError(errInvalidPartOrder, nil)
			}
			j := -1
			for k := range current {
				if current[k].Number == p.PartNumber {
					j = k
					break
				}
			}
			if j < 0 || !sameETag(current[j].ETag, p.ETag) {
				return newError(errInvalidPart, nil)
			}
			chosen = append(chosen, current[j])
		}
	}
	if len(chosen) == 0 {
		return newError(errMalformedXML, errors.New("no parts"))
	}
	for _, p := range chosen[:len(chosen)-1] {
		if p.Size < minPartSize {
			return newError(errEntityTooSmall, nil)
		}
	}
	noOverwrite := forbid || u.ForbidOverwrite
	if noOverwrite {
		if err := s.checkNotExists(rq); err != nil {
			return err
		}
	}
	st, err := s.store.Concat(u.ID, chosen)
	if err != nil {
		return uploadError(err)
	}
	defer s.store.Discard(st)
	etags := make([]string, len(chosen))
	for i, p := range chosen {
		etags[i] = p.ETag
	}
	m := u.Meta
	m.Size, m.ETag, m.CRC64, m.ContentMD5 = st.Size, multipartETag(etags), st.CRC64, ""
	m.LastModified, m.Multipart = rq.now, true
	if err := s.commit(rq, st, &m, noOverwrite); err != nil {
		return err
	}
	if err := s.store.RemoveUpload(u.ID); err != nil && !errors.Is(err, errNoUpload) {
		rq.log.Warn("removing completed upload", "upload_id", u.ID, "err", err)
	}
	setUploadHeaders(rq.w.Header(), &m)
	if spec != nil {
		return s.finishCallback(rq, spec, &m, "CompleteMultipartUpload")
	}
	loc := "http://" + rq.r.Host + "/" + rq.key
	if !rq.cname {
		loc = "http://" + rq.r.Host + "/" + rq.bucket + "/" + rq.key
	}
	return writeXML(rq, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:",omitempty"`
		Location     string
		Bucket       string
		Key          string
		ETag         string
	}{EncodingType: xmlEncodingType(rq), Location: loc, Bucket: rq.bucket, Key: xmlKey(rq), ETag: m.ETag})
}

func (s *Server) abortUpload(rq *request) error {
	if err := s.authorize(rq, actionAbortMultipart); err != nil {
		return err
	}
	u, err := s.findUpload(rq)
	if err != nil {
		return err
	}
	if err := s.store.RemoveUpload(u.ID); err != nil {
		return uploadError(err)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

type xmlPart struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

func (s *Server) listParts(rq *request) error {
	if err := s.authorize(rq, actionListParts); err != nil {
		return err
	}
	u, err := s.findUpload(rq)
	if err != nil {
		return err
	}
	maxParts := maxListParts
	if v := rq.query.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return invalidArgument("The max-parts parameter must be a positive integer.")
		}
		maxParts = min(n, maxListParts)
	}
	marker := 0
	if v := rq.query.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalidArgument("The part-number-marker parameter must be a non-negative integer.")
		}
		marker = n
	}
	parts, err := s.store.Parts(u.ID)
	if err != nil {
		return uploadError(err)
	}
	res := struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		EncodingType         string   `xml:",omitempty"`
		Bucket               string
		Key                  string
		UploadID             string `xml:"UploadId"`
		PartNumberMarker     int
		NextPartNumberMarker int
		MaxParts             int
		IsTruncated          bool
		Parts                []xmlPart `xml:"Part"`
	}{EncodingType: xmlEncodingType(rq), Bucket: rq.bucket, Key: xmlKey(rq), UploadID: u.ID,
		PartNumberMarker: marker, MaxParts: maxParts}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, xmlPart{p.Number, p.LastModified.UTC().Format(timeLayout), p.ETag, p.Size})
		res.NextPartNumberMarker = p.Number
	}
	return writeXML(rq, http.StatusOK, res)
}

// PendingUpload is a multipart upload in progress: initiated, and neither
// completed nor aborted.
type PendingUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
	// Parts and Bytes count the parts stored so far and their total size.
	Parts int
	Bytes int64
}

// PendingUploads lists bucket's multipart uploads in progress, by key and
// then upload id as ListMultipartUploads orders them, with the parts stored
// so far. It reads the storage directly, with no request and no
// authorization: it is for the dev stack's status page, not for clients.
func (s *Server) PendingUploads(bucket string) ([]PendingUpload, error) {
	if !s.buckets[bucket] {
		return nil, fmt.Errorf("ossemu: bucket %q is not served", bucket)
	}
	uploads, err := s.store.Uploads(bucket)
	if err != nil {
		return nil, err
	}
	out := make([]PendingUpload, 0, len(uploads))
	for _, u := range uploads {
		parts, err := s.store.Parts(u.ID)
		if errors.Is(err, errNoUpload) {
			continue // completed or aborted meanwhile
		}
		if err != nil {
			return nil, err
		}
		p := PendingUpload{Key: u.Key, UploadID: u.ID, Initiated: u.Initiated, Parts: len(parts)}
		for _, part := range parts {
			p.Bytes += part.Size
		}
		out = append(out, p)
	}
	return out, nil
}
