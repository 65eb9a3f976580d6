package stsemu_test

import (
	"net/http"
	"strings"
	"testing"

	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"ossdirect/internal/localcloud/stsemu"
)

// With Config.Roles, only the listed roles can be assumed; another
// well-formed ARN is a role that does not exist, as STS answers it.
func TestRolesThatExist(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, stsemu.Config{Roles: []string{testRole}}, testNow)
	client := newSDKClient(t, srv, rootCreds)
	if _, err := assumeRole(client, &sts.AssumeRoleRequest{RoleArn: tea.String(testRole), RoleSessionName: tea.String("s1")}); err != nil {
		t.Fatalf("the listed role: %v", err)
	}
	missing := "acs:ram::1234567890123456:role/not-created"
	_, err := assumeRole(client, &sts.AssumeRoleRequest{RoleArn: tea.String(missing), RoleSessionName: tea.String("s1")})
	code, status, data := sdkError(t, err)
	if code != "EntityNotExist.Role" || status != http.StatusNotFound {
		t.Fatalf("another role: %s %d, want EntityNotExist.Role 404", code, status)
	}
	if msg, _ := data["Message"].(string); !strings.Contains(msg, missing) {
		t.Errorf("message %q does not name the role", msg)
	}
}
