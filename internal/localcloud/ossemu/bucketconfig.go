package ossemu

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Bucket configuration: PutBucketCors, GetBucketCors, DeleteBucketCors
// (?cors), PutBucketLifecycle, GetBucketLifecycle, DeleteBucketLifecycle
// (?lifecycle) and PutBucketOverwriteConfig, GetBucketOverwriteConfig,
// DeleteBucketOverwriteConfig (?overwriteConfig), with the XML shapes of the
// official Go SDK v2 (api_op_bucket_cors.go, api_op_bucket_lifecycle.go,
// api_op_bucket_overwriteconfig.go). The configuration lives in memory for
// the life of the Server; New starts every bucket from Config.CORSOrigins
// and no lifecycle or overwrite rules.

// RAM actions of the bucket configuration calls, on "acs:oss:*:*:<bucket>".
const (
	actionPutBucketCors               = "oss:PutBucketCors"
	actionGetBucketCors               = "oss:GetBucketCors"
	actionDeleteBucketCors            = "oss:DeleteBucketCors"
	actionPutBucketLifecycle          = "oss:PutBucketLifecycle"
	actionGetBucketLifecycle          = "oss:GetBucketLifecycle"
	actionDeleteBucketLifecycle       = "oss:DeleteBucketLifecycle"
	actionPutBucketOverwriteConfig    = "oss:PutBucketOverwriteConfig"
	actionGetBucketOverwriteConfig    = "oss:GetBucketOverwriteConfig"
	actionDeleteBucketOverwriteConfig = "oss:DeleteBucketOverwriteConfig"
)

// Limits on configuration documents.
const (
	// maxCORSBody and maxCORSRules are OSS's (PutBucketCors: 16 KB, 10 rules).
	maxCORSBody  = 16 << 10
	maxCORSRules = 10
	// maxLifecycleRules is OSS's (1000 rules per bucket).
	maxLifecycleRules = 1000
	// maxOverwriteRules, maxOverwritePrincipals and maxAffixLen are OSS's
	// (PutBucketOverwriteConfig: 100 rules, 100 principals, 1023-character
	// prefix and suffix).
	maxOverwriteRules      = 100
	maxOverwritePrincipals = 100
	maxAffixLen            = 1023
	// maxConfigBody bounds the lifecycle and overwrite documents; OSS
	// publishes no limit.
	maxConfigBody = 1 << 20
	// maxRuleIDLen is OSS's limit on lifecycle rule IDs (255 characters),
	// applied to overwrite rule IDs too.
	maxRuleIDLen = 255
)

// bucketState is one bucket's configuration. The documents it points to
// are never changed once stored: a Put replaces the pointer, so readers
// take it under the read lock and use it without the lock.
type bucketState struct {
	mu        sync.RWMutex
	cors      *corsConfiguration      // nil: none
	lifecycle *lifecycleConfiguration // nil: none
	overwrite *overwriteConfiguration // nil: none
}

// initBucketConfig gives every bucket its initial configuration: the CORS
// rule of Config.CORSOrigins (initialCORS), nothing else.
func (s *Server) initBucketConfig() {
	s.bucketCfg = make(map[string]*bucketState, len(s.cfg.Buckets))
	for _, b := range s.cfg.Buckets {
		s.bucketCfg[b] = &bucketState{cors: initialCORS(s.cfg.CORSOrigins)}
	}
}

// corsConfig returns the bucket's CORS configuration (nil: none).
func (s *Server) corsConfig(bucket string) *corsConfiguration {
	st := s.bucketCfg[bucket]
	if st == nil {
		return nil
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.cors
}

// bucketConfigCall is one of the nine configuration operations.
type bucketConfigCall struct {
	op, action, subResource string
	serve                   func(*Server, *request, *bucketState) error
}

// bucketConfigOp recognises a bucket configuration request: no key, one of
// the sub-resources cors, lifecycle or overwriteConfig, GET, PUT or DELETE.
// Other methods on those sub-resources (OPTIONS aside, which is a
// preflight) are 405.
func bucketConfigOp(rq *request) (bucketConfigCall, bool) {
	if rq.key != "" || rq.r.Method == http.MethodOptions {
		return bucketConfigCall{}, false
	}
	for _, c := range bucketConfigCalls {
		if _, ok := rq.query[c.subResource]; ok && (c.op == "" || rq.r.Method == methodOf(c.op)) {
			return c, true
		}
	}
	return bucketConfigCall{}, false
}

// methodOf is the HTTP method of a configuration operation, from its name.
func methodOf(op string) string {
	switch {
	case strings.HasPrefix(op, "Put"):
		return http.MethodPut
	case strings.HasPrefix(op, "Get"):
		return http.MethodGet
	}
	return http.MethodDelete
}

// bucketConfigCalls lists the operations; the entries with an empty op
// catch the other methods on each sub-resource (405).
var bucketConfigCalls = []bucketConfigCall{
	{"PutBucketCors", actionPutBucketCors, "cors", (*Server).putBucketCors},
	{"GetBucketCors", actionGetBucketCors, "cors", (*Server).getBucketCors},
	{"DeleteBucketCors", actionDeleteBucketCors, "cors", (*Server).deleteBucketCors},
	{"", "", "cors", nil},
	{"PutBucketLifecycle", actionPutBucketLifecycle, "lifecycle", (*Server).putBucketLifecycle},
	{"GetBucketLifecycle", actionGetBucketLifecycle, "lifecycle", (*Server).getBucketLifecycle},
	{"DeleteBucketLifecycle", actionDeleteBucketLifecycle, "lifecycle", (*Server).deleteBucketLifecycle},
	{"", "", "lifecycle", nil},
	{"PutBucketOverwriteConfig", actionPutBucketOverwriteConfig, "overwriteConfig", (*Server).putBucketOverwrite},
	{"GetBucketOverwriteConfig", actionGetBucketOverwriteConfig, "overwriteConfig", (*Server).getBucketOverwrite},
	{"DeleteBucketOverwriteConfig", actionDeleteBucketOverwriteConfig, "overwriteConfig", (*Server).deleteBucketOverwrite},
	{"", "", "overwriteConfig", nil},
}

// serveBucketConfig authorizes and runs a configuration operation. V1
// signs the sub-resource (the official SDK adds it to the canonical
// resource for these operations).
func (s *Server) serveBucketConfig(rq *request, c bucketConfigCall) error {
	if c.serve == nil {
		rq.op = "Unsupported"
		return newError(errMethodNotAllowed, nil)
	}
	rq.op = c.op
	rq.subResources = []string{c.subResource}
	if err := s.authorizeBucket(rq, c.action); err != nil {
		return err
	}
	return c.serve(s, rq, s.bucketCfg[rq.bucket])
}

// readConfigBody reads a configuration document of at most limit bytes and
// checks its Content-MD5 when sent (the official SDK always sends one).
func readConfigBody(rq *request, limit int64) ([]byte, error) {
	want, err := parseContentMD5(rq.r.Header.Get("Content-MD5"))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, limit+1))
	if err != nil {
		return nil, newError(errIncompleteBody, err)
	}
	if int64(len(body)) > limit {
		return nil, newError(errMalformedXML, fmt.Errorf("document over %d bytes", limit))
	}
	if want != nil {
		if sum := md5.Sum(body); !bytes.Equal(sum[:], want) {
			return nil, newError(errInvalidDigest, nil)
		}
	}
	return body, nil
}

// decodeConfig parses a configuration document whose root element must be
// root into v: any XML error is MalformedXML.
func decodeConfig(body []byte, root string, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(errMalformedXML, errors.New("empty body"))
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return newError(errMalformedXML, err)
	}
	var probe struct{ XMLName xml.Name }
	if err := xml.Unmarshal(body, &probe); err != nil || probe.XMLName.Local != root {
		return newError(errMalformedXML, fmt.Errorf("root element %q, want %q", probe.XMLName.Local, root))
	}
	return nil
}

// malformed is MalformedXML caused by a validation failure (format, args
// describe it for the log; OSS's message stays).
func malformed(format string, args ...any) *apiError {
	return newError(errMalformedXML, fmt.Errorf(format, args...))
}

// answerPut ends a successful Put: 200 and no body.
func answerPut(rq *request) error {
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// answerDelete ends a Delete: 204, whether or not there was a
// configuration (OSS deletes are idempotent).
func answerDelete(rq *request) error {
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// putConfig is every PutBucket<Config>: the body (at most limit bytes,
// its Content-MD5 checked) decoded under root, checked by valid, stored in
// *slot under st.mu.
func putConfig[T any](rq *request, st *bucketState, limit int64, root string, valid func(*T) error, slot **T) error {
	body, err := readConfigBody(rq, limit)
	if err != nil {
		return err
	}
	c := new(T)
	if err := decodeConfig(body, root, c); err != nil {
		return err
	}
	if err := valid(c); err != nil {
		return err
	}
	st.mu.Lock()
	*slot = c
	st.mu.Unlock()
	return answerPut(rq)
}

// loadConfig is *slot read under st.mu, or the bucket's missing error
// (NoSuch<Config>) when none is set.
func loadConfig[T any](rq *request, st *bucketState, slot **T, missing errKind) (*T, error) {
	st.mu.RLock()
	c := *slot
	st.mu.RUnlock()
	if c == nil {
		return nil, newError(missing, nil).withBucketName(rq.bucket)
	}
	return c, nil
}

// deleteConfig is every DeleteBucket<Config>: 204, set or not.
func deleteConfig[T any](rq *request, st *bucketState, slot **T) error {
	st.mu.Lock()
	*slot = nil
	st.mu.Unlock()
	return answerDelete(rq)
}

// randomRuleID is the ID given to a lifecycle or overwrite rule sent
// without one: a random UUID-shaped string, as OSS documents ("a UUID is
// randomly generated").
func randomRuleID() string {
	h := strings.ToLower(randomHex(16))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// --- CORS ---

func (s *Server) putBucketCors(rq *request, st *bucketState) error {
	return putConfig(rq, st, maxCORSBody, "CORSConfiguration", (*corsConfiguration).validate, &st.cors)
}

func (s *Server) getBucketCors(rq *request, st *bucketState) error {
	c, err := loadConfig(rq, st, &st.cors, errNoSuchCORSConfiguration)
	if err != nil {
		return err
	}
	out := *c
	if out.ResponseVary == nil {
		out.ResponseVary = new(bool)
	}
	return writeXML(rq, http.StatusOK, &out)
}

func (s *Server) deleteBucketCors(rq *request, st *bucketState) error {
	return deleteConfig(rq, st, &st.cors)
}

// --- Lifecycle ---

// lifecycleConfiguration is the LifecycleConfiguration document. Elements
// the emulator does not interpret (Filter, Tag, Transition, the
// NoncurrentVersion* actions, AtimeBase, ...) are kept as they came and
// returned unchanged.
type lifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration"`
	Rules   []lifecycleRule `xml:"Rule"`
}

type lifecycleRule struct {
	ID                   string           `xml:"ID"`
	Prefix               *string          `xml:"Prefix"`
	Status               string           `xml:"Status"`
	Expiration           *lifecycleAction `xml:"Expiration"`
	AbortMultipartUpload *lifecycleAction `xml:"AbortMultipartUpload"`
	Other                []rawElement     `xml:",any"`
}

// lifecycleAction is Expiration or AbortMultipartUpload.
type lifecycleAction struct {
	Days                      *int32  `xml:"Days"`
	CreatedBeforeDate         *string `xml:"CreatedBeforeDate"`
	Date                      *string `xml:"Date"` // deprecated by OSS, still accepted
	ExpiredObjectDeleteMarker *bool   `xml:"ExpiredObjectDeleteMarker"`
}

// rawElement keeps an element the emulator does not interpret.
type rawElement struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

// lifecycleActions are the rule elements that are actions; a rule needs one.
var lifecycleActions = []string{"Transition", "NoncurrentVersionExpiration", "NoncurrentVersionTransition"}

// validate checks a lifecycle document as OSS does, fills in missing rule
// IDs, and reports MalformedXML for any violation (except overlapping
// prefixes: InvalidArgument, see overlap).
func (c *lifecycleConfiguration) validate(allowOverlap bool) error {
	if len(c.Rules) == 0 || len(c.Rules) > maxLifecycleRules {
		return malformed("%d lifecycle rules, want 1–%d", len(c.Rules), maxLifecycleRules)
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.ID == "" {
			r.ID = randomRuleID()
		}
		if len(r.ID) > maxRuleIDLen || ids[r.ID] {
			return malformed("rule ID %q too long or repeated", r.ID)
		}
		ids[r.ID] = true
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return malformed("rule %q: Status %q, want Enabled or Disabled", r.ID, r.Status)
		}
		actions := 0
		if r.Expiration != nil {
			actions++
			if err := r.Expiration.validate(r.ID, "Expiration", true); err != nil {
				return err
			}
		}
		if r.AbortMultipartUpload != nil {
			actions++
			if err := r.AbortMultipartUpload.validate(r.ID, "AbortMultipartUpload", false); err != nil {
				return err
			}
		}
		for _, o := range r.Other {
			for _, a := range lifecycleActions {
				if o.XMLName.Local == a {
					actions++
				}
			}
		}
		if actions == 0 {
			return malformed("rule %q has no action", r.ID)
		}
	}
	if !allowOverlap {
		return c.overlap()
	}
	return nil
}

// validate checks one Expiration or AbortMultipartUpload: exactly one of
// Days (> 0), CreatedBeforeDate (midnight UTC, ISO 8601), Date and, for
// Expiration, ExpiredObjectDeleteMarker true.
func (a *lifecycleAction) validate(id, name string, expiration bool) error {
	n := 0
	if a.Days != nil {
		n++
		if *a.Days <= 0 {
			return malformed("rule %q: %s Days %d", id, name, *a.Days)
		}
	}
	if a.CreatedBeforeDate != nil {
		n++
		if !midnightUTC(*a.CreatedBeforeDate) {
			return malformed("rule %q: %s CreatedBeforeDate %q is not midnight UTC in ISO 8601", id, name, *a.CreatedBeforeDate)
		}
	}
	if a.Date != nil {
		n++
		if !midnightUTC(*a.Date) {
			return malformed("rule %q: %s Date %q is not midnight UTC in ISO 8601", id, name, *a.Date)
		}
	}
	if a.ExpiredObjectDeleteMarker != nil {
		if !expiration {
			return malformed("rule %q: %s takes no ExpiredObjectDeleteMarker", id, name)
		}
		if *a.ExpiredObjectDeleteMarker {
			n++
		}
	}
	if n != 1 {
		return malformed("rule %q: %s needs exactly one of Days, CreatedBeforeDate, Date, ExpiredObjectDeleteMarker", id, name)
	}
	return nil
}

// midnightUTC reports whether v is a date at 00:00:00 UTC in the forms OSS
// documents: "2006-01-02T00:00:00.000Z" (or without the fraction).
func midnightUTC(v string) bool {
	date, rest, ok := strings.Cut(v, "T")
	if !ok || (rest != "00:00:00.000Z" && rest != "00:00:00Z") || len(date) != 10 {
		return false
	}
	for i, c := range date {
		if (i == 4 || i == 7) != (c == '-') || (c != '-' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}

// overlap refuses two rules whose prefixes overlap (one starts with the
// other) and that share an action, unless x-oss-allow-same-action-overlap
// is true: OSS's rule, answered with InvalidArgument.
func (c *lifecycleConfiguration) overlap() error {
	actions := func(r *lifecycleRule) map[string]bool {
		m := map[string]bool{}
		if r.Expiration != nil {
			m["Expiration"] = true
		}
		if r.AbortMultipartUpload != nil {
			m["AbortMultipartUpload"] = true
		}
		for _, o := range r.Other {
			m[o.XMLName.Local] = true
		}
		return m
	}
	prefix := func(r *lifecycleRule) string {
		if r.Prefix == nil {
			return ""
		}
		return *r.Prefix
	}
	for i := range c.Rules {
		for j := i + 1; j < len(c.Rules); j++ {
			a, b := prefix(&c.Rules[i]), prefix(&c.Rules[j])
			if !strings.HasPrefix(a, b) && !strings.HasPrefix(b, a) {
				continue
			}
			bs := actions(&c.Rules[j])
			for name := range actions(&c.Rules[i]) {
				if bs[name] && (name == "Expiration" || name == "AbortMultipartUpload" || name == "Transition") {
					return invalidArgument("Overlap for same action type " + name + ".")
				}
			}
		}
	}
	return nil
}

func (s *Server) putBucketLifecycle(rq *request, st *bucketState) error {
	allowOverlap := false
	switch v := strings.ToLower(rq.r.Header.Get("x-oss-allow-same-action-overlap")); v {
	case "", "false":
	case "true":
		allowOverlap = true
	default:
		return invalidArgument("The x-oss-allow-same-action-overlap value must be true or false.")
	}
	return putConfig(rq, st, maxConfigBody, "LifecycleConfiguration",
		func(c *lifecycleConfiguration) error { return c.validate(allowOverlap) }, &st.lifecycle)
}

func (s *Server) getBucketLifecycle(rq *request, st *bucketState) error {
	c, err := loadConfig(rq, st, &st.lifecycle, errNoSuchLifecycle)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, c)
}

func (s *Server) deleteBucketLifecycle(rq *request, st *bucketState) error {
	return deleteConfig(rq, st, &st.lifecycle)
}

// --- Overwrite configuration ---

// overwriteConfiguration is the OverwriteConfiguration document.
type overwriteConfiguration struct {
	XMLName xml.Name        `xml:"OverwriteConfiguration"`
	Rules   []overwriteRule `xml:"Rule"`
}

type overwriteRule struct {
	ID         string               `xml:"ID"`
	Action     string               `xml:"Action"`
	Prefix     *string              `xml:"Prefix"`
	Suffix     *string              `xml:"Suffix"`
	Principals *overwritePrincipals `xml:"Principals"`
}

type overwritePrincipals struct {
	Principal []string `xml:"Principal"`
}

// validate checks an overwrite document against OSS's published limits and
// fills in missing rule IDs. No rules at all is accepted (the
// configuration then forbids nothing).
func (c *overwriteConfiguration) validate() error {
	if len(c.Rules) > maxOverwriteRules {
		return malformed("%d overwrite rules, at most %d", len(c.Rules), maxOverwriteRules)
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.ID == "" {
			r.ID = randomRuleID()
		}
		if len(r.ID) > maxRuleIDLen || ids[r.ID] {
			return malformed("rule ID %q too long or repeated", r.ID)
		}
		ids[r.ID] = true
		if r.Action != "forbid" {
			return malformed("rule %q: Action %q, want forbid", r.ID, r.Action)
		}
		if (r.Prefix != nil && len(*r.Prefix) > maxAffixLen) || (r.Suffix != nil && len(*r.Suffix) > maxAffixLen) {
			return malformed("rule %q: Prefix or Suffix over %d characters", r.ID, maxAffixLen)
		}
		if r.Principals != nil {
			if len(r.Principals.Principal) > maxOverwritePrincipals {
				return malformed("rule %q: over %d principals", r.ID, maxOverwritePrincipals)
			}
			for _, p := range r.Principals.Principal {
				if p == "" {
					return malformed("rule %q: empty Principal", r.ID)
				}
			}
		}
	}
	return nil
}

// forbids reports whether rule r forbids overwriting key for principal p
// (nil: unknown). All its filters must hold (OSS: "满足Rule的前提是满足所有
// Filter条件(Prefix、Suffix、Principals)"): the key starts with Prefix and
// ends with Suffix (both literal, "*" included), and, when the rule lists
// principals, p matches one of them; no principals means everyone.
func (r *overwriteRule) forbids(key string, p *Principal) bool {
	if r.Prefix != nil && !strings.HasPrefix(key, *r.Prefix) {
		return false
	}
	if r.Suffix != nil && !strings.HasSuffix(key, *r.Suffix) {
		return false
	}
	if r.Principals == nil || len(r.Principals.Principal) == 0 {
		return true
	}
	id := ""
	if p != nil {
		id = p.ID
	}
	for _, pattern := range r.Principals.Principal {
		if pattern == "*" || (id != "" && wildcardMatch(pattern, id)) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against pattern, in which "*" stands for any
// run of characters (as in bucket-policy principals and RAM policies).
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// overwriteForbidden reports whether the bucket's overwrite rules forbid
// the request's principal to replace the object rq.key: the upload then
// refuses an existing object exactly as x-oss-forbid-overwrite: true does.
func (s *Server) overwriteForbidden(rq *request) bool {
	st := s.bucketCfg[rq.bucket]
	if st == nil {
		return false
	}
	st.mu.RLock()
	c := st.overwrite
	st.mu.RUnlock()
	if c == nil {
		return false
	}
	for i := range c.Rules {
		if c.Rules[i].forbids(rq.key, rq.principal) {
			return true
		}
	}
	return false
}

func (s *Server) putBucketOverwrite(rq *request, st *bucketState) error {
	return putConfig(rq, st, maxConfigBody, "OverwriteConfiguration", (*overwriteConfiguration).validate, &st.overwrite)
}

func (s *Server) getBucketOverwrite(rq *request, st *bucketState) error {
	c, err := loadConfig(rq, st, &st.overwrite, errNoSuchOverwriteConfig)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, c)
}

func (s *Server) deleteBucketOverwrite(rq *request, st *bucketState) error {
	return deleteConfig(rq, st, &st.overwrite)
}
