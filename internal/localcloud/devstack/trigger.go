package devstack

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"ossdirect/internal/localcloud/ossemu"
	"ossdirect/shared/requestid"
	"ossdirect/shared/upload"
)

// The local OSS trigger: s.yaml's oss-created trigger of the callback
// function, played by the stack. The OSS emulator hands each object it
// stored to the trigger (ossemu.Config.Events) without waiting; the trigger
// keeps those whose event name and key match, renders FC's OSS event
// (ossEventJSON, the one place that shape is written) and invokes the
// callback function asynchronously, as FC does: through fcrun.Handler, the
// production decoding path, by a few workers, each invocation with the
// function's timeout as its deadline, an invocation that returns an error
// retried with backoff up to asyncInvokeConfig.maxAsyncRetryAttempts
// times, then dropped with an ERROR log (FC would send it to the
// onFailure destination).
//
// What it deliberately does not do: maxAsyncEventAgeInSeconds, onSuccess
// and onFailure destinations, suffix filters, wildcard event names, or
// FC's throttling retries; an invocation that ignores its context's
// deadline holds its worker until it returns.

// OSSTriggerEvents are the events of s.yaml's oss-created trigger: the
// ones that complete an object (not CopyObject, Initiate or UploadPart).
var OSSTriggerEvents = []string{
	"oss:ObjectCreated:PutObject",
	"oss:ObjectCreated:PostObject",
	"oss:ObjectCreated:CompleteMultipartUpload",
}

// Defaults of the OSS trigger's Config fields, from s.yaml's callback
// function.
const (
	// DefaultOSSTriggerTimeout is the callback function's timeout.
	DefaultOSSTriggerTimeout = 10 * time.Second
	// DefaultOSSTriggerRetries is asyncInvokeConfig.maxAsyncRetryAttempts.
	DefaultOSSTriggerRetries = 3
	// DefaultOSSTriggerBackoff is the wait before the first retry, doubled
	// before each next one. FC publishes no interval for retries of
	// function errors; this is its published schedule for throttled
	// asynchronous invocations (0.5 s, 1 s, 2 s, …).
	DefaultOSSTriggerBackoff = 500 * time.Millisecond
	// maxOSSTriggerRetries is FC's upper bound for maxAsyncRetryAttempts.
	maxOSSTriggerRetries = 8
	// ossTriggerWorkers is how many invocations run at once.
	ossTriggerWorkers = 4
)

// DevAccountID is the local stack's Alibaba Cloud account id: the owner
// in OSS events and in DevRoleARN.
const DevAccountID = "1234567890123456"

// callbackFunctionName is the callback function's name in s.yaml with the
// default FUNCTION_NAME_PREFIX.
const callbackFunctionName = "ossdirect-callback"

// CheckOSSTriggerPrefix reports whether p can be an OSS trigger's key
// prefix filter: valid UTF-8 of at most 1023 bytes, not starting with "/"
// or "\" (OSS's object-name rules; "" is no filter).
func CheckOSSTriggerPrefix(p string) error {
	switch {
	case !utf8.ValidString(p):
		return errors.New("not valid UTF-8")
	case len(p) > 1023:
		return errors.New("longer than 1023 bytes")
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`):
		return errors.New(`an object key never starts with "/" or "\"`)
	}
	return nil
}

// profilesPrefix is the longest common start of the profiles' static
// directory prefixes (upload.Profile.StaticPrefix): every key of every
// profile starts with it. "" when they share none.
func profilesPrefix(ps upload.Profiles) string {
	var prefix string
	for i, name := range ps.Names() {
		p, _ := ps.Lookup(name)
		s := p.StaticPrefix()
		if i == 0 {
			prefix = s
			continue
		}
		n := 0
		for n < len(prefix) && n < len(s) && prefix[n] == s[n] {
			n++
		}
		prefix = prefix[:n]
	}
	for !utf8.ValidString(prefix) { // cut inside a character
		prefix = prefix[:len(prefix)-1]
	}
	return prefix
}

// triggerConfig configures an ossTrigger; validate fills the defaults.
type triggerConfig struct {
	Events  []string // with the "oss:" prefix
	Prefix  string
	Timeout time.Duration
	Retries int // -1: none
	Backoff time.Duration
	Logger  *slog.Logger
}

// triggerConfig returns the trigger's settings from cfg, or an error
// naming the bad field.
func (cfg *Config) triggerConfig(log *slog.Logger) (triggerConfig, error) {
	tc := triggerConfig{Events: OSSTriggerEvents, Prefix: cfg.OSSTriggerPrefix, Timeout: cfg.OSSTriggerTimeout,
		Retries: cfg.OSSTriggerRetries, Backoff: cfg.OSSTriggerBackoff, Logger: log}
	if err := CheckOSSTriggerPrefix(tc.Prefix); err != nil {
		return tc, fmt.Errorf("devstack: OSSTriggerPrefix %q: %w", tc.Prefix, err)
	}
	switch {
	case tc.Timeout < 0:
		return tc, errors.New("devstack: OSSTriggerTimeout must not be negative")
	case tc.Timeout == 0:
		tc.Timeout = DefaultOSSTriggerTimeout
	}
	switch {
	case tc.Retries < -1 || tc.Retries > maxOSSTriggerRetries:
		return tc, fmt.Errorf("devstack: OSSTriggerRetries %d: want 0 (default %d), -1 (none) or 1..%d", tc.Retries, DefaultOSSTriggerRetries, maxOSSTriggerRetries)
	case tc.Retries == 0:
		tc.Retries = DefaultOSSTriggerRetries
	case tc.Retries == -1:
		tc.Retries = 0
	}
	switch {
	case tc.Backoff < 0:
		return tc, errors.New("devstack: OSSTriggerBackoff must not be negative")
	case tc.Backoff == 0:
		tc.Backoff = DefaultOSSTriggerBackoff
	}
	return tc, nil
}

// OSSEventStats is what the local OSS trigger has done, served as JSON at
// GET /_test/oss-events with Config.TestHooks.
type OSSEventStats struct {
	// Enabled is Config.OSSEvents.
	Enabled bool `json:"enabled"`
	// Pending counts the events accepted and not finished: queued, being
	// invoked, or waiting for a retry. 0 means the channel is idle.
	Pending int `json:"pending"`
	// Invocations counts the invocations made, retries included;
	// Succeeded and Failed their outcomes.
	Invocations int `json:"invocations"`
	Succeeded   int `json:"succeeded"`
	Failed      int `json:"failed"`
	// Retries counts the retries scheduled after a failed invocation.
	Retries int `json:"retries"`
	// Dropped counts the events given up after their last retry.
	Dropped int `json:"dropped"`
	// Filtered counts the emulator's events the trigger did not match
	// (another event name, or a key outside the prefix).
	Filtered int `json:"filtered"`
}

// ossJob is one accepted event.
type ossJob struct {
	event   ossemu.Event
	payload []byte // the FC event, rendered once: retries send the same
	attempt int    // 0 for the first invocation, n for the n-th retry
}

// ossTrigger is the local OSS trigger (see the comment at the top).
type ossTrigger struct {
	cfg    triggerConfig
	events map[string]bool // without "oss:"
	ruleID string
	log    *slog.Logger
	invoke func(ctx context.Context, event []byte) (any, error)

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // a token: the queue may have work

	mu     sync.Mutex
	queue  []*ossJob
	closed bool
	stats  OSSEventStats
}

// newOSSTrigger returns a trigger for the OSS emulator's Config.Events. It
// runs nothing, and must not be handed events, until start.
func newOSSTrigger(cfg triggerConfig) *ossTrigger {
	return &ossTrigger{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1), stats: OSSEventStats{Enabled: true}}
}

// start takes the final settings (cfg.Prefix may have been filled in
// since newOSSTrigger) and runs the workers, which invoke the callback
// function's FC event handler (fcrun.Handler). close stops them.
func (t *ossTrigger) start(invoke func(context.Context, []byte) (any, error)) {
	t.invoke = invoke
	t.events = map[string]bool{}
	for _, e := range t.cfg.Events {
		t.events[strings.TrimPrefix(e, "oss:")] = true
	}
	sum := sha1.Sum([]byte("oss-created\x00" + strings.Join(t.cfg.Events, ",") + "\x00" + t.cfg.Prefix))
	t.ruleID = hex.EncodeToString(sum[:])
	t.ctx, t.cancel = context.WithCancel(context.Background())
	for range ossTriggerWorkers {
		t.wg.Go(t.work)
	}
	t.log.Info("OSS trigger on: ObjectCreated events invoke the callback function",
		"events", t.cfg.Events, "prefix", t.cfg.Prefix, "timeout", t.cfg.Timeout.String(),
		"maxAsyncRetryAttempts", t.cfg.Retries, "backoff", t.cfg.Backoff.String())
}

// accept is the OSS emulator's Config.Events: it filters and queues, and
// never blocks on an invocation.
func (t *ossTrigger) accept(e ossemu.Event) {
	if !t.events[e.Name] || !strings.HasPrefix(e.Key, t.cfg.Prefix) {
		t.update(func(s *OSSEventStats) { s.Filtered++ })
		t.log.Debug("OSS event not matched by the trigger's events and prefix", "event", e.Name, "key", e.Key)
		return
	}
	payload, err := ossEventJSON(e, DevAccountID, t.ruleID)
	if err != nil {
		t.log.Error("OSS event not rendered", "event", e.Name, "key", e.Key, "err", err)
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.log.Warn("OSS event not invoked: the stack is stopping", "event", e.Name, "key", e.Key)
		return
	}
	t.stats.Pending++
	t.queue = append(t.queue, &ossJob{event: e, payload: payload})
	t.mu.Unlock()
	t.signal()
}

// requeue puts a job waiting for its retry back in the queue (it stays
// pending); false when the trigger is closing.
func (t *ossTrigger) requeue(j *ossJob) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.queue = append(t.queue, j)
	t.signal()
	return true
}

func (t *ossTrigger) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// next takes the first queued job, if any, passing the token on when more
// are queued.
func (t *ossTrigger) next() *ossJob {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.queue) == 0 || t.closed {
		return nil
	}
	j := t.queue[0]
	t.queue = t.queue[1:]
	if len(t.queue) > 0 {
		t.signal()
	}
	return j
}

func (t *ossTrigger) work() {
	for {
		if j := t.next(); j != nil {
			t.run(j)
			continue
		}
		select {
		case <-t.wake:
		case <-t.ctx.Done():
			return
		}
	}
}

// update applies f to the stats under the lock.
func (t *ossTrigger) update(f func(*OSSEventStats)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.stats)
}

// run makes one invocation of j, as FC's asynchronous invoker does: the
// function's timeout as deadline, an FC context with a fresh request id
// and the retry count; then finishes j or schedules its retry.
func (t *ossTrigger) run(j *ossJob) {
	id := invocationID()
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.Timeout)
	ctx = fccontext.NewContext(ctx, &fccontext.FcContext{
		RequestID:  id,
		Function:   fccontext.Function{Name: callbackFunctionName, Handler: "main", Timeout: int(t.cfg.Timeout / time.Second)},
		Region:     j.event.Region,
		AccountId:  DevAccountID,
		RetryCount: j.attempt,
	})
	t.update(func(s *OSSEventStats) { s.Invocations++ })
	began := time.Now()
	_, err := t.invoke(ctx, j.payload)
	cancel()
	log := t.log.With(requestid.Key, id, "event", j.event.Name, "bucket", j.event.Bucket, "key", j.event.Key,
		"attempt", j.attempt+1, "durationMs", time.Since(began).Milliseconds())
	switch {
	case err == nil:
		t.update(func(s *OSSEventStats) { s.Succeeded++; s.Pending-- })
		log.Info("OSS trigger invocation succeeded")
	case t.ctx.Err() != nil:
		t.update(func(s *OSSEventStats) { s.Failed++; s.Pending-- })
		log.Warn("OSS trigger invocation cancelled: the stack is stopping", "err", err.Error())
	case j.attempt < t.cfg.Retries:
		delay := t.cfg.Backoff << j.attempt
		t.update(func(s *OSSEventStats) { s.Failed++; s.Retries++ })
		log.Warn("OSS trigger invocation failed; FC's asynchronous retry will invoke it again",
			"err", err.Error(), "retryIn", delay.String(), "retriesLeft", t.cfg.Retries-j.attempt)
		t.wg.Go(func() { t.retryAfter(j, delay) })
	default:
		t.update(func(s *OSSEventStats) { s.Failed++; s.Dropped++; s.Pending-- })
		log.Error("OSS event dropped: the invocation failed and its retries are spent (in FC it would go to the asyncInvokeConfig onFailure destination)",
			"err", err.Error(), "retries", t.cfg.Retries)
	}
}

// retryAfter queues j's next attempt after delay, unless the trigger
// closes first.
func (t *ossTrigger) retryAfter(j *ossJob, delay time.Duration) {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		next := *j
		next.attempt++
		if t.requeue(&next) {
			return
		}
	case <-t.ctx.Done():
	}
	t.update(func(s *OSSEventStats) { s.Pending-- })
}

// Stats returns a snapshot of the counters.
func (t *ossTrigger) Stats() OSSEventStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// close stops accepting, cancels the invocations in flight and the retries
// waiting, and waits for every goroutine until ctx ends.
func (t *ossTrigger) close(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	lost := len(t.queue)
	t.stats.Pending -= lost
	t.queue = nil
	t.mu.Unlock()
	if lost > 0 {
		t.log.Warn("OSS events not invoked: the stack stopped", "events", lost)
	}
	t.cancel()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("devstack: OSS trigger: invocations still running: %w", ctx.Err())
	}
}

// invocationID returns a random id in the form of FC's request ids (a
// UUID).
func invocationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// serveOSSEventStats answers GET /_test/oss-events with t's stats as JSON
// (all zero, enabled false, when t is nil: OSS events are off).
func serveOSSEventStats(t *ossTrigger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var s OSSEventStats
		if t != nil {
			s = t.Stats()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(s)
	}
}

// The FC OSS event, as FC passes OSS's notification to a function
// (reference/fc3.md §3.5; events.OssEvent of fc-runtime-go-sdk; the
// fixture shared/fcrun/testdata/oss-created.json). Own types rather than
// events.OssEvent, whose *time.Time would drop OSS's fixed three
// fraction digits.
type (
	ossEvent struct {
		Events []ossEventRecord `json:"events"`
	}
	ossEventRecord struct {
		EventName         string              `json:"eventName"`
		EventSource       string              `json:"eventSource"`
		EventTime         string              `json:"eventTime"`
		EventVersion      string              `json:"eventVersion"`
		OSS               ossEventOSS         `json:"oss"`
		Region            string              `json:"region"`
		RequestParameters ossEventRequest     `json:"requestParameters"`
		ResponseElements  ossEventResponse    `json:"responseElements"`
		UserIdentity      ossEventPrincipalID `json:"userIdentity"`
	}
	ossEventOSS struct {
		Bucket           ossEventBucket `json:"bucket"`
		Object           ossEventObject `json:"object"`
		OSSSchemaVersion string         `json:"ossSchemaVersion"`
		RuleID           string         `json:"ruleId"`
	}
	ossEventBucket struct {
		ARN           string `json:"arn"`
		Name          string `json:"name"`
		OwnerIdentity string `json:"ownerIdentity"`
		VirtualBucket string `json:"virtualBucket"`
	}
	ossEventObject struct {
		DeltaSize  int64              `json:"deltaSize"`
		ETag       string             `json:"eTag"`
		Key        string             `json:"key"`
		ObjectMeta ossEventObjectMeta `json:"objectMeta"`
		Size       int64              `json:"size"`
	}
	ossEventObjectMeta struct {
		MimeType string `json:"mimeType"`
	}
	ossEventRequest struct {
		SourceIPAddress string `json:"sourceIPAddress"`
	}
	ossEventResponse struct {
		RequestID string `json:"requestId"`
	}
	ossEventPrincipalID struct {
		PrincipalID string `json:"principalId"`
	}
)

// ossEventJSON renders e as the event FC passes to a function its OSS
// trigger invokes: {"events":[{…}]}, one record, eventName without "oss:",
// eventTime in UTC with milliseconds ("2022-06-10T06:21:35.000Z"), the ETag
// unquoted, the bucket owned by account and the requester named by it too
// (the emulator's identities have no principal ids), ruleID the trigger's
// rule. This is the only place the shape is written.
func ossEventJSON(e ossemu.Event, account, ruleID string) ([]byte, error) {
	rec := ossEventRecord{
		EventName:    e.Name,
		EventSource:  "acs:oss",
		EventTime:    e.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		EventVersion: "1.0",
		OSS: ossEventOSS{
			Bucket: ossEventBucket{ARN: "acs:oss:" + e.Region + ":" + account + ":" + e.Bucket, Name: e.Bucket, OwnerIdentity: account},
			Object: ossEventObject{DeltaSize: e.DeltaSize, ETag: e.ETag, Key: e.Key,
				ObjectMeta: ossEventObjectMeta{MimeType: e.ContentType}, Size: e.Size},
			OSSSchemaVersion: "1.0",
			RuleID:           ruleID,
		},
		Region:            e.Region,
		RequestParameters: ossEventRequest{SourceIPAddress: e.SourceIP},
		ResponseElements:  ossEventResponse{RequestID: e.RequestID},
		UserIdentity:      ossEventPrincipalID{PrincipalID: account},
	}
	return json.Marshal(ossEvent{Events: []ossEventRecord{rec}})
}
