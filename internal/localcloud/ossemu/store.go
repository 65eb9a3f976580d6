package ossemu

import (
	"errors"
	"io"
	"time"
)

// Store errors. Implementations return them (possibly wrapped); the HTTP
// layer maps them to OSS errors.
var (
	errNotFound = errors.New("ossemu: object not found")
	errExists   = errors.New("ossemu: object exists")
	errNoUpload = errors.New("ossemu: no such multipart upload")
	errTooLarge = errors.New("ossemu: body exceeds the size limit")
	errBadPart  = errors.New("ossemu: part changed or missing")
)

// readError wraps an error from the request body (as opposed to a storage
// failure): a client that went away or sent less than it announced.
type readError struct{ err error }

func (e *readError) Error() string { return "ossemu: reading request body: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// objectMeta is an object's metadata, stored beside its data.
type objectMeta struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// ETag is quoted, as sent in the ETag header.
	ETag  string `json:"etag"`
	CRC64 uint64 `json:"crc64"`
	// ContentMD5 is the base64 MD5 of a simply uploaded object ("" for
	// multipart objects).
	ContentMD5   string    `json:"contentMd5,omitempty"`
	LastModified time.Time `json:"lastModified"`
	ContentType  string    `json:"contentType"`
	// Headers holds the stored HTTP headers (storedHeaders), canonical names.
	Headers map[string]string `json:"headers,omitempty"`
	// UserMeta holds x-oss-meta-* headers, lower-case names.
	UserMeta map[string]string `json:"userMeta,omitempty"`
	// Multipart is true for objects made by CompleteMultipartUpload.
	Multipart bool `json:"multipart,omitempty"`
}

// staged is a request body written to temporary storage, not yet an object.
// Exactly one of store.Commit, store.PutPart or store.Discard consumes it.
type staged struct {
	Size  int64
	MD5   [16]byte // zero for concatenated multipart objects
	CRC64 uint64
	ref   string // store-private handle
}

// uploadInfo describes a multipart upload in progress.
type uploadInfo struct {
	ID        string    `json:"id"`
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	Initiated time.Time `json:"initiated"`
	// Meta carries the final object's content type, headers and user
	// metadata, taken from InitiateMultipartUpload.
	Meta objectMeta `json:"meta"`
	// ForbidOverwrite is InitiateMultipartUpload's x-oss-forbid-overwrite.
	ForbidOverwrite bool `json:"forbidOverwrite,omitempty"`
}

// partInfo describes one uploaded part.
type partInfo struct {
	Number int    `json:"number"`
	ETag   string `json:"etag"` // quoted upper-case MD5 hex
	Size   int64  `json:"size"`
	CRC64  uint64 `json:"crc64"`
	// LastModified is when the part was uploaded.
	LastModified time.Time `json:"lastModified"`
}

// objectStore keeps objects. Bucket names given to it exist and keys are
// valid object names: the HTTP layer checks both first.
type objectStore interface {
	// Stage copies r to temporary storage, computing MD5 and CRC-64/ECMA
	// on the fly. It reads at most limit+1 bytes: a longer body gives
	// errTooLarge. A read failure gives a *readError. On error nothing is
	// left behind.
	Stage(r io.Reader, limit int64) (*staged, error)
	// Discard drops a staged body. It is safe on a consumed or nil one.
	Discard(st *staged)
	// Commit atomically makes st the object bucket/key with meta, and
	// consumes st in every case. With noOverwrite it fails with errExists
	// when the object exists; the check and the rename are atomic with
	// respect to every other Commit.
	Commit(st *staged, bucket, key string, meta *objectMeta, noOverwrite bool) error
	// Exists reports whether bucket/key exists.
	Exists(bucket, key string) (bool, error)
	// Open returns the object's data and metadata, or errNotFound.
	Open(bucket, key string) (io.ReadSeekCloser, *objectMeta, error)
	// Stat returns the object's metadata, or errNotFound.
	Stat(bucket, key string) (*objectMeta, error)
	// Delete removes the object; a missing object is not an error.
	Delete(bucket, key string) error
	// List returns the keys of bucket's objects in ascending byte order.
	List(bucket string) ([]string, error)
}

// uploadStore keeps multipart uploads in progress.
type uploadStore interface {
	// CreateUpload records a new multipart upload.
	CreateUpload(u *uploadInfo) error
	// Upload returns a multipart upload, or errNoUpload.
	Upload(id string) (*uploadInfo, error)
	// PutPart stores st (staged by the objectStore) as part p.Number of
	// upload id, replacing any part with that number, and consumes st;
	// errNoUpload when the upload is gone.
	PutPart(id string, p *partInfo, st *staged) error
	// Parts lists an upload's parts in ascending order, or errNoUpload.
	Parts(id string) ([]partInfo, error)
	// Uploads lists bucket's uploads in progress by key, then upload id
	// (byte order), as ListMultipartUploads orders them.
	Uploads(bucket string) ([]uploadInfo, error)
	// Concat stages the concatenation of parts (which must be current:
	// a part whose ETag changed gives errBadPart) with its CRC-64, ready
	// for objectStore.Commit.
	Concat(id string, parts []partInfo) (*staged, error)
	// RemoveUpload deletes an upload and its parts, or gives errNoUpload.
	RemoveUpload(id string) error
}

// store is the emulator's storage: objects and multipart uploads, which
// share staged bodies.
type store interface {
	objectStore
	uploadStore
}
