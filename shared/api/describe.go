package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"ossdirect/shared/upload"
)

// DescribePath is post-signature's route, after its own path, that tells
// a client what a profile allows (GET …/post-signature/profile?profile=P),
// so a page can set its file picker's accept filter and refuse a file
// before anything is sent. The functions stay the authority: the answer
// only mirrors what they and OSS enforce.
const DescribePath = "/profile"

// describeResponse is the client-relevant part of a profile.
type describeResponse struct {
	Profile string `json:"profile"`
	// ContentTypes are the allowed media types ("type/*" allows a
	// family); empty allows any.
	ContentTypes []string `json:"contentTypes"`
	// Accept is ContentTypes as an <input type=file accept> value ("" for
	// any).
	Accept  string `json:"accept"`
	MinSize int64  `json:"minSize"`
	MaxSize int64  `json:"maxSize"`
	// Naming is "uuid" (the server names files) or "client".
	Naming          string `json:"naming"`
	ForbidOverwrite bool   `json:"forbidOverwrite"`
	Callback        bool   `json:"callback"`
	// Expires is how long a grant (a form, a URL) stays valid.
	Expires string `json:"expires"`
	// Multipart bounds presigned multipart uploads (docs/MULTIPART.md).
	Multipart describeMultipart `json:"multipart"`
}

type describeMultipart struct {
	MinPartSize     int64 `json:"minPartSize"`
	MaxPartSize     int64 `json:"maxPartSize"`
	MaxParts        int   `json:"maxParts"`
	DefaultPartSize int64 `json:"defaultPartSize"`
}

// describe answers GET …/profile?profile=P: the named profile's limits
// (or the only profile's), for an authenticated caller.
func (h *Handlers) describe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		h.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: " + r.Method + " not allowed; use GET"})
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.writeError(w, r, invalid("query", "not a valid query string"))
		return
	}
	for name := range q {
		if name != "profile" {
			h.writeError(w, r, invalid(name, "unknown parameter; allowed: profile"))
			return
		}
	}
	if _, err := h.authorize(r); err != nil {
		h.writeError(w, r, err)
		return
	}
	name, err := h.profileName(q.Get("profile"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := h.cfg.Profiles.Lookup(name)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	types := p.ContentTypes
	if types == nil {
		types = []string{}
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	writeJSON(w, http.StatusOK, describeResponse{Profile: p.Name, ContentTypes: types, Accept: strings.Join(types, ","),
		MinSize: p.MinSize, MaxSize: p.MaxSize, Naming: string(p.Naming), ForbidOverwrite: p.ForbidOverwrite, Callback: p.Callback,
		Expires:   time.Duration(p.Expires).String(),
		Multipart: describeMultipart{MinPartSize: upload.MinPartSize, MaxPartSize: upload.MaxPartSize, MaxParts: upload.MaxParts, DefaultPartSize: upload.DefaultPartSize}})
}
