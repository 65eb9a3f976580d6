package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// Delivering each upload once, without a new service, and losing none: the
// bucket itself keeps two small records per event under
// upload.ReservedPrefix + "events/":
//
//	<id>.claim  written with x-oss-forbid-overwrite, so of two deliveries
//	            (the callback and the OSS event, a retry, a replayed
//	            callback) exactly one creates it. It holds a claimRecord:
//	            when its lease ends, and the event itself;
//	<id>.done   written once the receiver took the event.
//
// A delivery that finds .done does nothing. One that finds a live claim
// leaves the event to its holder (the OSS-event path waits for .done
// within its deadline, and fails the invocation if it does not appear, so
// FC retries). A claim whose lease ran out belongs to a holder that
// crashed between claim and delivery: it is taken over. A failed delivery
// releases its claim (lease 0) but keeps the event in it, so a retry can
// claim at once.
//
// The holder applies the witness's onViolation action (delete, quarantine)
// only after its claim — which holds the event — is written: an upload
// deleted for breaking its profile can no longer be witnessed, so a retry
// that finds the object gone delivers the event kept in the claim
// (recoverEvent), and reconcile delivers those of released claims. A crash
// after delivery but before .done may deliver once more; receivers dedupe
// on webhook-id, which is the event id.

// defaultEventLease is how long a claim keeps others away: longer than a
// delivery's retries on the OSS-event path.
const defaultEventLease = 30 * time.Second

// maxClaimRecord bounds what is read of a claim (an event with a 1 KiB key
// and its violations is a few KiB).
const maxClaimRecord = 64 << 10

// errHeldElsewhere: another delivery holds a live claim on the event.
var errHeldElsewhere = errors.New("api: the event is being delivered by another invocation")

// claimRecord is the body of an event's .claim record.
type claimRecord struct {
	// LeaseUntil is the Unix time the holder's lease ends; 0 once a failed
	// delivery released it.
	LeaseUntil int64 `json:"leaseUntil"`
	// Event is the event being delivered.
	Event *uploadevent.Event `json:"event,omitempty"`
}

// parseClaim reads a claim record; a bare Unix time (the records of
// earlier versions) is a lease without its event.
func parseClaim(b []byte) (claimRecord, error) {
	var c claimRecord
	if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
		return claimRecord{LeaseUntil: n}, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("api: unreadable event claim: %w", err)
	}
	return c, nil
}

func (h *Handlers) claimBody(e uploadevent.Event, leaseUntil time.Time) []byte {
	c := claimRecord{Event: &e}
	if !leaseUntil.IsZero() {
		c.LeaseUntil = leaseUntil.Unix()
	}
	b, _ := json.Marshal(c)
	return b
}

func eventRecord(id, suffix string) string {
	return upload.ReservedPrefix + "events/" + id + suffix
}

// delivered reports whether the event with id was delivered already.
func (h *Handlers) delivered(ctx context.Context, id string) (bool, error) {
	_, err := h.cfg.Objects.Head(ctx, eventRecord(id, ".done"))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, upload.ErrObjectNotFound):
		return false, nil
	}
	return false, err
}

// deliverOnce delivers e unless it was delivered already or another
// delivery holds it (errHeldElsewhere). act, when not nil, is the
// witness's onViolation action: it runs once the claim holding e is
// written (before delivery), and also when e was delivered already (the
// same bytes uploaded again) or the records cannot be written (the
// profile's rule comes first) — only a live claim elsewhere leaves it to
// that claim's holder. Without EventRecords (or an object store) it acts
// and delivers; without Events it only acts.
func (h *Handlers) deliverOnce(ctx context.Context, e uploadevent.Event, act func(context.Context) error) error {
	run := func() error {
		if act == nil {
			return nil
		}
		return act(ctx)
	}
	if h.cfg.Events == nil {
		return run()
	}
	if !h.cfg.EventRecords || h.cfg.Objects == nil {
		if err := run(); err != nil {
			return err
		}
		return h.cfg.Events.Deliver(ctx, e)
	}
	id := e.Data.ID
	if done, err := h.delivered(ctx, id); err != nil {
		return errors.Join(fmt.Errorf("api: event %s: reading its record: %w", id, err), run())
	} else if done {
		h.log.InfoContext(ctx, "event already delivered", "eventId", id, "key", e.Data.Key)
		return run()
	}
	lease := h.cfg.EventLease
	if lease <= 0 {
		lease = defaultEventLease
	}
	claim := eventRecord(id, ".claim")
	body := h.claimBody(e, h.now().Add(lease))
	prev, err := h.cfg.Objects.Claim(ctx, claim, body)
	for try := 1; errors.Is(err, upload.ErrObjectNotFound) && try < 3; try++ {
		// The claim existed when written and was gone when read: its
		// holder has just finished (or released it and removed it).
		if done, derr := h.delivered(ctx, id); derr == nil && done {
			h.log.InfoContext(ctx, "event already delivered", "eventId", id, "key", e.Data.Key)
			return run()
		}
		prev, err = h.cfg.Objects.Claim(ctx, claim, body)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("api: event %s: claiming it: %w", id, err), run())
	}
	if prev != nil {
		if c, err := parseClaim(prev); err == nil && h.now().Before(time.Unix(c.LeaseUntil, 0)) {
			return errHeldElsewhere
		}
		// The holder's lease ran out (it crashed before delivering) or a
		// failed delivery released it.
		h.log.WarnContext(ctx, "taking over an event whose delivery was abandoned or failed", "eventId", id, "key", e.Data.Key)
		if err := h.cfg.Objects.Put(ctx, claim, body); err != nil {
			return errors.Join(fmt.Errorf("api: event %s: taking over its claim: %w", id, err), run())
		}
	}
	if hook := h.afterClaim; hook != nil {
		hook(id)
	}
	err = run()
	if err == nil {
		err = h.cfg.Events.Deliver(ctx, e)
	}
	if err != nil {
		// Release the claim but keep the event in it, for a retry or
		// reconcile when the object is gone.
		if rerr := h.cfg.Objects.Put(context.WithoutCancel(ctx), claim, h.claimBody(e, time.Time{})); rerr != nil {
			h.log.WarnContext(ctx, "could not release an event's claim; the next attempt waits for its lease", "eventId", id, "err", rerr)
		}
		return err
	}
	done := context.WithoutCancel(ctx)
	if err := h.cfg.Objects.Put(done, eventRecord(id, ".done"), []byte(h.now().UTC().Format(time.RFC3339))); err != nil {
		h.log.WarnContext(ctx, "event delivered but not recorded; a later delivery may repeat it", "eventId", id, "err", err)
	}
	if err := h.cfg.Objects.Delete(done, claim); err != nil {
		h.log.WarnContext(ctx, "could not remove a delivered event's claim", "eventId", id, "err", err)
	}
	return nil
}

// storedEvent returns the event kept in the claim with id, if the event
// was not delivered and no live claim holds it: what is left of an upload
// its witness deleted or moved before the delivery failed. found is false
// when there is no such event.
func (h *Handlers) storedEvent(ctx context.Context, id string) (e uploadevent.Event, found bool, err error) {
	if !h.cfg.EventRecords || h.cfg.Objects == nil {
		return e, false, nil
	}
	b, err := h.cfg.Objects.FirstBytes(ctx, eventRecord(id, ".claim"), maxClaimRecord)
	switch {
	case errors.Is(err, upload.ErrObjectNotFound):
		return e, false, nil
	case err != nil:
		return e, false, err
	}
	c, err := parseClaim(b)
	if err != nil || c.Event == nil || c.Event.Data.ID != id {
		return e, false, err
	}
	if done, err := h.delivered(ctx, id); err != nil || done {
		return e, false, err
	}
	return *c.Event, true, nil
}

// awaitDelivered waits, polling, until the event with id is recorded as
// delivered or ctx ends (the OSS-event path, while another invocation
// delivers it).
func (h *Handlers) awaitDelivered(ctx context.Context, id string) error {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		if done, err := h.delivered(ctx, id); err == nil && done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w and was not delivered in time: %w", errHeldElsewhere, ctx.Err())
		case <-t.C:
		}
	}
}
