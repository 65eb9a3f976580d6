package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MaxSessionPolicyLength is the longest STS session policy this package
// produces: 1024, the limit in the RAM AssumeRole documentation (newer SDK
// docs say 2048; the smaller one is used). Counted in bytes, which is at
// least the character count.
const MaxSessionPolicyLength = 1024

// sessionActions are the only actions a session policy allows: writing the
// object, including every multipart step (oss:PutObject covers Initiate,
// UploadPart and Complete), listing and aborting its parts.
var sessionActions = []string{"oss:PutObject", "oss:AbortMultipartUpload", "oss:ListParts"}

type ramPolicy struct {
	Version   string         `json:"Version"`
	Statement []ramStatement `json:"Statement"`
}

type ramStatement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// SessionPolicy returns the STS session policy for g:
//
//	{"Version":"1","Statement":[{"Effect":"Allow",
//	  "Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],
//	  "Resource":["acs:oss:*:*:{bucket}/{dir}*"]}]}
//
// (upload-only actions, see sessionActions), compact, without a trailing
// newline, the same bytes for the same grant.
// bucket "" selects g.Bucket. The resource covers g.Dir whatever the naming
// (the sts-token response hands the client the prefix, and RAM cannot
// enforce a naming scheme); Dir never contains the RAM wildcards * or ?
// (prefix templates reject them and subjects escape them).
func (g *Grant) SessionPolicy(bucket string) ([]byte, error) {
	if bucket == "" {
		bucket = g.Bucket
	}
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	if g.Dir == "" {
		return nil, fmt.Errorf("%w: grant: empty directory", ErrInvalidOption)
	}
	doc := ramPolicy{
		Version: "1",
		Statement: []ramStatement{{
			Effect:   "Allow",
			Action:   sessionActions,
			Resource: []string{"acs:oss:*:*:" + bucket + "/" + g.Dir + "*"},
		}},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("upload: encoding session policy: %w", err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(out) > MaxSessionPolicyLength {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrSessionPolicyTooLarge, len(out), MaxSessionPolicyLength)
	}
	return out, nil
}
