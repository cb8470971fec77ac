package wechat

import (
	"bytes"
	"encoding/json"
)

// A light scanner of JSON that encoding/json has already accepted: it
// finds where values begin and end, so that each row can be kept as WeChat
// sent it while the rows are decoded in one pass of encoding/json (which
// would otherwise scan each row two more times to hand back its bytes).
// It trusts the syntax it is given and reports false on anything it does
// not expect, never reading out of bounds.

// arrayElements returns the elements of the JSON array b, as sub-slices
// of b.
func arrayElements(b []byte) ([][]byte, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	out := [][]byte{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, true
	}
	for i < len(b) {
		end := skipValue(b, i)
		if end < 0 {
			return nil, false
		}
		out = append(out, b[i:end])
		i = skipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ']':
			return out, true
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		default:
			return nil, false
		}
	}
	return nil, false
}

// objectMember returns the value of the last member of the JSON object b
// whose name matches name as encoding/json matches a field's name (exact,
// or ASCII case-insensitive), and whether there is one.
func objectMember(b []byte, name string) ([]byte, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	var found []byte
	ok := false
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		kend := skipString(b, i)
		if kend < 0 {
			return nil, false
		}
		key := b[i:kend]
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return nil, false
		}
		vend := skipValue(b, i)
		if vend < 0 {
			return nil, false
		}
		if keyIs(key, name) {
			found, ok = b[i:vend], true
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return found, ok
}

func keyIs(quoted []byte, name string) bool {
	k, plain := plainString(quoted)
	if !plain {
		if json.Unmarshal(quoted, &k) != nil {
			return false
		}
	}
	return k == name || bytes.EqualFold([]byte(k), []byte(name))
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipValue returns the index just after the value that starts at b[i],
// or -1.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := skipString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && !endsScalar(b[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func endsScalar(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\n', '\r', '\t':
		return true
	}
	return false
}

// skipString returns the index just after the string that starts at b[i],
// or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}
