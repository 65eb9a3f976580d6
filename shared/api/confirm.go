package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// ConfirmPath is the callback function's route, after its own path, for
// clients to confirm an upload (POST /callback/confirm on the local stack;
// any path ending in it on the function's HTTP trigger).
const ConfirmPath = "/confirm"

// confirmRequest is POST /callback/confirm's body: the uploaded key and the
// grant's callback parameter exactly as the signing function gave it (the
// PostObject field "callback", the header x-oss-callback), whose
// callbackBody carries the grant's binding.
type confirmRequest struct {
	Key      string `json:"key"`
	Callback string `json:"callback"`
}

var confirmFields = []string{"key", "callback"}

// confirmResponse is the callback's answer for the upload, with its event.
type confirmResponse struct {
	callbackResponse
	EventID string `json:"eventId"`
	// Delivered: the event reached the receiver (now or before); false
	// when it is left to the durable path (the OSS event, reconcile).
	Delivered bool `json:"delivered"`
}

// confirm lets the uploading client have its upload verified and reported
// when OSS's callback did not do it (203 CallbackFailed: the callback
// function was slow or unreachable) or its answer was lost. The caller is
// authenticated and rate-limited like the signing functions and must be
// the grant's subject; the grant's binding must verify (HMAC under
// GRANT_SECRET, within GRANT_GRACE of its expiry) and cover the key. Then
// everything happens as for a callback: the object is the witness, the
// event (source "confirm") goes through the same once-only delivery, and
// the answer is the callback's JSON plus the event's id.
func (h *Handlers) confirm(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		h.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Message: "method: " + r.Method + " not allowed; use POST"})
		return
	}
	sub, err := h.authorize(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	var req confirmRequest
	if err := readJSON(w, r, maxRequestBody, confirmFields, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	switch {
	case req.Key == "":
		h.writeError(w, r, invalid("key", "required: the uploaded object's key"))
		return
	case req.Callback == "":
		h.writeError(w, r, invalid("callback", "required: the grant's callback parameter (field callback, header x-oss-callback)"))
		return
	}
	form, err := grantCallbackBody(req.Callback)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	b, err := upload.ParseBinding(form.Get, h.cfg.GrantSecrets, h.now(), h.cfg.GrantGrace)
	if err != nil {
		h.writeError(w, r, bindingError(err, h.cfg.GrantGrace))
		return
	}
	if b.Subject != sub.ID {
		h.writeError(w, r, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: "callback: the grant was issued to another caller"})
		return
	}
	seen, e, delivered, err := h.boundUpload(r.Context(), uploadevent.SourceConfirm, b, h.cfg.Bucket, req.Key, "key", true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, confirmResponse{callbackResponse: h.callbackAnswer(seen), EventID: e.Data.ID, Delivered: delivered})
}

// grantCallbackBody decodes a grant's callback parameter (Base64 JSON)
// into its callbackBody's fields, where the binding is literal text.
func grantCallbackBody(param string) (url.Values, error) {
	bad := invalid("callback", "not a callback parameter of this deployment's grants (Base64 JSON with callbackBody)")
	raw, err := base64.StdEncoding.DecodeString(param)
	if err != nil {
		return nil, bad
	}
	var cb struct {
		Body string `json:"callbackBody"`
	}
	if err := json.Unmarshal(raw, &cb); err != nil || cb.Body == "" {
		return nil, bad
	}
	form, err := url.ParseQuery(cb.Body)
	if err != nil {
		return nil, bad
	}
	return form, nil
}
