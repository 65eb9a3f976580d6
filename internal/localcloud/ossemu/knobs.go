package ossemu

import (
	"errors"
	"sync/atomic"
	"time"

	"ossdirect/shared/signing"
)

// knobs are the settings that break the emulator like a misconfigured
// account or endpoint (Config.ClockOffset, RefuseV1, RefuseV4,
// PublicEndpointForbidden). They are atomics so that a test can change them
// on a running server; each request reads each knob once, when it needs it.
type knobs struct {
	clockOffset             atomic.Int64 // time.Duration
	refuseV1                atomic.Bool
	refuseV4                atomic.Bool
	publicEndpointForbidden atomic.Bool
}

func (k *knobs) init(cfg Config) {
	k.clockOffset.Store(int64(cfg.ClockOffset))
	k.refuseV1.Store(cfg.RefuseV1)
	k.refuseV4.Store(cfg.RefuseV4)
	k.publicEndpointForbidden.Store(cfg.PublicEndpointForbidden)
}

// SetClockOffset puts the emulator's clock off by d from Config.Now (see
// Config.ClockOffset). Safe for concurrent use; requests that have started
// keep the time they read.
func (s *Server) SetClockOffset(d time.Duration) { s.knobs.clockOffset.Store(int64(d)) }

// SetRefuseV1 turns the refusal of V1 signatures on or off (see
// Config.RefuseV1). Safe for concurrent use.
func (s *Server) SetRefuseV1(on bool) { s.knobs.refuseV1.Store(on) }

// SetRefuseV4 turns the refusal of V4 signatures on or off (see
// Config.RefuseV4). Safe for concurrent use.
func (s *Server) SetRefuseV4(on bool) { s.knobs.refuseV4.Store(on) }

// SetPublicEndpointForbidden turns the refusal of data operations on
// non-CNAME hosts on or off (see Config.PublicEndpointForbidden). Safe for
// concurrent use.
func (s *Server) SetPublicEndpointForbidden(on bool) { s.knobs.publicEndpointForbidden.Store(on) }

// now is the emulator's clock: Config.Now plus the clock offset, UTC. It is
// read once per request.
func (s *Server) now() time.Time {
	return s.cfg.Now().Add(time.Duration(s.knobs.clockOffset.Load())).UTC()
}

// checkSignatureVersion applies RefuseV1 and RefuseV4 to a parsed header
// or presigned-URL signature. A V1-only endpoint does not know V4: its
// Authorization header is malformed there, and a presigned URL without
// OSSAccessKeyId, Expires and Signature is anonymous.
func (s *Server) checkSignatureVersion(a *signing.Auth) error {
	switch {
	case a.Version == 4 && s.knobs.refuseV4.Load() && a.Presigned:
		return newError(errAccessDenied, errors.New("V4 presigned URL on a V1-only endpoint: anonymous"))
	case a.Version == 4 && s.knobs.refuseV4.Load():
		return newError(errInvalidArgument, errors.New("V4 Authorization on a V1-only endpoint")).withMessage("The Authorization header is invalid.")
	case a.Version != 4 && s.knobs.refuseV1.Load():
		return newError(errV1Refused, nil)
	}
	return nil
}

// checkEndpoint applies PublicEndpointForbidden: data operations addressed
// to a host that is not a CNAME are refused. The bucket configuration
// calls (management operations in OSS's terms) are not data operations and
// are routed before this check.
func (s *Server) checkEndpoint(rq *request) error {
	if rq.cname || !s.knobs.publicEndpointForbidden.Load() {
		return nil
	}
	return newError(errPublicEndpointForbidden, nil)
}
