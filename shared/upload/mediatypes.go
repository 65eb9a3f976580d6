package upload

import "slices"

// The mini-program helper carries a copy of this table (CONTENT_TYPES in
// templates/miniprogram/ossdirect.js), written by cmd/mptypes; regenerate
// it after changing the table (cmd/mptypes' test fails until then).
//go:generate go run ossdirect/cmd/mptypes ../../templates/miniprogram/ossdirect.js

// builtinTypes is the extension table used to check a file name against a
// content type. It is deliberately built in: mime.TypeByExtension reads the
// host's /etc/mime.types and so differs between machines. The first type
// of each entry is the extension's canonical type; the first extension
// listing a type is that type's canonical extension. Further types are
// aliases browsers are known to send.
var builtinTypes = []struct {
	ext   string
	types []string
}{
	// Images.
	{"png", []string{"image/png"}},
	{"jpg", []string{"image/jpeg"}},
	{"jpeg", []string{"image/jpeg"}},
	{"gif", []string{"image/gif"}},
	{"webp", []string{"image/webp"}},
	{"avif", []string{"image/avif"}},
	{"heic", []string{"image/heic"}},
	{"heif", []string{"image/heif"}},
	{"bmp", []string{"image/bmp"}},
	{"tif", []string{"image/tiff"}},
	{"tiff", []string{"image/tiff"}},
	{"ico", []string{"image/vnd.microsoft.icon", "image/x-icon"}},
	{"svg", []string{"image/svg+xml"}},
	// Audio.
	{"mp3", []string{"audio/mpeg", "audio/mp3"}},
	{"m4a", []string{"audio/mp4", "audio/x-m4a"}},
	{"aac", []string{"audio/aac"}},
	{"wav", []string{"audio/wav", "audio/x-wav", "audio/wave"}},
	{"ogg", []string{"audio/ogg"}},
	{"opus", []string{"audio/opus"}},
	{"flac", []string{"audio/flac"}},
	// Video.
	{"mp4", []string{"video/mp4"}},
	{"mov", []string{"video/quicktime"}},
	{"webm", []string{"video/webm"}},
	{"mkv", []string{"video/x-matroska"}},
	{"avi", []string{"video/x-msvideo"}},
	// Documents and data.
	{"pdf", []string{"application/pdf"}},
	{"txt", []string{"text/plain"}},
	{"csv", []string{"text/csv"}},
	{"md", []string{"text/markdown"}},
	{"json", []string{"application/json"}},
	{"xml", []string{"application/xml", "text/xml"}},
	{"doc", []string{"application/msword"}},
	{"docx", []string{"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}},
	{"xls", []string{"application/vnd.ms-excel"}},
	{"xlsx", []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
	{"ppt", []string{"application/vnd.ms-powerpoint"}},
	{"pptx", []string{"application/vnd.openxmlformats-officedocument.presentationml.presentation"}},
	// Archives.
	{"zip", []string{"application/zip", "application/x-zip-compressed"}},
	{"gz", []string{"application/gzip", "application/x-gzip"}},
	{"tar", []string{"application/x-tar"}},
	{"7z", []string{"application/x-7z-compressed"}},
	// Web (listed so that they are recognised and refused by image or
	// document profiles, not silently accepted as unknown).
	{"html", []string{"text/html"}},
	{"htm", []string{"text/html"}},
	{"js", []string{"text/javascript", "application/javascript"}},
	{"css", []string{"text/css"}},
	{"bin", []string{"application/octet-stream"}},
}

var (
	extTypes = map[string][]string{} // extension → types, canonical first
	typeExt  = map[string]string{}   // type → canonical extension
)

func init() {
	for _, e := range builtinTypes {
		extTypes[e.ext] = e.types
		for _, t := range e.types {
			if _, ok := typeExt[t]; !ok {
				typeExt[t] = e.ext
			}
		}
	}
}

// MediaType is one entry of the built-in extension table: an extension
// (lower case, no dot) and its content types, the canonical one first.
type MediaType struct {
	Ext   string
	Types []string
}

// MediaTypes returns a copy of the built-in extension table, in table order.
func MediaTypes() []MediaType {
	out := make([]MediaType, len(builtinTypes))
	for i, e := range builtinTypes {
		out[i] = MediaType{Ext: e.ext, Types: slices.Clone(e.types)}
	}
	return out
}
