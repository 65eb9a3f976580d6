package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"ossdirect/shared/upload"
	"ossdirect/shared/uploadevent"
)

// ObjectLister lists the bucket (ossclient.Client implements it); the
// callback function's ObjectStore must implement it for Reconcile.
type ObjectLister interface {
	// List calls fn for each object under prefix in key order, with its
	// key, size, ETag and modification time.
	List(ctx context.Context, prefix string, fn func(upload.Object) error) error
}

// ReconcileOptions say what Reconcile looks at.
type ReconcileOptions struct {
	// Since: objects last modified before it are not looked at.
	Since time.Time
	// Profile narrows the run to one profile ("" : every profile).
	Profile string
	// DryRun only reports what would be delivered.
	DryRun bool
}

// ReconcileReport is what a Reconcile run found and did.
type ReconcileReport struct {
	Since    time.Time `json:"since"`
	Profiles []string  `json:"profiles"`
	DryRun   bool      `json:"dryRun"`
	// Checked counts the uploads looked at (in a profile's directory,
	// modified since Since).
	Checked int `json:"checked"`
	// AlreadyDelivered counts those with a delivery record.
	AlreadyDelivered int `json:"alreadyDelivered"`
	// Delivered are the events delivered by this run.
	Delivered []ReconciledEvent `json:"delivered"`
	// Pending are the uploads a dry run would deliver.
	Pending []ReconciledEvent `json:"pending,omitempty"`
	// Refused are uploads the witness refused (gone since the listing).
	Refused []ReconcileFailure `json:"refused,omitempty"`
	// Failed are the uploads whose event could not be delivered.
	Failed []ReconcileFailure `json:"failed"`
}

// ReconciledEvent is one upload's event.
type ReconciledEvent struct {
	Key     string `json:"key"`
	Profile string `json:"profile"`
	EventID string `json:"eventId"`
	Type    string `json:"type,omitempty"`
}

// ReconcileFailure is an upload whose event was not delivered, and why.
type ReconcileFailure struct {
	Key     string `json:"key"`
	Profile string `json:"profile"`
	EventID string `json:"eventId,omitempty"`
	Reason  string `json:"reason"`
}

// ErrReconcileNeedsWebhook: Reconcile without delivery records (no
// WEBHOOK_URL) would deliver everything again.
var ErrReconcileNeedsWebhook = errors.New("api: reconcile needs a webhook receiver (WEBHOOK_URL) and its delivery records")

// Reconcile is the safety net behind both channels: for each profile (or
// the one named) it lists the objects under the static part of its
// directory (up to the first "{"), modified since opts.Since, skipping
// upload.ReservedPrefix, and delivers the event of each upload without a
// .done record (see dedupe.go) like the OSS-event path: witnessed (HEAD,
// the profile's limits, onViolation), then deliverOnce, source
// "reconcile". Then it delivers the events kept in released or abandoned
// claims whose uploads are gone (deleted or quarantined by their witness
// before their delivery failed; see dedupe.go). A dry run only reads the
// records. The error is for a run that could not list the bucket;
// per-upload failures are in the report.
func (h *Handlers) Reconcile(ctx context.Context, opts ReconcileOptions) (*ReconcileReport, error) {
	if !h.cfg.EventRecords || h.cfg.Objects == nil || h.cfg.Events == nil {
		return nil, ErrReconcileNeedsWebhook
	}
	lister, ok := h.cfg.Objects.(ObjectLister)
	if !ok {
		return nil, errors.New("api: reconcile: the object store cannot list the bucket")
	}
	names := h.cfg.Profiles.Names()
	if opts.Profile != "" {
		if _, err := h.cfg.Profiles.Lookup(opts.Profile); err != nil {
			return nil, fmt.Errorf("api: reconcile: profile %q is not configured (profiles: %s)", opts.Profile, strings.Join(names, ", "))
		}
		names = []string{opts.Profile}
	}
	rep := &ReconcileReport{Since: opts.Since.UTC(), Profiles: names, DryRun: opts.DryRun,
		Delivered: []ReconciledEvent{}, Failed: []ReconcileFailure{}}
	// Static prefixes, without one that another contains (listed once).
	var prefixes []string
	for _, name := range names {
		p, _ := h.cfg.Profiles.Lookup(name)
		prefixes = append(prefixes, p.StaticPrefix())
	}
	seen, ids := map[string]bool{}, map[string]bool{}
	for _, prefix := range minimalPrefixes(prefixes) {
		err := lister.List(ctx, prefix, func(o upload.Object) error {
			if seen[o.Key] || strings.HasPrefix(o.Key, upload.ReservedPrefix) || o.Modified.Before(opts.Since) {
				return nil
			}
			seen[o.Key] = true
			obj, err := h.checkObject(h.cfg.Bucket, o.Key, "object", "", "")
			if err != nil || (opts.Profile != "" && obj.profile != opts.Profile) {
				return nil // outside the profiles looked at (e.g. quarantine)
			}
			ids[uploadevent.ID(h.cfg.Bucket, o.Key, o.ETag)] = true
			h.reconcileOne(ctx, rep, obj, o, opts.DryRun)
			return ctx.Err()
		})
		if err != nil {
			return rep, fmt.Errorf("api: reconcile: listing %q: %w", prefix, err)
		}
	}
	if err := h.reconcileClaims(ctx, lister, rep, opts, ids); err != nil {
		return rep, fmt.Errorf("api: reconcile: listing the event records: %w", err)
	}
	return rep, nil
}

// reconcileOne checks one listed upload and delivers its event if needed.
func (h *Handlers) reconcileOne(ctx context.Context, rep *ReconcileReport, obj verifiedObject, o upload.Object, dryRun bool) {
	rep.Checked++
	id := uploadevent.ID(h.cfg.Bucket, o.Key, o.ETag)
	fail := func(id, reason string) {
		rep.Failed = append(rep.Failed, ReconcileFailure{Key: o.Key, Profile: obj.profile, EventID: id, Reason: reason})
	}
	done, err := h.delivered(ctx, id)
	switch {
	case err != nil:
		fail(id, "reading its delivery record: "+err.Error())
		return
	case done:
		rep.AlreadyDelivered++
		return
	case dryRun:
		rep.Pending = append(rep.Pending, ReconciledEvent{Key: o.Key, Profile: obj.profile, EventID: id})
		return
	}
	ue, act, err := h.witnessEvent(ctx, uploadevent.SourceReconcile, obj)
	if e, refused := refusal(err); refused {
		rep.Refused = append(rep.Refused, ReconcileFailure{Key: o.Key, Profile: obj.profile, EventID: id, Reason: e.Message})
		return
	} else if err != nil {
		fail(id, err.Error())
		return
	}
	h.reconcileDeliver(ctx, rep, ue, act)
}

// reconcileDeliver delivers e (acting first, see deliverOnce) and reports
// the outcome.
func (h *Handlers) reconcileDeliver(ctx context.Context, rep *ReconcileReport, e uploadevent.Event, act func(context.Context) error) {
	d := e.Data
	switch err := h.deliverOnce(ctx, e, act); {
	case errors.Is(err, errHeldElsewhere):
		rep.Failed = append(rep.Failed, ReconcileFailure{Key: d.Key, Profile: d.Profile, EventID: d.ID,
			Reason: "being delivered by another invocation (its claim's lease is live); run reconcile again later"})
	case err != nil:
		rep.Failed = append(rep.Failed, ReconcileFailure{Key: d.Key, Profile: d.Profile, EventID: d.ID, Reason: "not delivered: " + err.Error()})
	default:
		rep.Delivered = append(rep.Delivered, ReconciledEvent{Key: d.Key, Profile: d.Profile, EventID: d.ID, Type: e.Type})
	}
}

// reconcileClaims delivers the events kept in claims whose delivery failed
// or was abandoned (lease over, no .done) and whose upload is gone, so
// the listing of the profiles' directories could not find them: uploads
// deleted or quarantined for breaking their profile. ids are the events
// the listing already handled.
func (h *Handlers) reconcileClaims(ctx context.Context, lister ObjectLister, rep *ReconcileReport, opts ReconcileOptions, ids map[string]bool) error {
	return lister.List(ctx, upload.ReservedPrefix+"events/", func(o upload.Object) error {
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, upload.ReservedPrefix+"events/"), ".claim")
		if !ok || ids[id] || o.Modified.Before(opts.Since) {
			return nil
		}
		b, err := h.cfg.Objects.FirstBytes(ctx, o.Key, maxClaimRecord)
		if err != nil {
			if !errors.Is(err, upload.ErrObjectNotFound) { // delivered since the listing
				rep.Failed = append(rep.Failed, ReconcileFailure{EventID: id, Reason: "reading its claim: " + err.Error()})
			}
			return ctx.Err()
		}
		c, err := parseClaim(b)
		switch {
		case err != nil || c.Event == nil || c.Event.Data.ID != id:
			return ctx.Err() // a claim of an earlier version: its upload is listed, or gone without its event
		case opts.Profile != "" && c.Event.Data.Profile != opts.Profile:
			return ctx.Err()
		case h.now().Before(time.Unix(c.LeaseUntil, 0)):
			rep.Failed = append(rep.Failed, ReconcileFailure{Key: c.Event.Data.Key, Profile: c.Event.Data.Profile, EventID: id,
				Reason: "being delivered by another invocation (its claim's lease is live); run reconcile again later"})
			return ctx.Err()
		}
		rep.Checked++
		if done, err := h.delivered(ctx, id); err != nil || done {
			return ctx.Err()
		}
		if opts.DryRun {
			rep.Pending = append(rep.Pending, ReconciledEvent{Key: c.Event.Data.Key, Profile: c.Event.Data.Profile, EventID: id, Type: c.Event.Type})
			return ctx.Err()
		}
		h.reconcileDeliver(ctx, rep, *c.Event, nil)
		return ctx.Err()
	})
}

// minimalPrefixes drops each prefix that another one starts (and
// duplicates), so no object is listed twice.
func minimalPrefixes(ps []string) []string {
	var out []string
	for i, p := range ps {
		covered := false
		for j, q := range ps {
			if j != i && strings.HasPrefix(p, q) && (p != q || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	return out
}
