package ossemu

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
)

// PostObject form limits (reference §1).
const (
	maxFormKeys   = 8 << 10 // all field names together
	maxFormValues = 2 << 20 // all field values together
)

// postForm is the fields of a PostObject form that precede the file.
type postForm struct {
	// fields maps names as sent to values.
	fields map[string]string
	// names maps lower-case names to names as sent.
	names map[string]string
}

func (f *postForm) has(name string) bool { _, ok := f.names[strings.ToLower(name)]; return ok }

func (f *postForm) get(name string) string {
	if n, ok := f.names[strings.ToLower(name)]; ok {
		return f.fields[n]
	}
	return ""
}

// readFields reads the form up to the file part and returns it with the
// file part; part is nil when the form has no file.
func readFields(mr *multipart.Reader) (*postForm, *multipart.Part, error) {
	form := &postForm{fields: map[string]string{}, names: map[string]string{}}
	keys, values := 0, 0
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return form, nil, nil
		}
		if err != nil {
			return nil, nil, newError(errMalformedPOST, err)
		}
		name := part.FormName()
		if name == "" {
			return nil, nil, newError(errMalformedPOST, errors.New("part without a form-data name"))
		}
		if keys += len(name); keys > maxFormKeys {
			return nil, nil, newError(errFieldItemTooLong, nil)
		}
		if strings.EqualFold(name, "file") {
			return form, part, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, int64(maxFormValues-values)+1))
		if err != nil {
			return nil, nil, newError(errMalformedPOST, err)
		}
		if values += len(v); values > maxFormValues {
			return nil, nil, newError(errFieldItemTooLong, nil)
		}
		low := strings.ToLower(name)
		if _, dup := form.names[low]; dup {
			return nil, nil, invalidArgument(fmt.Sprintf("The form field %q is given more than once.", name))
		}
		form.names[low] = name
		form.fields[name] = string(v)
	}
}

func (s *Server) postObject(rq *request) error {
	mt, params, err := mime.ParseMediaType(rq.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return newError(errNotMultipart, err)
	}
	if params["boundary"] == "" {
		return newError(errMalformedPOST, errors.New("no boundary"))
	}
	mr := multipart.NewReader(rq.r.Body, params["boundary"])
	form, file, err := readFields(mr)
	if err != nil {
		return err
	}
	if file == nil || !form.has("key") || form.get("key") == "" {
		return newError(errIncorrectNumberOfFiles, nil)
	}

	principal, pol, err := s.authPost(rq, form)
	if err != nil {
		return err
	}
	rq.principal = &principal
	fields := make(map[string]string, len(form.fields))
	for k, v := range form.fields {
		fields[k] = v
	}
	pform := policy.Form{Fields: fields, Bucket: rq.bucket}
	if err := withoutSize(pol).Evaluate(pform, rq.now); err != nil {
		return violationError(err)
	}
	// The key is expanded after the policy check (reference §1).
	rq.key = strings.ReplaceAll(form.get("key"), "${filename}", file.FileName())
	if err := checkObjectName(rq.key); err != nil {
		return err
	}
	if err := allow(principal, actionPutObject, rq.resource()); err != nil {
		return err
	}

	if err := checkUnsupported(form.get); err != nil {
		return err
	}
	if form.has("success_action_redirect") {
		return newError(errNotImplemented, nil).withMessage("The OSS emulator does not implement success_action_redirect.")
	}
	forbid, err := parseForbidOverwrite(form.get("x-oss-forbid-overwrite"))
	if err != nil {
		return err
	}
	contentMD5, err := parseContentMD5(form.get("Content-MD5"))
	if err != nil {
		return err
	}
	meta, err := formMeta(form, file)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	for name, v := range form.fields {
		if strings.HasPrefix(strings.ToLower(name), "x:") {
			vars[name] = v
		}
	}
	spec, err := s.parseCallback(form.get("callback"), "", vars)
	if err != nil {
		return err
	}
	if forbid {
		if err := s.checkNotExists(rq); err != nil {
			return err
		}
	}

	limit := min(s.cfg.MaxObjectSize, maxRange(pol))
	st, err := s.store.Stage(file, limit)
	var re *readError
	switch {
	case errors.Is(err, errTooLarge):
		// Report what the policy says about a body of limit+1 bytes.
		pform.Size = limit + 1
		if verr := pol.Evaluate(pform, rq.now); verr != nil {
			return violationError(verr)
		}
		return newError(errEntityTooLarge, err)
	case errors.As(err, &re):
		return newError(errMalformedPOST, err)
	case err != nil:
		return newError(errInternal, err)
	}
	defer s.store.Discard(st)
	switch _, err := mr.NextRawPart(); {
	case err == nil:
		return newError(errFileNotLast, nil)
	case err != io.EOF:
		return newError(errMalformedPOST, err)
	}
	pform.Size = st.Size
	if err := pol.Evaluate(pform, rq.now); err != nil {
		return violationError(err)
	}
	if contentMD5 != nil && !bytes.Equal(contentMD5, st.MD5[:]) {
		return newError(errInvalidDigest, nil)
	}
	m := simpleMeta(*meta, st, rq.now)
	if err := s.commit(rq, st, &m, forbid); err != nil {
		return err
	}
	setUploadHeaders(rq.w.Header(), &m)
	if spec != nil {
		return s.finishCallback(rq, spec, &m, "PostObject")
	}
	switch form.get("success_action_status") {
	case "200":
		rq.w.Header().Set("Content-Length", "0")
		rq.w.WriteHeader(http.StatusOK)
	case "201":
		loc := "http://" + rq.r.Host + "/" + rq.key
		if !rq.cname {
			loc = "http://" + rq.r.Host + "/" + rq.bucket + "/" + rq.key
		}
		return writeXML(rq, http.StatusCreated, struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Bucket   string
			Location string
			Key      string
			ETag     string
		}{Bucket: rq.bucket, Location: loc, Key: rq.key, ETag: m.ETag})
	default:
		rq.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// formMeta collects the object settings of a PostObject form.
// Content type priority: x-oss-content-type, then the Content-Type field,
// then the file part's own Content-Type.
func formMeta(form *postForm, file *multipart.Part) (*objectMeta, error) {
	m := &objectMeta{ContentType: form.get("x-oss-content-type")}
	if m.ContentType == "" {
		m.ContentType = form.get("Content-Type")
	}
	if m.ContentType == "" {
		m.ContentType = file.Header.Get("Content-Type")
	}
	if m.ContentType == "" {
		m.ContentType = defaultContentType
	}
	for _, name := range storedHeaders {
		if form.has(name) {
			if m.Headers == nil {
				m.Headers = map[string]string{}
			}
			m.Headers[name] = form.get(name)
		}
	}
	size := 0
	for name, v := range form.fields {
		low := strings.ToLower(name)
		if !strings.HasPrefix(low, "x-oss-meta-") {
			continue
		}
		if m.UserMeta == nil {
			m.UserMeta = map[string]string{}
		}
		m.UserMeta[low] = v
		size += len(low) + len(v)
	}
	if size > maxUserMeta {
		return nil, invalidArgument("The user metadata (x-oss-meta-*) exceeds 8 KB.")
	}
	return m, nil
}

// authPost authenticates a PostObject form (V1 or V4 signature over the
// policy) and returns the principal and the parsed policy. OSS ignores any
// signature in the headers or query of a POST.
func (s *Server) authPost(rq *request, form *postForm) (Principal, *policy.Policy, error) {
	v4 := form.has("x-oss-signature-version") || form.has("x-oss-credential") || form.has("x-oss-signature") || form.has("x-oss-date")
	v1 := form.has("OSSAccessKeyId") || form.has("Signature")
	if v4 && s.knobs.refuseV4.Load() {
		v4 = false // a V1-only endpoint does not know the V4 fields (knobs.go)
	}
	polB64 := form.get("policy")
	token := form.get("x-oss-security-token")
	var p Principal
	switch {
	case v4 && v1:
		return p, nil, invalidArgument("The form mixes V1 (OSSAccessKeyId, Signature) and V4 (x-oss-*) signature fields.")
	case v4:
		if v := form.get("x-oss-signature-version"); v != signing.AlgorithmV4 {
			return p, nil, invalidArgument(fmt.Sprintf("The x-oss-signature-version field must be %s.", signing.AlgorithmV4))
		}
		for _, name := range []string{"x-oss-credential", "x-oss-date", "x-oss-signature", "policy"} {
			if form.get(name) == "" {
				return p, nil, invalidArgument(fmt.Sprintf("The %s field is required with %s.", name, signing.AlgorithmV4))
			}
		}
		ak, date, region, product, ok := parseCredential(form.get("x-oss-credential"))
		if !ok {
			return p, nil, invalidArgument("The x-oss-credential field is not <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request.")
		}
		t, err := signing.ParseV4Date(form.get("x-oss-date"))
		if err != nil {
			return p, nil, invalidArgument("The x-oss-date field is not an ISO 8601 basic UTC time (yyyymmddTHHMMSSZ).")
		}
		if t.UTC().Format("20060102") != date {
			return p, nil, invalidArgument("The x-oss-date field is not on the date of the x-oss-credential field.")
		}
		if err := s.checkScope(region, product); err != nil {
			return p, nil, err
		}
		if t.Sub(rq.now) > signing.MaxSkew {
			return p, nil, newError(errRequestTimeTooSkewed, nil)
		}
		if rq.now.Sub(t) > maxPostValidity {
			return p, nil, newError(errRequestExpired, nil)
		}
		if p, err = s.lookup(ak, token, rq.now); err != nil {
			return p, nil, err
		}
		if err := signing.VerifyPostV4(p.Secret, t, region, polB64, form.get("x-oss-signature")); err != nil {
			return p, nil, verifyError(err, ak)
		}
	case v1:
		if s.knobs.refuseV1.Load() {
			return p, nil, newError(errV1Refused, nil) // knobs.go
		}
		ak, sig := form.get("OSSAccessKeyId"), form.get("Signature")
		if ak == "" || sig == "" || polB64 == "" {
			return p, nil, invalidArgument("OSSAccessKeyId, policy and Signature must all be present.")
		}
		var err error
		if p, err = s.lookup(ak, token, rq.now); err != nil {
			return p, nil, err
		}
		if err := signing.VerifyPostV1(p.Secret, polB64, sig); err != nil {
			return p, nil, verifyError(err, ak)
		}
	case form.has("policy"):
		return p, nil, invalidArgument("The policy field needs a signature (OSSAccessKeyId and Signature, or x-oss-signature).")
	default:
		return p, nil, newError(errAccessDenied, errors.New("anonymous PostObject to a private bucket"))
	}
	pol, err := policy.ParseBase64(polB64)
	if err != nil {
		return p, nil, violationError(err)
	}
	return p, s.cfg.ignoreConditions(pol), nil
}

// parseCredential splits an x-oss-credential value.
func parseCredential(v string) (ak, date, region, product string, ok bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[4] != "aliyun_v4_request" {
		return "", "", "", "", false
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil {
		return "", "", "", "", false
	}
	return parts[0], parts[1], parts[2], parts[3], true
}

// withoutSize returns p without its content-length-range conditions, to
// check everything but the size before the file is read.
func withoutSize(p *policy.Policy) *policy.Policy {
	q := *p
	q.Conditions = nil
	for _, c := range p.Conditions {
		if c.Op != policy.OpContentLengthRange {
			q.Conditions = append(q.Conditions, c)
		}
	}
	return &q
}

// maxRange is the largest file size p's content-length-range conditions
// allow (the smallest of their maxima), or the largest int64 without any.
func maxRange(p *policy.Policy) int64 {
	m := int64(1<<63 - 1)
	for _, c := range p.Conditions {
		if c.Op == policy.OpContentLengthRange {
			m = min(m, c.Max)
		}
	}
	return m
}

// violationError maps a policy package error to the OSS error it carries.
func violationError(err error) error {
	var v *policy.Violation
	if !errors.As(err, &v) {
		return newError(errInternal, err)
	}
	kind := errPolicyDenied
	switch v.Code {
	case policy.CodeEntityTooLarge:
		kind = errEntityTooLarge
	case policy.CodeEntityTooSmall:
		kind = errEntityTooSmall
	case policy.CodeInvalidPolicyDocument:
		kind = errInvalidPolicyDocument
	}
	return newError(kind, err).withMessage(v.Message).withEC(v.EC)
}
