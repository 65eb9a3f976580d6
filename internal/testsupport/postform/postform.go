// Package postform builds PostObject multipart/form-data bodies for tests
// and the conformance suite: fields in the order given, the file part, then
// any fields after it (which OSS ignores).
package postform

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"
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
