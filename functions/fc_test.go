package functions_test

// Deployment checks for the four functions:
//
//   - s.yaml, parsed with anchors and merge keys resolved, describes exactly
//     the functions in this directory the way FC3's go1 runtime needs them
//     (always runs);
//   - the real binaries, run under a fake FC runtime (internal/testsupport/fakefc)
//     against the local OSS and STS emulators (internal/localcloud/devstack), do the
//     whole upload flow with official clients (skipped with -short);
//   - BenchmarkColdStart measures process start → first answer.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"gopkg.in/yaml.v3"

	"ossdirect/internal/localcloud/devstack"
	"ossdirect/internal/testsupport/fakefc"
	"ossdirect/shared/auth"
	"ossdirect/shared/config"
)

// maxBinary is the size budget of one function binary (FC downloads and
// unpacks the code package on every cold start).
const maxBinary = 12 << 20

// The functions under test, built once for the host into binDir.
var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
	built     map[string]string // function name → binary path
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ossdirect-functions-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// functionNames lists the function directories: every folder here with a
// main.go.
func functionNames(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e.Name(), "main.go")); e.IsDir() && err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// binaries builds every function once for the host, with the flags
// `make build` uses for FC (static, stripped), and returns their paths.
func binaries(tb testing.TB) map[string]string {
	tb.Helper()
	names := functionNames(tb)
	buildOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command is needed to build the functions: %w", err)
			return
		}
		args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", binDir + string(filepath.Separator)}
		for _, n := range names {
			args = append(args, "./"+n)
		}
		cmd := exec.Command(gobin, args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
			return
		}
		built = map[string]string{}
		for _, n := range names {
			exe := n
			if runtime.GOOS == "windows" {
				exe += ".exe"
			}
			built[n] = filepath.Join(binDir, exe)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return built
}

// ---------------------------------------------------------------------------
// s.yaml

type manifest struct {
	Edition   string                `yaml:"edition"`
	Actions   map[string][]action   `yaml:"actions"`
	Resources map[string]fcResource `yaml:"resources"`
}

type action struct {
	Run  string `yaml:"run"`
	Path string `yaml:"path"`
}

type fcResource struct {
	Component string              `yaml:"component"`
	Actions   map[string][]action `yaml:"actions"`
	Props     struct {
		FunctionName         string         `yaml:"functionName"`
		Region               string         `yaml:"region"`
		Runtime              string         `yaml:"runtime"`
		Handler              string         `yaml:"handler"`
		Code                 string         `yaml:"code"`
		Role                 string         `yaml:"role"`
		MemorySize           int            `yaml:"memorySize"`
		CPU                  float64        `yaml:"cpu"`
		Timeout              int            `yaml:"timeout"`
		EnvironmentVariables map[string]any `yaml:"environmentVariables"`
		Triggers             []trigger      `yaml:"triggers"`
	} `yaml:"props"`
}

type trigger struct {
	TriggerName    string `yaml:"triggerName"`
	TriggerType    string `yaml:"triggerType"`
	SourceARN      string `yaml:"sourceArn"`
	InvocationRole string `yaml:"invocationRole"`
	TriggerConfig  struct {
		AuthType string   `yaml:"authType"`
		Methods  []string `yaml:"methods"`
		Events   []string `yaml:"events"`
		Filter   struct {
			Key map[string]any `yaml:"key"`
		} `yaml:"filter"`
	} `yaml:"triggerConfig"`
}

func readManifest(t *testing.T) (manifest, any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("s.yaml: %v", err)
	}
	var generic any
	if err := yaml.Unmarshal(data, &generic); err != nil {
		t.Fatalf("s.yaml: %v", err)
	}
	return m, generic
}

// envRef is how s.yaml takes a required input: no default, so rendering
// fails when the variable is missing.
func envRef(name string) string { return "${env('" + name + "')}" }

func TestSYAMLDeploysEveryFunction(t *testing.T) {
	t.Parallel()
	m, _ := readManifest(t)
	if m.Edition != "3.0.0" {
		t.Errorf("edition %q, want 3.0.0 (Serverless Devs 3.x)", m.Edition)
	}
	names := functionNames(t)
	if len(names) != 4 {
		t.Fatalf("function directories %v, want four", names)
	}
	if len(m.Resources) != 4 {
		t.Fatalf("%d resources, want 4 (one per function)", len(m.Resources))
	}
	byCode := map[string]string{}
	for res, r := range m.Resources {
		p := r.Props
		if r.Component != "fc3" {
			t.Errorf("%s: component %q, want fc3", res, r.Component)
		}
		if p.Runtime != "go1" || p.Handler != "main" {
			t.Errorf("%s: runtime %q handler %q, want go1 and main (the binary make build writes)", res, p.Runtime, p.Handler)
		}
		if p.Region != envRef("OSS_REGION") {
			t.Errorf("%s: region %q, want %s (an OSS trigger needs the bucket's region)", res, p.Region, envRef("OSS_REGION"))
		}
		if p.Role != envRef("FC_ROLE_ARN") {
			t.Errorf("%s: role %q, want %s (its temporary credentials sign the grants)", res, p.Role, envRef("FC_ROLE_ARN"))
		}
		if p.MemorySize < 128 || p.MemorySize%64 != 0 {
			t.Errorf("%s: memorySize %d, want a multiple of 64, at least 128", res, p.MemorySize)
		}
		if gb := float64(p.MemorySize) / 1024; p.CPU != 0 && (gb < p.CPU || gb > 4*p.CPU) {
			t.Errorf("%s: %d MB for %.2f vCPU: FC wants memory (GB) from 1 to 4 times the vCPUs", res, p.MemorySize, p.CPU)
		}
		if p.Timeout < 1 {
			t.Errorf("%s: timeout %d", res, p.Timeout)
		}
		if prev, dup := byCode[p.Code]; dup {
			t.Errorf("%s and %s deploy the same code %s", prev, res, p.Code)
		}
		byCode[p.Code] = res
	}
	for _, n := range names {
		res, ok := byCode["./build/fc/"+n]
		if !ok {
			t.Errorf("no resource deploys ./build/fc/%s", n)
			continue
		}
		if fn := m.Resources[res].Props.FunctionName; !strings.HasSuffix(fn, "-"+n) {
			t.Errorf("%s: functionName %q, want it to end in -%s", res, fn, n)
		}
	}
	if cb, ok := byCode["./build/fc/callback"]; ok && m.Resources[cb].Props.Timeout <= 5 {
		t.Errorf("callback: timeout %d s; OSS waits 5 s for the answer, leave room", m.Resources[cb].Props.Timeout)
	}
}

func TestSYAMLEnvironmentMatchesConfig(t *testing.T) {
	t.Parallel()
	m, _ := readManifest(t)
	known := map[string]bool{}
	var required []string
	for _, v := range config.Variables {
		known[v.Name] = true
		if strings.HasPrefix(v.Description, "required") {
			required = append(required, v.Name)
		}
	}
	if !slices.Contains(required, "OSS_BUCKET") || !slices.Contains(required, "AUTH_MODE") {
		t.Fatalf("required variables from config.Variables: %v; the descriptions changed?", required)
	}
	keyName := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	for res, r := range m.Resources {
		env := r.Props.EnvironmentVariables
		fn := strings.TrimPrefix(r.Props.Code, "./build/fc/")
		for k, v := range env {
			if !known[k] {
				t.Errorf("%s: %s is not in config.Variables", res, k)
			}
			if !keyName.MatchString(k) || strings.HasPrefix(k, "FC_") {
				t.Errorf("%s: %s is not a valid FC variable name (letter first, letters, digits, _; no FC_ prefix)", res, k)
			}
			if _, ok := v.(string); !ok {
				t.Errorf("%s: %s = %v (%T): FC takes strings only; quote it", res, k, v, v)
			}
		}
		for _, k := range required {
			if got, ok := env[k]; !ok || got != envRef(k) {
				t.Errorf("%s: %s = %v, want the required input %s", res, k, got, envRef(k))
			}
		}
		got, has := env["STS_ROLE_ARN"]
		switch {
		case fn == "sts-token" && got != envRef("STS_ROLE_ARN"):
			t.Errorf("%s: STS_ROLE_ARN = %v, want %s", res, got, envRef("STS_ROLE_ARN"))
		case fn != "sts-token" && has:
			t.Errorf("%s: STS_ROLE_ARN is for sts-token only", res)
		}
	}
}

func TestSYAMLTriggers(t *testing.T) {
	t.Parallel()
	m, _ := readManifest(t)
	for res, r := range m.Resources {
		fn := strings.TrimPrefix(r.Props.Code, "./build/fc/")
		var httpTriggers, ossTriggers []trigger
		for _, tr := range r.Props.Triggers {
			switch tr.TriggerType {
			case "http":
				httpTriggers = append(httpTriggers, tr)
			case "oss":
				ossTriggers = append(ossTriggers, tr)
			default:
				t.Errorf("%s: unexpected trigger type %q", res, tr.TriggerType)
			}
		}
		if len(httpTriggers) != 1 {
			t.Errorf("%s: %d HTTP triggers, want 1 (FC allows one per version)", res, len(httpTriggers))
			continue
		}
		h := httpTriggers[0].TriggerConfig
		if h.AuthType != "anonymous" {
			t.Errorf("%s: authType %q, want anonymous (the functions authenticate callers themselves)", res, h.AuthType)
		}
		wantMethods := []string{"GET", "POST", "OPTIONS"} // browser-facing: OPTIONS answers CORS preflights
		if fn == "callback" {
			wantMethods = []string{"POST", "OPTIONS"} // OSS posts callbacks; browsers POST /confirm after a preflight
		}
		if !slices.Equal(h.Methods, wantMethods) {
			t.Errorf("%s: HTTP methods %v, want %v", res, h.Methods, wantMethods)
		}
		if fn != "callback" {
			if len(ossTriggers) != 0 {
				t.Errorf("%s: OSS trigger on a signing function", res)
			}
			continue
		}
		if len(ossTriggers) != 1 {
			t.Fatalf("callback: %d OSS triggers, want 1", len(ossTriggers))
		}
		o := ossTriggers[0]
		// The events that complete an upload, and only those: ObjectCreated:*
		// would also invoke callback for every multipart part.
		wantEvents := []string{"oss:ObjectCreated:PutObject", "oss:ObjectCreated:PostObject", "oss:ObjectCreated:CompleteMultipartUpload"}
		if got := slices.Sorted(slices.Values(o.TriggerConfig.Events)); !slices.Equal(got, slices.Sorted(slices.Values(wantEvents))) {
			t.Errorf("callback: OSS trigger events %v, want %v", o.TriggerConfig.Events, wantEvents)
		}
		prefix, _ := o.TriggerConfig.Filter.Key["prefix"].(string)
		if !strings.Contains(prefix, "${env('") {
			t.Errorf("callback: OSS trigger prefix %q, want it from an input ${env(...)}", prefix)
		}
		if _, ok := o.TriggerConfig.Filter.Key["suffix"].(string); !ok {
			t.Error("callback: OSS trigger filter.key.suffix missing (fc3's schema requires prefix and suffix)")
		}
		if !strings.Contains(o.SourceARN, envRef("OSS_BUCKET")) || !strings.HasPrefix(o.SourceARN, "acs:oss:") {
			t.Errorf("callback: OSS trigger sourceArn %q, want acs:oss:<region>:<account>:%s", o.SourceARN, envRef("OSS_BUCKET"))
		}
		if o.InvocationRole == "" {
			t.Error("callback: OSS trigger without invocationRole (fc3 would create one through RAM)")
		}
	}
}

func TestSYAMLBuildsBeforeDeployAndHasNoInstanceConcurrency(t *testing.T) {
	t.Parallel()
	m, generic := readManifest(t)
	builds := false
	for _, a := range m.Actions["pre-deploy"] {
		if strings.TrimSpace(a.Run) == "make build" {
			builds = true
		}
	}
	if !builds {
		t.Errorf("actions.pre-deploy %+v does not run make build", m.Actions["pre-deploy"])
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "instanceConcurrency" {
					t.Errorf("%s.%s: go1 (an FC3 built-in runtime) does not support instance concurrency", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		}
	}
	walk("s.yaml", generic)
}

// ---------------------------------------------------------------------------
// s.yaml rendered by Serverless Devs

// sdevsPackage is the npm package of the Serverless Devs CLI, pinned in
// e2e/package.json; `make e2e-deps` (a prerequisite of `make test-go`)
// installs it into e2e/node_modules.
const sdevsPackage = "@serverless-devs/s"

// serverlessDevs returns the pinned `s` in e2e/node_modules after checking
// that the installed copy is the version e2e/package.json pins. When it is
// not installed, the test fails under CI (CI=true: .ci/run installs Node.js
// and make test-go runs npm ci first) and skips elsewhere.
func serverlessDevs(t *testing.T) string {
	t.Helper()
	e2e := filepath.Join("..", "e2e")
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	readJSON(t, filepath.Join(e2e, "package.json"), &pkg)
	pinned := pkg.DevDependencies[sdevsPackage]
	if pinned == "" {
		t.Fatalf("e2e/package.json does not pin %s in devDependencies", sdevsPackage)
	}
	bin, err := filepath.Abs(filepath.Join(e2e, "node_modules", ".bin", "s"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	if _, err := os.Stat(bin); err != nil {
		missing = append(missing, fmt.Sprintf("%s %s is not installed in e2e/node_modules (%v): run `make e2e-deps` (npm ci in e2e/)", sdevsPackage, pinned, err))
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "Node.js is not on PATH (s is a Node program): install Node.js 20+ and npm, e.g. apt-get install nodejs npm")
	}
	if len(missing) > 0 {
		msg := "Serverless Devs cannot run: " + strings.Join(missing, "; ")
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
		}
		t.Skip("SKIPPED, s.yaml NOT RENDERED: " + msg)
	}
	var installed struct {
		Version string `json:"version"`
	}
	readJSON(t, filepath.Join(e2e, "node_modules", sdevsPackage, "package.json"), &installed)
	if installed.Version != pinned {
		t.Fatalf("e2e/node_modules has %s %s, e2e/package.json pins %s: run `make e2e-deps`", sdevsPackage, installed.Version, pinned)
	}
	return bin
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// sPreview renders s.yaml with `s preview --output-format json`, given only
// the inputs in env. It runs on a copy of s.yaml in a temporary directory
// (no .env file of the developer's is read), with HOME in another (no
// credentials, no ~/.s settings) and NODE_ENV=test, which stops s from
// spawning its background daemons (the npm update check and the usage
// report, the only network traffic of s preview). It returns the combined
// output and the exit error.
func sPreview(t *testing.T, bin string, env map[string]string) ([]byte, error) {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join("..", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // about 1 s unloaded
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "preview", "-t", "s.yaml", "--output-format", "json")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NODE_ENV=test"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd.CombinedOutput()
}

// renderedFunction is one resource of `s preview`'s JSON: the props FC is
// given, as the fc3 component would receive them.
type renderedFunction struct {
	Component string `json:"component"`
	Props     struct {
		FunctionName         string         `json:"functionName"`
		Region               string         `json:"region"`
		Runtime              string         `json:"runtime"`
		Handler              string         `json:"handler"`
		Code                 any            `json:"code"`
		Role                 string         `json:"role"`
		EnvironmentVariables map[string]any `json:"environmentVariables"`
		Triggers             any            `json:"triggers"`
	} `json:"props"`
}

// previewDocument is s preview's JSON document: s prints warnings (e.g.
// about running as root) on stdout before it, so it starts at the first
// line that begins with "{".
func previewDocument(t *testing.T, out []byte) []byte {
	t.Helper()
	doc := out
	for !bytes.HasPrefix(doc, []byte("{")) {
		i := bytes.IndexByte(doc, '\n')
		if i < 0 {
			t.Fatalf("s preview printed no JSON document:\n%s", out)
		}
		doc = doc[i+1:]
	}
	return doc
}

// parsePreview decodes s preview's document.
func parsePreview(t *testing.T, out []byte) map[string]renderedFunction {
	t.Helper()
	doc := previewDocument(t, out)
	var rendered struct {
		Resources map[string]renderedFunction `json:"resources"`
	}
	if err := json.Unmarshal(doc, &rendered); err != nil {
		t.Fatalf("s preview output: %v\n%s", err, out)
	}
	return rendered.Resources
}

// asJSON gives v the shape encoding/json decodes into an any, so expected
// values written as Go literals compare with reflect.DeepEqual.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// s.yaml renders with Serverless Devs' own `s preview` (the pinned CLI,
// offline, no credentials) to exactly the four go1 functions FC should get:
// names, handler and code directories, every environment value a string
// that is the input, the function's default or empty, the HTTP and OSS
// triggers with the inputs substituted; and a missing required input stops
// rendering.
func TestSYAMLRendersWithServerlessDevs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs s preview")
	}
	bin := serverlessDevs(t)
	t.Parallel()

	const account = "1234567890123456"
	required := map[string]string{
		"OSS_BUCKET": "example-bucket", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none",
		"FC_ROLE_ARN":              "acs:ram::" + account + ":role/ossdirect-fc",
		"STS_ROLE_ARN":             "acs:ram::" + account + ":role/ossdirect-upload",
		"ALIBABA_CLOUD_ACCOUNT_ID": account,
	}
	signingHTTP := map[string]any{
		"triggerName": "http", "triggerType": "http", "qualifier": "LATEST",
		"triggerConfig": map[string]any{"authType": "anonymous", "disableURLInternet": false, "methods": []string{"GET", "POST", "OPTIONS"}},
	}
	callbackTriggers := func(in map[string]string, prefix, role string) []any {
		return []any{
			map[string]any{
				"triggerName": "http", "triggerType": "http", "qualifier": "LATEST",
				"triggerConfig": map[string]any{"authType": "anonymous", "disableURLInternet": false, "methods": []string{"POST", "OPTIONS"}},
			},
			map[string]any{
				"triggerName": "oss-created", "triggerType": "oss", "qualifier": "LATEST",
				"sourceArn":      "acs:oss:" + in["OSS_REGION"] + ":" + in["ALIBABA_CLOUD_ACCOUNT_ID"] + ":" + in["OSS_BUCKET"],
				"invocationRole": role,
				"triggerConfig": map[string]any{
					"events": []string{"oss:ObjectCreated:PutObject", "oss:ObjectCreated:PostObject", "oss:ObjectCreated:CompleteMultipartUpload"},
					"filter": map[string]any{"key": map[string]any{"prefix": prefix, "suffix": ""}},
				},
			},
		}
	}
	// What each function gets besides the environment they all share.
	type function struct {
		ownEnv   []string
		triggers func(in map[string]string, prefix, role string) []any
	}
	signing := func(map[string]string, string, string) []any { return []any{signingHTTP} }
	functions := map[string]function{
		"post-signature": {triggers: signing},
		"presigned-url":  {triggers: signing},
		"sts-token":      {ownEnv: []string{"STS_ROLE_ARN", "STS_ENDPOINT", "STS_DURATION"}, triggers: signing},
		"callback":       {triggers: callbackTriggers},
	}
	if got := functionNames(t); !slices.Equal(got, slices.Sorted(maps.Keys(functions))) {
		t.Fatalf("functions in this directory %v, this test expects %v: add the new one to the table", got, slices.Sorted(maps.Keys(functions)))
	}
	defaults := map[string]string{}
	for _, v := range config.Variables {
		defaults[v.Name] = v.Default
	}

	// every sets each config variable and each s.yaml-only input to a value of
	// its own; the JSON and the numbers must still arrive as strings.
	every := maps.Clone(required)
	for _, v := range config.Variables {
		if _, ok := every[v.Name]; !ok {
			every[v.Name] = strings.ToLower(v.Name) + "-input"
		}
	}
	every["UPLOAD_PROFILES"] = config.DefaultProfilesJSON
	every["RATE_LIMIT_PER_MINUTE"] = "120"
	every["RATE_LIMIT_BURST"] = "0"
	every["FUNCTION_NAME_PREFIX"] = "acme"
	every["OSS_TRIGGER_PREFIX"] = "media/"
	every["OSS_TRIGGER_ROLE_ARN"] = "acs:ram::" + account + ":role/acme-oss-events"

	cases := []struct {
		name          string
		inputs        map[string]string
		namePrefix    string
		triggerPrefix string
		triggerRole   string
		// envValueOK says whether a rendered environment value is right for
		// a variable the inputs do not set.
		envValueOK func(name, value string) bool
	}{{
		name:          "required inputs only",
		inputs:        required,
		namePrefix:    "ossdirect",
		triggerPrefix: "uploads/",
		triggerRole:   "acs:ram::" + account + ":role/aliyunosseventnotificationrole",
		// empty (the function's own default) or the function's default itself
		envValueOK: func(name, value string) bool { return value == "" || value == defaults[name] },
	}, {
		name:          "every input set",
		inputs:        every,
		namePrefix:    "acme",
		triggerPrefix: "media/",
		triggerRole:   every["OSS_TRIGGER_ROLE_ARN"],
		envValueOK:    func(string, string) bool { return false }, // every variable is an input
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := sPreview(t, bin, tc.inputs)
			if err != nil {
				t.Fatalf("s preview: %v\n%s", err, out)
			}
			resources := parsePreview(t, out)
			byFunction := map[string]renderedFunction{}
			for res, r := range resources {
				code, _ := r.Props.Code.(string)
				fn, ok := strings.CutPrefix(code, "./build/fc/")
				if _, known := functions[fn]; !ok || !known {
					t.Errorf("%s: code %v, want ./build/fc/<function> for one of %v", res, r.Props.Code, slices.Sorted(maps.Keys(functions)))
					continue
				}
				if _, dup := byFunction[fn]; dup {
					t.Errorf("%s: a second resource deploys %s", res, fn)
				}
				byFunction[fn] = r
			}
			if len(byFunction) != len(functions) || len(resources) != len(functions) {
				t.Fatalf("rendered %d resources for functions %v, want one for each of %v", len(resources), slices.Sorted(maps.Keys(byFunction)), slices.Sorted(maps.Keys(functions)))
			}
			var shared []string // the environment variable names every function has
			for fn, want := range functions {
				p := byFunction[fn].Props
				if byFunction[fn].Component != "fc3" {
					t.Errorf("%s: component %q, want fc3", fn, byFunction[fn].Component)
				}
				if wantName := tc.namePrefix + "-" + fn; p.FunctionName != wantName {
					t.Errorf("%s: functionName %q, want %q", fn, p.FunctionName, wantName)
				}
				// go1 runs the executable named by handler in the code
				// directory: make build-fc writes build/fc/<function>/main.
				if p.Runtime != "go1" || p.Handler != "main" {
					t.Errorf("%s: runtime %q handler %q, want go1 and main", fn, p.Runtime, p.Handler)
				}
				if p.Region != tc.inputs["OSS_REGION"] || p.Role != tc.inputs["FC_ROLE_ARN"] {
					t.Errorf("%s: region %q role %q, want the inputs OSS_REGION %q and FC_ROLE_ARN %q", fn, p.Region, p.Role, tc.inputs["OSS_REGION"], tc.inputs["FC_ROLE_ARN"])
				}

				size := 0
				var names []string
				for k, v := range p.EnvironmentVariables {
					s, ok := v.(string)
					switch {
					case !ok:
						t.Errorf("%s: %s rendered as %v (%T), want a string", fn, k, v, v)
					case tc.inputs[k] != "" && s != tc.inputs[k]:
						t.Errorf("%s: %s = %q, want the input %q", fn, k, s, tc.inputs[k])
					case tc.inputs[k] == "" && !tc.envValueOK(k, s):
						t.Errorf("%s: %s = %q is not an input; want it empty or config's default %q", fn, k, s, defaults[k])
					}
					size += len(k) + len(s)
					if !slices.Contains(want.ownEnv, k) {
						names = append(names, k)
					}
				}
				if size > 3<<10 { // leave room for UPLOAD_PROFILES within FC's 4 KB
					t.Errorf("%s: environment takes %d bytes of FC's 4 KB", fn, size)
				}
				for _, k := range append([]string{"OSS_BUCKET", "OSS_REGION", "AUTH_MODE"}, want.ownEnv...) {
					if _, ok := p.EnvironmentVariables[k]; !ok {
						t.Errorf("%s: %s missing from the environment", fn, k)
					}
				}
				slices.Sort(names)
				if shared == nil {
					shared = names
				} else if !slices.Equal(names, shared) {
					t.Errorf("%s: shared environment %v, another function has %v", fn, names, shared)
				}

				wantTriggers := asJSON(t, want.triggers(tc.inputs, tc.triggerPrefix, tc.triggerRole))
				if !reflect.DeepEqual(asJSON(t, p.Triggers), wantTriggers) {
					t.Errorf("%s: triggers\n%s\nwant\n%s", fn, mustJSON(t, p.Triggers), mustJSON(t, wantTriggers))
				}
			}
		})
	}

	for name := range required {
		t.Run("without "+name, func(t *testing.T) {
			t.Parallel()
			in := maps.Clone(required)
			delete(in, name)
			out, err := sPreview(t, bin, in)
			if want := "env('" + name + "') not found"; err == nil || !bytes.Contains(out, []byte(want)) {
				t.Errorf("s preview: %v, want a failure saying %q\n%s", err, want, out)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The Makefile builds exactly the functions s.yaml deploys.
func TestMakefileBuildsEveryFunction(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "FUNCTIONS"); ok {
			if _, list, ok := strings.Cut(rest, "="); ok {
				got = strings.Fields(list)
			}
		}
	}
	want := functionNames(t)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Makefile FUNCTIONS %v, want the function directories %v", got, want)
	}
}

// ---------------------------------------------------------------------------
// Under a fake FC runtime

// profilesJSON: one plain profile and one with an upload callback.
const profilesJSON = `{
 "default": {"prefix": "uploads/{sub}/{yyyy}/{mm}/", "naming": "uuid", "maxSize": 1048576, "expires": "10m"},
 "cb": {"prefix": "cb/{sub}/", "naming": "uuid", "maxSize": 1048576, "expires": "10m", "callback": true}
}`

// harness is the local cloud the binaries run against.
type harness struct {
	stack      *devstack.Stack
	uploadHost string // the bucket's virtual host (see bucketHost)
	// callbackURL is where OSS posts upload callbacks: a bridge into the
	// callback function's runtime once setCallback was called.
	callbackURL string
	mu          sync.Mutex
	callbackFn  *fakefc.Runtime
}

func newHarness(tb testing.TB) *harness {
	tb.Helper()
	st, err := devstack.Start(devstack.Config{Addr: "127.0.0.1:0", OSSAddr: "127.0.0.1:0", STSAddr: "127.0.0.1:0", Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st.Close(ctx)
	})
	h := &harness{stack: st, uploadHost: bucketHost(tb, st.OSS, st.Bucket)}
	bridge := httptest.NewServer(http.HandlerFunc(h.bridgeCallback))
	tb.Cleanup(bridge.Close)
	h.callbackURL = bridge.URL + "/oss-callback"
	return h
}

// bucketHost serves the bucket the way OSS's virtual-hosted endpoint
// (https://<bucket>.oss-<region>.aliyuncs.com) does, the key being the whole
// path, by forwarding to the emulator's path-style URL. OSS_UPLOAD_HOST must
// be scheme://host[:port] without a path, like the real endpoint, so it
// cannot name the emulator's /<bucket> path itself. Signatures survive the
// rewrite: OSS signs /<bucket>/<key> whatever the addressing style.
func bucketHost(tb testing.TB, ossURL, bucket string) string {
	tb.Helper()
	target, err := url.Parse(ossURL)
	if err != nil {
		tb.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.URL.Path = "/" + bucket + pr.In.URL.Path
		pr.Out.URL.RawPath = "/" + bucket + pr.In.URL.EscapedPath()
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(proxy)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// env is the configuration s.yaml would give a function, pointed at the
// local stack. Every name must be one config reads.
func (h *harness) env(tb testing.TB, fn string) []string {
	tb.Helper()
	vars := map[string]string{
		"OSS_BUCKET":                   h.stack.Bucket,
		"OSS_REGION":                   h.stack.Region,
		"OSS_ENDPOINT":                 h.stack.OSS,
		"OSS_UPLOAD_HOST":              h.uploadHost,
		"UPLOAD_PROFILES":              profilesJSON,
		"AUTH_MODE":                    string(auth.ModeNone),
		"CALLBACK_URL":                 h.callbackURL,
		"GRANT_SECRET":                 "fc-test-grant-secret-0123456789abcdef",
		"CALLBACK_PUBKEY_URL_PREFIXES": h.stack.KeyURLPrefix,
		"RATE_LIMIT_PER_MINUTE":        "0",
		"LOG_LEVEL":                    "info",
	}
	if fn == "sts-token" {
		vars["STS_ROLE_ARN"] = devstack.DevRoleARN
		vars["STS_ENDPOINT"] = h.stack.STS
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		if !slices.ContainsFunc(config.Variables, func(cv config.Variable) bool { return cv.Name == k }) {
			tb.Fatalf("test sets %s, which config does not read", k)
		}
		env = append(env, k+"="+v)
	}
	return env
}

// invokeHeaders carry the per-invocation credentials FC passes (the
// function role's); here the stack's root identity, which has no token.
// The functions prefer these to the environment's, which fakefc fills with
// values the emulators reject, so a success proves which ones were used.
func (h *harness) invokeHeaders() map[string]string {
	return map[string]string{
		"x-fc-access-key-id":     h.stack.AccessKeyID,
		"x-fc-access-key-secret": devstack.DevAccessKeySecret,
		"x-fc-security-token":    "",
	}
}

// start runs one function binary under a fresh fake FC runtime.
func (h *harness) start(tb testing.TB, fn string) *fakefc.Runtime {
	tb.Helper()
	return fakefc.Start(tb, binaries(tb)[fn], h.env(tb, fn))
}

// do sends req to the function as an HTTP-trigger event.
func (h *harness) do(t *testing.T, rt *fakefc.Runtime, req *http.Request) *http.Response {
	t.Helper()
	payload, err := fakefc.HTTPEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	res := h.invoke(t, rt, payload)
	if res.Error != nil {
		t.Fatalf("%s %s: function error %v", req.Method, req.URL, res.Error)
	}
	resp, err := fakefc.HTTPResponse(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (h *harness) invoke(tb testing.TB, rt *fakefc.Runtime, payload []byte) fakefc.Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, payload, h.invokeHeaders())
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// bridgeCallback is CALLBACK_URL: it hands OSS's callback request to the
// callback function as an HTTP-trigger event, like FC's HTTP trigger.
func (h *harness) bridgeCallback(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	rt := h.callbackFn
	h.mu.Unlock()
	if rt == nil {
		http.Error(w, "callback function not running", http.StatusBadGateway)
		return
	}
	payload, err := fakefc.HTTPEvent(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := rt.Invoke(r.Context(), payload, h.invokeHeaders())
	if err == nil && res.Error != nil {
		err = res.Error
	}
	var resp *http.Response
	if err == nil {
		resp, err = fakefc.HTTPResponse(res.Body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (h *harness) setCallback(rt *fakefc.Runtime) {
	h.mu.Lock()
	h.callbackFn = rt
	h.mu.Unlock()
}

func decodeJSON[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v T
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

type postGrant struct {
	Host   string            `json:"host"`
	Key    string            `json:"key"`
	Fields map[string]string `json:"fields"`
}

// postObject sends the grant's form with file last, as a browser does.
func postObject(t *testing.T, g postGrant, filename, contentType string, data []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range g.Fields {
		mw.WriteField(k, v)
	}
	part, _ := mw.CreatePart(map[string][]string{
		"Content-Disposition": {fmt.Sprintf(`form-data; name="file"; filename=%q`, filename)},
		"Content-Type":        {contentType},
	})
	part.Write(data)
	mw.Close()
	resp, err := http.Post(g.Host, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// getObject reads an object back with the root identity.
func (h *harness) getObject(t *testing.T, key string) []byte {
	t.Helper()
	client := h.ossClient(credentials.NewStaticCredentialsProvider(h.stack.AccessKeyID, devstack.DevAccessKeySecret), h.stack.OSS)
	res, err := client.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(h.stack.Bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return b
}

func (h *harness) ossClient(p credentials.CredentialsProvider, endpoint string) *oss.Client {
	return oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(p).WithRegion(h.stack.Region).WithEndpoint(endpoint))
}

func ossEvent(bucket, key, eventName string) []byte {
	ev := map[string]any{"events": []any{map[string]any{
		"eventName": eventName, "eventSource": "acs:oss", "eventVersion": "1.0",
		"eventTime": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "region": "cn-hangzhou",
		"oss": map[string]any{
			"bucket": map[string]any{"arn": "acs:oss:cn-hangzhou:" + fakefc.AccountID + ":" + bucket, "name": bucket,
				"ownerIdentity": fakefc.AccountID, "virtualBucket": ""},
			"object": map[string]any{"deltaSize": 5, "eTag": "5D41402ABC4B2A76B9719D911017C592", "key": key,
				"objectMeta": map[string]any{"mimeType": "text/plain"}, "size": 5},
			"ossSchemaVersion": "1.0", "ruleId": "ossdirect-test",
		},
		"requestParameters": map[string]any{"sourceIPAddress": "127.0.0.1"},
		"responseElements":  map[string]any{"requestId": "6741A5D1C2B3A4F5E6D7C8B9"},
		"userIdentity":      map[string]any{"principalId": fakefc.AccountID},
	}}}
	b, _ := json.Marshal(ev)
	return b
}

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the function binaries and runs them under a fake FC runtime")
	}
}

func TestPostSignatureUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	rt := h.start(t, "post-signature")
	cb := h.start(t, "callback")
	h.setCallback(cb)

	req, _ := http.NewRequest(http.MethodGet, "https://post-signature.example/?profile=default&filename=cat.txt&contentType=text/plain&size=5", nil)
	g := decodeJSON[postGrant](t, h.do(t, rt, req))
	if g.Host != h.uploadHost || g.Key == "" || g.Fields["policy"] == "" {
		t.Fatalf("grant %+v: want host %s, a key and a policy", g, h.uploadHost)
	}
	if status, body := postObject(t, g, "cat.txt", "text/plain", []byte("hello")); status != http.StatusOK {
		t.Fatalf("PostObject with the grant: %d %s", status, body)
	}
	if got := h.getObject(t, g.Key); string(got) != "hello" {
		t.Errorf("stored %q, want hello", got)
	}

	// The grant binds the key: another one is refused.
	g2 := g
	g2.Fields = withField(g.Fields, "key", "uploads/elsewhere.txt")
	if status, _ := postObject(t, g2, "x.txt", "text/plain", []byte("hello")); status != http.StatusForbidden {
		t.Errorf("PostObject to another key: %d, want 403", status)
	}

	// A profile with a callback: OSS calls CALLBACK_URL, which reaches the
	// callback function; its verified answer is the upload's response.
	req, _ = http.NewRequest(http.MethodPost, "https://post-signature.example/", strings.NewReader(`{"profile":"cb","filename":"dog.txt","contentType":"text/plain","size":5}`))
	req.Header.Set("Content-Type", "application/json")
	g = decodeJSON[postGrant](t, h.do(t, rt, req))
	status, body := postObject(t, g, "dog.txt", "text/plain", []byte("woof!"))
	var answer struct {
		Status string `json:"Status"`
		Key    string `json:"key"`
		Size   int64  `json:"size"`
	}
	if err := json.Unmarshal(body, &answer); status != http.StatusOK || err != nil || answer.Status != "OK" || answer.Key != g.Key || answer.Size != 5 {
		t.Fatalf("PostObject with callback: %d %s; want 200 and the callback function's answer for %s", status, body, g.Key)
	}
}

func withField(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

func TestPresignedURLUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	rt := h.start(t, "presigned-url")

	req, _ := http.NewRequest(http.MethodGet, "https://presigned-url.example/?profile=default&filename=notes.txt&contentType=text/plain&size=11", nil)
	g := decodeJSON[struct {
		URL     string            `json:"url"`
		Method  string            `json:"method"`
		Headers map[string]string `json:"headers"`
		Key     string            `json:"key"`
	}](t, h.do(t, rt, req))
	if g.Method != http.MethodPut || !strings.HasPrefix(g.URL, h.uploadHost+"/") {
		t.Fatalf("grant %+v: want a PUT URL on %s", g, h.uploadHost)
	}
	put := func(contentType string) (int, string) {
		r, _ := http.NewRequest(g.Method, g.URL, strings.NewReader("hello world"))
		for k, v := range g.Headers {
			r.Header.Set(k, v)
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := put("text/html"); status != http.StatusForbidden {
		t.Errorf("PUT with another Content-Type than signed: %d %s, want 403", status, body)
	}
	if status, body := put(""); status != http.StatusOK {
		t.Fatalf("PUT with the returned headers: %d %s", status, body)
	}
	if got := h.getObject(t, g.Key); string(got) != "hello world" {
		t.Errorf("stored %q", got)
	}
}

func TestSTSTokenUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	rt := h.start(t, "sts-token")

	req, _ := http.NewRequest(http.MethodGet, "https://sts-token.example/?profile=default", nil)
	c := decodeJSON[struct {
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
		SecurityToken   string `json:"SecurityToken"`
		Expiration      string `json:"Expiration"`
		Bucket          string `json:"bucket"`
		Region          string `json:"region"`
		Endpoint        string `json:"endpoint"`
		Prefix          string `json:"prefix"`
	}](t, h.do(t, rt, req))
	if c.SecurityToken == "" || c.Bucket != h.stack.Bucket || c.Endpoint != h.stack.OSS || !strings.HasPrefix(c.Prefix, "uploads/") {
		t.Fatalf("credentials %+v: want a token for %s under uploads/", c, h.stack.Bucket)
	}
	// The official Go SDK, configured only from the answer.
	client := h.ossClient(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.AccessKeySecret, c.SecurityToken), c.Endpoint)
	ctx := context.Background()
	inside := c.Prefix + "report.txt"
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(c.Bucket), Key: oss.Ptr(inside), Body: strings.NewReader("sts upload")}); err != nil {
		t.Fatalf("PutObject inside the granted prefix: %v", err)
	}
	if got := h.getObject(t, inside); string(got) != "sts upload" {
		t.Errorf("stored %q", got)
	}
	_, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(c.Bucket), Key: oss.Ptr("uploads/someone-else/x.txt"), Body: strings.NewReader("no")})
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Errorf("PutObject outside the prefix: %v, want 403", err)
	}
}

func TestCallbackUnderFC(t *testing.T) {
	skipShort(t)
	t.Parallel()
	h := newHarness(t)
	rt := h.start(t, "callback")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// An object the profile allows, really stored, then announced by an
	// OSS trigger event.
	key := "uploads/anonymous/" + time.Now().UTC().Format("2006/01") + "/3f2a.txt"
	root := h.ossClient(credentials.NewStaticCredentialsProvider(h.stack.AccessKeyID, devstack.DevAccessKeySecret), h.stack.OSS)
	if _, err := root.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(h.stack.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	if res := h.invoke(t, rt, ossEvent(h.stack.Bucket, key, "ObjectCreated:PutObject")); res.Error != nil || string(res.Body) != "null" {
		t.Fatalf("ObjectCreated:PutObject: body %s error %v, want success", res.Body, res.Error)
	}
	if err := rt.WaitOutput(ctx, key); err != nil {
		t.Error(err)
	}

	// A key outside every profile: logged, skipped, still a success (a
	// failure would only make FC retry the event).
	if res := h.invoke(t, rt, ossEvent(h.stack.Bucket, "elsewhere/x.txt", "ObjectCreated:PostObject")); res.Error != nil {
		t.Fatalf("event outside the profiles: %v, want success", res.Error)
	}
	if err := rt.WaitOutput(ctx, "OSS event skipped"); err != nil {
		t.Error(err)
	}

	// Malformed events are errors; the instance keeps serving.
	for name, payload := range map[string]string{
		"not JSON":         `{"events": [`,
		"events not array": `{"events": {"eventName": "ObjectCreated:PutObject"}}`,
		"no records":       `{"events": []}`,
		"unknown event":    `{"hello": "world"}`,
	} {
		if res := h.invoke(t, rt, []byte(payload)); res.Error == nil {
			t.Errorf("%s: success %s, want an error result", name, res.Body)
		}
	}
	if res := h.invoke(t, rt, ossEvent(h.stack.Bucket, key, "ObjectCreated:CompleteMultipartUpload")); res.Error != nil || !rt.Alive() {
		t.Fatalf("event after the malformed ones: %v (alive %v)", res.Error, rt.Alive())
	}

	// An unsigned HTTP callback is refused.
	req, _ := http.NewRequest(http.MethodPost, "https://callback.example/", strings.NewReader("bucket="+h.stack.Bucket+"&object="+url.QueryEscape(key)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp := h.do(t, rt, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned callback: %d, want 403", resp.StatusCode)
	}
}

// A function started without a required variable exits 1 at once and
// names the variable.
func TestMissingConfigStopsTheInstance(t *testing.T) {
	skipShort(t)
	t.Parallel()
	bins := binaries(t)
	for _, fn := range functionNames(t) {
		rt := fakefc.Start(t, bins[fn], []string{"OSS_REGION=cn-hangzhou", "AUTH_MODE=none"})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := rt.WaitReady(ctx)
		cancel()
		if !errors.Is(err, fakefc.ErrExited) || !strings.Contains(err.Error(), "exit status 1") {
			t.Errorf("%s: %v, want the process to exit with status 1", fn, err)
		}
		if out := rt.Output(); !strings.Contains(out, "OSS_BUCKET") {
			t.Errorf("%s: output does not name OSS_BUCKET:\n%s", fn, out)
		}
	}
}

// The binaries, built as make build builds them (for the host), stay in
// the size budget.
func TestBinarySize(t *testing.T) {
	skipShort(t)
	t.Parallel()
	for fn, path := range binaries(t) {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes (%.1f MiB) for %s/%s", fn, info.Size(), float64(info.Size())/(1<<20), runtime.GOOS, runtime.GOARCH)
		// The budget is for what FC runs: linux/amd64.
		if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" && info.Size() > maxBinary {
			t.Errorf("%s: %d bytes, over the %d-byte budget", fn, info.Size(), maxBinary)
		}
	}
}

// BenchmarkColdStart starts each function under a fresh fake FC runtime and
// sends one real request: ms/coldstart is process start → its answer,
// ms/ready process start → first poll of the runtime API.
func BenchmarkColdStart(b *testing.B) {
	bins := binaries(b)
	h := newHarness(b)
	get := func(fn, query string) []byte {
		req, _ := http.NewRequest(http.MethodGet, "https://"+fn+".example/?"+query, nil)
		payload, err := fakefc.HTTPEvent(req)
		if err != nil {
			b.Fatal(err)
		}
		return payload
	}
	payloads := map[string][]byte{
		"post-signature": get("post-signature", "profile=default&filename=a.txt&contentType=text/plain&size=5"),
		"presigned-url":  get("presigned-url", "profile=default&filename=a.txt&contentType=text/plain&size=5"),
		"sts-token":      get("sts-token", "profile=default"),
		"callback":       ossEvent(h.stack.Bucket, "elsewhere/x.txt", "ObjectCreated:PutObject"),
	}
	for _, fn := range functionNames(b) {
		b.Run(fn, func(b *testing.B) {
			info, err := os.Stat(bins[fn])
			if err != nil {
				b.Fatal(err)
			}
			var cold, ready time.Duration
			for i := 0; i < b.N; i++ {
				rt := fakefc.Start(b, bins[fn], h.env(b, fn))
				res := h.invoke(b, rt, payloads[fn])
				if res.Error != nil {
					b.Fatalf("%s: %v", fn, res.Error)
				}
				if fn != "callback" {
					resp, err := fakefc.HTTPResponse(res.Body)
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Fatalf("%s: %v %v %s", fn, resp, err, res.Body)
					}
				}
				c, _ := rt.ColdStart()
				r, err := rt.WaitReady(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				rt.Stop()
				cold += c
				ready += r
			}
			b.ReportMetric(float64(cold.Microseconds())/1000/float64(b.N), "ms/coldstart")
			b.ReportMetric(float64(ready.Microseconds())/1000/float64(b.N), "ms/ready")
			b.ReportMetric(float64(info.Size())/(1<<20), "MiB/binary")
		})
	}
}
