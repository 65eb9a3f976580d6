package ossemu

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	actionListObjects          = "oss:ListObjects"
	actionListMultipartUploads = "oss:ListMultipartUploads"
	// defaultMaxKeys and maxMaxKeys bound ListObjectsV2's max-keys.
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
	// maxMaxUploads is ListMultipartUploads' default and largest max-uploads.
	maxMaxUploads = 1000
	// maxListPrefix is the longest prefix, start-after or delimiter (bytes).
	maxListPrefix = 1024
)

// listArgs are ListObjectsV2's parameters, validated.
type listArgs struct {
	prefix, delimiter, startAfter string
	// token is the decoded continuation token: the last entry (key or
	// common prefix) of the previous page; "" when absent.
	token    string
	rawToken string
	hasToken bool
	maxKeys  int
}

func parseListArgs(q url.Values) (*listArgs, error) {
	if err := singleParams(q, "prefix", "delimiter", "start-after", "continuation-token", "max-keys"); err != nil {
		return nil, err
	}
	if err := textParams(q, "prefix", "delimiter", "start-after"); err != nil {
		return nil, err
	}
	a := &listArgs{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), startAfter: q.Get("start-after")}
	var err error
	if a.maxKeys, err = countParam(q, "max-keys", defaultMaxKeys, 0, maxMaxKeys); err != nil {
		return nil, err
	}
	if v, ok := q["continuation-token"]; ok {
		b, err := base64.RawURLEncoding.DecodeString(v[0])
		if err != nil || len(b) == 0 || !utf8.Valid(b) {
			return nil, listArgError("continuation-token", v[0], "The continuation-token is not valid.")
		}
		a.token, a.rawToken, a.hasToken = string(b), v[0], true
	}
	return a, nil
}

// singleParams refuses a listing parameter among names given more than once.
func singleParams(q url.Values, names ...string) error {
	for _, name := range names {
		if len(q[name]) > 1 {
			return listArgError(name, strings.Join(q[name], ","), "The "+name+" parameter is repeated.")
		}
	}
	return nil
}

// textParams refuses a listing parameter among names that is not valid
// UTF-8 of at most maxListPrefix bytes.
func textParams(q url.Values, names ...string) error {
	for _, name := range names {
		if v := q.Get(name); len(v) > maxListPrefix || !utf8.ValidString(v) {
			return listArgError(name, v, "The "+name+" parameter must be valid UTF-8 of at most 1024 bytes.")
		}
	}
	return nil
}

// countParam returns the integer parameter name, def when absent; a value
// that is not an integer in [lo, hi] is InvalidArgument naming it.
func countParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < lo || n > hi {
		return 0, listArgError(name, v[0], fmt.Sprintf("Argument %s must be an integer between %d and %d.", name, lo, hi))
	}
	return n, nil
}

// groupKey returns what a listing shows for key (which starts with prefix):
// the common prefix up to and including the first delimiter after prefix,
// with isPrefix set, or the key itself.
func groupKey(key, prefix, delimiter string) (entry string, isPrefix bool) {
	if delimiter != "" {
		if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
			return key[:len(prefix)+i+len(delimiter)], true
		}
	}
	return key, false
}

// listArgError is InvalidArgument naming the argument, as OSS answers.
func listArgError(name, value, msg string) *apiError {
	e := invalidArgument(msg)
	e.extra = []xmlElem{{"ArgumentName", name}, {"ArgumentValue", value}}
	return e
}

type xmlContents struct {
	Key          string
	LastModified string
	ETag         string
	Type         string
	Size         int64
	StorageClass string
}

type xmlCommonPrefix struct {
	Prefix string
}

// listObjectsV2 answers GET /<bucket>?list-type=2.
func (s *Server) listObjectsV2(rq *request) error {
	if err := s.authorizeBucket(rq, actionListObjects); err != nil {
		return err
	}
	a, err := parseListArgs(rq.query)
	if err != nil {
		return err
	}
	keys, err := s.store.List(rq.bucket)
	if err != nil {
		return newError(errInternal, err)
	}
	enc := func(v string) string { return xmlValue(rq, v) }
	res := struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Name                  string
		Prefix                string
		StartAfter            *string `xml:",omitempty"`
		ContinuationToken     *string `xml:",omitempty"`
		MaxKeys               int
		Delimiter             *string `xml:",omitempty"`
		EncodingType          string  `xml:",omitempty"`
		IsTruncated           bool
		NextContinuationToken string            `xml:",omitempty"`
		KeyCount              int               `xml:"KeyCount"`
		Contents              []xmlContents     `xml:"Contents"`
		CommonPrefixes        []xmlCommonPrefix `xml:"CommonPrefixes"`
	}{Name: rq.bucket, Prefix: enc(a.prefix), MaxKeys: a.maxKeys, EncodingType: xmlEncodingType(rq)}
	if rq.query.Has("start-after") {
		res.StartAfter = ptr(enc(a.startAfter))
	}
	if a.hasToken {
		res.ContinuationToken = ptr(enc(a.rawToken))
	}
	if rq.query.Has("delimiter") {
		res.Delimiter = ptr(enc(a.delimiter))
	}
	last := ""
	for _, k := range keys {
		if !strings.HasPrefix(k, a.prefix) || k <= a.startAfter {
			continue
		}
		entry, isPrefix := groupKey(k, a.prefix, a.delimiter)
		if a.hasToken && entry <= a.token || isPrefix && entry == last {
			continue
		}
		if res.KeyCount == a.maxKeys {
			res.IsTruncated = a.maxKeys > 0
			break
		}
		if isPrefix {
			res.CommonPrefixes = append(res.CommonPrefixes, xmlCommonPrefix{enc(entry)})
		} else {
			m, err := s.store.Stat(rq.bucket, k)
			if errors.Is(err, errNotFound) {
				continue // deleted while listing
			}
			if err != nil {
				return newError(errInternal, err)
			}
			typ := "Normal"
			if m.Multipart {
				typ = "Multipart"
			}
			res.Contents = append(res.Contents, xmlContents{enc(k), m.LastModified.UTC().Format(timeLayout), m.ETag, typ, m.Size, "Standard"})
		}
		res.KeyCount++
		last = entry
	}
	if res.IsTruncated {
		res.NextContinuationToken = enc(base64.RawURLEncoding.EncodeToString([]byte(last)))
	}
	return writeXML(rq, http.StatusOK, res)
}

func ptr[T any](v T) *T { return &v }

// authorizeBucket authenticates a bucket-level request and checks that its
// principal may perform action on the bucket ("acs:oss:*:*:<bucket>").
func (s *Server) authorizeBucket(rq *request, action string) error {
	p, err := s.authenticate(rq)
	if err != nil {
		return err
	}
	return allow(p, action, "acs:oss:*:*:"+rq.bucket)
}

type xmlUpload struct {
	Key       string
	UploadID  string `xml:"UploadId"`
	Initiated string
}

// listUploadsResult is ListMultipartUploads' answer, elements in OSS's order.
type listUploadsResult struct {
	XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
	EncodingType       string   `xml:",omitempty"`
	Bucket             string
	KeyMarker          string
	UploadIDMarker     string `xml:"UploadIdMarker"`
	NextKeyMarker      string
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Delimiter          string
	Prefix             string
	MaxUploads         int
	IsTruncated        bool
	Uploads            []xmlUpload       `xml:"Upload"`
	CommonPrefixes     []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// listMultipartUploads answers GET /<bucket>?uploads: the uploads in
// progress by key, then upload id. Uploads whose keys share a common prefix
// (delimiter) count as one entry towards max-uploads. The Next markers name
// the last entry listed, truncated or not (as OSS's example shows); when it
// is a common prefix, NextKeyMarker is the prefix and NextUploadIdMarker is
// empty, and a key-marker that is a common prefix skips every upload under
// it, so a paginator never sees a prefix twice.
func (s *Server) listMultipartUploads(rq *request) error {
	if err := s.authorizeBucket(rq, actionListMultipartUploads); err != nil {
		return err
	}
	q := rq.query
	if err := singleParams(q, "prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads"); err != nil {
		return err
	}
	if err := textParams(q, "prefix", "delimiter", "key-marker"); err != nil {
		return err
	}
	maxUploads, err := countParam(q, "max-uploads", maxMaxUploads, 1, maxMaxUploads)
	if err != nil {
		return err
	}
	prefix, delimiter, keyMarker := q.Get("prefix"), q.Get("delimiter"), q.Get("key-marker")
	idMarker := ""
	if keyMarker != "" { // without key-marker OSS ignores upload-id-marker
		idMarker = q.Get("upload-id-marker")
	}
	uploads, err := s.store.Uploads(rq.bucket)
	if err != nil {
		return newError(errInternal, err)
	}
	res := listUploadsResult{EncodingType: xmlEncodingType(rq), Bucket: rq.bucket, KeyMarker: xmlValue(rq, keyMarker),
		UploadIDMarker: q.Get("upload-id-marker"), Delimiter: xmlValue(rq, delimiter), Prefix: xmlValue(rq, prefix),
		MaxUploads: maxUploads}
	n, lastPrefix, nextKey, nextID := 0, "", "", ""
	for _, u := range uploads {
		if !strings.HasPrefix(u.Key, prefix) {
			continue
		}
		entry, isPrefix := groupKey(u.Key, prefix, delimiter)
		switch {
		case keyMarker != "" && isPrefix && entry <= keyMarker,
			u.Key < keyMarker,
			u.Key == keyMarker && (idMarker == "" || u.ID <= idMarker),
			isPrefix && entry == lastPrefix:
			continue
		}
		if n == maxUploads {
			res.IsTruncated = true
			break
		}
		n++
		if isPrefix {
			res.CommonPrefixes = append(res.CommonPrefixes, xmlCommonPrefix{xmlValue(rq, entry)})
			lastPrefix, nextKey, nextID = entry, entry, ""
			continue
		}
		res.Uploads = append(res.Uploads, xmlUpload{xmlValue(rq, u.Key), u.ID, u.Initiated.UTC().Format(timeLayout)})
		nextKey, nextID = u.Key, u.ID
	}
	res.NextKeyMarker, res.NextUploadIDMarker = xmlValue(rq, nextKey), nextID
	return writeXML(rq, http.StatusOK, res)
}
