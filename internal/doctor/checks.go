package doctor

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"ossdirect/shared/signing"
	"ossdirect/shared/upload"
)

// MaxSkew is how far OSS lets a request's time be from its own.
const MaxSkew = 15 * time.Minute

// doctor holds what the checks share: the configuration and, once the
// endpoint probe ran, what it learnt.
type doctor struct {
	cfg    Config
	client *http.Client
	now    func() time.Time

	endpoint   string // the bucket through OSS_ENDPOINT
	creds      signing.Credentials
	credsErr   error
	v4, v1     *answer // the endpoint probes, each signed one way
	v4Err      error
	v1Err      error
	clockProbe *answer
}

func newDoctor(cfg Config) *doctor {
	d := &doctor{cfg: cfg, client: cfg.HTTPClient, now: cfg.Now}
	if d.client == nil {
		d.client = &http.Client{Timeout: 10 * time.Second}
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}

func (d *doctor) run(ctx context.Context, id string) Result {
	switch id {
	case "endpoint":
		return d.checkEndpoint(ctx)
	case "upload-host":
		return d.checkUploadHost(ctx)
	case "clock":
		return d.checkClock()
	case "signature-v4":
		return d.checkV4()
	case "signature-v1":
		return d.checkV1()
	case "cors":
		return d.checkCORS(ctx)
	case "lifecycle":
		return d.checkLifecycle(ctx)
	case "overwrite":
		return d.checkOverwrite(ctx)
	case "sts":
		return d.checkSTS(ctx)
	case "callback":
		return d.checkCallback(ctx)
	case "miniprogram":
		return d.checkMiniProgram()
	}
	return Result{Status: StatusFail, Detail: "unknown check " + id}
}

func pass(format string, a ...any) Result {
	return Result{Status: StatusPass, Detail: fmt.Sprintf(format, a...)}
}

func failed(detail, fix string) Result { return Result{Status: StatusFail, Detail: detail, Fix: fix} }

func warned(detail, fix string) Result { return Result{Status: StatusWarn, Detail: detail, Fix: fix} }

func skipped(format string, a ...any) Result {
	return Result{Status: StatusSkip, Detail: fmt.Sprintf(format, a...)}
}

// reachFix explains an OSS answer that keeps a probe from the bucket; ""
// when the answer shows the bucket was reached.
func (d *doctor) reachFix(a *answer, via string) string {
	switch a.Code {
	case "NoSuchKey", "RequestTimeTooSkewed":
		return ""
	case "PublicEndpointForbidden":
		return "OSS refuses this account's requests on its default public endpoint (new accounts since 2025): bind a custom domain to the bucket (OSS console → Bucket → Domain Names, with its HTTPS certificate) and set " + via + " to https://<that domain>"
	case "NoSuchBucket":
		return fmt.Sprintf("bucket %q does not exist in region %s: check OSS_BUCKET and OSS_REGION", d.cfg.App.Bucket, d.cfg.App.Region)
	case "InvalidAccessKeyId":
		return "the access key id is not known to OSS: check the function role or ALIBABA_CLOUD_ACCESS_KEY_ID"
	case "SignatureDoesNotMatch":
		return "the access key secret does not match its id: check ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	case "AccessDenied":
		return fmt.Sprintf("the credentials may not read the bucket: the function role needs oss:GetObject on acs:oss:*:*:%s/%s* (ossdirect's records) and the upload actions on the profiles' directories (docs/DEPLOY.md)", d.cfg.App.Bucket, upload.ReservedPrefix)
	}
	if a.Status == http.StatusNotFound && a.Code == "" {
		return via + " does not look like OSS (404 without an OSS error): check the URL"
	}
	return "unexpected answer from " + via + ": check the URL and the credentials"
}

func (d *doctor) checkEndpoint(ctx context.Context) Result {
	app := d.cfg.App
	base, err := bucketBase(app.Endpoint, app.Bucket)
	if err != nil {
		return failed("OSS_ENDPOINT "+err.Error(), "set OSS_ENDPOINT to https://oss-"+app.Region+".aliyuncs.com (or the -internal endpoint inside Alibaba Cloud)")
	}
	d.endpoint = base
	if app.Credentials == nil {
		d.credsErr = fmt.Errorf("no credentials")
	} else {
		v, err := app.Credentials.Retrieve(ctx)
		d.creds, d.credsErr = signing.Credentials{AccessKeyID: v.AccessKeyID, AccessKeySecret: v.AccessKeySecret, SecurityToken: v.SecurityToken}, err
	}
	if d.credsErr != nil {
		return failed("no credentials to sign with: "+d.credsErr.Error(), "give doctor the functions' credentials: ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, or a profile of credentials-go's default chain")
	}
	key := probeKey("missing.txt")
	d.v4, d.v4Err = d.send(ctx, base, http.MethodGet, key, upload.SignatureV4, d.creds, nil, nil)
	d.v1, d.v1Err = d.send(ctx, base, http.MethodGet, key, upload.SignatureV1, d.creds, nil, nil)
	a, err := d.v4, d.v4Err
	if err == nil && a.Code != "NoSuchKey" && d.v1Err == nil && d.v1.Code == "NoSuchKey" {
		a = d.v1 // an endpoint that refuses V4 still reaches the bucket: signature-v4 says so
	}
	d.clockProbe = a
	if err != nil {
		return failed("GET "+base+"/…: "+describe(nil, err), "check OSS_ENDPOINT and that this machine can reach it")
	}
	if fix := d.reachFix(a, "OSS_ENDPOINT"); fix != "" {
		return failed(base+": "+describe(a, nil), fix)
	}
	return pass("reached bucket %s at %s (a missing object answered %s)", app.Bucket, base, a.Code)
}

func (d *doctor) checkUploadHost(ctx context.Context) Result {
	app := d.cfg.App
	u, err := url.Parse(app.UploadHost)
	if err != nil || u.Host == "" {
		return failed(fmt.Sprintf("OSS_UPLOAD_HOST %q is not a URL", app.UploadHost), "set OSS_UPLOAD_HOST to https://<bucket>.oss-<region>.aliyuncs.com or your custom domain")
	}
	if d.credsErr != nil {
		return skipped("no credentials (see endpoint)")
	}
	a, err := d.send(ctx, app.UploadHost, http.MethodGet, probeKey("missing.txt"), upload.SignatureV4, d.creds, nil, nil)
	if err == nil && a.Code != "NoSuchKey" {
		if a1, err1 := d.send(ctx, app.UploadHost, http.MethodGet, probeKey("missing.txt"), upload.SignatureV1, d.creds, nil, nil); err1 == nil && a1.Code == "NoSuchKey" {
			a = a1
		}
	}
	if err != nil {
		return failed("GET "+app.UploadHost+"/…: "+describe(nil, err), "check OSS_UPLOAD_HOST: browsers and mini-programs send uploads there")
	}
	if fix := d.reachFix(a, "OSS_UPLOAD_HOST"); fix != "" {
		return failed(app.UploadHost+": "+describe(a, nil), fix)
	}
	if u.Scheme != "https" {
		if isLoopback(u.Hostname()) {
			return pass("reached bucket %s at %s (plain HTTP on this machine: the local stack)", app.Bucket, app.UploadHost)
		}
		return warned(app.UploadHost+" is plain HTTP: pages served over HTTPS cannot upload to it (mixed content) and mini-programs refuse it",
			"set OSS_UPLOAD_HOST to an https:// URL")
	}
	return pass("reached bucket %s at %s", app.Bucket, app.UploadHost)
}

func (d *doctor) checkClock() Result {
	a := d.clockProbe
	if a == nil || a.Date.IsZero() {
		return skipped("OSS's time is unknown (the endpoint probe got no Date header)")
	}
	// OSS's Date has whole seconds: below a minute say seconds, above it
	// minutes, so the figure does not wobble with when the probe ran.
	skew := d.now().Sub(a.Date).Round(time.Second)
	abs := skew.Abs()
	if abs > time.Minute {
		skew = skew.Round(time.Minute)
	}
	switch {
	case abs > MaxSkew || a.Code == "RequestTimeTooSkewed":
		return failed(fmt.Sprintf("this machine's clock is about %v off OSS's (OSS refuses requests more than %v off: RequestTimeTooSkewed)", skew, MaxSkew),
			"synchronise this machine's clock (NTP: timedatectl set-ntp true); Function Compute's clock is synchronised, but doctor signs with this one")
	case abs > time.Minute:
		return warned(fmt.Sprintf("this machine's clock is about %v off OSS's", skew), "synchronise the clock (NTP); grants expire by it")
	}
	return pass("within %v of OSS's clock", max(abs, time.Second))
}

// refused reports an answer that refused the signature itself.
func refused(a *answer) bool {
	return a != nil && a.Code != "" && a.Code != "NoSuchKey" && a.Code != "RequestTimeTooSkewed"
}

func (d *doctor) checkV4() Result {
	switch {
	case d.credsErr != nil || d.endpoint == "":
		return skipped("the endpoint was not reached")
	case d.v4Err != nil:
		return failed(describe(nil, d.v4Err), "see endpoint")
	case refused(d.v4) && !refused(d.v1):
		return failed("a V4-signed request was refused where V1 works: "+describe(d.v4, nil),
			"this endpoint takes only V1: use the region's standard endpoint https://oss-"+d.cfg.App.Region+".aliyuncs.com (every profile signs V4 by default, and V1 is refused for new accounts)")
	case refused(d.v4):
		return failed(describe(d.v4, nil), "see endpoint")
	}
	return pass("a V4-signed request was accepted")
}

// v1Users lists what signs V1: profiles with signatureVersion v1 and the
// seed-sample POST route.
func (d *doctor) v1Users() []string {
	var users []string
	for _, name := range d.cfg.App.Profiles.Names() {
		if d.cfg.App.Profiles[name].SignatureVersion == upload.SignatureV1 {
			users = append(users, "profile "+name)
		}
	}
	return users
}

func (d *doctor) checkV1() Result {
	switch {
	case d.credsErr != nil || d.endpoint == "":
		return skipped("the endpoint was not reached")
	case d.v1Err != nil:
		return failed(describe(nil, d.v1Err), "see endpoint")
	case !refused(d.v1):
		return pass("V1 signatures are accepted (older clients and the seed routes work)")
	}
	if users := d.v1Users(); len(users) > 0 {
		return failed("V1 signatures are refused ("+describe(d.v1, nil)+"), but "+strings.Join(users, ", ")+" sign V1",
			`set "signatureVersion": "v4" on those profiles (or drop it: V4 is the default)`)
	}
	return warned("V1 signatures are refused ("+describe(d.v1, nil)+"): profiles sign V4, but the seed route /get_post_signature_for_oss_upload (V1, like Alibaba's samples) will not work for this bucket",
		"point seed clients at post-signature's native route, which signs V4")
}

// stsProfiles are the profiles an STS client may upload to with
// overwrite protection asked for (sts-token configured).
func (d *doctor) stsProfiles() []upload.Profile {
	if d.cfg.App.STS.RoleARN == "" {
		return nil
	}
	var out []upload.Profile
	for _, name := range d.cfg.App.Profiles.Names() {
		if p := d.cfg.App.Profiles[name]; p.ForbidOverwrite {
			out = append(out, p)
		}
	}
	return out
}

// prefixes are the profiles' static directories, sorted, without
// duplicates.
func (d *doctor) prefixes() []string {
	var out []string
	for _, name := range d.cfg.App.Profiles.Names() {
		p := d.cfg.App.Profiles[name]
		if s := p.StaticPrefix(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
