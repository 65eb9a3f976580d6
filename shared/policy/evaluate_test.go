package policy_test

import (
	"errors"
	"testing"
	"time"

	"ossdirect/shared/policy"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	before := deadline.Add(-time.Second)
	form := func(size int64, kv ...string) policy.Form {
		f := policy.Form{Fields: map[string]string{}, Bucket: "examplebucket", Size: size}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Fields[kv[i]] = kv[i+1]
		}
		return f
	}
	type tc struct {
		name     string
		b        *policy.Builder
		form     policy.Form
		now      time.Time
		wantErr  error  // nil: accepted
		wantCode string // checked when wantErr != nil
		wantMsg  string // exact OSS message when set
	}
	tests := []tc{
		// Expiry.
		{name: "just before expiry", b: policy.New(deadline), form: form(1), now: before},
		{name: "at expiry", b: policy.New(deadline), form: form(1), now: deadline},
		{
			name: "just after expiry", b: policy.New(deadline), form: form(1), now: deadline.Add(time.Millisecond),
			wantErr: policy.ErrExpired, wantCode: policy.CodeAccessDenied,
			wantMsg: "Invalid according to Policy: Policy expired.",
		},
		{
			name: "expiry checked before conditions", b: policy.New(deadline).Exact("key", "a"), form: form(1), now: deadline.Add(time.Hour),
			wantErr: policy.ErrExpired, wantCode: policy.CodeAccessDenied,
		},

		// Exact match.
		{name: "exact accept", b: policy.New(deadline).Exact("key", "a.png"), form: form(1, "key", "a.png"), now: before},
		{
			name: "exact reject", b: policy.New(deadline).Exact("key", "a.png"), form: form(1, "key", "b.png"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a.png"]`,
		},
		// eq.
		{name: "eq accept", b: policy.New(deadline).Eq("success_action_status", "200"), form: form(1, "success_action_status", "200"), now: before},
		{
			name: "eq reject", b: policy.New(deadline).Eq("success_action_status", "200"), form: form(1, "success_action_status", "201"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["eq", "$success_action_status", "200"]`,
		},
		// starts-with.
		{name: "starts-with accept", b: policy.New(deadline).StartsWith("key", "dir/"), form: form(1, "key", "dir/a.png"), now: before},
		{name: "starts-with accept equal", b: policy.New(deadline).StartsWith("key", "dir/"), form: form(1, "key", "dir/"), now: before},
		{
			name: "starts-with reject", b: policy.New(deadline).StartsWith("key", "dir/"), form: form(1, "key", "other/dir/a.png"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "dir/"]`,
		},
		// content-length-range.
		{name: "range accept min", b: policy.New(deadline).ContentLengthRange(1, 100), form: form(1), now: before},
		{name: "range accept max", b: policy.New(deadline).ContentLengthRange(1, 100), form: form(100), now: before},
		{
			name: "range too large", b: policy.New(deadline).ContentLengthRange(1, 100), form: form(101), now: before,
			wantErr: policy.ErrEntityTooLarge, wantCode: policy.CodeEntityTooLarge,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["content-length-range", 1, 100]`,
		},
		{
			name: "range too small", b: policy.New(deadline).ContentLengthRange(1, 100), form: form(0), now: before,
			wantErr: policy.ErrEntityTooSmall, wantCode: policy.CodeEntityTooSmall,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["content-length-range", 1, 100]`,
		},
		// in / not-in.
		{name: "in accept", b: policy.New(deadline).In("content-type", "image/png", "image/jpeg"), form: form(1, "content-type", "image/jpeg"), now: before},
		{
			name: "in reject", b: policy.New(deadline).In("content-type", "image/png", "image/jpeg"), form: form(1, "content-type", "text/html"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["in", "$content-type", ["image/png", "image/jpeg"]]`,
		},
		{name: "not-in accept", b: policy.New(deadline).NotIn("content-type", "text/html"), form: form(1, "content-type", "image/png"), now: before},
		{
			name: "not-in reject", b: policy.New(deadline).NotIn("content-type", "text/html"), form: form(1, "content-type", "text/html"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["not-in", "$content-type", ["text/html"]]`,
		},

		// Names case-insensitive, values case-sensitive.
		{name: "field name case-insensitive", b: policy.New(deadline).Eq("content-type", "image/png"), form: form(1, "Content-Type", "image/png"), now: before},
		{name: "condition name case-insensitive", b: policy.New(deadline).Exact("Content-Type", "image/png"), form: form(1, "content-type", "image/png"), now: before},
		{
			name: "value case-sensitive", b: policy.New(deadline).Eq("content-type", "image/png"), form: form(1, "Content-Type", "Image/PNG"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
		},
		{
			name: "case variants must all match", b: policy.New(deadline).Eq("key", "a"), form: form(1, "key", "a", "KEY", "b"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
		},

		// Missing and extra fields.
		{name: "missing field vs empty prefix", b: policy.New(deadline).StartsWith("key", ""), form: form(1), now: before},
		{
			name: "missing field vs exact", b: policy.New(deadline).Exact("key", "a"), form: form(1), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
		},
		{
			name: "missing field vs in", b: policy.New(deadline).In("content-type", "image/png"), form: form(1), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
		},
		{name: "missing field vs not-in", b: policy.New(deadline).NotIn("content-type", "text/html"), form: form(1), now: before},
		{name: "extra field accepted", b: policy.New(deadline).Exact("bucket", "examplebucket"), form: form(1, "key", "x", "x-oss-meta-a", "b"), now: before},

		// Bucket.
		{name: "bucket accept", b: policy.New(deadline).Exact("bucket", "examplebucket"), form: form(1), now: before},
		{
			name: "bucket reject", b: policy.New(deadline).Exact("bucket", "otherbucket"), form: form(1), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "otherbucket"]`,
		},
		{
			name: "bucket form field ignored", b: policy.New(deadline).Exact("bucket", "otherbucket"), form: form(1, "bucket", "otherbucket"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
		},
		{name: "bucket via eq", b: policy.New(deadline).Eq("bucket", "examplebucket"), form: form(1), now: before},

		// Order: the first failing condition is reported.
		{
			name: "first failure reported", b: policy.New(deadline).Exact("key", "a").ContentLengthRange(1, 2), form: form(5, "key", "b"), now: before,
			wantErr: policy.ErrConditionFailed, wantCode: policy.CodeAccessDenied,
			wantMsg: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.b.Build()
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			err = p.Evaluate(tt.form, tt.now)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Evaluate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Evaluate = %v, want %v", err, tt.wantErr)
			}
			var v *policy.Violation
			if !errors.As(err, &v) {
				t.Fatalf("error %T is not a *Violation", err)
			}
			if v.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", v.Code, tt.wantCode)
			}
			if tt.wantMsg != "" && v.Message != tt.wantMsg {
				t.Errorf("Message = %q\n want %q", v.Message, tt.wantMsg)
			}
			if errors.Is(tt.wantErr, policy.ErrExpired) {
				if v.Condition != nil {
					t.Errorf("Condition = %v, want nil for expiry", v.Condition)
				}
			} else if v.Condition == nil {
				t.Error("Condition = nil, want the failed condition")
			}
		})
	}
}

func TestEvaluateSizeErrorsAreDistinct(t *testing.T) {
	t.Parallel()
	p, err := policy.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).ContentLengthRange(10, 20).Build()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	large := p.Evaluate(policy.Form{Size: 21}, now)
	small := p.Evaluate(policy.Form{Size: 9}, now)
	if errors.Is(large, policy.ErrConditionFailed) || errors.Is(small, policy.ErrConditionFailed) {
		t.Error("size violations must not match ErrConditionFailed")
	}
	if errors.Is(large, policy.ErrEntityTooSmall) || errors.Is(small, policy.ErrEntityTooLarge) {
		t.Error("too-large and too-small must be distinct")
	}
}

func TestEvaluateUnknownOpFailsClosed(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{
		Expiration: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Conditions: []policy.Condition{{Op: "ends-with", Field: "key", Value: ""}},
	}
	err := p.Evaluate(policy.Form{}, time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, policy.ErrConditionFailed) {
		t.Fatalf("Evaluate = %v, want ErrConditionFailed", err)
	}
}
