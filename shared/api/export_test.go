package api

import "time"

// SetAfterClaim makes h call f once a delivery has claimed an event,
// before it acts or delivers: the crash test kills its process there.
func SetAfterClaim(h *Handlers, f func(eventID string)) { h.afterClaim = f }

// SetEventLease sets how long h's claims keep others away.
func SetEventLease(h *Handlers, d time.Duration) { h.cfg.EventLease = d }
