package upload

import (
	"time"

	"errors"
	"fmt"
	"mime"
	"strings"
)

// ErrObjectNotFound reports that an object the callback names does not
// exist in the bucket.
var ErrObjectNotFound = errors.New("upload: no such object")

// NormalETag is an ETag as one value whatever its form: without quotes,
// upper case (the ETag header says "5D41…", listings, events and clients
// may say 5D41… or 5d41…).
func NormalETag(etag string) string { return strings.ToUpper(strings.Trim(etag, `"`)) }

// Object is what OSS says about a stored object (HeadObject), plus, when
// the profile sniffs, the type detected from its first bytes.
type Object struct {
	Key         string
	Size        int64
	ContentType string // as stored, possibly with parameters
	ETag        string
	CRC64       string
	Sniffed     string // detected media type, "" when not sniffed
	// Modified is when OSS last wrote the object (zero when unknown).
	Modified time.Time
}

// Check returns how o breaks p, one plain reason per rule ("size 5000
// bytes is above the profile's maximum of 1024"), or nil. It is the
// after-the-fact half of a profile: the limits OSS could not enforce up
// front in the mode the object was uploaded with (STS credentials carry no
// size or type limits; a presigned PUT without a declared size has none).
func (p *Profile) Check(o Object) []string {
	var out []string
	if o.Size < p.MinSize {
		out = append(out, fmt.Sprintf("size %d bytes is below the profile's minimum of %d", o.Size, p.MinSize))
	}
	if p.MaxSize > 0 && o.Size > p.MaxSize {
		out = append(out, fmt.Sprintf("size %d bytes is above the profile's maximum of %d", o.Size, p.MaxSize))
	}
	if len(p.ContentTypes) > 0 {
		ct := baseType(o.ContentType)
		if !p.allowsType(ct) {
			out = append(out, fmt.Sprintf("content type %s is not allowed; allowed: %s", quote(ct), strings.Join(p.ContentTypes, ", ")))
		}
		if p.Sniff && o.Sniffed != "" {
			if st := baseType(o.Sniffed); !p.allowsType(st) {
				out = append(out, fmt.Sprintf("the content is %s, which is not allowed; allowed: %s", quote(st), strings.Join(p.ContentTypes, ", ")))
			}
		}
	}
	return out
}

// baseType is ct without parameters, in lower case.
func baseType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
}

// ReservedPrefix is where ossdirect keeps its own objects in the bucket
// (quarantined uploads by default, upload records): no profile may put
// uploads there, so no grant can reach them.
const ReservedPrefix = ".ossdirect/"

// CheckReservedPrefix checks that prefix (a directory such as
// ".ossdirect/quarantine/") lies outside every profile's directory and
// that no profile's directory lies inside it, so nothing a grant allows can
// land in it or overwrite it.
func CheckReservedPrefix(prefix string, ps Profiles) error {
	if prefix == "" || !strings.HasSuffix(prefix, "/") || strings.HasPrefix(prefix, "/") {
		return fmt.Errorf("%s: want a directory such as %s (ending in /, not starting with /)", quote(prefix), quote(ReservedPrefix+"quarantine/"))
	}
	for _, name := range ps.Names() {
		p := ps[name]
		static := p.StaticPrefix()
		if strings.HasPrefix(prefix, static) || strings.HasPrefix(static, prefix) {
			return fmt.Errorf("%s overlaps profile %s's directory %s", quote(prefix), quote(name), quote(p.Prefix))
		}
	}
	return nil
}
