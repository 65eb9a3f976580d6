package notify

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

func encoded(t *testing.T, enc func(io.Writer, image.Image) error, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// riff wraps one WebP chunk in a RIFF/WEBP container.
func riff(fourCC string, payload []byte) []byte {
	if len(payload)%2 == 1 {
		payload = append(payload, 0)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+len(payload)))
	b.WriteString("WEBP")
	b.WriteString(fourCC)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	return b.Bytes()
}

// vp8x is an extended-format header with a canvas of w×h.
func vp8x(w, h int) []byte {
	p := make([]byte, 10)
	p[0] = 0x10 // alpha flag, irrelevant to the size
	w, h = w-1, h-1
	p[4], p[5], p[6] = byte(w), byte(w>>8), byte(w>>16)
	p[7], p[8], p[9] = byte(h), byte(h>>8), byte(h>>16)
	return riff("VP8X", p)
}

// vp8l is a lossless header of w×h (signature, then 14+14 bits of size-1).
func vp8l(w, h int) []byte {
	p := make([]byte, 5, 8)
	p[0] = 0x2f
	binary.LittleEndian.PutUint32(p[1:], uint32(w-1)|uint32(h-1)<<14)
	return riff("VP8L", append(p, 0, 0, 0))
}

// vp8 is a lossy key-frame header of w×h.
func vp8(w, h int, keyFrame bool) []byte {
	p := make([]byte, 10)
	if !keyFrame {
		p[0] = 1
	}
	p[3], p[4], p[5] = 0x9d, 0x01, 0x2a
	binary.LittleEndian.PutUint16(p[6:], uint16(w))
	binary.LittleEndian.PutUint16(p[8:], uint16(h))
	return riff("VP8 ", p)
}

// bmp is a file header plus a DIB header of the given size.
func bmp(dibSize uint32, w, h int32) []byte {
	b := make([]byte, 14+dibSize)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[14:], dibSize)
	if dibSize == 12 {
		binary.LittleEndian.PutUint16(b[18:], uint16(w))
		binary.LittleEndian.PutUint16(b[20:], uint16(h))
	} else {
		binary.LittleEndian.PutUint32(b[18:], uint32(w))
		binary.LittleEndian.PutUint32(b[22:], uint32(h))
	}
	return b
}

// jpegWithAPP puts n bytes of APP1 data before the frame header of a real
// JPEG, as an EXIF block would.
func jpegWithAPP(t *testing.T, w, h, n int) []byte {
	t.Helper()
	j := encoded(t, func(wr io.Writer, m image.Image) error { return jpeg.Encode(wr, m, nil) }, w, h)
	var b bytes.Buffer
	b.Write(j[:2]) // SOI
	for n > 0 {
		k := min(n, 65533)
		b.Write([]byte{0xff, 0xe1})
		_ = binary.Write(&b, binary.BigEndian, uint16(k+2))
		b.Write(bytes.Repeat([]byte{0xff}, k)) // 0xff data must not be taken for markers
		n -= k
	}
	b.Write(j[2:])
	return b.Bytes()
}

func TestDetectImage(t *testing.T) {
	t.Parallel()
	pngEnc := func(w io.Writer, m image.Image) error { return png.Encode(w, m) }
	jpegEnc := func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) }
	gifEnc := func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }
	pngData := encoded(t, pngEnc, 3, 2)
	tests := []struct {
		name string
		data []byte
		want ImageInfo
	}{
		{"png", pngData, ImageInfo{3, 2, "png"}},
		{"png large", encoded(t, pngEnc, 810, 539), ImageInfo{810, 539, "png"}},
		{"jpeg", encoded(t, jpegEnc, 17, 9), ImageInfo{17, 9, "jpg"}},
		{"jpeg after 100 KiB of APP1 segments", jpegWithAPP(t, 5, 4, 100<<10), ImageInfo{5, 4, "jpg"}},
		{"jpeg with fill bytes before a marker", append([]byte{0xff, 0xd8, 0xff, 0xff, 0xff}, encoded(t, jpegEnc, 6, 7)[3:]...), ImageInfo{6, 7, "jpg"}},
		{"gif", encoded(t, gifEnc, 300, 1), ImageInfo{300, 1, "gif"}},
		{"bmp v3 (40-byte header)", bmp(40, 640, 480), ImageInfo{640, 480, "bmp"}},
		{"bmp top-down (negative height)", bmp(124, 2, -3), ImageInfo{2, 3, "bmp"}},
		{"bmp OS/2 core header", bmp(12, 7, 8), ImageInfo{7, 8, "bmp"}},
		{"webp VP8X", vp8x(1000, 1<<16+5), ImageInfo{1000, 1<<16 + 5, "webp"}},
		{"webp VP8L", vp8l(16384, 1), ImageInfo{16384, 1, "webp"}},
		{"webp VP8 key frame", vp8(320, 240|0xc000, true), ImageInfo{320, 240, "webp"}},

		{"empty", nil, ImageInfo{}},
		{"text", []byte("hello, world: not an image at all"), ImageInfo{}},
		{"text starting with BM", []byte("BMW is a car maker, said the text file"), ImageInfo{}},
		{"png signature only", pngData[:8], ImageInfo{}},
		{"png truncated in IHDR", pngData[:20], ImageInfo{}},
		{"png first chunk not IHDR", append(append([]byte{}, pngData[:12]...), append([]byte("IDAT"), pngData[16:]...)...), ImageInfo{}},
		{"png zero width", func() []byte { b := bytes.Clone(pngData); copy(b[16:], []byte{0, 0, 0, 0}); return b }(), ImageInfo{}},
		{"jpeg SOI only", []byte{0xff, 0xd8, 0xff}, ImageInfo{}},
		{"jpeg scan before frame", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 2, 3}, ImageInfo{}},
		{"jpeg bad segment length", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 1, 0, 0}, ImageInfo{}},
		{"jpeg SOF too short", []byte{0xff, 0xd8, 0xff, 0xc0, 0, 4, 8, 0, 1, 0, 1}, ImageInfo{}},
		{"jpeg SOF beyond the read limit", jpegWithAPP(t, 5, 4, MaxImagePrefix), ImageInfo{}},
		{"gif truncated", []byte("GIF89a\x01"), ImageInfo{}},
		{"gif zero size", []byte("GIF89a\x00\x00\x00\x00"), ImageInfo{}},
		{"bmp unknown header size", bmp(41, 2, 2), ImageInfo{}},
		{"bmp truncated", bmp(40, 2, 2)[:20], ImageInfo{}},
		{"webp unknown chunk", riff("ALPH", make([]byte, 10)), ImageInfo{}},
		{"webp VP8 inter frame", vp8(320, 240, false), ImageInfo{}},
		{"webp VP8 bad start code", func() []byte { b := vp8(3, 3, true); b[23] = 0; return b }(), ImageInfo{}},
		{"webp VP8L bad signature", func() []byte { b := vp8l(3, 3); b[20] = 0; return b }(), ImageInfo{}},
		{"webp truncated", vp8x(3, 3)[:25], ImageInfo{}},
		{"riff but not webp", []byte("RIFF\x00\x00\x00\x00WAVEfmt " + strings.Repeat("\x00", 20)), ImageInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DetectImage(bytes.NewReader(tt.data)); got != tt.want {
				t.Fatalf("DetectImage = %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := DetectImage(nil); got != (ImageInfo{}) {
		t.Errorf("DetectImage(nil) = %+v", got)
	}
}

// TestDetectImageReadsBoundedPrefix checks that an endless stream is read
// no further than MaxImagePrefix.
func TestDetectImageReadsBoundedPrefix(t *testing.T) {
	t.Parallel()
	r := &countingReader{r: io.MultiReader(bytes.NewReader([]byte{0xff, 0xd8}), endless{})}
	if got := DetectImage(r); got != (ImageInfo{}) {
		t.Fatalf("DetectImage = %+v, want zero", got)
	}
	if r.n > MaxImagePrefix {
		t.Fatalf("read %d bytes, limit %d", r.n, MaxImagePrefix)
	}
}

type endless struct{}

// Read returns an endless run of 0x00 bytes (no JPEG marker).
func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
