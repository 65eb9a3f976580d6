package ossemu

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	actionListObjects = "oss:ListObjects"
	// defaultMaxKeys and maxMaxKeys bound ListObjectsV2's max-keys.
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
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
	a := &listArgs{maxKeys: defaultMaxKeys}
	for _, name := range []string{"prefix", "delimiter", "start-after", "continuation-token", "max-keys"} {
		if len(q[name]) > 1 {
			return nil, listArgError(name, strings.Join(q[name], ","), "The "+name+" parameter is repeated.")
		}
	}
	a.prefix, a.delimiter, a.startAfter = q.Get("prefix"), q.Get("delimiter"), q.Get("start-after")
	for name, v := range map[string]string{"prefix": a.prefix, "delimiter": a.delimiter, "start-after": a.startAfter} {
		if len(v) > maxListPrefix || !utf8.ValidString(v) {
			return nil, listArgError(name, v, "The "+name+" parameter must be valid UTF-8 of at most 1024 bytes.")
		}
	}
	if v, ok := q["max-keys"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 || n > maxMaxKeys {
			return nil, listArgError("max-keys", v[0], "Argument max-keys must be an integer between 0 and 1000.")
		}
		a.maxKeys = n
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
	p, err := s.authenticate(rq)
	if err != nil {
		return err
	}
	if err := allow(p, actionListObjects, "acs:oss:*:*:"+rq.bucket); err != nil {
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
	enc := func(v string) string {
		if encodingURL(rq) {
			return url.QueryEscape(v)
		}
		return v
	}
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
		entry, isPrefix := k, false
		if a.delimiter != "" {
			if i := strings.Index(k[len(a.prefix):], a.delimiter); i >= 0 {
				entry, isPrefix = k[:len(a.prefix)+i+len(a.delimiter)], true
			}
		}
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
