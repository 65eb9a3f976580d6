package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// Change is one bucket configuration setup writes.
type Change struct {
	// Config is "cors", "lifecycle" or "overwrite".
	Config string `json:"config"`
	// Summary says what is added, in words.
	Summary string `json:"summary"`
	// Kept is how many existing rules stay, unchanged.
	Kept int `json:"kept"`

	cors      []oss.CORSRule
	lifecycle []oss.LifecycleRule
	overwrite []oss.OverwriteRule
}

// Plan works out what `ossdirect setup` would write: for each bucket
// configuration doctor finds lacking, the bucket's existing rules with
// ossdirect's added (CORS: before them, since OSS applies the first rule
// that matches an origin; lifecycle and overwrite: after them). Nothing
// is written.
func Plan(ctx context.Context, cfg Config) ([]Change, error) {
	d := newDoctor(cfg)
	var plan []Change

	if origins := d.pageOrigins(); len(origins) > 0 {
		rules, err := d.getCORS(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading CORS rules: %w", err)
		}
		if _, need := corsProblems(rules, origins); len(need) > 0 {
			plan = append(plan, Change{Config: "cors", Kept: len(rules),
				Summary: fmt.Sprintf("add, first, a rule for %s: methods %s, AllowedHeader *, ExposeHeader %s, MaxAgeSeconds 600",
					strings.Join(need, " "), strings.Join(corsMethods, " "), strings.Join(corsExpose, " ")),
				cors: append([]oss.CORSRule{CORSRule(need)}, rules...)})
		}
	}

	rules, err := d.getLifecycle(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading lifecycle rules: %w", err)
	}
	if add := d.lifecycleNeeds(rules); len(add) > 0 {
		var what []string
		for _, r := range add {
			if r.AbortMultipartUpload != nil {
				what = append(what, fmt.Sprintf("%s: abort multipart uploads under %q after %d days", oss.ToString(r.ID), rulePrefix(r), AbortAfterDays))
			} else {
				what = append(what, fmt.Sprintf("%s: expire objects under %q after %d days", oss.ToString(r.ID), rulePrefix(r), RecordsExpireDays))
			}
		}
		plan = append(plan, Change{Config: "lifecycle", Kept: len(rules), Summary: "add " + strings.Join(what, "; "),
			lifecycle: append(slices.Clone(rules), add...)})
	}

	if len(d.stsProfiles()) > 0 {
		rules, err := d.getOverwrite(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading overwrite rules: %w", err)
		}
		if add := d.overwriteNeeds(rules); len(add) > 0 {
			var dirs []string
			for _, r := range add {
				dirs = append(dirs, oss.ToString(r.Prefix))
			}
			plan = append(plan, Change{Config: "overwrite", Kept: len(rules),
				Summary:   "forbid overwrites under " + strings.Join(quoteAll(dirs), ", "),
				overwrite: append(slices.Clone(rules), add...)})
		}
	}
	return plan, nil
}

// Apply writes plan's changes with the official SDK, in order; it stops
// at the first error.
func Apply(ctx context.Context, cfg Config, plan []Change) error {
	d := newDoctor(cfg)
	c, err := d.sdk()
	if err != nil {
		return err
	}
	bucket := oss.Ptr(cfg.App.Bucket)
	for _, ch := range plan {
		switch ch.Config {
		case "cors":
			_, err = c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket,
				CORSConfiguration: &oss.CORSConfiguration{CORSRules: ch.cors}})
		case "lifecycle":
			// Overlapping prefixes with the same action are refused
			// unless asked for: a user's rule may cover part of a profile.
			_, err = c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket, AllowSameActionOverlap: oss.Ptr("true"),
				LifecycleConfiguration: &oss.LifecycleConfiguration{Rules: ch.lifecycle}})
		case "overwrite":
			_, err = c.PutBucketOverwriteConfig(ctx, &oss.PutBucketOverwriteConfigRequest{Bucket: bucket,
				OverwriteConfiguration: &oss.OverwriteConfiguration{Rules: ch.overwrite}})
		default:
			err = fmt.Errorf("unknown configuration %q", ch.Config)
		}
		if err != nil {
			return fmt.Errorf("writing the bucket's %s rules: %w", ch.Config, err)
		}
	}
	return nil
}
