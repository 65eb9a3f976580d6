package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"ossdirect/shared/signing"
	"ossdirect/shared/sts"
	"ossdirect/shared/upload"
)

// probeSubject is the caller the STS probe is issued for.
const probeSubject = "ossdirect-doctor"

func (d *doctor) checkSTS(ctx context.Context) Result {
	app := d.cfg.App
	if app.STS.RoleARN == "" {
		return skipped("sts-token is not configured (STS_ROLE_ARN)")
	}
	if d.credsErr != nil {
		return skipped("no credentials (see endpoint)")
	}
	names := app.Profiles.Names()
	p, _ := app.Profiles.Lookup(names[0])
	p.Naming = upload.NamingClient // as sts-token grants it
	g, err := p.Grant(upload.Request{Subject: probeSubject}, d.now(), upload.GrantOptions{Bucket: app.Bucket})
	if err != nil {
		return failed("the grant for the probe: "+err.Error(), "check UPLOAD_PROFILES")
	}
	policy, err := g.SessionPolicy(app.Bucket)
	if err != nil {
		return failed("the probe's session policy: "+err.Error(), "check UPLOAD_PROFILES")
	}
	client, err := sts.New(sts.Config{RoleARN: app.STS.RoleARN, Endpoint: app.STS.Endpoint, Duration: app.STS.Duration, Credentials: app.Credentials})
	if err != nil {
		return failed(err.Error(), "check STS_ROLE_ARN and STS_ENDPOINT")
	}
	v, err := client.Credentials(ctx, probeSubject, p.Name, policy)
	if err != nil {
		return failed("AssumeRole "+app.STS.RoleARN+": "+err.Error(),
			"the role must exist, trust the identity the functions run as (its trust policy names the FC service or the account), and allow oss:PutObject, oss:AbortMultipartUpload and oss:ListParts on the profiles' directories; the caller needs sts:AssumeRole on it (docs/DEPLOY.md)")
	}
	if d.cfg.ReadOnly {
		return pass("assumed %s for the prefix %s (no probe upload: read-only run)", app.STS.RoleARN, g.Dir)
	}
	tmp := signing.Credentials{AccessKeyID: v.AccessKeyID, AccessKeySecret: v.AccessKeySecret, SecurityToken: v.SecurityToken}
	inside := g.Dir + probeKey("inside.txt")[len(upload.ReservedPrefix+"doctor/"):]
	body := []byte("ossdirect doctor probe\n")
	hdr := http.Header{"Content-Type": {"text/plain"}}
	a, err := d.send(ctx, app.UploadHost, http.MethodPut, inside, upload.SignatureV4, tmp, hdr, body)
	if err != nil || a.Status != http.StatusOK {
		return failed(fmt.Sprintf("an upload with the role's credentials inside its prefix (%s) failed: %s", inside, describe(a, err)),
			"the role's own policy must allow oss:PutObject on acs:oss:*:*:"+app.Bucket+"/"+p.StaticPrefix()+"* (the session policy can only narrow it)")
	}
	d.remove(ctx, inside)
	outside := probeKey("outside.txt")
	a, err = d.send(ctx, app.UploadHost, http.MethodPut, outside, upload.SignatureV4, tmp, hdr.Clone(), body)
	if err == nil && a.Status == http.StatusOK {
		d.remove(ctx, outside)
		return failed("an upload with the role's credentials outside the caller's prefix ("+outside+") was stored: the session policy is not enforced",
			"check that STS_ENDPOINT is Alibaba Cloud STS; report this: OSS must refuse it")
	}
	if err != nil || a.Code != "AccessDenied" {
		return warned("the upload outside the prefix was refused, but not with AccessDenied: "+describe(a, err), "")
	}
	return pass("assumed %s; its session policy let an upload into %s and refused one outside (AccessDenied)", app.STS.RoleARN, g.Dir)
}

// remove deletes a probe object with the functions' credentials; a probe
// left behind lies under ossdirect's own prefix or the probe's directory.
func (d *doctor) remove(ctx context.Context, key string) {
	if d.credsErr == nil {
		d.send(ctx, d.endpoint, http.MethodDelete, key, upload.SignatureV4, d.creds, nil, nil)
	}
}

// callbackProbe is a body shaped like OSS's callback, unsigned: the
// callback function must refuse it, in JSON.
const callbackProbe = "bucket=probe&object=ossdirect-doctor-probe&etag=0&size=0&mimeType=text%2Fplain"

func (d *doctor) checkCallback(ctx context.Context) Result {
	app := d.cfg.App
	if app.CallbackURL == "" {
		var need []string
		for _, name := range app.Profiles.Names() {
			if app.Profiles[name].Callback {
				need = append(need, name)
			}
		}
		if len(need) > 0 {
			return failed("CALLBACK_URL is not set, but profiles "+strings.Join(need, ", ")+" require callbacks (their grants are refused)",
				"set CALLBACK_URL to the callback function's URL (…/callback)")
		}
		return skipped("CALLBACK_URL is not set: no upload callbacks (OSS events still reach the callback function)")
	}
	u, err := url.Parse(app.CallbackURL)
	if err != nil || u.Host == "" {
		return failed(fmt.Sprintf("CALLBACK_URL %q is not a URL", app.CallbackURL), "set CALLBACK_URL to https://<callback function's domain>/callback")
	}
	host := u.Hostname()
	var notes []string
	if u.Scheme != "https" {
		if !isLoopback(host) {
			return failed(app.CallbackURL+" is not HTTPS: OSS would post the upload's details in clear text, and many networks refuse it",
				"serve the callback function over HTTPS (its FC trigger URL is https://…fcapp.run, or a custom domain with a certificate)")
		}
		notes = append(notes, "plain HTTP on this machine (the local stack)")
	}
	if !isLocalHost(host) {
		if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
			return failed(host+" does not resolve: "+err.Error(), "check CALLBACK_URL's host name and its DNS record")
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.CallbackURL, strings.NewReader(callbackProbe))
	if err != nil {
		return failed(err.Error(), "check CALLBACK_URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := d.client.Do(req)
	if err != nil {
		var hostErr x509.HostnameError
		var authErr x509.UnknownAuthorityError
		var recErr tls.RecordHeaderError
		switch {
		case errors.As(err, &hostErr):
			return failed(host+" presents a certificate for another name: "+hostErr.Error(),
				"install a certificate for "+host+" (OSS connects with SNI and checks the name)")
		case errors.As(err, &authErr):
			return failed(host+"'s certificate is not signed by a public CA", "use a certificate from a public CA for "+host)
		case errors.As(err, &recErr):
			return failed(host+" does not speak TLS on that port", "CALLBACK_URL says https: point it at the HTTPS port")
		}
		return failed("POST "+app.CallbackURL+": "+err.Error(), "make the callback function reachable from the internet at CALLBACK_URL")
	}
	resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		return failed(fmt.Sprintf("an unsigned probe got %d with Content-Type %q, not JSON: OSS needs a JSON answer from the callback server, else the upload answers 203 CallbackFailed",
			resp.StatusCode, resp.Header.Get("Content-Type")),
			"point CALLBACK_URL at ossdirect's callback function (…/callback), which answers JSON")
	}
	if resp.StatusCode < 400 {
		return warned(fmt.Sprintf("an unsigned probe was accepted (%d): the callback server does not verify OSS's signature", resp.StatusCode),
			"point CALLBACK_URL at ossdirect's callback function, which verifies every callback")
	}
	notes = append([]string{fmt.Sprintf("answers JSON (an unsigned probe was refused with %d)", resp.StatusCode)}, notes...)
	return pass("%s: %s", app.CallbackURL, strings.Join(notes, "; "))
}

// checkMiniProgram lists the legal-domain entries a mini-program needs and
// says which WeChat will refuse.
func (d *doctor) checkMiniProgram() Result {
	app := d.cfg.App
	bases := d.cfg.FunctionURLs
	if len(bases) == 0 && app.CallbackURL != "" {
		bases = []string{app.CallbackURL}
	}
	request, upload, problems := MiniProgramDomains(bases, app.UploadHost)
	detail := fmt.Sprintf("request: %s; uploadFile: %s; downloadFile: %s", strings.Join(request, " "), upload, upload)
	if len(bases) == 0 {
		problems = append(problems, "the functions' URLs are unknown: pass --function-url")
	}
	if len(problems) > 0 {
		return warned(detail+" — "+strings.Join(problems, "; "),
			"bind HTTPS custom domains to the functions and the bucket (OSS_UPLOAD_HOST) and add these entries in the mini-program console (Development → Server domains)")
	}
	local := true
	for _, o := range append(slices.Clone(request), upload) {
		if u, _ := url.Parse(o); u == nil || !isLoopback(u.Hostname()) {
			local = false
		}
	}
	if local {
		return warned(detail+" — loopback addresses: in WeChat's developer tools tick \"Do not verify legal domain names\" for the local stack",
			"for production, the HTTPS custom domains of the functions and the bucket")
	}
	return pass("%s", detail)
}

// MiniProgramDomains are the legal-domain entries a WeChat mini-program
// needs for functions served at functionURLs and uploads to uploadHost:
// the request list (the functions' origins and the upload host, which
// wx.request uses for presigned multipart parts) and the uploadFile (and
// downloadFile) entry; problems are the entries WeChat will refuse (not
// HTTPS, an IP address, FC's default *.fcapp.run domain). Loopback
// addresses are not problems (the local stack).
func MiniProgramDomains(functionURLs []string, uploadHost string) (request []string, upload string, problems []string) {
	origin := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			problems = append(problems, fmt.Sprintf("%q is not a URL", raw))
			return ""
		}
		o := u.Scheme + "://" + u.Host
		switch h := u.Hostname(); {
		case isLoopback(h):
		case u.Scheme != "https":
			problems = append(problems, o+" is not HTTPS (WeChat requires it)")
		case net.ParseIP(h) != nil:
			problems = append(problems, o+" is an IP address (WeChat requires a registered domain)")
		case strings.HasSuffix(h, ".fcapp.run"):
			problems = append(problems, o+" is FC's default domain, which cannot be added to a mini-program (bind a custom domain to the functions)")
		}
		return o
	}
	for _, b := range functionURLs {
		if o := origin(b); o != "" && !slices.Contains(request, o) {
			request = append(request, o)
		}
	}
	upload = origin(uploadHost)
	// wx.request also carries the presigned multipart part PUTs to OSS.
	if upload != "" && !slices.Contains(request, upload) {
		request = append(request, upload)
	}
	return request, upload, problems
}
