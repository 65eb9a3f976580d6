package policy_test

import (
	"errors"
	"testing"
	"time"

	"ossdirect/shared/policy"
)

// A Writer writes exactly what a Builder's policy marshals to, and
// refuses what the Builder refuses.
func TestWriterMatchesBuilder(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 12, 2, 20, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	conds := []policy.Condition{
		{Op: policy.OpExact, Field: "bucket", Value: "b"},
		{Op: policy.OpContentLengthRange, Min: 1, Max: 100},
		{Op: policy.OpStartsWith, Field: "key", Value: "dir/\"猫\"\u2028"},
		{Op: policy.OpEq, Field: "content-type", Value: "image/png"},
		{Op: policy.OpIn, Field: "content-type", Values: []string{"a/b", "c/d"}},
		{Op: policy.OpNotIn, Field: "x", Values: []string{"<&>"}},
	}
	b := policy.New(exp)
	w := policy.NewWriter([]byte("keep:"), exp)
	for _, c := range conds {
		b.Add(c)
		w.Add(c)
	}
	want, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "keep:"+string(want) {
		t.Errorf("Writer wrote\n%s\nBuilder's policy marshals to\n%s", got, want)
	}

	bad := []policy.Condition{{Op: policy.OpExact, Field: "$key", Value: "x"}, {Op: policy.OpContentLengthRange, Min: 5, Max: 1}}
	w = policy.NewWriter(nil, exp)
	b = policy.New(exp)
	for _, c := range bad {
		w.Add(c)
		b.Add(c)
	}
	_, werr := w.Finish()
	_, berr := b.Build()
	if werr == nil || !errors.Is(werr, policy.ErrInvalidPolicy) || werr.Error() != berr.Error() {
		t.Errorf("Writer error %v, want the Builder's %v", werr, berr)
	}
	w = policy.NewWriter(nil, time.Time{})
	if _, err := w.Finish(); !errors.Is(err, policy.ErrInvalidPolicy) {
		t.Errorf("zero expiration: %v, want ErrInvalidPolicy", err)
	}
}
