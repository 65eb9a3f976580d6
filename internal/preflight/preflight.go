// Package preflight checks a deployment's inputs offline, before anything
// is deployed: every required input present and well formed, the
// functions' configuration valid (shared/config's own rules, profiles
// included), the environment under Function Compute's 4 KB, the RAM role
// ARNs in the deploying account, and the custom domains well formed. It
// reports one Problem per input at fault.
//
// It deliberately does not call any cloud API: whether a role exists, is
// trusted by the right principal or allows the right actions is for
// `ossdirect doctor` after the deploy (its STS check assumes the role).
package preflight

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"ossdirect/shared/config"
)

// Inputs are a deployment's inputs by name: the functions' environment
// variables (config.Variables) and the deployment-only inputs below.
type Inputs map[string]string

// Deployment-only inputs: they configure the deployment (roles, domains,
// names), not the functions.
const (
	// FCRoleARN is the functions' RAM role.
	FCRoleARN = "FC_ROLE_ARN"
	// AccountID is the deploying Alibaba Cloud account.
	AccountID = "ALIBABA_CLOUD_ACCOUNT_ID"
	// OSSTriggerRoleARN is the role OSS invokes the callback function with.
	OSSTriggerRoleARN = "OSS_TRIGGER_ROLE_ARN"
	// FunctionDomain is the custom domain the four functions are served on
	// (the application template's fc3-domain resource).
	FunctionDomain = "FUNCTION_DOMAIN"
	// FunctionDomainCertID is the id of the HTTPS certificate (Alibaba
	// Cloud Certificate Management Service) for FunctionDomain.
	FunctionDomainCertID = "FUNCTION_DOMAIN_CERT_ID"
	// FunctionNamePrefix names the functions <prefix>-<function>.
	FunctionNamePrefix = "FUNCTION_NAME_PREFIX"
	// OSSTriggerPrefix is the key prefix whose uploads invoke the callback
	// function through the OSS trigger.
	OSSTriggerPrefix = "OSS_TRIGGER_PREFIX"
)

// Required are the inputs every deployment needs, in the order problems
// are reported.
var Required = []string{"OSS_BUCKET", "OSS_REGION", "AUTH_MODE", FCRoleARN, "STS_ROLE_ARN", AccountID}

// EnvLimit is Function Compute's limit on one function's environment
// variables: names and values together, in bytes.
const EnvLimit = 4 << 10

// CallbackURLReserve is the room kept in the environment for CALLBACK_URL
// when it is not an input: the deployment sets it to the callback
// function's trigger URL (https://<name>-<id>.<region>.fcapp.run), which
// is known only once that function exists.
const CallbackURLReserve = len("CALLBACK_URL") + 120

// Problem is one input at fault and what is wrong with it.
type Problem struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Name + ": " + p.Message }

// Options say what the deployment derives itself.
type Options struct {
	// CallbackURLDerived: CALLBACK_URL is not an input but the callback
	// function's own URL, so GRANT_SECRET must be set even when
	// CALLBACK_URL is empty here, and the environment keeps room for it.
	CallbackURLDerived bool
	// AccountFromCredentials: the deployment takes the account id from
	// the credentials (${config('AccountID')}), so ALIBABA_CLOUD_ACCOUNT_ID
	// is optional; when set, role ARNs are still checked against it.
	AccountFromCredentials bool
}

var (
	roleARN   = regexp.MustCompile(`^acs:ram::([0-9]+):role/([A-Za-z0-9.@_-]{1,64})$`)
	accountID = regexp.MustCompile(`^[0-9]{1,32}$`)
	// hostLabel is one DNS label: letters, digits and hyphens, not at
	// either end.
	hostLabel   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	certID      = regexp.MustCompile(`^[0-9]{1,20}$`)
	namePrefix  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,100}$`)
	placeholder = regexp.MustCompile(`\$\{|\{\{`)
	// secretRef is Serverless Devs' reference to a stored secret.
	secretRef = regexp.MustCompile(`^\$\{secret\('[A-Za-z0-9_-]+'\)\}$`)
)

// opaqueSecret stands in for a secret preflight cannot see: a value of the
// variable's form that its rules accept.
func opaqueSecret(name string) string {
	if name == "API_KEYS" {
		return "stored-secret:" + strings.Repeat("k", 32)
	}
	return strings.Repeat("s", 48)
}

// Check returns every problem with in, one per input at fault, in a
// stable order: the required inputs first, then the functions'
// configuration, the roles, the domains and the environment's size.
func Check(in Inputs, opts Options) []Problem {
	var ps []Problem
	bad := map[string]bool{}
	add := func(name, format string, a ...any) {
		if bad[name] {
			return // one message per input
		}
		bad[name] = true
		// One line per problem: joined errors become "; "-separated.
		msg := strings.Join(strings.Fields(strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ; ")), " ")
		ps = append(ps, Problem{Name: name, Message: strings.ReplaceAll(msg, " ; ", "; ")})
	}
	get := func(name string) string { return strings.TrimSpace(in[name]) }

	for _, name := range Required {
		if get(name) == "" && (name != AccountID || !opts.AccountFromCredentials) {
			add(name, "required: %s", describe(name))
		}
	}
	for name, v := range in {
		if placeholder.MatchString(v) && !secretRef.MatchString(strings.TrimSpace(v)) {
			add(name, "still holds a placeholder (%s): give the value itself", firstPlaceholder(v))
		}
	}

	// The functions' own rules, exactly as they apply them at start-up. A
	// ${secret('…')} reference (what s init and the console write for a
	// secret parameter kept in Serverless Devs' secret store) is resolved
	// only at deploy time: it counts as set and well formed.
	lookup := func(name string) (string, bool) {
		if bad[name] {
			return "", false // already reported
		}
		v, ok := in[name]
		if secretRef.MatchString(strings.TrimSpace(v)) {
			return opaqueSecret(name), true
		}
		return v, ok
	}
	if _, err := config.Load(lookup, nil); err != nil {
		for _, e := range unjoin(err) {
			var name, msg = "", e.Error()
			if ve, ok := e.(*config.VarError); ok {
				name, msg = ve.Name, ve.Problem
			}
			if slices.Contains(Required, name) && get(name) == "" {
				continue // "required" said it already
			}
			add(name, "%s", msg)
		}
	}
	if opts.CallbackURLDerived && get("GRANT_SECRET") == "" {
		add("GRANT_SECRET", "required: CALLBACK_URL is set to the callback function's URL, and callbacks are honoured only with a grant secret of at least 32 bytes (openssl rand -base64 48)")
	}

	// Roles: ARNs of roles in the deploying account.
	account := get(AccountID)
	if account != "" && !accountID.MatchString(account) {
		add(AccountID, "%q: want the account id, digits only (the console's top-right menu, or `aliyun sts GetCallerIdentity`)", account)
		account = ""
	}
	roleAccounts := map[string]string{}
	for _, name := range []string{FCRoleARN, "STS_ROLE_ARN", OSSTriggerRoleARN} {
		v := get(name)
		if v == "" || bad[name] {
			continue
		}
		m := roleARN.FindStringSubmatch(v)
		switch {
		case m == nil:
			add(name, "%q: want a role ARN, acs:ram::<account-id>:role/<role-name>", v)
		case account != "" && m[1] != account:
			add(name, "the role is in account %s, the deployment in %s (%s): use a role of the deploying account", m[1], account, AccountID)
		default:
			roleAccounts[name] = m[1]
		}
	}
	if a, b := roleAccounts[FCRoleARN], roleAccounts["STS_ROLE_ARN"]; account == "" && a != "" && b != "" && a != b {
		add("STS_ROLE_ARN", "the role is in account %s, FC_ROLE_ARN in %s: both must be roles of the deploying account", b, a)
	}
	if v := get(FCRoleARN); v != "" && v == get("STS_ROLE_ARN") && !bad[FCRoleARN] {
		add("STS_ROLE_ARN", "is FC_ROLE_ARN: the upload role is a second role, trusted by the account and assumed by the function role (docs/DEPLOY.md)")
	}

	// Custom domains.
	if d := get(FunctionDomain); d != "" && !bad[FunctionDomain] {
		if msg := checkDomain(d); msg != "" {
			add(FunctionDomain, "%q: %s", d, msg)
		} else if get(FunctionDomainCertID) == "" {
			add(FunctionDomainCertID, "required with FUNCTION_DOMAIN: the id of its HTTPS certificate in Certificate Management Service (browsers and mini-programs need HTTPS)")
		}
	}
	if c := get(FunctionDomainCertID); c != "" && !bad[FunctionDomainCertID] {
		switch {
		case !certID.MatchString(c):
			add(FunctionDomainCertID, "%q: want the certificate's numeric id", c)
		case get(FunctionDomain) == "":
			add(FunctionDomainCertID, "is set but FUNCTION_DOMAIN is empty")
		}
	}
	if u := get("OSS_UPLOAD_HOST"); u != "" && !bad["OSS_UPLOAD_HOST"] {
		host, scheme := hostOf(u)
		switch {
		case scheme != "https" && !isLoopback(host):
			add("OSS_UPLOAD_HOST", "%q: want https:// (browsers on https pages and mini-programs refuse plain http)", u)
		case strings.HasSuffix(host, ".aliyuncs.com"):
			// OSS's own endpoints (the bucket's, transfer acceleration's)
			// are fine for the upload host, where the account allows them.
		case net.ParseIP(host) == nil && !isLoopback(host) && checkDomain(host) != "":
			add("OSS_UPLOAD_HOST", "%q: %s", u, checkDomain(host))
		}
	}
	if p := get(FunctionNamePrefix); p != "" && !namePrefix.MatchString(p) && !bad[FunctionNamePrefix] {
		add(FunctionNamePrefix, "%q: want letters, digits, _ and -, starting with a letter or _ (function names are <prefix>-<function>)", p)
	}
	if p := get(OSSTriggerPrefix); strings.HasPrefix(p, "/") {
		add(OSSTriggerPrefix, "%q: object keys do not start with /", p)
	}

	// FC's 4 KB: the largest function's environment, sts-token's (the
	// shared variables and its own STS_*).
	if size := EnvSize(in, opts); size > EnvLimit {
		add("UPLOAD_PROFILES", "the environment takes %d bytes, over FC's %d: shorten the profiles (UPLOAD_PROFILES is usually the largest) or other values", size, EnvLimit)
	}
	return ps
}

// EnvSize is the size FC counts for the largest function's environment
// (sts-token's): the name of every variable in config.Variables (the
// manifests set them all, empty or not) and the values in in; plus room
// for CALLBACK_URL when the deployment derives it. It may overcount by the
// few names a manifest leaves out, never undercount.
func EnvSize(in Inputs, opts Options) int {
	size := 0
	for _, v := range config.Variables {
		size += len(v.Name) + len(in[v.Name])
	}
	if opts.CallbackURLDerived && in["CALLBACK_URL"] == "" {
		size += CallbackURLReserve - len("CALLBACK_URL")
	}
	return size
}

// checkDomain says what is wrong with a custom domain name, "" when
// nothing is.
func checkDomain(d string) string {
	switch {
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/:?#@ "):
		return "want a domain name only, e.g. upload.example.com (no scheme, port or path)"
	case d != strings.ToLower(d):
		return "want lower case"
	case net.ParseIP(d) != nil:
		return "an IP address: browsers' certificates and mini-programs need a domain name"
	case strings.HasSuffix(d, ".fcapp.run") || strings.HasSuffix(d, ".aliyuncs.com"):
		return "an Alibaba Cloud default domain, not a custom one: WeChat refuses these, and *.fcapp.run forces downloads in browsers"
	case len(d) > 253 || !strings.Contains(d, "."):
		return "not a fully qualified domain name"
	}
	for _, l := range strings.Split(d, ".") {
		if !hostLabel.MatchString(l) {
			return fmt.Sprintf("label %q: want letters, digits and hyphens, not at either end", l)
		}
	}
	return ""
}

func hostOf(raw string) (host, scheme string) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", ""
	}
	rest, _, _ = strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(rest); err == nil {
		return h, scheme
	}
	return rest, scheme
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func firstPlaceholder(v string) string {
	i := placeholder.FindStringIndex(v)
	end := min(len(v), i[0]+40)
	return v[i[0]:end]
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// describe is what a required input is.
func describe(name string) string {
	switch name {
	case FCRoleARN:
		return "the functions' RAM role, acs:ram::<account-id>:role/<name>, trusted by fc.aliyuncs.com (docs/DEPLOY.md lists its actions)"
	case "STS_ROLE_ARN":
		return "the upload role sts-token assumes, acs:ram::<account-id>:role/<name>, trusted by your account (docs/DEPLOY.md)"
	case AccountID:
		return "your Alibaba Cloud account id (digits): the OSS trigger names the bucket by ARN, and the roles must be this account's"
	}
	for _, v := range config.Variables {
		if v.Name == name {
			return strings.TrimPrefix(v.Description, "required: ")
		}
	}
	return name
}
