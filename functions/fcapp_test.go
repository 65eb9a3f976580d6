package functions_test

// Checks of the Serverless Devs application (templates/fc-app), with the
// pinned `s` from e2e/node_modules, offline:
//
//   - `s init --uri` renders src/s.yaml from publish.yaml's parameters for
//     several parameter sets, and `s preview` renders the result to the
//     functions, triggers, roles and environment the functions need;
//   - `s deploy` against a stand-in component (a local folder, no cloud)
//     shows CALLBACK_URL known in the first deploy: Serverless Devs deploys
//     the callback function first and hands its output URL to the others;
//   - broken inputs stop that deploy in the pre-deploy preflight before any
//     component is called, and `make deploy` stops before calling s.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"ossdirect/shared/config"
	"ossdirect/shared/upload"
)

const appAccount = "1234567890123456"

// appTemplate is the application template's folder.
var appTemplate = filepath.Join("..", "templates", "fc-app")

// appParams are valid parameters for the template: apikey auth, no custom
// domains.
func appParams() map[string]string {
	return map[string]string{
		"region": "cn-shanghai", "functionNamePrefix": "acme", "bucket": "acme-uploads",
		"authMode": "apikey", "apiKeys": "web:0123456789abcdef0123", "jwtSecret": "", "jwksUrl": "",
		"profilePreset": "images", "corsOrigins": "https://app.example.com",
		"grantSecret":    "grant-0123456789abcdef0123456789abcdef",
		"functionDomain": "", "functionDomainCertId": "", "bucketDomain": "",
		"fcRoleArn":         "acs:ram::" + appAccount + ":role/ossdirect-fc-role",
		"stsRoleArn":        "acs:ram::" + appAccount + ":role/ossdirect-upload",
		"ossTriggerRoleArn": "acs:ram::" + appAccount + ":role/aliyunosseventnotificationrole",
	}
}

// sEnv is the environment s runs with: HOME in a temporary folder (no
// credentials or settings of the developer's), NODE_ENV=test (no update
// check or usage report), and a stand-in credential (s reads AccountID,
// AccessKeyID and AccessKeySecret from the environment; the template's
// ${config('AccountID')} needs one, as on a real deploy).
func sEnv(t *testing.T, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NODE_ENV=test",
		"AccountID=" + appAccount, "AccessKeyID=LTAI-test-only", "AccessKeySecret=test-only-secret"}, extra...)
}

func runS(t *testing.T, bin, dir string, env []string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a few seconds unloaded
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return append(stdout.Bytes(), stderr.Bytes()...), err
}

// initApp renders the template with params, as the console or
// `s init --uri` does, and returns the new project's folder. s init moves
// a local template folder away, so it is given a copy.
func initApp(t *testing.T, bin string, params map[string]string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "fc-app")
	if err := os.CopyFS(src, os.DirFS(appTemplate)); err != nil {
		t.Fatal(err)
	}
	// CopyFS drops the executable bit.
	if err := os.Chmod(filepath.Join(src, "src", "bin", "preflight.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, _ := json.Marshal(params)
	dest := filepath.Join(t.TempDir(), "app")
	if out, err := runS(t, bin, filepath.Dir(dest), sEnv(t), "init", "--uri", src, "-a", "default", "--parameters", string(p), "-d", dest, "-y"); err != nil {
		t.Fatalf("s init: %v\n%s", err, out)
	}
	return dest
}

// appResource is one resource of the rendered application.
type appResource struct {
	Component string `json:"component"`
	Props     struct {
		FunctionName         string         `json:"functionName"`
		Region               string         `json:"region"`
		Runtime              string         `json:"runtime"`
		Handler              string         `json:"handler"`
		Code                 string         `json:"code"`
		Role                 string         `json:"role"`
		MemorySize           int            `json:"memorySize"`
		Timeout              int            `json:"timeout"`
		EnvironmentVariables map[string]any `json:"environmentVariables"`
		Triggers             []struct {
			TriggerName    string `json:"triggerName"`
			TriggerType    string `json:"triggerType"`
			Qualifier      string `json:"qualifier"`
			SourceARN      string `json:"sourceArn"`
			InvocationRole string `json:"invocationRole"`
			TriggerConfig  struct {
				AuthType           string   `json:"authType"`
				DisableURLInternet bool     `json:"disableURLInternet"`
				Methods            []string `json:"methods"`
				Events             []string `json:"events"`
				Filter             struct {
					Key map[string]string `json:"key"`
				} `json:"filter"`
			} `json:"triggerConfig"`
		} `json:"triggers"`
		// fc3-domain
		DomainName  string            `json:"domainName"`
		Protocol    string            `json:"protocol"`
		CertConfig  map[string]string `json:"certConfig"`
		RouteConfig struct {
			Routes []struct {
				FunctionName string `json:"functionName"`
				Path         string `json:"path"`
				Qualifier    string `json:"qualifier"`
			} `json:"routes"`
		} `json:"routeConfig"`
	} `json:"props"`
}

// previewApp renders the project with `s preview` (offline) and returns
// its resources and actions.
func previewApp(t *testing.T, bin, dir string) (map[string]appResource, map[string][]action) {
	t.Helper()
	out, err := runS(t, bin, dir, sEnv(t), "preview", "-o", "json")
	if err != nil {
		t.Fatalf("s preview: %v\n%s", err, out)
	}
	doc := previewDocument(t, out)
	var rendered struct {
		Actions   map[string][]action    `json:"actions"`
		Resources map[string]appResource `json:"resources"`
	}
	if err := json.NewDecoder(bytes.NewReader(doc)).Decode(&rendered); err != nil {
		t.Fatalf("s preview output: %v\n%s", err, out)
	}
	return rendered.Resources, rendered.Actions
}

// The function each resource deploys, by its code directory.
var appFunctions = map[string]string{"callback": "callback", "post_signature": "post-signature", "presigned_url": "presigned-url", "sts_token": "sts-token"}

// callbackRef is how the signing functions get CALLBACK_URL without a
// custom domain: the callback resource's deploy output (fc3's info:
// url.system_url, its LATEST HTTP trigger's internet URL).
const callbackRef = "${resources.callback.output.url.system_url}"

// The template renders, for each auth mode, each preset, with and without
// custom domains, to the four go1 functions with the environment the
// functions accept at start-up (config.Load), the triggers they need, the
// roles given, CALLBACK_URL from the callback resource's output or the
// custom domain, and the fc3-domain resource only with a domain.
func TestAppTemplateRendersWithServerlessDevs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs s init and s preview")
	}
	bin := serverlessDevs(t)
	t.Parallel()
	presets := templatePresets(t)
	cases := []struct {
		name string
		edit func(map[string]string)
	}{
		{"apikey, images, no custom domains", func(map[string]string) {}},
		{"none, default preset, no page origins", func(p map[string]string) {
			p["authMode"], p["apiKeys"], p["profilePreset"], p["corsOrigins"] = "none", "", "default", ""
		}},
		{"jwt HS256, documents, custom domains", func(p map[string]string) {
			p["authMode"], p["apiKeys"], p["jwtSecret"], p["profilePreset"] = "jwt", "", "jwt-0123456789abcdef0123456789abcdef", "documents"
			p["functionDomain"], p["functionDomainCertId"], p["bucketDomain"] = "upload-api.example.com", "12345678", "files.example.com"
		}},
		{"jwt JWKS, videos, function domain only", func(p map[string]string) {
			p["authMode"], p["apiKeys"], p["jwksUrl"], p["profilePreset"] = "jwt", "", "https://login.example.com/.well-known/jwks.json", "videos"
			p["functionDomain"], p["functionDomainCertId"] = "upload-api.example.com", "12345678"
		}},
		{"apikey with a JWT secret given too (not passed on)", func(p map[string]string) {
			p["jwtSecret"] = "jwt-0123456789abcdef0123456789abcdef"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			params := appParams()
			tc.edit(params)
			dir := initApp(t, bin, params)
			resources, actions := previewApp(t, bin, dir)
			domain := params["functionDomain"]

			if pre := actions["pre-deploy"]; len(pre) != 1 || pre[0].Run != "sh ./bin/preflight.sh" {
				t.Errorf("actions.pre-deploy %+v, want the preflight", pre)
			}
			wantResources := slices.Sorted(maps.Keys(appFunctions))
			if domain != "" {
				wantResources = append(wantResources, "domain")
				slices.Sort(wantResources)
			}
			if got := slices.Sorted(maps.Keys(resources)); !slices.Equal(got, wantResources) {
				t.Fatalf("resources %v, want %v", got, wantResources)
			}
			for res, fn := range appFunctions {
				r := resources[res]
				p := r.Props
				if r.Component != "fc3" || p.Runtime != "go1" || p.Handler != "main" || p.Code != "./code/"+fn {
					t.Errorf("%s: component %q runtime %q handler %q code %q, want fc3, go1, main, ./code/%s", res, r.Component, p.Runtime, p.Handler, p.Code, fn)
				}
				if p.FunctionName != params["functionNamePrefix"]+"-"+fn || p.Region != params["region"] || p.Role != params["fcRoleArn"] {
					t.Errorf("%s: name %q region %q role %q, want the parameters", res, p.FunctionName, p.Region, p.Role)
				}
				// fc3's schema: memorySize a multiple of 64 from 128; OSS
				// waits 5 s for the callback's answer.
				if p.MemorySize < 128 || p.MemorySize%64 != 0 || p.Timeout < 1 || (fn == "callback" && p.Timeout <= 5) {
					t.Errorf("%s: memorySize %d timeout %d", res, p.MemorySize, p.Timeout)
				}
				checkAppEnvironment(t, res, fn, p.EnvironmentVariables, params, presets)
				checkAppTriggers(t, res, fn, r, params, presets)
			}
			if domain == "" {
				return
			}
			d := resources["domain"]
			if d.Component != "fc3-domain" || d.Props.DomainName != domain || d.Props.Protocol != "HTTPS" || d.Props.CertConfig["certId"] != params["functionDomainCertId"] || d.Props.Region != params["region"] {
				t.Errorf("domain: %+v, want fc3-domain %s over HTTPS with certificate %s", d, domain, params["functionDomainCertId"])
			}
			routes := map[string]string{}
			for _, rt := range d.Props.RouteConfig.Routes {
				routes[rt.Path] = rt.FunctionName
				if rt.Qualifier != "LATEST" {
					t.Errorf("domain: route %s qualifier %q", rt.Path, rt.Qualifier)
				}
			}
			for res, fn := range appFunctions {
				want := "${resources." + res + ".output.functionName}" // and so deployed after the function
				if routes["/"+fn] != want || routes["/"+fn+"/*"] != want {
					t.Errorf("domain: routes %v, want /%s and /%s/* to %s", routes, fn, fn, want)
				}
			}
		})
	}
}

// templatePresets are the profile presets of the template's s.yaml, which
// must be publish.yaml's profilePreset enum, each parsing as the functions
// parse UPLOAD_PROFILES.
func templatePresets(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(appTemplate, "src", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The template is art-template text; its vars block is plain YAML up
	// to the first {{ if }}.
	var doc struct {
		Vars struct {
			Presets map[string]string `yaml:"presets"`
		} `yaml:"vars"`
	}
	head, _, _ := strings.Cut(string(data), "\nactions:")
	if err := yaml.Unmarshal([]byte(head), &doc); err != nil {
		t.Fatalf("templates/fc-app/src/s.yaml vars: %v", err)
	}
	pub := publishYAML(t)
	enum := pub.Parameters.Properties["profilePreset"].Enum
	if got := slices.Sorted(maps.Keys(doc.Vars.Presets)); !slices.Equal(got, slices.Sorted(slices.Values(enum))) {
		t.Fatalf("s.yaml presets %v, publish.yaml's profilePreset enum %v", got, enum)
	}
	for name, js := range doc.Vars.Presets {
		ps, err := upload.ParseProfiles([]byte(js))
		if err != nil || len(ps) == 0 {
			t.Errorf("preset %s: %v", name, err)
		}
		for _, p := range ps {
			if !strings.HasPrefix(p.Prefix, "uploads/") || !p.Callback {
				t.Errorf("preset %s: profile %s prefix %q callback %v; want under uploads/ (the trigger prefix and the roles' resources) with a callback", name, p.Name, p.Prefix, p.Callback)
			}
		}
	}
	return doc.Vars.Presets
}

type publishParam struct {
	Type        string   `yaml:"type"`
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Enum        []string `yaml:"enum"`
	Default     *string  `yaml:"default"`
	Role        *struct {
		Name        string   `yaml:"name"`
		Service     string   `yaml:"service"`
		Authorities []string `yaml:"authorities"`
	} `yaml:"x-role"`
}

type publishDoc struct {
	Edition    string `yaml:"Edition"`
	Type       string `yaml:"Type"`
	Name       string `yaml:"Name"`
	Version    string `yaml:"Version"`
	Parameters struct {
		Type       string                  `yaml:"type"`
		Required   []string                `yaml:"required"`
		Properties map[string]publishParam `yaml:"properties"`
	} `yaml:"Parameters"`
}

func publishYAML(t *testing.T) publishDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(appTemplate, "publish.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var p publishDoc
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatalf("publish.yaml: %v", err)
	}
	return p
}

func checkAppEnvironment(t *testing.T, res, fn string, env map[string]any, params, presets map[string]string) {
	t.Helper()
	strs := map[string]string{}
	for k, v := range env {
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s: %s = %v (%T): FC takes strings only", res, k, v, v)
		}
		strs[k] = s
	}
	// Every variable is one the functions read, and every one of
	// config.Variables is set except those left out on purpose (as in
	// s.yaml: no file in the code package, OSS's own key host only, the
	// seed profile's default).
	leftOut := []string{"UPLOAD_PROFILES_FILE", "CALLBACK_PUBKEY_URL_PREFIXES", "SEED_PROFILE"}
	own := map[string][]string{"sts-token": {"STS_ROLE_ARN", "STS_ENDPOINT", "STS_DURATION"}}
	if fn != "callback" {
		own[fn] = append(own[fn], "CALLBACK_URL")
	}
	for _, v := range config.Variables {
		_, has := strs[v.Name]
		isOwn := slices.Contains([]string{"STS_ROLE_ARN", "STS_ENDPOINT", "STS_DURATION", "CALLBACK_URL"}, v.Name)
		switch {
		case slices.Contains(leftOut, v.Name) && has:
			t.Errorf("%s: %s is set; the template leaves it out", res, v.Name)
		case isOwn && has != slices.Contains(own[fn], v.Name):
			t.Errorf("%s: %s set %v, want %v", res, v.Name, has, !has)
		case !isOwn && !slices.Contains(leftOut, v.Name) && !has:
			t.Errorf("%s: %s missing", res, v.Name)
		}
		delete(strs, v.Name)
	}
	if len(strs) > 0 {
		t.Errorf("%s: %v are not in config.Variables", res, slices.Sorted(maps.Keys(strs)))
	}
	get := func(k string) string { s, _ := env[k].(string); return s }
	mode := params["authMode"]
	want := map[string]string{
		"OSS_BUCKET": params["bucket"], "OSS_REGION": params["region"], "AUTH_MODE": mode,
		"UPLOAD_PROFILES": presets[params["profilePreset"]], "CORS_ALLOWED_ORIGINS": params["corsOrigins"],
		"GRANT_SECRET": params["grantSecret"], "JWT_HS256_SECRET": "", "JWT_JWKS_URL": "", "API_KEYS": "",
		"OSS_UPLOAD_HOST": "",
	}
	switch mode {
	case "jwt":
		want["JWT_HS256_SECRET"], want["JWT_JWKS_URL"] = params["jwtSecret"], params["jwksUrl"]
	case "apikey":
		want["API_KEYS"] = params["apiKeys"]
	}
	if d := params["bucketDomain"]; d != "" {
		want["OSS_UPLOAD_HOST"] = "https://" + d
	}
	if fn == "sts-token" {
		want["STS_ROLE_ARN"] = params["stsRoleArn"]
	}
	if fn != "callback" {
		want["CALLBACK_URL"] = callbackRef
		if d := params["functionDomain"]; d != "" {
			want["CALLBACK_URL"] = "https://" + d + "/callback"
		}
	}
	for k, w := range want {
		if get(k) != w {
			t.Errorf("%s: %s = %q, want %q", res, k, get(k), w)
		}
	}
	// What the function does with it at start-up: CALLBACK_URL as the
	// callback function's URL will be, once deployed.
	lookup := func(k string) (string, bool) {
		v, ok := env[k].(string)
		if k == "CALLBACK_URL" && v == callbackRef {
			v = "https://" + params["functionNamePrefix"] + "-callback-abcdefghij." + params["region"] + ".fcapp.run"
		}
		return v, ok
	}
	cfg, err := config.Load(lookup, nil)
	if err != nil {
		t.Errorf("%s: the function would not start: %v", res, err)
		return
	}
	if fn == "sts-token" {
		if err := cfg.RequireSTS(); err != nil {
			t.Errorf("%s: %v", res, err)
		}
	}
	if fn != "callback" && (cfg.CallbackURL == "" || len(cfg.GrantSecrets) == 0) {
		t.Errorf("%s: callbacks off (CALLBACK_URL %q, %d grant secrets): the presets' profiles need them", res, cfg.CallbackURL, len(cfg.GrantSecrets))
	}
	size := 0
	for k := range env {
		v, _ := lookup(k)
		size += len(k) + len(v)
	}
	if size > 4<<10 {
		t.Errorf("%s: environment %d bytes, over FC's 4 KB", res, size)
	}
}

func checkAppTriggers(t *testing.T, res, fn string, r appResource, params, presets map[string]string) {
	t.Helper()
	trs := r.Props.Triggers
	wantN, methods := 1, []string{"GET", "POST", "OPTIONS"}
	if fn == "callback" {
		wantN, methods = 2, []string{"POST", "OPTIONS"}
	}
	if len(trs) != wantN {
		t.Fatalf("%s: %d triggers, want %d", res, len(trs), wantN)
	}
	h := trs[0]
	if h.TriggerType != "http" || h.Qualifier != "LATEST" || h.TriggerConfig.AuthType != "anonymous" || h.TriggerConfig.DisableURLInternet || !slices.Equal(h.TriggerConfig.Methods, methods) {
		t.Errorf("%s: HTTP trigger %+v, want anonymous LATEST with a public URL (the output CALLBACK_URL comes from), methods %v", res, h, methods)
	}
	if fn != "callback" {
		return
	}
	o := trs[1]
	wantEvents := []string{"oss:ObjectCreated:PutObject", "oss:ObjectCreated:PostObject", "oss:ObjectCreated:CompleteMultipartUpload"}
	if o.TriggerType != "oss" || !slices.Equal(o.TriggerConfig.Events, wantEvents) {
		t.Errorf("callback: OSS trigger %+v, want events %v", o, wantEvents)
	}
	if want := "acs:oss:" + params["region"] + ":" + appAccount + ":" + params["bucket"]; o.SourceARN != want || o.InvocationRole != params["ossTriggerRoleArn"] {
		t.Errorf("callback: OSS trigger source %q role %q, want %q and %q", o.SourceARN, o.InvocationRole, want, params["ossTriggerRoleArn"])
	}
	prefix := o.TriggerConfig.Filter.Key["prefix"]
	if _, ok := o.TriggerConfig.Filter.Key["suffix"]; !ok {
		t.Error("callback: OSS trigger filter.key.suffix missing (fc3's schema requires it)")
	}
	ps, _ := upload.ParseProfiles([]byte(presets[params["profilePreset"]]))
	for _, p := range ps {
		if !strings.HasPrefix(p.Prefix, prefix) {
			t.Errorf("callback: OSS trigger prefix %q does not cover profile %s's %q", prefix, p.Name, p.Prefix)
		}
	}
}

// publish.yaml is a Serverless Devs 3 project whose parameters are exactly
// the ones src/s.yaml uses, typed, described, the region an enum of regions
// the functions accept, the auth mode and preset enums, and the function
// and OSS-trigger roles declared with x-role for the console to create;
// the rendered RAM policies hold exactly the actions docs/DEPLOY.md
// documents.
func TestAppTemplatePublishYAML(t *testing.T) {
	t.Parallel()
	p := publishYAML(t)
	if p.Edition != "3.0.0" || p.Type != "Project" || p.Name == "" || p.Version == "" || p.Parameters.Type != "object" {
		t.Errorf("publish.yaml: Edition %q Type %q Name %q Version %q Parameters.type %q", p.Edition, p.Type, p.Name, p.Version, p.Parameters.Type)
	}
	src, err := os.ReadFile(filepath.Join(appTemplate, "src", "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{\{\s*(?:if\s+)?([A-Za-z]+)`).FindAllStringSubmatch(string(src), -1) {
		if m[1] != "else" && m[1] != "access" {
			used[m[1]] = true
		}
	}
	if got, want := slices.Sorted(maps.Keys(used)), slices.Sorted(maps.Keys(p.Parameters.Properties)); !slices.Equal(got, want) {
		t.Errorf("src/s.yaml uses %v, publish.yaml declares %v", got, want)
	}
	for name, prm := range p.Parameters.Properties {
		if prm.Title == "" || prm.Description == "" || (prm.Type != "string" && prm.Type != "secret") {
			t.Errorf("parameter %s: title %q, type %q, description %q", name, prm.Title, prm.Type, prm.Description)
		}
		if prm.Default == nil && !slices.Contains(p.Parameters.Required, name) {
			t.Errorf("parameter %s: optional without a default", name)
		}
		if prm.Enum != nil && prm.Default != nil && !slices.Contains(prm.Enum, *prm.Default) {
			t.Errorf("parameter %s: default %q not in %v", name, *prm.Default, prm.Enum)
		}
	}
	for _, secret := range []string{"jwtSecret", "apiKeys", "grantSecret"} {
		if p.Parameters.Properties[secret].Type != "secret" {
			t.Errorf("parameter %s: type %q, want secret (the console masks it)", secret, p.Parameters.Properties[secret].Type)
		}
	}
	region := regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	for _, r := range p.Parameters.Properties["region"].Enum {
		if !region.MatchString(r) {
			t.Errorf("region enum: %q", r)
		}
	}
	if got := p.Parameters.Properties["authMode"].Enum; !slices.Equal(got, []string{"none", "jwt", "apikey"}) {
		t.Errorf("authMode enum %v", got)
	}
	for name, want := range map[string]string{"fcRoleArn": "fc", "ossTriggerRoleArn": "oss"} {
		r := p.Parameters.Properties[name].Role
		if r == nil || r.Name == "" || r.Service != want || len(r.Authorities) == 0 {
			t.Errorf("parameter %s: x-role %+v, want a role for service %s with its policies", name, r, want)
		}
	}

	// The exact policies, as docs/DEPLOY.md lists the function role's and
	// the upload role's actions.
	deploy, err := os.ReadFile(filepath.Join("..", "docs", "DEPLOY.md"))
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]map[string][]string{ // file → resource → actions
		"function-role-policy.json.stpl": {
			"acs:oss:*:*:{{ bucket }}/uploads/*":    {"oss:AbortMultipartUpload", "oss:DeleteObject", "oss:GetObject", "oss:ListParts", "oss:PutObject"},
			"acs:oss:*:*:{{ bucket }}/.ossdirect/*": {"oss:DeleteObject", "oss:GetObject", "oss:PutObject"},
			"{{ stsRoleArn }}":                      {"sts:AssumeRole"},
		},
		"upload-role-policy.json.stpl": {
			"acs:oss:*:*:{{ bucket }}/uploads/*": {"oss:AbortMultipartUpload", "oss:ListParts", "oss:PutObject"},
		},
	}
	for file, want := range policies {
		data, err := os.ReadFile(filepath.Join(appTemplate, "src", "ram", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Statement []struct {
				Effect   string   `json:"Effect"`
				Action   []string `json:"Action"`
				Resource []string `json:"Resource"`
			} `json:"Statement"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got := map[string][]string{}
		for _, st := range doc.Statement {
			if st.Effect != "Allow" {
				t.Errorf("%s: effect %q", file, st.Effect)
			}
			for _, r := range st.Resource {
				got[r] = slices.Sorted(slices.Values(append(got[r], st.Action...)))
			}
		}
		if !reflectEqual(got, want) {
			t.Errorf("%s: %v, want %v", file, got, want)
		}
		for _, acts := range want {
			for _, a := range acts {
				if !bytes.Contains(deploy, []byte("`"+a+"`")) {
					t.Errorf("%s: %s is not documented in docs/DEPLOY.md", file, a)
				}
			}
		}
	}
}

func reflectEqual(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// ---------------------------------------------------------------------------
// Deploying the application against a stand-in component

// The CLI, built once for the host, for the template's pre-deploy action
// and make deploy.
var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

func ossdirectCLI(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		cliPath = filepath.Join(binDir, "ossdirect-cli")
		out, err := exec.Command("go", "build", "-o", cliPath, "../cmd/ossdirect").CombinedOutput()
		if err != nil {
			cliErr = fmt.Errorf("go build ../cmd/ossdirect: %v\n%s", err, out)
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliPath
}

// fakeComponent is a Serverless Devs component in a local folder standing
// in for fc3 and fc3-domain: deploy appends the props it is given (one
// JSON line per resource, in deploy order) to $FAKE_COMPONENT_LOG and
// returns what fc3's deploy (and info) returns that matters here
// (functionName and url.system_url, the LATEST HTTP trigger's URL; for a
// domain its name).
const fakeComponent = `const fs = require('fs');
module.exports = class {
  async deploy(inputs) {
    fs.appendFileSync(process.env.FAKE_COMPONENT_LOG, JSON.stringify({resource: inputs.resource.name, props: inputs.props}) + '\n');
    const p = inputs.props;
    if (p.domainName) return { domainName: p.domainName };
    return this.info(inputs);
  }
  async info(inputs) {
    const p = inputs.props;
    if (p.domainName) return { domainName: p.domainName };
    if (process.env.FAKE_CALLBACK_WITHOUT_URL && p.functionName.endsWith('-callback')) return { functionName: p.functionName };
    return { region: p.region, functionName: p.functionName, url: { system_url: 'https://' + p.functionName + '-fakeid.' + p.region + '.fcapp.run' } };
  }
};
`

// deployApp runs `s deploy -y` in dir with fc3 and fc3-domain replaced by
// the stand-in, and the host-built CLI as bin/ossdirect and on PATH. It
// returns s's output, the stand-in's log and s's error. Not -o json: with
// it, s 3.1.10 goes on deploying when a pre-deploy action fails.
func deployApp(t *testing.T, bin, dir string, extraEnv ...string) ([]byte, []map[string]any, error) {
	t.Helper()
	comp := t.TempDir()
	os.WriteFile(filepath.Join(comp, "package.json"), []byte(`{"name": "fake-fc3", "version": "0.0.0", "main": "index.js"}`), 0o644)
	os.WriteFile(filepath.Join(comp, "index.js"), []byte(fakeComponent), 0o644)
	manifest := filepath.Join(dir, "s.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := regexp.MustCompile(`(?m)^(\s+component: )fc3(-domain)?$`).ReplaceAll(data, []byte("${1}"+comp))
	if bytes.Equal(rewritten, data) {
		t.Fatal("no component: fc3 in the rendered s.yaml")
	}
	os.WriteFile(manifest, rewritten, 0o644)
	cli := ossdirectCLI(t)
	binData, err := os.ReadFile(cli)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bin", "ossdirect"), binData, 0o755)
	logFile := filepath.Join(t.TempDir(), "deploys.jsonl")
	env := sEnv(t, append([]string{"FAKE_COMPONENT_LOG=" + logFile}, extraEnv...)...)
	env[0] = "PATH=" + filepath.Dir(cli) + string(os.PathListSeparator) + os.Getenv("PATH")
	out, err := runS(t, bin, dir, env, "deploy", "-y")
	var log []map[string]any
	if f, ferr := os.Open(logFile); ferr == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			log = append(log, m)
		}
	}
	return out, log, err
}

// One `s deploy` from zero: the callback function is deployed first and
// the three signing functions receive its URL as CALLBACK_URL in the same
// run — the value fc3's deploy output gives, url.system_url — so no second
// deploy is needed. With a custom domain the fc3-domain resource comes
// last and routes to the functions by the names they were deployed with.
// Then preflight --after turns the deploy output into the four URLs, the
// CORS rule and the mini-program entries.
func TestAppTemplateKnowsCallbackURLInTheFirstDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs s init and s deploy against a stand-in component")
	}
	bin := serverlessDevs(t)
	t.Parallel()
	for _, withDomain := range []bool{false, true} {
		t.Run(fmt.Sprintf("custom domain %v", withDomain), func(t *testing.T) {
			t.Parallel()
			params := appParams()
			if withDomain {
				params["functionDomain"], params["functionDomainCertId"], params["bucketDomain"] = "upload-api.example.com", "12345678", "files.example.com"
			}
			dir := initApp(t, bin, params)
			out, log, err := deployApp(t, bin, dir)
			if err != nil {
				t.Fatalf("s deploy: %v\n%s", err, out)
			}
			var order []string
			props := map[string]map[string]any{}
			for _, e := range log {
				res := e["resource"].(string)
				order = append(order, res)
				props[res] = e["props"].(map[string]any)
			}
			if len(order) == 0 || order[0] != "callback" {
				t.Fatalf("deploy order %v, want callback first", order)
			}
			cbURL := "https://" + params["functionNamePrefix"] + "-callback-fakeid." + params["region"] + ".fcapp.run"
			if withDomain {
				cbURL = "https://upload-api.example.com/callback"
			}
			for _, res := range []string{"post_signature", "presigned_url", "sts_token"} {
				env, _ := props[res]["environmentVariables"].(map[string]any)
				if env["CALLBACK_URL"] != cbURL {
					t.Errorf("%s deployed with CALLBACK_URL %v, want %s", res, env["CALLBACK_URL"], cbURL)
				}
			}
			if env, _ := props["callback"]["environmentVariables"].(map[string]any); env["CALLBACK_URL"] != nil {
				t.Errorf("callback deployed with CALLBACK_URL %v; it does not issue grants", env["CALLBACK_URL"])
			}
			if withDomain {
				if order[len(order)-1] != "domain" || len(order) != 5 {
					t.Fatalf("deploy order %v, want the domain last", order)
				}
				routes, _ := props["domain"]["routeConfig"].(map[string]any)["routes"].([]any)
				for _, r := range routes {
					rt := r.(map[string]any)
					fn := strings.Trim(strings.TrimSuffix(rt["path"].(string), "/*"), "/")
					if rt["functionName"] != params["functionNamePrefix"]+"-"+fn {
						t.Errorf("domain route %v, want the deployed %s-%s", rt, params["functionNamePrefix"], fn)
					}
				}
			} else if len(order) != 4 {
				t.Fatalf("deploy order %v, want the four functions", order)
			}

			// After the deploy: s info -o json, as the readme says.
			info, err := runS(t, bin, dir, sEnv(t), "info", "-o", "json")
			if err != nil {
				t.Fatalf("s info: %v\n%s", err, info)
			}
			outFile := filepath.Join(t.TempDir(), "info.json")
			os.WriteFile(outFile, info, 0o644)
			cmd := exec.Command(ossdirectCLI(t), "preflight", "--manifest", "s.yaml", "--after", outFile)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			sum, err := cmd.Output()
			if err != nil {
				t.Fatalf("preflight --after: %v\n%s%s\ninfo:\n%s", err, sum, stderr.Bytes(), info)
			}
			var got struct {
				Functions   map[string]string `json:"functions"`
				CallbackURL string            `json:"callbackUrl"`
				CORS        struct {
					AllowedOrigins []string `json:"AllowedOrigins"`
				} `json:"cors"`
				MiniProgram struct {
					Request    []string `json:"request"`
					UploadFile []string `json:"uploadFile"`
				} `json:"miniProgram"`
				Notes []string `json:"notes"`
			}
			if err := json.Unmarshal(sum, &got); err != nil {
				t.Fatalf("%v\n%s", err, sum)
			}
			if got.CallbackURL != cbURL || len(got.Functions) != 4 || !slices.Equal(got.CORS.AllowedOrigins, []string{params["corsOrigins"]}) {
				t.Errorf("summary %s", sum)
			}
			fcapp := strings.Contains(strings.Join(got.Notes, " "), "FC's default domain")
			if withDomain == fcapp {
				t.Errorf("custom domain %v, notes %q", withDomain, got.Notes)
			}
			if withDomain && (!slices.Equal(got.MiniProgram.Request, []string{"https://upload-api.example.com", "https://files.example.com"}) || got.MiniProgram.UploadFile[0] != "https://files.example.com") {
				t.Errorf("mini-program entries %+v", got.MiniProgram)
			}
		})
	}
}

// Named broken parameter sets: each stops `s deploy` in the pre-deploy
// preflight, with its one message, before any component is called.
func TestAppTemplatePreflightStopsTheDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs s init and s deploy against a stand-in component")
	}
	bin := serverlessDevs(t)
	t.Parallel()
	tests := []struct {
		name string
		edit func(map[string]string)
		want string
	}{
		{"function role not an ARN", func(p map[string]string) { p["fcRoleArn"] = "ossdirect-fc-role" },
			`FC_ROLE_ARN: "ossdirect-fc-role": want a role ARN`},
		{"upload role in another account", func(p map[string]string) { p["stsRoleArn"] = "acs:ram::999:role/up" },
			"STS_ROLE_ARN: the role is in account 999, FC_ROLE_ARN in " + appAccount},
		{"jwt without a secret", func(p map[string]string) { p["authMode"], p["apiKeys"] = "jwt", "" },
			"AUTH_MODE: jwt needs JWT_HS256_SECRET or JWT_JWKS_URL"},
		{"grant secret too short", func(p map[string]string) { p["grantSecret"] = "short" },
			"GRANT_SECRET: 5 bytes; want at least 32"},
		{"function domain without certificate", func(p map[string]string) { p["functionDomain"] = "upload-api.example.com" },
			"FUNCTION_DOMAIN_CERT_ID: required with FUNCTION_DOMAIN"},
		{"bucket domain with a path", func(p map[string]string) { p["bucketDomain"] = "files.example.com/x?y" },
			"OSS_UPLOAD_HOST:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			params := appParams()
			tc.edit(params)
			dir := initApp(t, bin, params)
			out, log, err := deployApp(t, bin, dir)
			if err == nil {
				t.Fatalf("s deploy succeeded:\n%s", out)
			}
			if len(log) != 0 {
				t.Errorf("components were called: %v", log)
			}
			var problems []string
			for _, l := range strings.Split(string(out), "\n") {
				// s prints the action's output as it runs and again in
				// its error message.
				if strings.HasPrefix(l, "ossdirect preflight: ") && !strings.Contains(l, "problem(s)") && !slices.Contains(problems, l) {
					problems = append(problems, l)
				}
			}
			if len(problems) != 1 || !strings.Contains(problems[0], tc.want) {
				t.Errorf("problems %q, want one with %q\n%s", problems, tc.want, out)
			}
			for _, secret := range []string{params["grantSecret"], params["apiKeys"]} {
				if len(secret) > 8 && bytes.Contains(out, []byte(secret)) {
					t.Errorf("a secret is in the output")
				}
			}
		})
	}
}

// make deploy runs preflight first: with a broken input it stops with the
// problem and never calls s (SDEVS is a script that records calls).
func TestMakeDeployStopsBeforeServerlessDevs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs make")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	t.Parallel()
	cli := ossdirectCLI(t)
	dir := t.TempDir()
	calls := filepath.Join(dir, "s-calls")
	fakeS := filepath.Join(dir, "s")
	os.WriteFile(fakeS, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\nexit 0\n"), 0o755)
	valid := map[string]string{
		"OSS_BUCKET": "photos-1", "OSS_REGION": "cn-hangzhou", "AUTH_MODE": "none",
		"FC_ROLE_ARN":              "acs:ram::" + appAccount + ":role/ossdirect-fc",
		"STS_ROLE_ARN":             "acs:ram::" + appAccount + ":role/ossdirect-upload",
		"ALIBABA_CLOUD_ACCOUNT_ID": appAccount,
	}
	tests := []struct {
		name string
		edit func(map[string]string)
		want string
	}{
		{"no AUTH_MODE", func(m map[string]string) { delete(m, "AUTH_MODE") }, "AUTH_MODE: required"},
		{"role in another account", func(m map[string]string) { m["FC_ROLE_ARN"] = "acs:ram::999:role/x" }, "FC_ROLE_ARN: the role is in account 999"},
		{"profiles do not parse", func(m map[string]string) { m["UPLOAD_PROFILES"] = "{" }, "UPLOAD_PROFILES:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := maps.Clone(valid)
			tc.edit(in)
			// -o build-cli: the CLI is the one built above, not rebuilt.
			cmd := exec.Command("make", "--no-print-directory", "-o", "build-cli", "-C", "..", "deploy", "SDEVS="+fakeS, "OSSDIRECT="+cli)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			for k, v := range in {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("make deploy succeeded:\n%s", out)
			}
			if !bytes.Contains(out, []byte("ossdirect preflight: "+tc.want)) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if _, err := os.Stat(calls); !errors.Is(err, fs.ErrNotExist) {
				data, _ := os.ReadFile(calls)
				t.Errorf("s was called: %s", data)
			}
		})
	}
}

// With valid inputs make deploy calls s twice, `deploy -y` and then
// `info -o json`, and prints the summary preflight --after makes of the
// info: the four URLs, the CORS rule for PAGE_ORIGINS, the mini-program
// entries.
func TestMakeDeployDeploysThenSummarizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs make")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	t.Parallel()
	cli := ossdirectCLI(t)
	dir := t.TempDir()
	calls := filepath.Join(dir, "s-calls")
	info := `{"callback": {"functionName": "ossdirect-callback", "url": {"system_url": "https://ossdirect-callback-x.cn-hangzhou.fcapp.run"}},
 "post_signature": {"functionName": "ossdirect-post-signature", "url": {"system_url": "https://ossdirect-post-signature-x.cn-hangzhou.fcapp.run"}},
 "presigned_url": {"functionName": "ossdirect-presigned-url", "url": {"system_url": "https://ossdirect-presigned-url-x.cn-hangzhou.fcapp.run"}},
 "sts_token": {"functionName": "ossdirect-sts-token", "url": {"system_url": "https://ossdirect-sts-token-x.cn-hangzhou.fcapp.run"}}}`
	fakeS := filepath.Join(dir, "s")
	os.WriteFile(fakeS, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\ncase \"$1\" in info) echo 'Steps for [info]'; cat <<'EOF'\n"+info+"\nEOF\n;; esac\nexit 0\n"), 0o755)
	cmd := exec.Command("make", "--no-print-directory", "-o", "build-cli", "-C", "..", "deploy", "SDEVS="+fakeS, "OSSDIRECT="+cli,
		"DEPLOY_BUILD=check-go", "DEPLOY_OUT="+dir, "DEPLOY_FLAGS=-a test", "PAGE_ORIGINS=https://app.example.com")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"OSS_BUCKET=photos-1", "OSS_REGION=cn-hangzhou", "AUTH_MODE=none",
		"FC_ROLE_ARN=acs:ram::" + appAccount + ":role/ossdirect-fc", "STS_ROLE_ARN=acs:ram::" + appAccount + ":role/ossdirect-upload",
		"ALIBABA_CLOUD_ACCOUNT_ID=" + appAccount}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make deploy: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(calls)
	if string(got) != "deploy -y -a test\ninfo -o json -a test\n" {
		t.Errorf("s called with %q, want deploy -y then info -o json", got)
	}
	for _, want := range []string{`"sts-token":"https://ossdirect-sts-token-x.cn-hangzhou.fcapp.run"`, `"AllowedOrigins":["https://app.example.com"]`,
		`"uploadFile":["https://photos-1.oss-cn-hangzhou.aliyuncs.com"]`, "FC's default domain"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// Should the callback function's deploy output lack its URL (fc3's deploy
// returns nothing when a changed function is not redeployed — "no" to its
// diff prompt without -y — and no url.system_url when the trigger's
// internet URL is disabled), the signing functions are not deployed with
// a wrong CALLBACK_URL: s stops, naming the reference.
func TestAppTemplateStopsWithoutTheCallbackURL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs s init and s deploy against a stand-in component")
	}
	bin := serverlessDevs(t)
	t.Parallel()
	dir := initApp(t, bin, appParams())
	out, log, err := deployApp(t, bin, dir, "FAKE_CALLBACK_WITHOUT_URL=1")
	if err == nil || !bytes.Contains(out, []byte(callbackRef+" not found")) {
		t.Fatalf("s deploy: %v, want a failure naming %s\n%s", err, callbackRef, out)
	}
	for _, e := range log {
		if e["resource"] != "callback" {
			t.Errorf("%v was deployed", e["resource"])
		}
	}
}
