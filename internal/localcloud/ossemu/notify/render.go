package notify

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Object describes the stored object for the system variables.
type Object struct {
	// Bucket is ${bucket} and the x-oss-bucket header.
	Bucket string
	// Key is ${object}, the object name (not URL-encoded).
	Key string
	// ETag is ${etag}. One pair of surrounding double quotes, as in the
	// ETag response header, is removed.
	ETag string
	// MimeType is ${mimeType}, the object's Content-Type.
	MimeType string
	// CRC64 is ${crc64}, the decimal x-oss-hash-crc64ecma value.
	CRC64 string
	// ContentMD5 is ${contentMd5}, the Base64 Content-MD5 (PutObject and
	// PostObject only; "" for CompleteMultipartUpload).
	ContentMD5 string
	// ClientIP is ${clientIp}, the uploader's address.
	ClientIP string
	// RequestID is ${reqId} and the x-oss-request-id header.
	RequestID string
	// Operation is ${operation}: "PutObject", "PostObject" or
	// "CompleteMultipartUpload".
	Operation string
	// VpcID is ${vpcId}; "" when the upload did not come from a VPC.
	VpcID string
	// Size is ${size}, the object size in bytes.
	Size int64
	// Image is the source of ${imageInfo.*}; see DetectImage.
	Image ImageInfo
}

// Render returns the callback body Send would post for spec and obj
// (exported for tests and for the emulator's logs). Substitution follows the
// package documentation. An unknown BodyType or a malformed ${…} reference
// yields an *ArgumentError; spec.URLs are not looked at.
func Render(spec *Spec, obj Object) (string, error) {
	if spec == nil {
		return "", argErr("", "No callback was given.")
	}
	bodyType, err := normBodyType(spec.BodyType)
	if err != nil {
		return "", err
	}
	segs, err := parseTemplate(spec.Body)
	if err != nil {
		return "", err
	}
	asJSON := bodyType == BodyTypeJSON
	var b strings.Builder
	b.Grow(len(spec.Body) + 64)
	for _, sg := range segs {
		if !sg.isVar {
			b.WriteString(sg.text)
			continue
		}
		v := lookup(sg.text, obj, spec.Vars)
		if asJSON {
			v.writeJSON(&b)
		} else {
			b.WriteString(url.QueryEscape(v.s))
		}
	}
	return b.String(), nil
}

// segment is a piece of a callbackBody template: literal text, or the name
// of a ${name} reference.
type segment struct {
	text  string
	isVar bool
}

// parseTemplate splits a callbackBody template into literals and ${name}
// references. A reference runs from "${" to the next "}"; the name must be
// non-empty and must not contain "{" (an unclosed or nested reference). A
// "$" not followed by "{", and a lone "}", are literal text.
func parseTemplate(body string) ([]segment, error) {
	var segs []segment
	rest, off := body, 0
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			if rest != "" {
				segs = append(segs, segment{text: rest})
			}
			return segs, nil
		}
		if i > 0 {
			segs = append(segs, segment{text: rest[:i]})
		}
		end := strings.IndexByte(rest[i+2:], '}')
		if end < 0 {
			return nil, argErr("", "The callbackBody field of the callback parameter has an unclosed variable \"${\" at offset %d.", off+i)
		}
		name := rest[i+2 : i+2+end]
		switch {
		case name == "":
			return nil, argErr("", "The callbackBody field of the callback parameter has an empty variable \"${}\" at offset %d.", off+i)
		case strings.IndexByte(name, '{') >= 0:
			return nil, argErr("", "The callbackBody field of the callback parameter has a malformed variable at offset %d.", off+i)
		}
		segs = append(segs, segment{text: name, isVar: true})
		consumed := i + 2 + end + 1
		rest, off = rest[consumed:], off+consumed
	}
}

// kind says how a variable is written in a JSON body.
type kind int

const (
	kindString   kind = iota // a JSON string, quotes added
	kindNumber               // raw digits; nothing when empty
	kindNullable             // like kindString, but null when empty
)

type value struct {
	s    string
	kind kind
}

// lookup resolves one variable name. Unknown system variables and undefined
// custom variables are empty strings.
func lookup(name string, obj Object, vars map[string]string) value {
	img := obj.Image.Format != ""
	switch name {
	case "bucket":
		return value{s: obj.Bucket}
	case "object":
		return value{s: obj.Key}
	case "etag":
		return value{s: trimQuotes(obj.ETag)}
	case "size":
		return value{s: strconv.FormatInt(obj.Size, 10), kind: kindNumber}
	case "mimeType":
		return value{s: obj.MimeType}
	case "imageInfo.height":
		if !img {
			return value{kind: kindNumber}
		}
		return value{s: strconv.Itoa(obj.Image.Height), kind: kindNumber}
	case "imageInfo.width":
		if !img {
			return value{kind: kindNumber}
		}
		return value{s: strconv.Itoa(obj.Image.Width), kind: kindNumber}
	case "imageInfo.format":
		return value{s: obj.Image.Format}
	case "crc64":
		return value{s: obj.CRC64, kind: kindNumber}
	case "contentMd5":
		return value{s: obj.ContentMD5}
	case "vpcId":
		return value{s: obj.VpcID, kind: kindNullable}
	case "clientIp":
		return value{s: obj.ClientIP}
	case "reqId":
		return value{s: obj.RequestID}
	case "operation":
		return value{s: obj.Operation}
	}
	return value{s: vars[name]} // "x:name", or an unknown name: ""
}

// writeJSON writes v for a JSON body.
func (v value) writeJSON(b *strings.Builder) {
	switch {
	case v.kind == kindNumber && v.s == "":
		// Nothing: OSS leaves an empty number empty (Cloudreve's
		// "pic_info" for a non-image arrives as ",").
	case v.kind == kindNumber && isInteger(v.s):
		b.WriteString(v.s)
	case v.kind == kindNullable && v.s == "":
		b.WriteString("null")
	default:
		b.WriteString(jsonString(v.s))
	}
}

// isInteger reports whether s is an optionally signed run of ASCII digits,
// so that writing it raw yields a JSON number. A ${crc64} that is not one
// is quoted instead, so a malformed value cannot inject JSON.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// jsonString returns s as a JSON string literal with quotes. HTML
// characters are not escaped (encoding/json would write < as \u003c);
// invalid UTF-8 becomes U+FFFD.
func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

// trimQuotes removes one pair of surrounding double quotes.
func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
