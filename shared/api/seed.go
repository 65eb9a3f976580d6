package api

import (
	"net/http"

	"ossdirect/shared/auth"
	"ossdirect/shared/upload"
)

// The seed-sample routes answer clients written against Alibaba's
// server-signature samples (../shared/seeds): same paths, same response
// shapes, so such a client works by changing only its base URL. They use the
// same authentication and rate limit as the main routes and the SeedProfile
// (a "profile" parameter may choose another). What the samples' clients do
// not send cannot be enforced: see README "Seed-compatible routes".

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

func (h *Handlers) seedRequest(w http.ResponseWriter, r *http.Request) (uploadRequest, error) {
	req, err := parseRequest(w, r)
	if err == nil && req.Profile == "" {
		req.Profile = h.cfg.SeedProfile
	}
	return req, err
}

func (h *Handlers) seedPost(w http.ResponseWriter, r *http.Request) {
	req, sub, err := h.beginSeed(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	now := h.now()
	creds, exp, err := h.signingCredentials(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	g, err := h.grant(req, sub, modePrefix, exp, now, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// The samples' clients send the callback field only when they use it,
	// so it is returned but not pinned.
	callback := g.CallbackParam
	g.Callback, g.CallbackParam = false, ""
	pf, err := g.LegacyPostForm(creds, now)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, seedPostResponse{
		AccessID: creds.AccessKeyID, OSSAccessKeyID: creds.AccessKeyID, OSSAccessKeyId: creds.AccessKeyID,
		Host: h.cfg.UploadHost, Policy: pf.Fields["policy"], Signature: pf.Fields["Signature"],
		Expire: pf.Expiration.Unix(), Dir: g.Dir, Callback: callback, SecurityToken: creds.SecurityToken,
	})
}

// beginSeed is begin with the seed profile as the default profile.
func (h *Handlers) beginSeed(w http.ResponseWriter, r *http.Request) (uploadRequest, auth.Subject, error) {
	req, err := h.seedRequest(w, r)
	if err != nil {
		return req, auth.Subject{}, err
	}
	sub, err := h.authorize(r)
	return req, sub, err
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
	if r.URL.Query().Get("profile") == "" && r.Method == http.MethodGet {
		q := r.URL.Query()
		q.Set("profile", h.cfg.SeedProfile)
		r.URL.RawQuery = q.Encode()
	}
	resp, err := h.issueSTS(w, r)
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
	req, sub, err := h.beginSeed(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	now := h.now()
	creds, exp, err := h.signingCredentials(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if req.ContentType == "" && req.Filename == "" {
		if p, err := h.cfg.Profiles.Lookup(req.Profile); err == nil && len(p.ContentTypes) == 1 && !isWildcard(p.ContentTypes[0]) {
			req.ContentType = p.ContentTypes[0]
		} else if err == nil {
			h.writeError(w, r, invalid("contentType", "required: the seed profile %q does not name exactly one content type, and the URL must sign the Content-Type your client sends", req.Profile))
			return
		}
	}
	g, err := h.grant(req, sub, modeExact, exp, now, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	g.ForbidOverwrite, g.Callback, g.CallbackParam = false, false, ""
	resp, err := h.presign(g, creds, upload.SignatureV4, now)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(resp.URL))
}

func isWildcard(ct string) bool { return len(ct) > 2 && ct[len(ct)-2:] == "/*" }
