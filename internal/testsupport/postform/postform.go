// Package postform builds PostObject multipart/form-data bodies for tests
// and the conformance suite: fields in the order given, the file part, then
// any fields after it (which OSS ignores).
package postform

import (
	"bytes"
	"fmt"
	"maps"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"ossdirect/shared/signing"
)

// Field is one form field, in order.
type Field struct{ Name, Value string }

// File is the file part of a form.
type File struct {
	Name, Filename, ContentType string
	Data                        []byte
}

// FileField is the usual file part: field "file", filename photo.png.
func FileField(data []byte, contentType string) *File {
	return &File{Name: "file", Filename: "photo.png", ContentType: contentType, Data: data}
}

// Body builds a multipart/form-data body: fields, the file (when not
// nil), then after. It returns the body and its Content-Type.
func Body(fields []Field, file *File, after []Field) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = mw.WriteField(f.Name, f.Value)
	}
	if file != nil {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, file.Name, file.Filename))
		if file.ContentType != "" {
			hdr.Set("Content-Type", file.ContentType)
		}
		w, _ := mw.CreatePart(hdr)
		_, _ = w.Write(file.Data)
	}
	for _, f := range after {
		_ = mw.WriteField(f.Name, f.Value)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// Sorted turns a field map (a grant's fields) into a list in name order.
func Sorted(m map[string]string) []Field {
	out := make([]Field, 0, len(m))
	for k, v := range m {
		out = append(out, Field{k, v})
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Signed returns the form fields that send the Base64 policy enc signed
// with creds at now — V4 (for region) or V1 — plus extra, which may
// override any of them (tests forging a field).
func Signed(enc string, creds signing.Credentials, now time.Time, region string, v4 bool, extra map[string]string) map[string]string {
	f := map[string]string{"policy": enc}
	if v4 {
		f["x-oss-signature-version"] = signing.AlgorithmV4
		f["x-oss-credential"] = signing.V4Credential(creds.AccessKeyID, now, region, "oss")
		f["x-oss-date"] = signing.FormatV4Date(now)
		f["x-oss-signature"] = signing.PostSignatureV4(creds.AccessKeySecret, now, region, enc)
	} else {
		f["OSSAccessKeyId"] = creds.AccessKeyID
		f["Signature"] = signing.PostSignatureV1(creds.AccessKeySecret, enc)
	}
	if creds.SecurityToken != "" {
		f["x-oss-security-token"] = creds.SecurityToken
	}
	maps.Copy(f, extra)
	return f
}
