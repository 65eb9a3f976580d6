package ossemu

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"ossdirect/internal/localcloud/ossemu/notify"
)

// callbackParams returns the callback and callback-var parameters of a
// PutObject or CompleteMultipartUpload: from the x-oss-callback(-var)
// headers or the callback(-var) query parameters, not both (reference §6).
func callbackParams(rq *request) (cb, cbVar string, err error) {
	h := rq.r.Header
	hCb, hVar := h.Get("x-oss-callback"), h.Get("x-oss-callback-var")
	qCb, qVar := rq.query.Get("callback"), rq.query.Get("callback-var")
	if (hCb != "" || hVar != "") && (qCb != "" || qVar != "") {
		return "", "", invalidArgument("The callback must be given either in headers or in the query string, not both.")
	}
	if hCb != "" || hVar != "" {
		return hCb, hVar, nil
	}
	return qCb, qVar, nil
}

// parseCallback validates a callback before the body is accepted. It
// returns nil when the request carries none.
func (s *Server) parseCallback(cb, cbVar string, formVars map[string]string) (*notify.Spec, error) {
	if cb == "" {
		return nil, nil
	}
	if s.cfg.Callbacks == nil {
		return nil, invalidArgument("callback is not enabled")
	}
	spec, err := notify.Parse(cb, cbVar, formVars)
	var ae *notify.ArgumentError
	switch {
	case err == nil:
		return spec, nil
	case errors.As(err, &ae):
		return nil, newError(errInvalidArgument, err).withMessage(ae.Message).withEC(ae.EC)
	}
	return nil, newError(errInvalidArgument, err).withMessage("The callback parameter is invalid.")
}

// finishCallback performs the callback for a stored object and answers
// the request: with the application server's JSON on success, with 203
// CallbackFailed otherwise (the object stays stored). The caller has set
// the success headers (ETag, CRC) already.
func (s *Server) finishCallback(rq *request, spec *notify.Spec, m *objectMeta, operation string) error {
	obj := notify.Object{
		Bucket:     rq.bucket,
		Key:        rq.key,
		ETag:       m.ETag,
		MimeType:   m.ContentType,
		CRC64:      strconv.FormatUint(m.CRC64, 10),
		ContentMD5: m.ContentMD5,
		ClientIP:   clientIP(rq.r),
		RequestID:  rq.id,
		Operation:  operation,
		Size:       m.Size,
	}
	if f, _, err := s.store.Open(rq.bucket, rq.key); err == nil {
		obj.Image = notify.DetectImage(f)
		f.Close()
	}
	body, err := s.cfg.Callbacks.Send(rq.r.Context(), spec, obj)
	var failure *notify.Failure
	switch {
	case errors.As(err, &failure):
		return newError(errCallbackFailed, err).withMessage(failure.Message)
	case err != nil:
		return newError(errInternal, fmt.Errorf("ossemu: callback: %w", err))
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write(body)
	return nil
}

// clientIP is the uploader's address, ${clientIp}.
func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// servePublicKey answers GET/HEAD KeyURLPath+KeyFileName with the PEM of
// the callback signing key's public half.
func (s *Server) servePublicKey(rq *request) error {
	if rq.r.Method != http.MethodGet && rq.r.Method != http.MethodHead {
		return newError(errMethodNotAllowed, nil)
	}
	if s.cfg.Callbacks == nil || s.cfg.Callbacks.Key == nil {
		return newError(errNoSuchKey, errors.New("callbacks are not enabled"))
	}
	der, err := x509.MarshalPKIXPublicKey(&s.cfg.Callbacks.Key.PublicKey)
	if err != nil {
		return newError(errInternal, err)
	}
	body := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	h := rq.w.Header()
	h.Set("Content-Type", "application/x-pem-file")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(http.StatusOK)
	if rq.r.Method == http.MethodGet {
		_, _ = rq.w.Write(body)
	}
	return nil
}
