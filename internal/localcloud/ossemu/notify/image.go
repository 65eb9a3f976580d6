package notify

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// ImageInfo is the source of ${imageInfo.width}, ${imageInfo.height} and
// ${imageInfo.format}. The zero value means "not an image": all three
// variables are then empty.
type ImageInfo struct {
	Width, Height int
	// Format is OSS's name for the format: "png", "jpg", "gif", "bmp" or
	// "webp"; "" when the object is not an image.
	Format string
}

// MaxImagePrefix is the most DetectImage reads. A JPEG's size sits in its
// SOF segment, after any EXIF, ICC and XMP segments (up to 64 KiB each), so
// the bound is generous; the other formats need at most 30 bytes.
const MaxImagePrefix = 1 << 20

// DetectImage reads an image header (PNG, JPEG, GIF, BMP or WebP) and
// reports its size and format with OSS's format names ("png", "jpg", "gif",
// "bmp", "webp"). It returns the zero ImageInfo for anything else, for a
// truncated or inconsistent header, and for a zero width or height. It
// reads at most MaxImagePrefix bytes and does not decode pixels, so a file
// with a valid header and corrupt data still counts as an image.
func DetectImage(r io.Reader) ImageInfo {
	if r == nil {
		return ImageInfo{}
	}
	br := bufio.NewReaderSize(io.LimitReader(r, MaxImagePrefix), 4096)
	head, _ := br.Peek(30) // fewer bytes at EOF; each parser checks length
	var info ImageInfo
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		info = pngInfo(head)
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		info = jpegInfo(br)
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		info = gifInfo(head)
	case bytes.HasPrefix(head, []byte("BM")):
		info = bmpInfo(head)
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		info = webpInfo(head)
	}
	if info.Width <= 0 || info.Height <= 0 {
		return ImageInfo{}
	}
	return info
}

// pngInfo reads the IHDR chunk, which PNG requires to come first.
func pngInfo(h []byte) ImageInfo {
	if len(h) < 24 || string(h[12:16]) != "IHDR" {
		return ImageInfo{}
	}
	w, ht := binary.BigEndian.Uint32(h[16:]), binary.BigEndian.Uint32(h[20:])
	if w > 1<<31-1 || ht > 1<<31-1 {
		return ImageInfo{}
	}
	return ImageInfo{Width: int(w), Height: int(ht), Format: "png"}
}

// gifInfo reads the logical screen descriptor.
func gifInfo(h []byte) ImageInfo {
	if len(h) < 10 {
		return ImageInfo{}
	}
	return ImageInfo{
		Width:  int(binary.LittleEndian.Uint16(h[6:])),
		Height: int(binary.LittleEndian.Uint16(h[8:])),
		Format: "gif",
	}
}

// bmpInfo reads the DIB header after the 14-byte file header. Only the
// header sizes Windows and OS/2 define are accepted, which also keeps text
// that happens to start with "BM" from counting as an image. A negative
// height (a top-down bitmap) is reported as its absolute value.
func bmpInfo(h []byte) ImageInfo {
	if len(h) < 26 {
		return ImageInfo{}
	}
	var w, ht int
	switch binary.LittleEndian.Uint32(h[14:]) {
	case 12: // BITMAPCOREHEADER, OS/2 1.x
		w = int(binary.LittleEndian.Uint16(h[18:]))
		ht = int(binary.LittleEndian.Uint16(h[20:]))
	case 16, 40, 52, 56, 64, 108, 124:
		w = int(int32(binary.LittleEndian.Uint32(h[18:])))
		ht = int(int32(binary.LittleEndian.Uint32(h[22:])))
	default:
		return ImageInfo{}
	}
	if ht < 0 {
		ht = -ht
	}
	return ImageInfo{Width: w, Height: ht, Format: "bmp"}
}

// webpInfo reads the first chunk after "RIFF" size "WEBP" (RFC 9649): a
// lossy "VP8 " key frame, a lossless "VP8L" header, or the "VP8X" canvas
// size of an extended file.
func webpInfo(h []byte) ImageInfo {
	if len(h) < 20 {
		return ImageInfo{}
	}
	d := h[20:] // chunk payload, after the 4-byte FourCC and 4-byte size
	var w, ht int
	switch string(h[12:16]) {
	case "VP8 ":
		// 3-byte frame tag (bit 0 clear on a key frame), start code
		// 9d 01 2a, then 14-bit width and height with 2-bit scales.
		if len(d) < 10 || d[0]&1 != 0 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return ImageInfo{}
		}
		w = int(binary.LittleEndian.Uint16(d[6:]) & 0x3fff)
		ht = int(binary.LittleEndian.Uint16(d[8:]) & 0x3fff)
	case "VP8L":
		// Signature 0x2f, then width-1 and height-1 in 14 bits each.
		if len(d) < 5 || d[0] != 0x2f {
			return ImageInfo{}
		}
		bits := binary.LittleEndian.Uint32(d[1:])
		w = int(bits&0x3fff) + 1
		ht = int(bits>>14&0x3fff) + 1
	case "VP8X":
		// Flags (1 byte), reserved (3), canvas width-1 and height-1 in
		// 24 bits each.
		if len(d) < 10 {
			return ImageInfo{}
		}
		w = int(uint32(d[4])|uint32(d[5])<<8|uint32(d[6])<<16) + 1
		ht = int(uint32(d[7])|uint32(d[8])<<8|uint32(d[9])<<16) + 1
	default:
		return ImageInfo{}
	}
	return ImageInfo{Width: w, Height: ht, Format: "webp"}
}

// jpegInfo walks the JPEG markers after SOI until the first SOF segment.
// It gives up at SOS or EOI (no frame header before the scan), at a
// malformed length, or at the read limit.
func jpegInfo(br *bufio.Reader) ImageInfo {
	if _, err := br.Discard(2); err != nil { // SOI
		return ImageInfo{}
	}
	for {
		// Find the next marker: skip stray bytes, then 0xFF fill bytes.
		c, err := br.ReadByte()
		for err == nil && c != 0xff {
			c, err = br.ReadByte()
		}
		for err == nil && c == 0xff {
			c, err = br.ReadByte()
		}
		if err != nil {
			return ImageInfo{}
		}
		switch {
		case c == 0x00, c == 0x01, c == 0xd8, 0xd0 <= c && c <= 0xd7:
			continue // stuffed byte, TEM, SOI, RSTn: no length field
		case c == 0xd9, c == 0xda:
			return ImageInfo{} // EOI or SOS before any SOF
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return ImageInfo{}
		}
		n := int(binary.BigEndian.Uint16(lb[:]))
		if n < 2 {
			return ImageInfo{}
		}
		if 0xc0 <= c && c <= 0xcf && c != 0xc4 && c != 0xc8 && c != 0xcc {
			// SOFn: precision (1), height (2), width (2), ...
			var sof [5]byte
			if n < 2+len(sof) {
				return ImageInfo{}
			}
			if _, err := io.ReadFull(br, sof[:]); err != nil {
				return ImageInfo{}
			}
			return ImageInfo{
				Width:  int(binary.BigEndian.Uint16(sof[3:])),
				Height: int(binary.BigEndian.Uint16(sof[1:])),
				Format: "jpg",
			}
		}
		if _, err := br.Discard(n - 2); err != nil {
			return ImageInfo{}
		}
	}
}
