package wechat

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// The figures of a row. WeChat adds fields before documenting them, older
// answers lack newer ones, and SDKs disagree on whether a number is sent
// as 12, 12.0 or "12": so every figure of a row is optional, and read as
// it comes. A figure that is not there, or is null, negative or not a
// number, is not known: it gives no series (never a 0), and the rest of
// the row counts as usual (see Screen for how it is reported).
//
// The zero value of each type is "missing", so that a field the answer
// does not carry decodes as absent; and each is as small as the plain
// number it replaces (rows are the largest thing the exporter keeps).
// Decoding never fails: a value that cannot be a figure is recorded as
// such, not returned as an error, which would lose the whole answer.

// Absence says why a figure is not known.
type Absence uint8

// Why a figure is not known.
const (
	Present  Absence = iota
	Missing          // the answer has no such field
	Null             // the field is null
	Negative         // a negative number: WeChat counts nothing below zero
	Invalid          // not a number this figure can be (text, a fraction for a count, beyond int64)
)

var absenceNames = [...]string{"present", "missing", "null", "negative", "invalid"}

func (a Absence) String() string {
	if int(a) < len(absenceNames) {
		return absenceNames[a]
	}
	return "invalid"
}

// Count is a count or an amount in WeChat's unit (fen, milliseconds): a
// whole number, zero or more, or absent.
type Count struct {
	// n is the value plus one; zero or less is absent, -n the Absence
	// minus one (0 Missing, -1 Null, ...).
	n int64
}

// CountOf returns the known count v (absent if v is negative).
func CountOf(v int64) Count {
	if v < 0 || v == math.MaxInt64 {
		return absentCount(Negative)
	}
	return Count{v + 1}
}

func absentCount(a Absence) Count { return Count{-int64(a) + 1} }

// Value returns the count, and whether it is known.
func (c Count) Value() (int64, bool) {
	if c.n <= 0 {
		return 0, false
	}
	return c.n - 1, true
}

// Known reports whether the count was given.
func (c Count) Known() bool { return c.n > 0 }

// Or returns the count, or def when it is not known.
func (c Count) Or(def int64) int64 {
	if v, ok := c.Value(); ok {
		return v
	}
	return def
}

// Absence says why the count is not known (Present if it is).
func (c Count) Absence() Absence {
	if c.n > 0 {
		return Present
	}
	return Absence(1 - c.n)
}

// Add returns the sum of two counts, known only when both are.
func (c Count) Add(o Count) Count {
	a, ok1 := c.Value()
	b, ok2 := o.Value()
	switch {
	case !ok1:
		return c
	case !ok2:
		return o
	case a > math.MaxInt64-2-b:
		return absentCount(Invalid)
	}
	return CountOf(a + b)
}

// UnmarshalJSON reads a whole number, as a JSON number (12, 12.0, 1.2e1)
// or a numeric string ("12"); anything else leaves it absent.
func (c *Count) UnmarshalJSON(b []byte) error {
	if n, ok := wholeNumber(b); ok {
		*c = Count{n + 1}
		return nil
	}
	v, why := parseNumber(b)
	switch {
	case why != Present:
		*c = absentCount(why)
	case v < 0:
		*c = absentCount(Negative)
	case v != math.Trunc(v) || v >= math.MaxInt64:
		*c = absentCount(Invalid)
	default:
		*c = Count{int64(v) + 1}
	}
	return nil
}

// String prints the count, or why it is not known.
func (c Count) String() string {
	if v, ok := c.Value(); ok {
		return strconv.FormatInt(v, 10)
	}
	return "(" + c.Absence().String() + ")"
}

// MarshalJSON writes the count, or null when it is not known.
func (c Count) MarshalJSON() ([]byte, error) {
	if v, ok := c.Value(); ok {
		return strconv.AppendInt(nil, v, 10), nil
	}
	return []byte("null"), nil
}

// Decimal is a figure WeChat sends with a fraction (a rate, an eCPM, an
// average time): zero or more, or absent.
type Decimal struct {
	// bits are the float64's bits XOR quietNaN, so that the zero value
	// reads as NaN (absent); an absent figure's bits are its Absence
	// minus one (0 Missing, 1 Null, ...), which XOR quietNaN are NaNs too.
	bits uint64
}

const quietNaN = 0x7ff8000000000000

// DecimalOf returns the known decimal v (absent if v is negative or not a
// number).
func DecimalOf(v float64) Decimal {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return absentDecimal(Invalid)
	case v < 0:
		return absentDecimal(Negative)
	}
	return Decimal{math.Float64bits(v+0) ^ quietNaN} // +0 makes -0 0
}

func absentDecimal(a Absence) Decimal { return Decimal{uint64(a) - 1} }

// Value returns the decimal, and whether it is known.
func (d Decimal) Value() (float64, bool) {
	v := math.Float64frombits(d.bits ^ quietNaN)
	return v, !math.IsNaN(v)
}

// Known reports whether the decimal was given.
func (d Decimal) Known() bool { _, ok := d.Value(); return ok }

// Absence says why the decimal is not known (Present if it is).
func (d Decimal) Absence() Absence {
	if d.Known() {
		return Present
	}
	if d.bits < uint64(Invalid) {
		return Absence(d.bits + 1)
	}
	return Invalid
}

// UnmarshalJSON reads a number, as a JSON number or a numeric string;
// anything else leaves it absent.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	v, why := parseNumber(b)
	if why != Present {
		*d = absentDecimal(why)
		return nil
	}
	*d = DecimalOf(v)
	return nil
}

// String prints the decimal, or why it is not known.
func (d Decimal) String() string {
	if v, ok := d.Value(); ok {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "(" + d.Absence().String() + ")"
}

// MarshalJSON writes the decimal, or null when it is not known.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if v, ok := d.Value(); ok {
		return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
	}
	return []byte("null"), nil
}

// Code is a whole number that names something rather than counting it: an
// enumeration value (user_source, msg_type) or an hour. It may be
// negative; it is absent when not given as a whole number.
type Code struct {
	// x is the value with its sign bit flipped, so that the zero value
	// stands for math.MinInt64. The four codes from math.MinInt64 up,
	// which no JSON answer means, stand for the Absences (0 Missing, 1
	// Null, ...).
	x int64
}

// CodeOf returns the code v.
func CodeOf(v int64) Code {
	c := Code{v ^ math.MinInt64}
	if !c.Known() {
		return absentCode(Invalid)
	}
	return c
}

func absentCode(a Absence) Code { return Code{int64(a) - 1} }

// Value returns the code, and whether it is known.
func (c Code) Value() (int64, bool) { return c.x ^ math.MinInt64, c.Known() }

// Known reports whether the code was given.
func (c Code) Known() bool { return c.x < 0 || c.x > int64(Invalid)-1 }

// Absence says why the code is not known (Present if it is).
func (c Code) Absence() Absence {
	if c.Known() {
		return Present
	}
	return Absence(c.x + 1)
}

// UnmarshalJSON reads a whole number, as a JSON number or a numeric
// string; anything else leaves it absent.
func (c *Code) UnmarshalJSON(b []byte) error {
	if n, ok := wholeNumber(b); ok {
		*c = CodeOf(n)
		return nil
	}
	v, why := parseNumber(b)
	switch {
	case why != Present:
		*c = absentCode(why)
	case v != math.Trunc(v) || math.Abs(v) >= math.MaxInt64:
		*c = absentCode(Invalid)
	default:
		*c = CodeOf(int64(v))
	}
	return nil
}

// String prints the code, or why it is not known.
func (c Code) String() string {
	if v, ok := c.Value(); ok {
		return strconv.FormatInt(v, 10)
	}
	return "(" + c.Absence().String() + ")"
}

// MarshalJSON writes the code, or null when it is not known.
func (c Code) MarshalJSON() ([]byte, error) {
	if v, ok := c.Value(); ok {
		return strconv.AppendInt(nil, v, 10), nil
	}
	return []byte("null"), nil
}

// FlexString decodes a JSON string or number as text: WeChat sends ids
// as numbers in one answer and strings in another. Anything else (null,
// an object) reads as empty: text is a label or a key, never worth the
// answer.
type FlexString string

// UnmarshalJSON accepts a string or a number; anything else is empty.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	*f = ""
	switch {
	case len(b) == 0:
	case b[0] == '"':
		if s, ok := plainString(b); ok {
			*f = FlexString(s)
			return nil
		}
		var s string
		if json.Unmarshal(b, &s) == nil {
			*f = FlexString(s)
		}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*f = FlexString(b)
	}
	return nil
}

// plainString returns the content of a JSON string without escapes.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		return "", false
	}
	return string(inner), true
}

// wholeNumber reads a JSON number of digits only (the usual form of a
// count), fast and exact; anything else is left to parseNumber.
func wholeNumber(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseNumber reads a number from a JSON value: a number, or a string
// holding one (as some SDKs and proxies send them).
func parseNumber(b []byte) (float64, Absence) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return 0, Missing
	case b[0] == 'n':
		return 0, Null
	case b[0] == '"':
		s, ok := plainString(b)
		if !ok {
			return 0, Invalid
		}
		b = bytes.TrimSpace([]byte(s))
	}
	if !isJSONNumber(b) {
		return 0, Invalid
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, Invalid
	}
	return v + 0, Present // +0 makes -0 0
}

// isJSONNumber reports whether b has the form of a JSON number (so that
// ParseFloat's "Inf", "NaN", "0x1p3" and "1_000" are not figures).
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		frac := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == frac {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == exp {
			return false
		}
	}
	return i == len(b)
}
