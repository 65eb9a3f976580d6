package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// Delivering each upload once, without a new service: the bucket itself
// keeps two small records per event under upload.ReservedPrefix + "events/":
//
//	<id>.claim  written with x-oss-forbid-overwrite, so of two deliveries
//	            (the callback and the OSS event, a retry, a replayed
//	            callback) exactly one creates it; it holds the Unix time its
//	            lease ends;
//	<id>.done   written once the receiver took the event.
//
// A delivery that finds .done does nothing. One that finds a live claim
// leaves the event to its holder (the OSS-event path waits for .done
// within its deadline, and fails the invocation if it does not appear, so
// FC retries). A claim whose lease ran out belongs to a holder that
// crashed between claim and delivery: it is taken over. A failed delivery
// deletes its claim, so a retry can claim at once. A crash after delivery
// but before .done may deliver once more; receivers dedupe on webhook-id,
// which is the event id.

// defaultEventLease is how long a claim keeps others away: longer than a
// delivery's retries on the OSS-event path.
const defaultEventLease = 30 * time.Second

// errHeldElsewhere: another delivery holds a live claim on the event.
var errHeldElsewhere = errors.New("api: the event is being delivered by another invocation")

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
// delivery holds it (errHeldElsewhere). Without EventRecords (or an object
// store) it just delivers.
func (h *Handlers) deliverOnce(ctx context.Context, e uploadevent.Event) error {
	if !h.cfg.EventRecords || h.cfg.Objects == nil {
		return h.cfg.Events.Deliver(ctx, e)
	}
	id := e.Data.ID
	if done, err := h.delivered(ctx, id); err != nil {
		return fmt.Errorf("api: event %s: reading its record: %w", id, err)
	} else if done {
		h.log.InfoContext(ctx, "event already delivered", "eventId", id, "key", e.Data.Key)
		return nil
	}
	lease := h.cfg.EventLease
	if lease <= 0 {
		lease = defaultEventLease
	}
	until := []byte(strconv.FormatInt(h.now().Add(lease).Unix(), 10))
	claim := eventRecord(id, ".claim")
	prev, err := h.cfg.Objects.Claim(ctx, claim, until)
	if err != nil {
		return fmt.Errorf("api: event %s: claiming it: %w", id, err)
	}
	if prev != nil {
		end, perr := strconv.ParseInt(strings.TrimSpace(string(prev)), 10, 64)
		if perr == nil && h.now().Before(time.Unix(end, 0)) {
			return errHeldElsewhere
		}
		// The holder's lease ran out: it crashed before delivering.
		h.log.WarnContext(ctx, "taking over an event whose delivery was abandoned", "eventId", id, "key", e.Data.Key)
		if err := h.cfg.Objects.Put(ctx, claim, until); err != nil {
			return fmt.Errorf("api: event %s: taking over its claim: %w", id, err)
		}
	}
	if err := h.cfg.Events.Deliver(ctx, e); err != nil {
		if derr := h.cfg.Objects.Delete(context.WithoutCancel(ctx), claim); derr != nil {
			h.log.WarnContext(ctx, "could not release an event's claim; the next attempt waits for its lease", "eventId", id, "err", derr)
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
