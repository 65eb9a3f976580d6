package upload

import (
	"fmt"
	"mime"
	"strings"
)

// Object is what OSS says about a stored object (HeadObject), plus, when
// the profile sniffs, the type detected from its first bytes.
type Object struct {
	Key         string
	Size        int64
	ContentType string // as stored, possibly with parameters
	ETag        string
	CRC64       string
	Sniffed     string // detected media type, "" when not sniffed
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
