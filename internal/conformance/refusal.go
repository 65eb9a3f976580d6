package conformance

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"ossdirect/internal/testsupport/postform"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/policy"
	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// existingName is the object every refusal case starts with, under its
// prefix; it is also the key the "images" grant gives alice with a zero
// UUID, so forms and URLs aimed at it must not replace it.
const existingName = "users/alice/00000000-0000-4000-8000-000000000000.png"

var existingData = []byte("original bytes, never to be replaced")

// refusal is a request OSS refuses.
type refusal struct {
	name string
	// rule is the OSS rule the case exercises, named in failure messages
	// (e.g. `policy condition ["content-length-range", 10, 1000]`).
	rule   string
	req    func(c *caseEnv) *http.Request
	status int
	code   string
	ec     string // when set, the EC element and the x-oss-ec header
	msg    string // when set, a substring of Message
}

// runRefusals runs each case in parallel under t: it seeds the existing
// object, sends the request and checks the error, then checks that the
// case's prefix holds exactly the existing object, unchanged.
func (s *suite) runRefusals(t *testing.T, cases []refusal) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := s.newCase(t)
			existing := c.key(existingName)
			c.put(existing, existingData, "image/png")
			resp, body := s.do(t, tc.req(c))
			e := checkError(t, tc.rule, resp, body, tc.status, tc.code)
			if tc.ec != "" && (e.EC != tc.ec || resp.Header.Get("x-oss-ec") != tc.ec) {
				t.Errorf("EC = %q (x-oss-ec %q), want %q", e.EC, resp.Header.Get("x-oss-ec"), tc.ec)
			}
			if tc.msg != "" && !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
			c.checkUntouched()
		})
	}
}

// checkUntouched asserts that the case's prefix holds only the existing
// object, with its original bytes: a refusal stored and replaced nothing.
func (c *caseEnv) checkUntouched() {
	c.t.Helper()
	existing := c.key(existingName)
	if got := c.list(); !slices.Equal(got, []string{existing}) {
		c.t.Errorf("a refused request changed the bucket: %s now holds %v, want only %s", c.prefix, got, existing)
	}
	if got := c.get(existing); !bytes.Equal(got, existingData) {
		c.t.Errorf("a refused request replaced %s with %d bytes", existing, len(got))
	}
}

// The form helpers are postform's; these names keep the tables short.
type (
	field    = postform.Field
	formFile = postform.File
)

var (
	fileField     = postform.FileField
	multipartBody = postform.Body
	sortedFields  = postform.Sorted
)

// postRequest builds a PostObject request to the target bucket.
func (c *caseEnv) postRequest(fields []field, file *formFile, after []field) *http.Request {
	body, ct := multipartBody(fields, file, after)
	req := c.request(http.MethodPost, c.s.bucketURL(c.s.target.Bucket), body, nil)
	req.Header.Set("Content-Type", ct)
	return req
}

// profiles are the upload profiles the PostObject cases grant from, with
// prefixes under the case's prefix.
func (c *caseEnv) profiles() upload.Profiles {
	c.t.Helper()
	doc := fmt.Sprintf(`{
  "images": {"prefix": %[1]q, "maxSize": 1000, "minSize": 10, "contentTypes": ["image/png", "image/jpeg"]},
  "docs":   {"prefix": %[2]q, "naming": "client", "maxSize": 1000,
             "contentTypes": ["text/plain", "application/pdf"], "forbidOverwrite": false},
  "v1imgs": {"prefix": %[3]q, "maxSize": 1000, "signatureVersion": "v1", "contentTypes": ["image/png"]}
}`, c.prefix+"users/{sub}/", c.prefix+"users/{sub}/docs/", c.prefix+"users/{sub}/v1/")
	ps, err := upload.ParseProfiles([]byte(doc))
	if err != nil {
		c.t.Fatal(err)
	}
	return ps
}

// grant compiles a PostObject form the way the product's post-signature
// function does. rnd fixes the UUID (nil: random).
func (c *caseEnv) grant(profile string, req upload.Request, creds signing.Credentials, version string, now time.Time, rnd io.Reader) (map[string]string, *upload.Grant) {
	c.t.Helper()
	p, err := c.profiles().Lookup(profile)
	if err != nil {
		c.t.Fatal(err)
	}
	g, err := p.Grant(req, now, upload.GrantOptions{Bucket: c.s.target.Bucket, Rand: rnd})
	if err != nil {
		c.t.Fatalf("Grant: %v", err)
	}
	pf, err := g.PostForm(creds, version, c.s.target.Region, now)
	if err != nil {
		c.t.Fatalf("PostForm: %v", err)
	}
	return pf.Fields, g
}

// handForm signs a hand-built policy (conditions from build; by default
// the key must start with the case's prefix) and returns the signature
// fields plus extra; "key" defaults to the case's "x".
func (c *caseEnv) handForm(v4 bool, creds signing.Credentials, now time.Time, build func(*policy.Builder), extra map[string]string) map[string]string {
	c.t.Helper()
	b := policy.New(now.Add(10*time.Minute)).StartsWith("key", c.prefix)
	if build != nil {
		build(b)
	}
	p, err := b.Build()
	if err != nil {
		c.t.Fatal(err)
	}
	enc, err := p.Base64()
	if err != nil {
		c.t.Fatal(err)
	}
	fields := map[string]string{"key": c.key("x")}
	maps.Copy(fields, extra)
	return postform.Signed(enc, creds, now, c.s.target.Region, v4, fields)
}

// zeroUUID makes grants name the object with the all-zero UUID.
func zeroUUID() io.Reader { return bytes.NewReader(make([]byte, 16)) }
