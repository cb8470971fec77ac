package wechat

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Free text in an answer (titles, msgids, names) is cut to what can be
// served before a row is kept in memory or stored: a hostile or broken
// upstream's megabyte title would otherwise cost a megabyte per row per
// day, in the store and in every decoded copy, for a label of at most
// MaxTextRunes. The stored row stays WeChat's JSON, every field in it,
// with its long strings cut the same way, so that what is stored reads
// back as it read when fetched. A row still larger than MaxRowBytes after
// that is left out (SkipTooLarge).

// MaxTextRunes is the most runes of a text field kept: the longest label
// value the exporter serves of one (a title).
const MaxTextRunes = 128

// MaxRowBytes bounds one row as stored, its strings cut: the largest
// legitimate rows (an article's seven days of details) are a few
// kilobytes.
const MaxRowBytes = 64 << 10

// maxEncodedText is the longest a JSON string of MaxTextRunes runes can
// be: each rune escaped as \uXXXX (a surrogate pair is two runes' worth),
// and its quotes.
const maxEncodedText = MaxTextRunes*6 + 2

// cutText returns s cut to its first MaxTextRunes runes, in memory of its
// own (a cut of a large string would keep all of it alive).
func cutText(s string) (string, bool) {
	if len(s) <= MaxTextRunes {
		return s, false
	}
	n := 0
	for i := range s {
		if n == MaxTextRunes {
			return strings.Clone(s[:i]), true
		}
		n++
	}
	return s, false
}

// boundText cuts the text fields of the row (or detail) at base, and of
// its lists of details.
func (p *plan) boundText(base unsafe.Pointer) {
	for i := range p.fields {
		if f := &p.fields[i]; f.kind == kindText {
			ptr := (*string)(unsafe.Add(base, f.offset))
			if s, cut := cutText(*ptr); cut {
				*ptr = s
			}
		}
	}
	for _, l := range p.lists {
		list := (*sliceHeader)(unsafe.Add(base, l.offset))
		for j := 0; j < list.len; j++ {
			l.elem.boundText(unsafe.Add(list.data, uintptr(j)*l.size))
		}
	}
}

// boundRaw returns row, valid JSON, with every string longer than a text
// field is kept (keys too) cut to MaxTextRunes runes; row itself when
// none is.
func boundRaw(row []byte) []byte {
	if len(row) <= maxEncodedText {
		return row // no string in it can be longer
	}
	var out []byte // nil until a string is cut
	last := 0
	for i := 0; i < len(row); {
		if row[i] != '"' {
			i++
			continue
		}
		end := skipString(row, i)
		if end < 0 {
			return row // not JSON this scanner knows: left to the row bound
		}
		if end-i > maxEncodedText {
			var s string
			if json.Unmarshal(row[i:end], &s) == nil && utf8.RuneCountInString(s) > MaxTextRunes {
				s, _ = cutText(s)
				out = append(append(out, row[last:i]...), encodeText(s)...)
				last = end
			}
		}
		i = end
	}
	if out == nil {
		return row
	}
	return append(out, row[last:]...)
}

// encodeText encodes s as a JSON string without escaping HTML characters
// (WeChat does not).
func encodeText(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
