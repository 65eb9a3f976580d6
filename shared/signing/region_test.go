package signing_test

import (
	"testing"

	"ossdirect/shared/signing"
)

func TestRegionID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "cn-hangzhou", "cn-hangzhou"},
		{"endpoint form", "oss-cn-hangzhou", "cn-hangzhou"},
		{"once only", "oss-oss-cn-hangzhou", "oss-cn-hangzhou"},
		{"empty", "", ""},
		{"prefix in the middle", "cn-oss-1", "cn-oss-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := signing.RegionID(tc.in); got != tc.want {
				t.Errorf("RegionID(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
