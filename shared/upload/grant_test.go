package upload_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ossdirect/shared/upload"
)

// fixedNow is 2024-03-05 in UTC but already 2024-03-06 in UTC+8, so a
// date taken from the local zone would show.
var fixedNow = time.Date(2024, 3, 6, 7, 30, 0, 0, time.FixedZone("CST", 8*3600))

// fixedUUID is the UUID produced from uuidBytes (version and variant set).
const fixedUUID = "00010203-0405-4607-8809-0a0b0c0d0e0f"

func uuidBytes() *bytes.Reader {
	return bytes.NewReader([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
}

const testProfiles = `{
	"images":  {"prefix": "images/{sub}/{yyyy}/{mm}/{dd}/", "maxSize": 1000,
	            "contentTypes": ["image/png", "image/jpeg", "image/webp"], "callback": true},
	"anyimage":{"prefix": "img/{sub}/", "maxSize": 1000, "contentTypes": ["image/*"]},
	"files":   {"prefix": "files/", "maxSize": 1000, "minSize": 0},
	"docs":    {"prefix": "docs/{sub}/", "naming": "client", "maxSize": 1000,
	            "contentTypes": ["application/pdf", "text/plain"], "forbidOverwrite": false,
	            "expires": "1h", "signatureVersion": "v1"},
	"anydocs": {"prefix": "any/{sub}/", "naming": "client", "maxSize": 1000},
	"gallery": {"prefix": "gallery/{sub}/", "naming": "client", "maxSize": 1000, "contentTypes": ["image/*"]}
}`

func profiles(t testing.TB) upload.Profiles {
	t.Helper()
	ps, err := upload.ParseProfiles([]byte(testProfiles))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestGrant(t *testing.T) {
	t.Parallel()
	ps := profiles(t)
	tests := []struct {
		name             string
		profile          string
		req              upload.Request
		wantKey, wantDir string
		wantType         string
		wantTypes        []string
		wantMin, wantMax int64
	}{
		{
			name: "uuid key from filename", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "cat.png", ContentType: "image/png"},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".png",
			wantType: "image/png", wantMin: 1, wantMax: 1000,
		},
		{
			name: "extension lower-cased, type inferred", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "CAT.JPEG"},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".jpeg",
			wantType: "image/jpeg", wantMin: 1, wantMax: 1000,
		},
		{
			name: "content type normalised", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "a.jpg", ContentType: " Image/JPEG "},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".jpg",
			wantType: "image/jpeg", wantMin: 1, wantMax: 1000,
		},
		{
			name: "extension from content type without filename", profile: "images",
			req:     upload.Request{Subject: "u1", ContentType: "image/jpeg"},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".jpg",
			wantType: "image/jpeg", wantMin: 1, wantMax: 1000,
		},
		{
			name: "extension from content type, filename without one", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "README", ContentType: "image/webp"},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".webp",
			wantType: "image/webp", wantMin: 1, wantMax: 1000,
		},
		{
			name: "declared size narrows range", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "a.png", Size: 123},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".png",
			wantType: "image/png", wantMin: 123, wantMax: 123,
		},
		{
			name: "declared size at max", profile: "images",
			req:     upload.Request{Subject: "u1", Filename: "a.png", Size: 1000},
			wantDir: "images/u1/2024/03/05/", wantKey: "images/u1/2024/03/05/" + fixedUUID + ".png",
			wantType: "image/png", wantMin: 1000, wantMax: 1000,
		},
		{
			name: "subject sanitised", profile: "images",
			req:     upload.Request{Subject: "../x/中", Filename: "a.png"},
			wantDir: "images/~2E.~2Fx~2F~E4~B8~AD/2024/03/05/", wantKey: "images/~2E.~2Fx~2F~E4~B8~AD/2024/03/05/" + fixedUUID + ".png",
			wantType: "image/png", wantMin: 1, wantMax: 1000,
		},
		{
			name: "wildcard profile pins inferred type", profile: "anyimage",
			req:     upload.Request{Subject: "u1", Filename: "a.gif"},
			wantDir: "img/u1/", wantKey: "img/u1/" + fixedUUID + ".gif",
			wantType: "image/gif", wantMin: 1, wantMax: 1000,
		},
		{
			name: "any-type profile, no subject placeholder", profile: "files",
			req:     upload.Request{Filename: "report.pdf"},
			wantDir: "files/", wantKey: "files/" + fixedUUID + ".pdf",
			wantType: "application/pdf", wantMin: 0, wantMax: 1000,
		},
		{
			name: "alias type accepted for extension", profile: "files",
			req:     upload.Request{Filename: "a.zip", ContentType: "application/x-zip-compressed"},
			wantDir: "files/", wantKey: "files/" + fixedUUID + ".zip",
			wantType: "application/x-zip-compressed", wantMin: 0, wantMax: 1000,
		},
		{
			name: "client naming without filename", profile: "docs",
			req:     upload.Request{Subject: "u1"},
			wantDir: "docs/u1/", wantKey: "",
			wantTypes: []string{"application/pdf", "text/plain"}, wantMin: 1, wantMax: 1000,
		},
		{
			name: "client naming with filename", profile: "docs",
			req:     upload.Request{Subject: "u1", Filename: "年报 2024+v2.pdf"},
			wantDir: "docs/u1/", wantKey: "docs/u1/年报 2024+v2.pdf",
			wantType: "application/pdf", wantMin: 1, wantMax: 1000,
		},
		{
			name: "client naming with sub directory", profile: "docs",
			req:     upload.Request{Subject: "u1", Filename: "2024/q1.txt", ContentType: "text/plain"},
			wantDir: "docs/u1/", wantKey: "docs/u1/2024/q1.txt",
			wantType: "text/plain", wantMin: 1, wantMax: 1000,
		},
		{
			name: "client naming, wildcard profile", profile: "gallery",
			req:     upload.Request{Subject: "u1"},
			wantDir: "gallery/u1/", wantTypes: []string{"image/*"}, wantMin: 1, wantMax: 1000,
		},
		{
			name: "client naming, unknown extension, no type", profile: "anydocs",
			req:     upload.Request{Subject: "u1", Filename: "data.xyz"},
			wantDir: "any/u1/", wantKey: "any/u1/data.xyz",
			wantMin: 1, wantMax: 1000,
		},
		{
			name: "client naming, unknown extension, declared type", profile: "docs",
			req:     upload.Request{Subject: "u1", Filename: "notes.log", ContentType: "text/plain"},
			wantDir: "docs/u1/", wantKey: "docs/u1/notes.log",
			wantType: "text/plain", wantMin: 1, wantMax: 1000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := ps[tt.profile]
			g, err := p.Grant(tt.req, fixedNow, upload.GrantOptions{Bucket: "examplebucket", Rand: uuidBytes()})
			if err != nil {
				t.Fatalf("Grant: %v", err)
			}
			if g.Key != tt.wantKey || g.Dir != tt.wantDir {
				t.Errorf("Key, Dir = %q, %q; want %q, %q", g.Key, g.Dir, tt.wantKey, tt.wantDir)
			}
			if g.ContentType != tt.wantType || !slices.Equal(g.ContentTypes, tt.wantTypes) {
				t.Errorf("ContentType, ContentTypes = %q, %q; want %q, %q", g.ContentType, g.ContentTypes, tt.wantType, tt.wantTypes)
			}
			if g.MinSize != tt.wantMin || g.MaxSize != tt.wantMax {
				t.Errorf("size range = %d..%d, want %d..%d", g.MinSize, g.MaxSize, tt.wantMin, tt.wantMax)
			}
			if g.Profile != tt.profile || g.Bucket != "examplebucket" || g.Naming != p.Naming ||
				g.ForbidOverwrite != p.ForbidOverwrite || g.Callback != p.Callback || g.SignatureVersion != p.SignatureVersion {
				t.Errorf("grant does not carry the profile's settings: %+v", g)
			}
			if want := fixedNow.Add(time.Duration(p.Expires)).UTC(); !g.Expiration.Equal(want) || g.Expiration.Location() != time.UTC {
				t.Errorf("Expiration = %v, want %v", g.Expiration, want)
			}
		})
	}
}

func TestGrantRejects(t *testing.T) {
	t.Parallel()
	ps := profiles(t)
	tests := []struct {
		name        string
		profile     string
		req         upload.Request
		wantErr     error
		wantField   string
		wantAllowed []string
	}{
		{"content type not allowed", "images", upload.Request{Subject: "u", Filename: "a.png", ContentType: "text/html"},
			upload.ErrContentTypeNotAllowed, "contentType", []string{"image/png", "image/jpeg", "image/webp"}},
		{"content type with parameters", "images", upload.Request{Subject: "u", Filename: "a.png", ContentType: "image/png; q=1"},
			upload.ErrContentTypeNotAllowed, "contentType", nil},
		{"content type outside wildcard", "anyimage", upload.Request{Subject: "u", Filename: "a.pdf", ContentType: "application/pdf"},
			upload.ErrContentTypeNotAllowed, "contentType", []string{"image/*"}},
		{"extension does not match content type", "images", upload.Request{Subject: "u", Filename: "a.jpg", ContentType: "image/png"},
			upload.ErrContentTypeNotAllowed, "filename", []string{"image/jpeg"}},
		{"html disguised as png", "images", upload.Request{Subject: "u", Filename: "x.html", ContentType: "image/png"},
			upload.ErrContentTypeNotAllowed, "filename", []string{"text/html"}},
		{"extension not allowed", "images", upload.Request{Subject: "u", Filename: "a.gif"},
			upload.ErrContentTypeNotAllowed, "filename", []string{".png", ".jpg", ".jpeg", ".webp"}},
		{"extension not allowed, client naming", "docs", upload.Request{Subject: "u", Filename: "x.html"},
			upload.ErrContentTypeNotAllowed, "filename", []string{".pdf", ".txt"}},
		{"unknown extension, uuid naming", "images", upload.Request{Subject: "u", Filename: "a.xyz", ContentType: "image/png"},
			upload.ErrContentTypeNotAllowed, "filename", []string{".png", ".jpg", ".jpeg", ".webp"}},
		{"no filename and no type, uuid naming", "images", upload.Request{Subject: "u"},
			upload.ErrInvalidName, "filename", []string{".png", ".jpg", ".jpeg", ".webp"}},
		{"type without built-in extension", "files", upload.Request{ContentType: "application/x-custom"},
			upload.ErrInvalidName, "filename", nil},
		{"size too large", "images", upload.Request{Subject: "u", Filename: "a.png", Size: 1001},
			upload.ErrSizeNotAllowed, "size", []string{"1 … 1000 bytes"}},
		{"size negative", "images", upload.Request{Subject: "u", Filename: "a.png", Size: -1},
			upload.ErrSizeNotAllowed, "size", nil},
		{"empty subject", "images", upload.Request{Filename: "a.png"},
			upload.ErrInvalidSubject, "subject", nil},
		{"filename parent", "docs", upload.Request{Subject: "u", Filename: "../a.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename parent inside", "docs", upload.Request{Subject: "u", Filename: "a/../../b.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename leading slash", "docs", upload.Request{Subject: "u", Filename: "/etc/a.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename backslash", "docs", upload.Request{Subject: "u", Filename: `..\a.pdf`}, upload.ErrInvalidName, "filename", nil},
		{"filename NUL", "docs", upload.Request{Subject: "u", Filename: "a\x00.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename DEL", "docs", upload.Request{Subject: "u", Filename: "a\x7f.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename C1", "docs", upload.Request{Subject: "u", Filename: "a\u009b.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename invalid UTF-8", "docs", upload.Request{Subject: "u", Filename: "\xc3\x28.pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename too long", "docs", upload.Request{Subject: "u", Filename: strings.Repeat("a", 253) + ".pdf"}, upload.ErrInvalidName, "filename", nil},
		{"filename traversal with uuid naming", "images", upload.Request{Subject: "u", Filename: "../a.png"}, upload.ErrInvalidName, "filename", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := ps[tt.profile]
			g, err := p.Grant(tt.req, fixedNow, upload.GrantOptions{Rand: uuidBytes()})
			if err == nil {
				t.Fatalf("Grant accepted: %+v", g)
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, upload.ErrInvalidRequest) {
				t.Fatalf("Grant error = %v, want %v and ErrInvalidRequest", err, tt.wantErr)
			}
			var fe *upload.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError", err)
			}
			if fe.Field != tt.wantField || !slices.Equal(fe.Allowed, tt.wantAllowed) {
				t.Errorf("FieldError field %q allowed %q, want %q %q", fe.Field, fe.Allowed, tt.wantField, tt.wantAllowed)
			}
		})
	}
}

func TestGrantErrorMessageNamesAllowedValues(t *testing.T) {
	t.Parallel()
	p := profiles(t)["images"]
	_, err := p.Grant(upload.Request{Subject: "u", ContentType: "text/html"}, fixedNow, upload.GrantOptions{})
	want := `upload: contentType: "text/html" not allowed; allowed: image/png, image/jpeg, image/webp`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestGrantKeyTooLong(t *testing.T) {
	t.Parallel()
	// Six 128-byte subjects make a 774-byte directory; a 255-byte name then
	// passes its own limit but not the key's 1023.
	ps, err := upload.ParseProfiles([]byte(`{"p": {"prefix": "{sub}/{sub}/{sub}/{sub}/{sub}/{sub}/", "naming": "client", "maxSize": 10}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := ps["p"]
	_, err = p.Grant(upload.Request{Subject: strings.Repeat("s", 128), Filename: strings.Repeat("f", 255)}, fixedNow, upload.GrantOptions{})
	var fe *upload.FieldError
	if !errors.As(err, &fe) || fe.Field != "filename" || !errors.Is(err, upload.ErrInvalidName) {
		t.Fatalf("error = %v, want a filename FieldError", err)
	}
}

func TestGrantExpiration(t *testing.T) {
	t.Parallel()
	p := profiles(t)["images"] // expires 10m
	req := upload.Request{Subject: "u", Filename: "a.png"}
	tests := []struct {
		name    string
		now     time.Time
		credExp time.Time
		want    time.Time
		wantErr error
	}{
		{"no credentials expiry", fixedNow, time.Time{}, fixedNow.Add(10 * time.Minute), nil},
		{"credentials outlive grant", fixedNow, fixedNow.Add(time.Hour), fixedNow.Add(10 * time.Minute), nil},
		{"capped by credentials", fixedNow, fixedNow.Add(5 * time.Minute), fixedNow.Add(5 * time.Minute), nil},
		{"truncated to the second", fixedNow.Add(700 * time.Millisecond), time.Time{}, fixedNow.Add(10 * time.Minute), nil},
		{"credentials already expired", fixedNow, fixedNow, time.Time{}, upload.ErrCredentialsExpired},
		{"credentials expire within the second", fixedNow, fixedNow.Add(500 * time.Millisecond), time.Time{}, upload.ErrCredentialsExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := p.Grant(req, tt.now, upload.GrantOptions{CredentialsExpiry: tt.credExp, Rand: uuidBytes()})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Grant error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !g.Expiration.Equal(tt.want) {
				t.Errorf("Expiration = %v, want %v", g.Expiration, tt.want)
			}
		})
	}
}

func TestGrantRandomness(t *testing.T) {
	t.Parallel()
	p := profiles(t)["files"]
	req := upload.Request{Filename: "a.txt"}
	a, err := p.Grant(req, fixedNow, upload.GrantOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Grant(req, fixedNow, upload.GrantOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Key == b.Key {
		t.Errorf("crypto/rand gave the same key twice: %s", a.Key)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(a.Key, "files/"), ".txt")
	if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
		t.Errorf("%q is not a v4 UUID", id)
	}
	_, err = p.Grant(req, fixedNow, upload.GrantOptions{Rand: bytes.NewReader(nil)})
	if err == nil {
		t.Error("Grant succeeded with an empty random source")
	}
}

func TestGrantInvalidProfile(t *testing.T) {
	t.Parallel()
	p := upload.Profile{Name: "x", Prefix: "a/", MaxSize: 0}
	_, err := p.Grant(upload.Request{Filename: "a.png"}, fixedNow, upload.GrantOptions{})
	if !errors.Is(err, upload.ErrInvalidProfile) {
		t.Fatalf("Grant error = %v, want ErrInvalidProfile", err)
	}
}

func TestPrefixTemplates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prefix, subject, want string
	}{
		{"static", "static/", "", "static/"},
		{"static ignores subject", "static/", "someone", "static/"},
		{"date compact", "d/{yyyy}{mm}{dd}/", "", "d/20240305/"},
		{"subject inside a segment", "u-{sub}-x/", "abc", "u-abc-x/"},
		{"subject twice", "{sub}/{sub}/", "a", "a/a/"},
		{"dot-dot subject", "{sub}/", "..", "~2E./"},
		{"unicode literal", "上传/{sub}/", "a", "上传/a/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := upload.ParseProfiles([]byte(`{"p": {"prefix": "` + tt.prefix + `", "naming": "client", "maxSize": 1}}`))
			if err != nil {
				t.Fatal(err)
			}
			p := ps["p"]
			g, err := p.Grant(upload.Request{Subject: tt.subject}, fixedNow, upload.GrantOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if g.Dir != tt.want {
				t.Errorf("Dir = %q, want %q", g.Dir, tt.want)
			}
		})
	}
}
