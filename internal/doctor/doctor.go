// Package doctor checks a deployment the way uploads will use it: the
// bucket seen through the functions' endpoint and the clients' upload host,
// the clock, the signature versions OSS takes, the bucket's CORS, lifecycle
// and overwrite rules, the STS role and its session policy, the callback
// URL, and the mini-program domain lists. Each check says what it found
// and, when something is wrong, the exact fix. [Plan] and [Apply] (setup.go)
// then write the bucket-side fixes, merged with the rules already there.
//
// It is what `ossdirect doctor` and `ossdirect setup` run, and what the
// local stack's /status page shows. It reads no environment: the command
// passes the functions' configuration in.
package doctor

import (
	"context"
	"net/http"
	"time"

	"ossdirect/shared/config"
)

// Status is the outcome of one check.
type Status string

// Outcomes. Only StatusFail makes the report fail.
const (
	StatusPass Status = "pass"
	StatusWarn Status = "warn" // works, but a user will hit it (say why)
	StatusFail Status = "fail"
	StatusSkip Status = "skip" // does not apply to this configuration
)

// Result is one line of the checklist.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Detail is what was found.
	Detail string `json:"detail"`
	// Fix is what to do, exactly (a command, a setting, a rule), when the
	// status is fail or warn.
	Fix string `json:"fix,omitempty"`
	// Setup says `ossdirect setup` can apply Fix.
	Setup bool `json:"setup,omitempty"`
}

// Report is a whole run.
type Report struct {
	Results []Result `json:"results"`
	// OK is false when any check failed.
	OK bool `json:"ok"`
}

// Check names one item of the checklist, in the order they run.
type Check struct {
	ID, Title string
}

// Checks is the checklist. README's "Deploying for real" lists exactly
// these (a test holds it to that).
var Checks = []Check{
	{"endpoint", "The functions reach the bucket through OSS_ENDPOINT"},
	{"upload-host", "Clients reach the bucket through OSS_UPLOAD_HOST"},
	{"clock", "This machine's clock agrees with OSS's"},
	{"signature-v4", "OSS accepts V4 signatures"},
	{"signature-v1", "V1 signatures: accepted, or refused and unused"},
	{"cors", "CORS lets the upload page's origins upload and read ETag"},
	{"lifecycle", "A lifecycle rule aborts abandoned multipart uploads and expires ossdirect's records"},
	{"overwrite", "Overwrite protection covers profiles that STS clients upload to"},
	{"sts", "STS_ROLE_ARN can be assumed and its session policy holds"},
	{"callback", "CALLBACK_URL is HTTPS, resolves, presents its certificate and answers JSON"},
	{"miniprogram", "Mini-program domain lists (request, uploadFile, downloadFile)"},
}

// Config is what doctor checks.
type Config struct {
	// App is the functions' configuration (as config.Load returns it)
	// with Credentials set: what the functions sign with.
	App *config.Config
	// PageOrigins are the origins the upload page is served from
	// (https://app.example.com); the CORS check needs at least one.
	PageOrigins []string
	// FunctionURLs are the functions' public base URLs, for the
	// mini-program's request list; empty: derived from CALLBACK_URL.
	FunctionURLs []string
	// HTTPClient makes every probe; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is this machine's clock; nil means time.Now.
	Now func() time.Time
	// ReadOnly skips the probes that write: the STS check then assumes the
	// role but uploads nothing (the local stack's /status page, where a
	// probe upload would be an upload event).
	ReadOnly bool
}

// Run runs every check and returns the report. A check that cannot finish
// reports why; Run itself does not fail.
func Run(ctx context.Context, cfg Config) *Report {
	d := newDoctor(cfg)
	rep := &Report{OK: true}
	for _, c := range Checks {
		r := d.run(ctx, c.ID)
		r.ID, r.Title = c.ID, c.Title
		if r.Status == StatusFail {
			rep.OK = false
		}
		rep.Results = append(rep.Results, r)
	}
	return rep
}
