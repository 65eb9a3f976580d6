package api

import (
	"net/http"

	"ossdirect/shared/upload"
)

// The seed-sample routes answer clients written against Alibaba's
// server-signature samples (../shared/seeds): same paths, same response
// shapes, so such a client works by changing only its base URL. They use the
// same authentication and rate limit as the main routes and the SeedProfile
// (a "profile" parameter may choose another). What the samples' clients do
// not send cannot be enforced: see docs/HTTP-API.md "Seed-compatible routes".

// seedPostResponse has every spelling the samples use for the access key id.
type seedPostResponse struct {
	AccessID       string `json:"accessid"`
	OSSAccessKeyID string `json:"ossAccessKeyId"`
	OSSAccessKeyId string `json:"OSSAccessKeyId"` //nolint:revive // the samples' spelling
	Host           string `json:"host"`
	Policy         string `json:"policy"`
	Signature      string `json:"signature"`
	Expire         int64  `json:"expire"`
	Dir            string `json:"dir"`
	Callback       string `json:"callback,omitempty"`
	SecurityToken  string `json:"x-oss-security-token,omitempty"`
}

func (h *Handlers) seedPost(w http.ResponseWriter, r *http.Request) {
	s, err := h.prepare(w, r, grantOptions{seed: true, mode: modePrefix})
	var pf *upload.PostForm
	var callback string
	if err == nil {
		// The samples' clients put the callback field they are given in
		// the form; the policy pins it, so a client cannot write its own
		// (it carries the grant's binding).
		callback = s.grant.CallbackParam
		pf, err = s.grant.LegacyPostForm(s.creds, s.now)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id := s.creds.AccessKeyID
	writeJSON(w, http.StatusOK, seedPostResponse{
		AccessID: id, OSSAccessKeyID: id, OSSAccessKeyId: id,
		Host: h.cfg.UploadHost, Policy: pf.Fields["policy"], Signature: pf.Fields["Signature"],
		Expire: pf.Expiration.Unix(), Dir: s.grant.Dir, Callback: callback, SecurityToken: s.creds.SecurityToken,
	})
}

// seedSTSResponse answers both sample styles: top-level fields (Node, and
// the web client that reads credentials.Expiration) and a Credentials object
// (PHP, and the STS API's own shape).
type seedSTSResponse struct {
	stsResponse
	Credentials seedCredentials `json:"Credentials"`
}

type seedCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

func (h *Handlers) seedSTS(w http.ResponseWriter, r *http.Request) {
	resp, err := h.issueSTS(w, r, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, seedSTSResponse{stsResponse: *resp, Credentials: seedCredentials{
		AccessKeyID: resp.AccessKeyID, AccessKeySecret: resp.AccessKeySecret, SecurityToken: resp.SecurityToken, Expiration: resp.Expiration,
	}})
}

// seedPresigned answers with the bare URL as text, as the samples do. The
// samples' clients send only Content-Type, so the URL signs nothing else: no
// overwrite protection and no callback. The content type is the request's,
// or the profile's only one.
func (h *Handlers) seedPresigned(w http.ResponseWriter, r *http.Request) {
	s, err := h.prepare(w, r, grantOptions{seed: true, mode: modeExact, adjust: h.seedContentType})
	var resp *presignResponse
	if err == nil {
		s.grant.ForbidOverwrite, s.grant.Callback, s.grant.CallbackParam = false, false, ""
		resp, err = h.presign(s.grant, s.creds, uploadRequest{SignatureVersion: upload.SignatureV4}, s.now)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(resp.URL))
}

// seedContentType fills in the seed profile's only content type when the
// request names neither a type nor a file.
func (h *Handlers) seedContentType(req *uploadRequest) error {
	if req.ContentType != "" || req.Filename != "" {
		return nil
	}
	p, err := h.cfg.Profiles.Lookup(req.Profile)
	if err != nil {
		return nil // grant reports the unknown profile
	}
	if len(p.ContentTypes) != 1 || isWildcard(p.ContentTypes[0]) {
		return invalid("contentType", "required: the seed profile %q does not name exactly one content type, and the URL must sign the Content-Type your client sends", req.Profile)
	}
	req.ContentType = p.ContentTypes[0]
	return nil
}

func isWildcard(ct string) bool { return len(ct) > 2 && ct[len(ct)-2:] == "/*" }
