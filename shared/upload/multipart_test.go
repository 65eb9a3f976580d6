package upload_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/upload"
)

func TestPlanParts(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tc := range []struct {
		size, partSize, wantSize int64
		wantCount                int
	}{
		{size: 1, wantSize: 8 * mib, wantCount: 1},
		{size: 64 * mib, wantSize: 8 * mib, wantCount: 8},
		{size: 512 * mib, wantSize: 8 * mib, wantCount: 64},
		{size: 512*mib + 1, wantSize: 9 * mib, wantCount: 57},
		{size: 1 << 30, wantSize: 16 * mib, wantCount: 64},
		{size: 400 << 30, wantSize: 5 << 30, wantCount: 80},
		{size: 1000, partSize: 100 << 10, wantSize: 100 << 10, wantCount: 1},
		{size: 300 << 10, partSize: 100 << 10, wantSize: 100 << 10, wantCount: 3},
	} {
		ps, n, err := upload.PlanParts(tc.size, tc.partSize)
		if err != nil || ps != tc.wantSize || n != tc.wantCount {
			t.Errorf("PlanParts(%d, %d) = %d, %d, %v; want %d, %d", tc.size, tc.partSize, ps, n, err, tc.wantSize, tc.wantCount)
		}
	}
	for _, tc := range []struct {
		size, partSize int64
		field, want    string
	}{
		{0, 0, "size", "required"},
		{-5, 0, "size", "required"},
		{1000, 1000, "partSize", "from 102400"},
		{1000, 6 << 30, "partSize", "from 102400"},
		{10001 * (100 << 10), 100 << 10, "partSize", "more than 10000 parts"},
	} {
		_, _, err := upload.PlanParts(tc.size, tc.partSize)
		var fe *upload.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Reason, tc.want) {
			t.Errorf("PlanParts(%d, %d): %v, want a %s error saying %q", tc.size, tc.partSize, err, tc.field, tc.want)
		}
	}
}

func TestMultipartToken(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	secret, previous := []byte(strings.Repeat("s", 32)), []byte(strings.Repeat("p", 32))
	tok := upload.MultipartToken{GrantID: "g1", UploadID: "U1", Key: "files/alice/a.bin", Subject: "alice", Profile: "files",
		Size: 300 << 10, PartSize: 100 << 10, Expires: now.Add(time.Hour).Unix()}
	s := tok.Sign(secret)
	got, err := upload.ParseMultipartToken(s, [][]byte{secret}, now)
	if err != nil || got != tok {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if got.PartCount() != 3 || got.PartLength(3) != 100<<10 || got.Binding().Key != tok.Key {
		t.Errorf("parts %d, last %d, binding %+v", got.PartCount(), got.PartLength(3), got.Binding())
	}
	if _, err := upload.ParseMultipartToken(tok.Sign(previous), [][]byte{secret, previous}, now); err != nil {
		t.Errorf("signed with the previous secret during a rotation: %v", err)
	}
	payload, _, _ := strings.Cut(s, ".")
	forgedSize := tok
	forgedSize.Size = 1
	forgedPayload, _, _ := strings.Cut(forgedSize.Sign([]byte("attacker-secret-attacker-secret-")), ".")
	for name, bad := range map[string]string{
		"empty":             "",
		"no signature":      payload,
		"other secret":      tok.Sign([]byte(strings.Repeat("x", 32))),
		"payload swapped":   forgedPayload + s[len(payload):],
		"signature changed": s[:len(s)-1] + map[bool]string{true: "B", false: "A"}[s[len(s)-1] == 'A'],
	} {
		if _, err := upload.ParseMultipartToken(bad, [][]byte{secret}, now); !errors.Is(err, upload.ErrTokenInvalid) {
			t.Errorf("%s: %v, want ErrTokenInvalid", name, err)
		}
	}
	if _, err := upload.ParseMultipartToken(s, [][]byte{secret}, now.Add(time.Hour)); !errors.Is(err, upload.ErrTokenExpired) {
		t.Errorf("at its expiry: %v, want ErrTokenExpired", err)
	}
	if strings.Contains(s, string(secret)) {
		t.Error("the token contains the secret")
	}
}
