package fcrun

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// so callers branch with errors.Is.
var (
	// ErrMalformedEvent reports an event that is not a JSON object or an
	// HTTP-trigger/OSS event that cannot be converted (missing method or
	// path, bad base64 body, bad header name).
	ErrMalformedEvent = errors.New("fcrun: malformed event")
	// ErrUnknownEvent reports a JSON object that is neither an HTTP-trigger
	// event (key "requestContext") nor an OSS event (key "events"), or is
	// both.
	ErrUnknownEvent = errors.New("fcrun: event is neither an HTTP trigger event nor an OSS event")
	// ErrNoEventsHandler reports an OSS event received while Options.Events
	// is nil.
	ErrNoEventsHandler = errors.New("fcrun: OSS event received but Options.Events is nil")
	// ErrPanic reports a panic recovered from Options.Events.
	ErrPanic = errors.New("fcrun: handler panicked")
	// ErrEventTooLarge reports an event over the runtime loop's limit; the
	// invocation is answered with it on /error, without the event having
	// been read (see the package documentation).
	ErrEventTooLarge = errors.New("fcrun: event too large")
	// ErrNoRuntime reports that Start found neither FC_RUNTIME_API nor PORT.
	ErrNoRuntime = errors.New("fcrun: neither FC_RUNTIME_API (FC runtime) nor PORT (plain HTTP) is set")
	// ErrOptions reports invalid arguments to Start (nil handler, nil
	// Lookup, bad PORT).
	ErrOptions = errors.New("fcrun: invalid options")
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
