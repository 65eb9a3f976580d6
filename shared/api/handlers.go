package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/auth"
	"ossdirect/shared/jsonappend"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// callbackBody is what OSS posts to the callback function: the system
// variables and the grant's own custom variables, URL-encoded (a JSON body
// would be invalid for non-images, whose imageInfo variables are empty).
// The grant's binding follows as literal fields (see callbackParam); the
// callback function reads size, type and ETag from the object itself.
const callbackBody = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}" +
	"&crc64=${crc64}&reqId=${reqId}"

// grantMode says how a grant will be used: it decides what the profile's
// naming means for it.
type grantMode int

const (
	modeExact  grantMode = iota // post-signature, presigned-url: the profile as configured
	modePrefix                  // sts-token and seed routes: the client names files under Dir
)

// authorize authenticates the caller and takes a token from its bucket.
func (h *Handlers) authorize(r *http.Request) (auth.Subject, error) {
	sub, err := h.cfg.Auth.Authenticate(r)
	if err != nil {
		return sub, err
	}
	if h.limiter == nil {
		return sub, nil
	}
	ok, wait, err := h.limiter.Allow(r.Context(), sub.ID)
	switch {
	case err != nil:
		return sub, &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable,
			Message: "the rate limit cannot be checked; retry later", RetryAfter: retryLimiter, Err: err}
	case !ok:
		return sub, &Error{Status: http.StatusTooManyRequests, Code: CodeTooManyRequests,
			Message: "too many grants for this subject; retry later", RetryAfter: max(wait, time.Second)}
	}
	return sub, nil
}

// grant compiles the request into a grant for the named profile, with the
// callback attached when the profile asks for one.
func (h *Handlers) grant(req uploadRequest, sub auth.Subject, mode grantMode, credsExpiry, now time.Time, withVars bool) (*upload.Grant, error) {
	name, err := h.profileName(req.Profile)
	if err != nil {
		return nil, err
	}
	p, err := h.cfg.Profiles.Lookup(name)
	if err != nil {
		return nil, err
	}
	if req.sizeGiven && req.Size == 0 && p.MinSize > 0 {
		// 0 declares an empty file; the grant would read it as "no size"
		// and OSS would refuse the upload only after it was sent.
		if p.MinSize == 1 {
			return nil, invalid("size", "0 bytes: profile %q refuses empty files", name)
		}
		return nil, invalid("size", "0 bytes: profile %q takes files of at least %d bytes", name, p.MinSize)
	}
	if mode == modePrefix {
		p.Naming = upload.NamingClient
	}
	g, err := p.Grant(upload.Request{Subject: sub.ID, Filename: req.Filename, ContentType: req.ContentType, Size: req.Size}, now,
		upload.GrantOptions{Bucket: h.cfg.Bucket, CredentialsExpiry: credsExpiry, Rand: h.cfg.Rand})
	if err != nil {
		return nil, err
	}
	if g.Callback {
		if h.cfg.CallbackURL == "" {
			return nil, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "profile " + strconv.Quote(name) + " needs upload callbacks but CALLBACK_URL is not set"}
		}
		if len(h.cfg.GrantSecrets) == 0 {
			return nil, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "profile " + strconv.Quote(name) + " needs upload callbacks but GRANT_SECRET is not set"}
		}
		// STS credentials and seed POST policies allow any key under Dir
		// (the client names it), so their binding does too.
		b, err := upload.NewBinding(g, sub.ID, mode == modePrefix, nil)
		if err != nil {
			return nil, err
		}
		g.CallbackParam = h.callbackParam(b)
		if withVars {
			g.CallbackVars = map[string]string{"x:subject": sub.ID, "x:profile": g.Profile}
		}
	}
	return g, nil
}

// callbackParam is the Base64 callback parameter OSS gets with an upload:
// OSS's system variables, then the grant's binding as literal text (signed
// with the current grant secret), so whoever writes the callback — the
// server's pinned policy, or an STS client — cannot name an object outside
// its own grant.
func (h *Handlers) callbackParam(b upload.Binding) string {
	vars := b.Vars(h.cfg.GrantSecrets[0])
	body := callbackBody
	for _, f := range []struct{ name, v string }{
		{"gid", upload.VarGrantID}, {"subject", upload.VarSubject}, {"profile", upload.VarProfile},
		{"scope", upload.VarScope}, {"exp", upload.VarExpires}, {"sig", upload.VarSig},
	} {
		body += "&" + f.name + "=" + url.QueryEscape(vars[f.v])
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{
		"callbackUrl":      h.cfg.CallbackURL,
		"callbackBody":     body,
		"callbackBodyType": "application/x-www-form-urlencoded",
	})
	return base64.StdEncoding.EncodeToString(bytes.TrimSpace(buf.Bytes()))
}

// objectURL is where an object can be read once uploaded (for public or
// CDN-fronted buckets; private buckets need a signed GET).
func (h *Handlers) objectURL(key string) string {
	if key == "" {
		return ""
	}
	return h.cfg.UploadHost + "/" + signing.URIEncode(key, false)
}

// signingCredentials fetches the credentials grants are signed with.
func (h *Handlers) signingCredentials(r *http.Request) (signing.Credentials, time.Time, error) {
	v, err := h.cfg.Credentials.Retrieve(r.Context())
	c, exp := signing.Credentials{AccessKeyID: v.AccessKeyID, AccessKeySecret: v.AccessKeySecret, SecurityToken: v.SecurityToken}, v.Expiry
	if err != nil {
		return c, exp, &Error{Status: http.StatusServiceUnavailable, Code: CodeServiceUnavailable, Message: "signing credentials are unavailable; retry later", RetryAfter: 2 * time.Second, Err: err}
	}
	return c, exp, nil
}

// postResponse is post-signature's answer: the same {url, fields} shape as
// S3 presigned POST (and Uppy), plus the key and directory.
type postResponse struct {
	Host       string            `json:"host"`
	Method     string            `json:"method"`
	Key        string            `json:"key"`
	Dir        string            `json:"dir"`
	URL        string            `json:"url"`
	Expire     int64             `json:"expire"`
	Expiration string            `json:"expiration"`
	Fields     map[string]string `json:"fields"`
}

func (p *postResponse) appendJSON(dst []byte) []byte {
	o := jsonappend.NewObject(dst)
	o.String("host", p.Host)
	o.String("method", p.Method)
	o.String("key", p.Key)
	o.String("dir", p.Dir)
	o.String("url", p.URL)
	o.Int("expire", p.Expire)
	o.String("expiration", p.Expiration)
	o.StringMap("fields", p.Fields)
	return o.End()
}

// signed is what a signing handler works with: the request, its grant and
// the credentials to sign it with, all read at one instant.
type signed struct {
	req   uploadRequest
	grant *upload.Grant
	creds signing.Credentials
	now   time.Time
}

// grantOptions say how a handler turns a request into a grant.
type grantOptions struct {
	seed     bool      // a seed-sample route: SeedProfile is the default profile
	mode     grantMode // how the profile's naming applies
	withVars bool      // pin the callback's custom variables
	// adjust may complete the request before the grant (seed presign).
	adjust func(*uploadRequest) error
}

// prepare parses, authenticates and rate-limits the request, reads the
// signing credentials and compiles the grant.
func (h *Handlers) prepare(w http.ResponseWriter, r *http.Request, o grantOptions) (*signed, error) {
	req, err := parseRequest(w, r)
	if err != nil {
		return nil, err
	}
	if o.seed && req.Profile == "" {
		req.Profile = h.cfg.SeedProfile
	}
	sub, err := h.authorize(r)
	if err != nil {
		return nil, err
	}
	if o.adjust != nil {
		if err := o.adjust(&req); err != nil {
			return nil, err
		}
	}
	now := h.now()
	creds, exp, err := h.signingCredentials(r)
	if err != nil {
		return nil, err
	}
	g, err := h.grant(req, sub, o.mode, exp, now, o.withVars)
	if err != nil {
		return nil, err
	}
	return &signed{req: req, grant: g, creds: creds, now: now}, nil
}

func (h *Handlers) postSignature(w http.ResponseWriter, r *http.Request) {
	s, err := h.prepare(w, r, grantOptions{mode: modeExact, withVars: true})
	var pf *upload.PostForm
	if err == nil {
		pf, err = s.grant.PostForm(s.creds, s.req.SignatureVersion, h.cfg.Region, s.now)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	g := s.grant
	writeJSON(w, http.StatusOK, &postResponse{
		Host: h.cfg.UploadHost, Method: http.MethodPost, Key: g.Key, Dir: g.Dir, URL: h.objectURL(g.Key),
		Expire: pf.Expiration.Unix(), Expiration: pf.Expiration.UTC().Format(time.RFC3339), Fields: pf.Fields,
	})
}

// presignResponse is presigned-url's answer.
type presignResponse struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Key     string            `json:"key"`
	// ContentLength is the body size the signature covers (0: any size;
	// V1 cannot sign it).
	ContentLength int64  `json:"contentLength,omitempty"`
	Expire        int64  `json:"expire"`
	Expiration    string `json:"expiration"`
}

func (p *presignResponse) appendJSON(dst []byte) []byte {
	o := jsonappend.NewObject(dst)
	o.String("url", p.URL)
	o.String("method", p.Method)
	o.StringMap("headers", p.Headers)
	o.String("key", p.Key)
	if p.ContentLength != 0 {
		o.Int("contentLength", p.ContentLength)
	}
	o.Int("expire", p.Expire)
	o.String("expiration", p.Expiration)
	return o.End()
}

func (h *Handlers) presignedURL(w http.ResponseWriter, r *http.Request) {
	s, err := h.prepare(w, r, grantOptions{mode: modeExact, withVars: true})
	var resp *presignResponse
	if err == nil {
		resp, err = h.presign(s.grant, s.creds, s.req, s.now)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// presign signs a PUT of g.Key with the headers the grant pins. A declared
// size is signed as Content-Length (a V4 additional header: OSS refuses a
// body of any other size) and a declared md5 as Content-MD5 (V1 and V4: OSS
// refuses other bytes). Content-Length is not in the returned headers —
// browsers refuse to set it and every client sends it anyway — but in
// contentLength.
func (h *Handlers) presign(g *upload.Grant, creds signing.Credentials, req uploadRequest, now time.Time) (*presignResponse, error) {
	if g.Key == "" {
		return nil, invalid("filename", "required: this profile lets the client name the file, and a presigned URL is for one key")
	}
	headers, err := g.PutHeaders()
	if err != nil {
		return nil, err
	}
	hdr := http.Header{}
	for k, v := range headers {
		hdr.Set(k, v)
	}
	if req.MD5 != "" {
		hdr.Set("Content-MD5", req.MD5)
	}
	sr := &signing.Request{Method: http.MethodPut, Bucket: g.Bucket, Key: g.Key, Header: hdr, Region: h.cfg.Region}
	var p *signing.Presigned
	var length int64
	if req.SignatureVersion == upload.SignatureV1 {
		p, err = signing.PresignV1(sr, creds, g.Expiration)
	} else {
		if req.Size > 0 {
			length = req.Size
			hdr.Set("Content-Length", strconv.FormatInt(length, 10))
			sr.AdditionalHeaders = []string{"content-length"}
		}
		p, err = signing.PresignV4(sr, creds, now, g.Expiration.Sub(now))
	}
	if err != nil {
		return nil, err
	}
	send := make(map[string]string, len(p.SignedHeaders))
	for k, v := range p.SignedHeaders {
		if !strings.EqualFold(k, "Content-Length") {
			send[k] = v
		}
	}
	return &presignResponse{
		URL: h.objectURL(g.Key) + "?" + p.RawQuery, Method: http.MethodPut, Headers: send, Key: g.Key, ContentLength: length,
		Expire: p.Expiration.Unix(), Expiration: p.Expiration.UTC().Format(time.RFC3339),
	}, nil
}

// stsResponse is sts-token's answer: the STS credentials (field names as
// STS and ali-oss spell them) and where they may write.
type stsResponse struct {
	AccessKeyID     string            `json:"AccessKeyId"`
	AccessKeySecret string            `json:"AccessKeySecret"`
	SecurityToken   string            `json:"SecurityToken"`
	Expiration      string            `json:"Expiration"`
	Bucket          string            `json:"bucket"`
	Region          string            `json:"region"`
	Endpoint        string            `json:"endpoint"`
	Prefix          string            `json:"prefix"`
	Headers         map[string]string `json:"headers,omitempty"`
}

func (s *stsResponse) appendJSON(dst []byte) []byte {
	o := jsonappend.NewObject(dst)
	o.String("AccessKeyId", s.AccessKeyID)
	o.String("AccessKeySecret", s.AccessKeySecret)
	o.String("SecurityToken", s.SecurityToken)
	o.String("Expiration", s.Expiration)
	o.String("bucket", s.Bucket)
	o.String("region", s.Region)
	o.String("endpoint", s.Endpoint)
	o.String("prefix", s.Prefix)
	if len(s.Headers) > 0 {
		o.StringMap("headers", s.Headers)
	}
	return o.End()
}

func (h *Handlers) stsToken(w http.ResponseWriter, r *http.Request) {
	resp, err := h.issueSTS(w, r, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *Handlers) issueSTS(w http.ResponseWriter, r *http.Request, seed bool) (*stsResponse, error) {
	if h.cfg.STS == nil {
		return nil, &Error{Status: http.StatusNotImplemented, Code: CodeNotConfigured, Message: "sts-token is not configured (STS_ROLE_ARN)"}
	}
	req, err := parseRequest(w, r)
	if err != nil {
		return nil, err
	}
	if seed && req.Profile == "" {
		req.Profile = h.cfg.SeedProfile
	}
	sub, err := h.authorize(r)
	if err != nil {
		return nil, err
	}
	g, err := h.grant(req, sub, modePrefix, time.Time{}, h.now(), true)
	if err != nil {
		return nil, err
	}
	policy, err := g.SessionPolicy(h.cfg.Bucket)
	if err != nil {
		return nil, err
	}
	c, err := h.cfg.STS.Credentials(r.Context(), sub.ID, g.Profile, policy)
	if err != nil {
		return nil, err
	}
	resp := &stsResponse{
		AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken,
		Expiration: c.Expiry.UTC().Format(time.RFC3339), Bucket: h.cfg.Bucket, Region: h.cfg.Region,
		Endpoint: h.cfg.Endpoint, Prefix: g.Dir,
	}
	if g.CallbackParam != "" {
		// The client adds these to its PutObject / CompleteMultipartUpload.
		// The session policy cannot force it to; the callback function
		// checks the key's prefix instead of trusting these variables.
		hdr, err := g.PutHeaders()
		if err != nil {
			return nil, err
		}
		resp.Headers = map[string]string{"x-oss-callback": hdr["x-oss-callback"], "x-oss-callback-var": hdr["x-oss-callback-var"]}
	}
	return resp, nil
}
