package stsemu

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The error codes a [Fault] may answer with, the way the POP gateway in
// front of STS answers an overloaded or failing service: throttling is
// HTTP 400 with a Throttling* code (the Go SDK and shared/sts recognise it
// by the code), a temporary failure 503 ServiceUnavailable, a broken
// backend 500 InternalError.
const (
	FaultThrottling         = "Throttling"
	FaultThrottlingUser     = "Throttling.User"
	FaultThrottlingAPI      = "Throttling.Api"
	FaultServiceUnavailable = "ServiceUnavailable"
	FaultInternalError      = codeInternalError
)

// faultAnswers are the status and message of each fault code.
var faultAnswers = map[string]struct {
	status  int
	message string
}{
	FaultThrottling:         {http.StatusBadRequest, "Request was denied due to request throttling."},
	FaultThrottlingUser:     {http.StatusBadRequest, "Request was denied due to user flow control."},
	FaultThrottlingAPI:      {http.StatusBadRequest, "Request was denied due to api flow control."},
	FaultServiceUnavailable: {http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server."},
	FaultInternalError:      {http.StatusInternalServerError, "The request processing has failed due to some unknown error."},
}

// MaxFaultDelay bounds Fault.Delay.
const MaxFaultDelay = time.Hour

// Fault makes a [Server] slow or failing, for tests of its clients: STS
// throttling them, timing out or down. The zero Fault is none. Faults act
// before anything else, as the gateway in front of STS does: a delayed or
// refused request is not authenticated and does not use up its nonce.
type Fault struct {
	// Delay holds every request this long before it is handled (or
	// answered with Code), or until the client gives up. At most
	// MaxFaultDelay.
	Delay time.Duration
	// Code, when set, answers every request with this STS error instead of
	// handling it: FaultThrottling, FaultThrottlingUser, FaultThrottlingAPI
	// (400), FaultServiceUnavailable (503) or FaultInternalError (500).
	Code string
	// RetryAfter, when positive, is sent as a Retry-After header (whole
	// seconds, rounded up) with Code's answer.
	RetryAfter time.Duration
}

// SetFault makes s misbehave as f says from the next request on; the zero
// Fault restores normal service. It is safe to call while s serves. It
// fails with [ErrInvalidArgument] for an unknown code, a negative or too
// long delay, or a RetryAfter without a Code.
func (s *Server) SetFault(f Fault) error {
	if f.Code != "" {
		if _, ok := faultAnswers[f.Code]; !ok {
			return errorf(ErrInvalidArgument, "Fault.Code %q: want %s, %s, %s, %s or %s", f.Code,
				FaultThrottling, FaultThrottlingUser, FaultThrottlingAPI, FaultServiceUnavailable, FaultInternalError)
		}
	}
	if f.Delay < 0 || f.Delay > MaxFaultDelay {
		return errorf(ErrInvalidArgument, "Fault.Delay %v: want 0..%v", f.Delay, MaxFaultDelay)
	}
	if f.RetryAfter < 0 || (f.RetryAfter > 0 && f.Code == "") {
		return errorf(ErrInvalidArgument, "Fault.RetryAfter %v: want 0, or a positive value with a Code", f.RetryAfter)
	}
	if f == (Fault{}) {
		s.fault.Store(nil)
		return nil
	}
	s.fault.Store(&f)
	return nil
}

// Fault returns the fault in effect (the zero Fault when none).
func (s *Server) Fault() Fault {
	if f := s.fault.Load(); f != nil {
		return *f
	}
	return Fault{}
}

// injectFault plays the current fault on r. It reports whether it
// answered (or the client left during the delay): the request is then
// done.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, requestID string) bool {
	f := s.fault.Load()
	if f == nil {
		return false
	}
	log := s.log.With("request_id", requestID, "method", r.Method, "remote", r.RemoteAddr)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			log.Info("sts fault: client left during the delay", "delay", f.Delay.String())
			return true
		}
	}
	if f.Code == "" {
		return false
	}
	a := faultAnswers[f.Code]
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	log.Info("sts fault: request refused", "status", a.status, "code", f.Code)
	writeJSON(w, requestID, a.status, errorBody{
		RequestID: requestID, HostID: hostID, Code: f.Code, Message: a.message,
		Recommend: recommendURL + url.QueryEscape(f.Code),
	})
	return true
}
