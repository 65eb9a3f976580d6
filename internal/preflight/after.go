package preflight

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"ossdirect/internal/doctor"
	"ossdirect/shared/api"
)

// Deployed is what `s info -o json` (or `s deploy -o json`) reports for one
// fc3 resource: the function's name and its URLs (fc3's info: url.system_url
// is the LATEST HTTP trigger's internet URL, url.custom_domain the domain
// bound in the resource).
type Deployed struct {
	FunctionName string `json:"functionName"`
	URL          struct {
		System       string `json:"system_url"`
		CustomDomain string `json:"custom_domain"`
	} `json:"url"`
}

// ParseDeployOutput reads Serverless Devs' JSON result of a deploy or info:
// a map from resource name to its output. s prints log lines before the
// document; it starts at the first line that is exactly "{".
func ParseDeployOutput(out []byte) (map[string]Deployed, error) {
	doc := out
	for !bytes.HasPrefix(doc, []byte("{")) {
		i := bytes.IndexByte(doc, '\n')
		if i < 0 {
			return nil, errors.New("preflight: no JSON document in the deploy output (run s deploy or s info with -o json)")
		}
		doc = doc[i+1:]
	}
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(doc)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("preflight: deploy output: %w", err)
	}
	// Resources of other components (the custom domain's fc3-domain) have
	// outputs of their own shape: only fc3's are kept.
	res := map[string]Deployed{}
	for name, r := range raw {
		var d Deployed
		if json.Unmarshal(r, &d) == nil && d.FunctionName != "" {
			res[name] = d
		}
	}
	return res, nil
}

// Summary is what a deployment needs next: where the functions answer,
// the CORS rule the bucket needs for the upload page, and the mini-program's
// legal-domain entries.
type Summary struct {
	// Functions maps each function (post-signature, presigned-url,
	// sts-token, callback) to the URL clients call.
	Functions map[string]string `json:"functions"`
	// CallbackURL is where OSS posts upload callbacks.
	CallbackURL string `json:"callbackUrl"`
	// UploadHost is where clients upload (OSS_UPLOAD_HOST or the bucket's
	// default endpoint).
	UploadHost string `json:"uploadHost"`
	// CORS is the rule the bucket needs for PageOrigins (empty without).
	PageOrigins []string       `json:"pageOrigins"`
	CORS        *oss.CORSRule  `json:"cors,omitempty"`
	MiniProgram MiniProgramDNS `json:"miniProgram"`
	// Notes are what to fix or do next, one line each.
	Notes []string `json:"notes"`
}

// MiniProgramDNS are a WeChat mini-program's server-domain lists.
type MiniProgramDNS struct {
	Request      []string `json:"request"`
	UploadFile   []string `json:"uploadFile"`
	DownloadFile []string `json:"downloadFile"`
}

// Summarize works out the Summary from the deploy output and the inputs.
// With FUNCTION_DOMAIN the functions answer at https://<domain>/<function>
// (the template routes /<function>/* to each); else at their trigger URLs.
func Summarize(deployed map[string]Deployed, in Inputs, pageOrigins []string) (*Summary, error) {
	s := &Summary{Functions: map[string]string{}, PageOrigins: pageOrigins}
	domain := strings.TrimSpace(in[FunctionDomain])
	for _, fn := range api.Functions() {
		if domain != "" {
			s.Functions[fn.String()] = "https://" + domain + fn.Path()
			continue
		}
		for _, d := range deployed {
			if strings.HasSuffix(d.FunctionName, "-"+fn.String()) || d.FunctionName == fn.String() {
				if d.URL.System != "" {
					s.Functions[fn.String()] = d.URL.System
				}
			}
		}
	}
	var missing []string
	for _, fn := range api.Functions() {
		if s.Functions[fn.String()] == "" {
			missing = append(missing, fn.String())
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("preflight: the deploy output has no URL for %s (is this the output of s info -o json for the four functions?)", strings.Join(missing, ", "))
	}
	s.CallbackURL = strings.TrimSpace(in["CALLBACK_URL"])
	if s.CallbackURL == "" {
		s.CallbackURL = s.Functions[api.CallbackFn.String()]
	}
	s.UploadHost = strings.TrimSuffix(strings.TrimSpace(in["OSS_UPLOAD_HOST"]), "/")
	if s.UploadHost == "" {
		s.UploadHost = "https://" + in["OSS_BUCKET"] + ".oss-" + in["OSS_REGION"] + ".aliyuncs.com"
	}
	if len(pageOrigins) > 0 {
		rule := doctor.CORSRule(pageOrigins)
		s.CORS = &rule
	} else {
		s.Notes = append(s.Notes, "no page origin given: pass --page-origin https://your.site for the bucket's CORS rule")
	}
	var urls []string
	for _, fn := range api.Functions() {
		urls = append(urls, s.Functions[fn.String()])
	}
	sort.Strings(urls)
	request, upload, problems := doctor.MiniProgramDomains(urls, s.UploadHost)
	s.MiniProgram = MiniProgramDNS{Request: request, UploadFile: []string{upload}, DownloadFile: []string{upload}}
	for _, p := range problems {
		s.Notes = append(s.Notes, "mini-program: "+p)
	}
	if len(pageOrigins) > 0 {
		s.Notes = append(s.Notes, "write the CORS rule with `ossdirect setup --page-origin …` (keeps the bucket's rules), then check everything with `ossdirect doctor`")
	}
	return s, nil
}
