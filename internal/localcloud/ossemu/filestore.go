package ossemu

import (
	"cmp"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc64"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// crcTable is CRC-64/ECMA-182 as OSS computes x-oss-hash-crc64ecma.
var crcTable = crc64.MakeTable(crc64.ECMA)

// copyBufSize is the buffer used to stream bodies to disk.
const copyBufSize = 256 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// fileStore keeps objects in a folder:
//
//	<dir>/<bucket>/<encoded key>                 object data
//	<dir>/.ossemu/meta/<bucket>/<encoded key>    sidecar metadata (JSON)
//	<dir>/.ossemu/tmp/                           bodies being received
//	<dir>/.ossemu/uploads/<upload id>/           multipart upload: upload.json,
//	                                             NNNNN.part and NNNNN.json
//
// Keys are encoded into one flat file name (see encodeKey), so no key can
// escape its bucket folder and keys such as "a" and "a/b" can coexist.
// Temporary files live on the same file system, so installing a body is a
// rename. A striped lock per key makes the overwrite check and the rename
// atomic, and keeps metadata and data consistent for readers.
type fileStore struct {
	dir, tmp, meta, uploads string
	keyLocks                [256]sync.RWMutex
	uploadLocks             [64]sync.Mutex
	// fault is Config.WriteFault: asked before each write to a temporary
	// file; nil in normal use.
	fault func(kind WriteKind, offset int64, n int) error
}

// createTemp creates a temporary file for kind and returns it with the
// writer to write it through: the file itself, or, with a fault hook, a
// writer that asks the hook before each write.
func (fst *fileStore) createTemp(kind WriteKind) (*os.File, io.Writer, error) {
	f, err := os.CreateTemp(fst.tmp, string(kind)+"-*")
	if err != nil {
		return nil, nil, err
	}
	if fst.fault == nil {
		return f, f, nil
	}
	return f, &faultyWriter{f: f, kind: kind, fault: fst.fault}, nil
}

// faultyWriter writes to f unless fault says the write fails.
type faultyWriter struct {
	f     *os.File
	kind  WriteKind
	fault func(WriteKind, int64, int) error
	off   int64
}

func (w *faultyWriter) Write(p []byte) (int, error) {
	if err := w.fault(w.kind, w.off, len(p)); err != nil {
		return 0, &fs.PathError{Op: "write", Path: w.f.Name(), Err: err}
	}
	n, err := w.f.Write(p)
	w.off += int64(n)
	return n, err
}

var (
	_ objectStore = (*fileStore)(nil)
	_ uploadStore = (*fileStore)(nil)
	_ store       = (*fileStore)(nil)
)

// newFileStore prepares dir for buckets.
func newFileStore(dir string, buckets []string) (*fileStore, error) {
	fst := &fileStore{
		dir:     dir,
		tmp:     filepath.Join(dir, ".ossemu", "tmp"),
		meta:    filepath.Join(dir, ".ossemu", "meta"),
		uploads: filepath.Join(dir, ".ossemu", "uploads"),
	}
	mk := []string{fst.tmp, fst.uploads}
	for _, b := range buckets {
		mk = append(mk, filepath.Join(dir, b), filepath.Join(fst.meta, b))
	}
	for _, d := range mk {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// Bodies left over by a crash are never objects: drop them.
	if ents, err := os.ReadDir(fst.tmp); err == nil {
		for _, e := range ents {
			_ = os.Remove(filepath.Join(fst.tmp, e.Name()))
		}
	}
	return fst, nil
}

// encodeKey maps an object key to a single file name: bytes in
// [A-Za-z0-9_.-] are kept (except a leading "."), every other byte is "%XX".
// A name that would exceed 200 bytes becomes "~" + SHA-256 hex of the key
// ("~" is always escaped otherwise, so the two forms cannot collide).
func encodeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' && i > 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > 200 {
		sum := sha256.Sum256([]byte(key))
		return "~" + hex.EncodeToString(sum[:])
	}
	return b.String()
}

func (fst *fileStore) objectPath(bucket, key string) string {
	return filepath.Join(fst.dir, bucket, encodeKey(key))
}

func (fst *fileStore) metaPath(bucket, key string) string {
	return filepath.Join(fst.meta, bucket, encodeKey(key))
}

func (fst *fileStore) keyLock(bucket, key string) *sync.RWMutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(bucket))
	_, _ = h.Write([]byte{'/'})
	_, _ = h.Write([]byte(key))
	return &fst.keyLocks[h.Sum32()%uint32(len(fst.keyLocks))]
}

func (fst *fileStore) uploadLock(id string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return &fst.uploadLocks[h.Sum32()%uint32(len(fst.uploadLocks))]
}

// recordingReader remembers the first read error that is not io.EOF.
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// fillCopy copies r to w like io.CopyBuffer, but fills buf before each
// write: readers that return small pieces (a multipart part yields at most
// 4 KiB per Read) then cost one write and one hash update per buffer.
// Read errors are left to the caller (recordingReader); fillCopy stops at
// the first one.
func fillCopy(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if rerr != nil {
			return total, nil
		}
	}
}

func (fst *fileStore) Stage(r io.Reader, limit int64) (*staged, error) {
	f, fw, err := fst.createTemp(WriteBody)
	if err != nil {
		return nil, err
	}
	md := md5.New()
	crc := crc64.New(crcTable)
	rr := &recordingReader{r: io.LimitReader(r, limit+1)}
	bp := copyBufPool.Get().(*[]byte)
	n, err := fillCopy(io.MultiWriter(fw, md, crc), rr, *bp)
	copyBufPool.Put(bp)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case rr.err != nil:
		err = &readError{rr.err}
	case err == nil && n > limit:
		err = errTooLarge
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return nil, err
	}
	st := &staged{Size: n, CRC64: crc.Sum64(), ref: f.Name()}
	md.Sum(st.MD5[:0])
	return st, nil
}

func (fst *fileStore) Discard(st *staged) {
	if st != nil && st.ref != "" {
		_ = os.Remove(st.ref)
		st.ref = ""
	}
}

// writeJSON writes v to path through a temporary file and a rename.
func (fst *fileStore) writeJSON(path string, v any) error {
	tmp, err := fst.stageJSON(v)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// stageJSON writes v to a temporary file and returns its name, for the
// caller to rename into place.
func (fst *fileStore) stageJSON(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	f, fw, err := fst.createTemp(WriteMeta)
	if err != nil {
		return "", err
	}
	_, err = fw.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func (fst *fileStore) Commit(st *staged, bucket, key string, meta *objectMeta, noOverwrite bool) error {
	defer fst.Discard(st)
	if st == nil || st.ref == "" {
		return errors.New("ossemu: commit of a consumed body")
	}
	mu := fst.keyLock(bucket, key)
	mu.Lock()
	defer mu.Unlock()
	dst := fst.objectPath(bucket, key)
	if noOverwrite {
		if _, err := os.Lstat(dst); err == nil {
			return errExists
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	m := *meta
	m.Key = key
	// Metadata staged first, the data renamed into place, then the
	// metadata: a failure before the data's rename leaves the previous
	// object and its metadata as they were.
	metaTmp, err := fst.stageJSON(&m)
	if err != nil {
		return err
	}
	if err := os.Rename(st.ref, dst); err != nil {
		_ = os.Remove(metaTmp)
		return err
	}
	st.ref = ""
	if err := os.Rename(metaTmp, fst.metaPath(bucket, key)); err != nil {
		// The new bytes are in place with the previous object's metadata:
		// remove it, so the object's metadata is computed from its bytes.
		_ = os.Remove(metaTmp)
		_ = os.Remove(fst.metaPath(bucket, key))
		return err
	}
	return nil
}

func (fst *fileStore) Exists(bucket, key string) (bool, error) {
	_, err := os.Lstat(fst.objectPath(bucket, key))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// statLocked returns the metadata of bucket/key; the caller holds the key
// lock. An object file without metadata (copied into the bucket folder by
// hand) gets metadata computed from its bytes.
func (fst *fileStore) statLocked(bucket, key string) (*objectMeta, error) {
	info, err := os.Lstat(fst.objectPath(bucket, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errNotFound
	}
	var m objectMeta
	err = readJSON(fst.metaPath(bucket, key), &m)
	if err == nil && m.Size == info.Size() {
		return &m, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := os.Open(fst.objectPath(bucket, key))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	md := md5.New()
	crc := crc64.New(crcTable)
	n, err := io.Copy(io.MultiWriter(md, crc), f)
	if err != nil {
		return nil, err
	}
	sum := md.Sum(nil)
	return &objectMeta{
		Key: key, Size: n, ETag: quotedETag(sum), CRC64: crc.Sum64(), ContentMD5: b64(sum),
		LastModified: info.ModTime().UTC(), ContentType: defaultContentType,
	}, nil
}

func (fst *fileStore) Open(bucket, key string) (io.ReadSeekCloser, *objectMeta, error) {
	mu := fst.keyLock(bucket, key)
	mu.RLock()
	defer mu.RUnlock()
	m, err := fst.statLocked(bucket, key)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(fst.objectPath(bucket, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return f, m, nil
}

func (fst *fileStore) Stat(bucket, key string) (*objectMeta, error) {
	mu := fst.keyLock(bucket, key)
	mu.RLock()
	defer mu.RUnlock()
	return fst.statLocked(bucket, key)
}

func (fst *fileStore) Delete(bucket, key string) error {
	mu := fst.keyLock(bucket, key)
	mu.Lock()
	defer mu.Unlock()
	if err := os.Remove(fst.objectPath(bucket, key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(fst.metaPath(bucket, key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// decodeKey reverses encodeKey for names that are not hashed; ok is false
// when name is not the encoding of any key.
func decodeKey(name string) (string, bool) {
	if strings.HasPrefix(name, "~") {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '%' && i+2 < len(name) {
			v, err := hex.DecodeString(name[i+1 : i+3])
			if err != nil {
				return "", false
			}
			b.WriteByte(v[0])
			i += 2
			continue
		}
		b.WriteByte(name[i])
	}
	key := b.String()
	return key, key != "" && encodeKey(key) == name
}

func (fst *fileStore) List(bucket string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(fst.dir, bucket))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(ents))
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		key, ok := decodeKey(e.Name())
		if !ok && strings.HasPrefix(e.Name(), "~") {
			// A hashed name: the key is only in the metadata.
			var m objectMeta
			if readJSON(filepath.Join(fst.meta, bucket, e.Name()), &m) == nil && encodeKey(m.Key) == e.Name() {
				key, ok = m.Key, true
			}
		}
		if ok && checkObjectName(key) == nil {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// validUploadID reports whether id has the form newUploadID produces, so
// it can be used as a folder name.
func validUploadID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func (fst *fileStore) uploadDir(id string) string { return filepath.Join(fst.uploads, id) }

func (fst *fileStore) CreateUpload(u *uploadInfo) error {
	if !validUploadID(u.ID) {
		return fmt.Errorf("ossemu: bad upload id %q", u.ID)
	}
	if err := os.Mkdir(fst.uploadDir(u.ID), 0o755); err != nil {
		return err
	}
	return fst.writeJSON(filepath.Join(fst.uploadDir(u.ID), "upload.json"), u)
}

func (fst *fileStore) uploadLocked(id string) (*uploadInfo, error) {
	if !validUploadID(id) {
		return nil, errNoUpload
	}
	var u uploadInfo
	err := readJSON(filepath.Join(fst.uploadDir(id), "upload.json"), &u)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoUpload
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (fst *fileStore) Upload(id string) (*uploadInfo, error) {
	mu := fst.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	return fst.uploadLocked(id)
}

func partName(n int) string { return fmt.Sprintf("%05d", n) }

func (fst *fileStore) PutPart(id string, p *partInfo, st *staged) error {
	defer fst.Discard(st)
	mu := fst.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	if _, err := fst.uploadLocked(id); err != nil {
		return err
	}
	base := filepath.Join(fst.uploadDir(id), partName(p.Number))
	if err := os.Rename(st.ref, base+".part"); err != nil {
		return err
	}
	st.ref = ""
	return fst.writeJSON(base+".json", p)
}

func (fst *fileStore) partsLocked(id string) ([]partInfo, error) {
	if _, err := fst.uploadLocked(id); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(fst.uploadDir(id))
	if err != nil {
		return nil, err
	}
	var parts []partInfo
	for _, e := range ents {
		name := e.Name()
		if name == "upload.json" || !strings.HasSuffix(name, ".json") {
			continue
		}
		var p partInfo
		if err := readJSON(filepath.Join(fst.uploadDir(id), name), &p); err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	slices.SortFunc(parts, func(a, b partInfo) int { return a.Number - b.Number })
	return parts, nil
}

func (fst *fileStore) Parts(id string) ([]partInfo, error) {
	mu := fst.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	return fst.partsLocked(id)
}

func (fst *fileStore) Uploads(bucket string) ([]uploadInfo, error) {
	ents, err := os.ReadDir(fst.uploads)
	if err != nil {
		return nil, err
	}
	var out []uploadInfo
	for _, e := range ents {
		if !e.IsDir() || !validUploadID(e.Name()) {
			continue
		}
		u, err := fst.Upload(e.Name())
		if errors.Is(err, errNoUpload) {
			continue // being created, or completed or aborted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if u.Bucket == bucket {
			out = append(out, *u)
		}
	}
	slices.SortFunc(out, func(a, b uploadInfo) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (fst *fileStore) Concat(id string, parts []partInfo) (*staged, error) {
	mu := fst.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	current, err := fst.partsLocked(id)
	if err != nil {
		return nil, err
	}
	f, fw, err := fst.createTemp(WriteConcat)
	if err != nil {
		return nil, err
	}
	st := &staged{ref: f.Name()}
	crc := crc64.New(crcTable)
	w := io.MultiWriter(fw, crc)
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	err = func() error {
		for _, p := range parts {
			i := slices.IndexFunc(current, func(c partInfo) bool { return c.Number == p.Number })
			if i < 0 || current[i].ETag != p.ETag || current[i].Size != p.Size {
				return errBadPart
			}
			pf, err := os.Open(filepath.Join(fst.uploadDir(id), partName(p.Number)+".part"))
			if err != nil {
				return err
			}
			n, err := io.CopyBuffer(w, pf, *bp)
			pf.Close()
			if err != nil {
				return err
			}
			if n != p.Size {
				return errBadPart
			}
			st.Size += n
		}
		return nil
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fst.Discard(st)
		return nil, err
	}
	st.CRC64 = crc.Sum64()
	return st, nil
}

func (fst *fileStore) RemoveUpload(id string) error {
	mu := fst.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	if _, err := fst.uploadLocked(id); err != nil {
		return err
	}
	return os.RemoveAll(fst.uploadDir(id))
}
