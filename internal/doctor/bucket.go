package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/shared/ossclient"
	"ossdirect/shared/upload"
)

// What the bucket's rules must hold for the upload modes (docs/DEPLOY.md).
var (
	// corsMethods: PostObject (POST), presigned and STS uploads and their
	// parts (PUT), reading links and listing parts on resume (GET, HEAD),
	// aborting an STS multipart upload (DELETE).
	corsMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD"}
	// corsHeaders are the request headers the page, ali-oss and Uppy send.
	corsHeaders = []string{"content-type", "content-md5", "authorization", "x-oss-date", "x-oss-security-token",
		"x-oss-content-sha256", "x-oss-forbid-overwrite", "x-oss-callback", "x-oss-callback-var", "x-oss-user-agent"}
	// corsExpose: multipart completes with each part's ETag ("Load failed"
	// otherwise), and x-oss-request-id is what support asks for.
	corsExpose = []string{"ETag", "x-oss-request-id"}
)

// Rule IDs setup writes; doctor recognises rules by what they do, not by
// these names.
const (
	AbortRuleID   = "ossdirect-abort-multipart"
	EventsRuleID  = "ossdirect-expire-events"
	RecordsRuleID = "ossdirect-expire-upload-records"
	// AbortAfterDays outlives the longest grant (7 days), so no upload a
	// client may still finish is aborted.
	AbortAfterDays = 8
	// RecordsExpireDays keeps the once-only delivery records and the upload
	// records far longer than OSS and FC retry an upload's callback or
	// event (FC keeps an event for a day at most).
	RecordsExpireDays = 30
)

// Where the callback function keeps its records: the events' once-only
// delivery records and the uploads' witness records.
const (
	EventsPrefix  = upload.ReservedPrefix + "events/"
	RecordsPrefix = upload.ReservedPrefix + "uploads/"
)

// recordRules are the records' expiry rules setup writes, by prefix.
var recordRules = []struct{ id, prefix string }{{EventsRuleID, EventsPrefix}, {RecordsRuleID, RecordsPrefix}}

func (d *doctor) sdk() (*oss.Client, error) {
	app := d.cfg.App
	return ossclient.NewSDK(ossclient.Config{Bucket: app.Bucket, Region: app.Region, Endpoint: app.Endpoint, Credentials: app.Credentials})
}

// serviceCode is OSS's error code in err, or "".
func serviceCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// pageOrigins are the origins the CORS check is about: the ones given,
// else the functions' own CORS_ALLOWED_ORIGINS (the page calls both).
func (d *doctor) pageOrigins() []string {
	if len(d.cfg.PageOrigins) > 0 {
		return d.cfg.PageOrigins
	}
	var out []string
	for _, o := range d.cfg.App.CORSOrigins {
		if o != "*" {
			out = append(out, o)
		}
	}
	return out
}

// wildMatch matches s against pattern with at most one "*" (OSS's CORS
// wildcard), case-insensitively when fold is set.
func wildMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

func anyMatch(patterns []string, s string, fold bool) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return wildMatch(p, s, fold) })
}

// corsGaps is what rule lacks for the upload page; nil when it has it all.
func corsGaps(rule oss.CORSRule) []string {
	var gaps []string
	for _, m := range corsMethods {
		if !slices.Contains(rule.AllowedMethods, m) {
			gaps = append(gaps, "method "+m)
		}
	}
	for _, h := range corsHeaders {
		if !anyMatch(rule.AllowedHeaders, h, true) {
			gaps = append(gaps, "request header "+h)
		}
	}
	for _, h := range corsExpose {
		if !slices.ContainsFunc(rule.ExposeHeaders, func(e string) bool { return strings.EqualFold(e, h) }) {
			gaps = append(gaps, "exposed header "+h)
		}
	}
	return gaps
}

// firstRule is the rule OSS applies to origin (the first that matches), or -1.
func firstRule(rules []oss.CORSRule, origin string) int {
	return slices.IndexFunc(rules, func(r oss.CORSRule) bool { return anyMatch(r.AllowedOrigins, origin, false) })
}

// CORSRule is the bucket CORS rule the upload page's origins need, the
// one `ossdirect setup` writes: the methods PostObject, presigned and STS
// uploads use, any request header, and ETag and x-oss-request-id exposed
// (multipart completes with each part's ETag).
func CORSRule(origins []string) oss.CORSRule {
	return oss.CORSRule{AllowedOrigins: slices.Clone(origins), AllowedMethods: slices.Clone(corsMethods),
		AllowedHeaders: []string{"*"}, ExposeHeaders: slices.Clone(corsExpose), MaxAgeSeconds: oss.Ptr(int64(600))}
}

func (d *doctor) getCORS(ctx context.Context) ([]oss.CORSRule, error) {
	c, err := d.sdk()
	if err != nil {
		return nil, err
	}
	r, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(d.cfg.App.Bucket)})
	if serviceCode(err) == "NoSuchCORSConfiguration" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.CORSConfiguration == nil {
		return nil, nil
	}
	return r.CORSConfiguration.CORSRules, nil
}

// corsProblems lists, per origin, why the bucket's rules fail it, and the
// origins that need setup's rule.
func corsProblems(rules []oss.CORSRule, origins []string) (problems, need []string) {
	for _, o := range origins {
		i := firstRule(rules, o)
		if i < 0 {
			problems = append(problems, o+": no rule allows this origin")
			need = append(need, o)
			continue
		}
		if gaps := corsGaps(rules[i]); len(gaps) > 0 {
			problems = append(problems, fmt.Sprintf("%s: the first rule matching it (rule %d) lacks %s", o, i+1, strings.Join(gaps, ", ")))
			need = append(need, o)
		}
	}
	return problems, need
}

func (d *doctor) checkCORS(ctx context.Context) Result {
	origins := d.pageOrigins()
	if len(origins) == 0 {
		return warned("no page origin to check: pass --page-origin https://your.site (or set CORS_ALLOWED_ORIGINS)",
			"run doctor with --page-origin for each origin the upload page is served from")
	}
	rules, err := d.getCORS(ctx)
	if err != nil {
		return failed("reading the bucket's CORS rules: "+err.Error(), "the credentials need oss:GetBucketCors (or check the endpoint)")
	}
	problems, need := corsProblems(rules, origins)
	if len(problems) == 0 {
		return pass("%d rule(s) let %s upload (%s), send the SDKs' headers and read ETag and x-oss-request-id", len(rules), strings.Join(origins, ", "), strings.Join(corsMethods, ", "))
	}
	detail := strings.Join(problems, "; ")
	if len(rules) == 0 {
		detail = "the bucket has no CORS rules: browsers cannot upload to it (" + detail + ")"
	}
	return Result{Status: StatusFail, Detail: detail, Setup: true,
		Fix: fmt.Sprintf("ossdirect setup --page-origin %s (adds, before the existing rules, one rule: origins %s, methods %s, AllowedHeader *, ExposeHeader %s, MaxAgeSeconds 600)",
			strings.Join(need, " --page-origin "), strings.Join(need, " "), strings.Join(corsMethods, " "), strings.Join(corsExpose, " "))}
}

func (d *doctor) getLifecycle(ctx context.Context) ([]oss.LifecycleRule, error) {
	c, err := d.sdk()
	if err != nil {
		return nil, err
	}
	r, err := c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(d.cfg.App.Bucket)})
	if serviceCode(err) == "NoSuchLifecycle" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.LifecycleConfiguration == nil {
		return nil, nil
	}
	return r.LifecycleConfiguration.Rules, nil
}

// rulePrefix is a lifecycle rule's prefix ("" for the whole bucket).
func rulePrefix(r oss.LifecycleRule) string { return oss.ToString(r.Prefix) }

func enabled(r oss.LifecycleRule) bool { return strings.EqualFold(oss.ToString(r.Status), "Enabled") }

// aborts reports whether an enabled rule aborts the multipart uploads under dir.
func aborts(rules []oss.LifecycleRule, dir string) bool {
	return slices.ContainsFunc(rules, func(r oss.LifecycleRule) bool {
		return enabled(r) && r.AbortMultipartUpload != nil && strings.HasPrefix(dir, rulePrefix(r)) && r.Filter == nil && len(r.Tags) == 0
	})
}

// expires reports whether an enabled rule expires the objects under prefix,
// and only records (a rule expiring more would delete uploads).
func expires(rules []oss.LifecycleRule, prefix string) bool {
	return slices.ContainsFunc(rules, func(r oss.LifecycleRule) bool {
		return enabled(r) && r.Expiration != nil && strings.HasPrefix(rulePrefix(r), prefix)
	})
}

// lifecycleNeeds lists the rules setup would add to rules.
func (d *doctor) lifecycleNeeds(rules []oss.LifecycleRule) []oss.LifecycleRule {
	var add []oss.LifecycleRule
	for i, dir := range d.prefixes() {
		if aborts(rules, dir) || aborts(add, dir) {
			continue
		}
		id := AbortRuleID
		if i > 0 {
			id = fmt.Sprintf("%s-%d", AbortRuleID, i+1)
		}
		add = append(add, oss.LifecycleRule{ID: oss.Ptr(id), Prefix: oss.Ptr(dir), Status: oss.Ptr("Enabled"),
			AbortMultipartUpload: &oss.LifecycleRuleAbortMultipartUpload{Days: oss.Ptr(int32(AbortAfterDays))}})
	}
	for _, rr := range recordRules {
		if !expires(rules, rr.prefix) {
			add = append(add, oss.LifecycleRule{ID: oss.Ptr(rr.id), Prefix: oss.Ptr(rr.prefix), Status: oss.Ptr("Enabled"),
				Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(RecordsExpireDays))}})
		}
	}
	return add
}

func (d *doctor) checkLifecycle(ctx context.Context) Result {
	rules, err := d.getLifecycle(ctx)
	if err != nil {
		return failed("reading the bucket's lifecycle rules: "+err.Error(), "the credentials need oss:GetBucketLifecycle")
	}
	add := d.lifecycleNeeds(rules)
	if len(add) == 0 {
		return pass("abandoned multipart uploads under %s are aborted, and the records under %s and %s expire", strings.Join(quoteAll(d.prefixes()), ", "), EventsPrefix, RecordsPrefix)
	}
	var missing []string
	for _, r := range add {
		if r.AbortMultipartUpload != nil {
			missing = append(missing, fmt.Sprintf("no rule aborts incomplete multipart uploads under %q (their parts are stored, and billed, until aborted)", rulePrefix(r)))
		} else {
			missing = append(missing, fmt.Sprintf("no rule expires ossdirect's records under %q (they pile up, one or two per upload)", rulePrefix(r)))
		}
	}
	return Result{Status: StatusFail, Detail: strings.Join(missing, "; "), Setup: true,
		Fix: fmt.Sprintf("ossdirect setup (adds lifecycle rules: AbortMultipartUpload after %d days for each profile directory, Expiration after %d days for %s and %s; existing rules are kept)", AbortAfterDays, RecordsExpireDays, EventsPrefix, RecordsPrefix)}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func (d *doctor) getOverwrite(ctx context.Context) ([]oss.OverwriteRule, error) {
	c, err := d.sdk()
	if err != nil {
		return nil, err
	}
	r, err := c.GetBucketOverwriteConfig(ctx, &oss.GetBucketOverwriteConfigRequest{Bucket: oss.Ptr(d.cfg.App.Bucket)})
	if code := serviceCode(err); code == "NoSuchOverwriteConfiguration" || code == "NoSuchOverwriteConfig" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.OverwriteConfiguration == nil {
		return nil, nil
	}
	return r.OverwriteConfiguration.Rules, nil
}

// forbids reports whether a rule forbids every writer to overwrite the
// objects under dir.
func forbids(rules []oss.OverwriteRule, dir string) bool {
	return slices.ContainsFunc(rules, func(r oss.OverwriteRule) bool {
		return strings.EqualFold(oss.ToString(r.Action), "forbid") && strings.HasPrefix(dir, oss.ToString(r.Prefix)) &&
			oss.ToString(r.Suffix) == "" && (r.Principals == nil || len(r.Principals.Principals) == 0)
	})
}

// overwriteNeeds lists the rules setup would add to rules.
func (d *doctor) overwriteNeeds(rules []oss.OverwriteRule) []oss.OverwriteRule {
	var add []oss.OverwriteRule
	for _, p := range d.stsProfiles() {
		dir := p.StaticPrefix()
		if forbids(rules, dir) || forbids(add, dir) {
			continue
		}
		add = append(add, oss.OverwriteRule{ID: oss.Ptr("ossdirect-forbid-" + p.Name), Action: oss.Ptr("forbid"), Prefix: oss.Ptr(dir)})
	}
	return add
}

func (d *doctor) checkOverwrite(ctx context.Context) Result {
	profiles := d.stsProfiles()
	if len(profiles) == 0 {
		if d.cfg.App.STS.RoleARN == "" {
			return skipped("sts-token is not configured: every other mode pins x-oss-forbid-overwrite in what it signs")
		}
		return skipped("no profile asks for overwrite protection")
	}
	rules, err := d.getOverwrite(ctx)
	if err != nil {
		return failed("reading the bucket's overwrite configuration: "+err.Error(), "the credentials need oss:GetBucketOverwriteConfig")
	}
	add := d.overwriteNeeds(rules)
	if len(add) == 0 {
		return pass("overwrites are forbidden under every STS profile's directory")
	}
	var dirs []string
	for _, r := range add {
		dirs = append(dirs, fmt.Sprintf("%q", oss.ToString(r.Prefix)))
	}
	return Result{Status: StatusFail, Setup: true,
		Detail: "STS clients sign their own requests, so nothing makes them send x-oss-forbid-overwrite: objects under " + strings.Join(dirs, ", ") + " can be replaced",
		Fix:    "ossdirect setup (adds an overwrite-protection rule, Action forbid, for each of those directories; existing rules are kept)"}
}
