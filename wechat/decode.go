package wechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

// Reading rows. The contract with WeChat, as tolerant as WeChat is loose:
//
//   - A row needs only its keys: its day (ref_date, or "date" for the ad
//     rows), and for rows that have them its msgid, its hour (ref_hour)
//     and its enumeration (user_source, msg_type, share_scene,
//     count_interval, ...). A row without one of its keys is left out
//     (Skip: SkipMissingKey): it cannot be told from the others.
//   - Every figure is optional (figures.go): a figure that is missing,
//     null, negative or not a number gives no series, and the rest of the
//     row counts. The day is stored as final and not asked again, its rows
//     as WeChat sent them, unknown fields included.
//   - Numbers are read as WeChat has been seen to send them: integers,
//     decimals (12.0 for a count, 0.41 for a rate), numeric strings.
//   - A row of a day outside the range asked is left out
//     (SkipOutOfRange); of rows with the same keys the last one wins, the
//     others are left out (SkipDuplicate).
//   - An element of a list inside a row without its key (an article's
//     statistics day without its stat_date, a read_user_source without
//     its scene_desc) is left out of the row and reported as its key
//     missing (a Gap): it costs only itself, on the way in and when the
//     stored row is read back.
//   - What was left out or not known is counted (Report): the exporter
//     shows it as wechat_datacube_fields_missing_total and
//     wechat_datacube_rows_skipped_total.
//
// The rows are decoded by one pass of encoding/json into the row type; a
// light scan (jsonscan.go) finds each row's bytes, and a plan of the row
// type, made once, finds its keys and figures without reflection on each
// value.

// Skip says why a row was left out.
type Skip uint8

// Why rows are left out.
const (
	SkipMissingKey Skip = iota // a row without one of its keys
	SkipOutOfRange             // a row of a day the request did not ask for
	SkipDuplicate              // a row with the same keys as a later one
	SkipTooLarge               // a row of more than MaxRowBytes, its text cut (bound.go)
)

var skipNames = [...]string{"missing_key", "out_of_range", "duplicate", "too_large"}

func (s Skip) String() string {
	if int(s) < len(skipNames) {
		return skipNames[s]
	}
	return "unknown"
}

// Gap is a figure that was not known: its field, as a path of JSON names
// below the row (details.int_page_from_feed_read_user), and why.
type Gap struct {
	Field string
	Why   Absence
}

// Report is what reading an answer could not use: figures not known
// (counted once per row, or per detail of a row, that lacks them) and rows
// left out.
type Report struct {
	Gaps    map[Gap]int
	Skipped map[Skip]int
	// Example says, for each kind of skip, what the first row left out
	// lacked or was, for a log line.
	Example map[Skip]string
}

func (r *Report) gap(field string, why Absence) {
	if r.Gaps == nil {
		r.Gaps = map[Gap]int{}
	}
	r.Gaps[Gap{field, why}]++
}

func (r *Report) skip(s Skip, example string) {
	if r.Skipped == nil {
		r.Skipped, r.Example = map[Skip]int{}, map[Skip]string{}
	}
	if r.Skipped[s] == 0 {
		r.Example[s] = example
	}
	r.Skipped[s]++
}

// Add adds o's counts to r.
func (r *Report) Add(o Report) {
	for g, n := range o.Gaps {
		if r.Gaps == nil {
			r.Gaps = map[Gap]int{}
		}
		r.Gaps[g] += n
	}
	for s, n := range o.Skipped {
		if r.Skipped[s] == 0 {
			r.skip(s, o.Example[s])
			n--
		}
		r.Skipped[s] += n
	}
}

// SortedGaps returns the gaps sorted by field and reason.
func (r Report) SortedGaps() []Gap {
	gaps := make([]Gap, 0, len(r.Gaps))
	for g := range r.Gaps {
		gaps = append(gaps, g)
	}
	sort.Slice(gaps, func(i, j int) bool {
		if gaps[i].Field != gaps[j].Field {
			return gaps[i].Field < gaps[j].Field
		}
		return gaps[i].Why < gaps[j].Why
	})
	return gaps
}

// rowDay says how rows get their day, and which days the request asked.
type rowDay struct {
	// asked is the request's range. Rows outside it are left out when
	// check is set; ad rows whose "date" is not a date (the rebate goods
	// sample's "20XX-XX-XX") belong to it when it is one day.
	asked  Range
	check  bool
	period Period // a week's or month's row is labelled with its first day, maybe before asked.Begin
	// day dates rows the answer does not date (Live rows, the
	// settlement snapshot): the day they were asked for.
	day Date
}

// rowCodec decodes an endpoint's rows into its row type.
type rowCodec struct {
	typ  reflect.Type
	plan *plan
	// body returns a datacube answer to decode the whole body into, in
	// one pass.
	body func() answerBody
	// list decodes a JSON array of rows; with keepRaw it also returns
	// each kept row's bytes.
	list func(b []byte, d rowDay, keepRaw bool, rep *Report) ([]Row, []json.RawMessage, error)
}

func codec[T Row]() *rowCodec {
	var zero T
	p := planOf(reflect.TypeOf(zero), "")
	return &rowCodec{
		typ:  reflect.TypeOf(zero),
		plan: p,
		body: func() answerBody { return &typedBody[T]{plan: p} },
		list: func(b []byte, d rowDay, keepRaw bool, rep *Report) ([]Row, []json.RawMessage, error) {
			var list []T
			if err := tolerate(json.Unmarshal(b, &list), list != nil, "", rep); err != nil {
				return nil, nil, err
			}
			var elems [][]byte
			if keepRaw {
				var ok bool
				if elems, ok = arrayElements(b); !ok || len(elems) != len(list) {
					return nil, nil, errors.New("the rows could not be told apart")
				}
			}
			rows, raw := screenRows(p, list, elems, d, rep)
			return rows, raw, nil
		},
	}
}

// tolerate judges a decoding error: a type mismatch inside the rows (a
// detail that is a number, a row that is not an object) costs what it
// touches, reported as an invalid field; anything else, or rows that are
// not a list at all (decoded is false), is an error.
func tolerate(err error, decoded bool, prefix string, rep *Report) error {
	var te *json.UnmarshalTypeError
	if err == nil {
		return nil
	}
	if !errors.As(err, &te) || !decoded {
		return describeJSONError(err)
	}
	field := strings.TrimPrefix(strings.TrimPrefix(te.Field, prefix), ".")
	if field == "" {
		field = "(row)"
	}
	rep.gap(field, Invalid)
	return nil
}

// answerBody is a datacube answer decoded in one pass with its envelope
// (see transport.decode).
type answerBody interface {
	env() *envelope
	delayed() bool
	decoded() bool // whether the list was a list
	// rows screens the decoded rows; body is the answer they came from.
	rows(body []byte, d rowDay, rep *Report) ([]Row, []json.RawMessage, error)
}

type typedBody[T Row] struct {
	envelope
	List    []T  `json:"list"`
	IsDelay bool `json:"is_delay"`
	plan    *plan
}

func (b *typedBody[T]) env() *envelope { return &b.envelope }
func (b *typedBody[T]) delayed() bool  { return b.IsDelay }
func (b *typedBody[T]) decoded() bool  { return len(b.List) > 0 }

func (b *typedBody[T]) rows(body []byte, d rowDay, rep *Report) ([]Row, []json.RawMessage, error) {
	if len(b.List) == 0 {
		return nil, nil, nil // tolerant: an answer without "list" means no data
	}
	list, _ := objectMember(body, "list")
	elems, ok := arrayElements(list)
	if !ok || len(elems) != len(b.List) {
		return nil, nil, errors.New("list: the rows could not be told apart")
	}
	rows, raw := screenRows(b.plan, b.List, elems, d, rep)
	return rows, raw, nil
}

// screenRows dates the rows the answer does not date, reports their
// unknown figures, and leaves out rows without their keys, outside the
// range asked, or followed by a row with the same keys. raw[i] is list[i]
// as sent (or raw is nil).
func screenRows[T Row](p *plan, list []T, raw [][]byte, d rowDay, rep *Report) ([]Row, []json.RawMessage) {
	if rep == nil {
		rep = &Report{}
	}
	rows := make([]Row, 0, len(list))
	var kept []json.RawMessage
	if raw != nil {
		kept = make([]json.RawMessage, 0, len(list))
	}
	var seen map[rowKey]int
	if len(list) > 1 {
		seen = make(map[rowKey]int, len(list))
	}
	for i := range list {
		row := &list[i]
		dateRow(any(row), d)
		base := unsafe.Pointer(row)
		p.boundText(base)
		shareStrings(row)
		var rawRow []byte
		if raw != nil {
			if rawRow = boundRaw(raw[i]); len(rawRow) > MaxRowBytes {
				rep.skip(SkipTooLarge, fmt.Sprintf("a row of %d bytes", len(rawRow)))
				continue
			}
		}
		if missing := p.screen(base, rep); missing != "" {
			rep.skip(SkipMissingKey, "a row without "+missing)
			continue
		}
		if day := (*row).RowDate(); d.check && !d.holds(day) {
			rep.skip(SkipOutOfRange, fmt.Sprintf("a row of %s in an answer for %s", day, d.asked))
			continue
		}
		if seen != nil {
			k := p.key(base)
			if j, dup := seen[k]; dup {
				rep.skip(SkipDuplicate, "a second row for "+p.describeKey(base))
				rows[j] = *row // the last one wins
				if raw != nil {
					kept[j] = rawRow
				}
				continue
			}
			seen[k] = len(rows)
		}
		rows = append(rows, *row)
		if raw != nil {
			kept = append(kept, rawRow)
		}
	}
	return rows, kept
}

// holds reports whether a row of day belongs to the range asked: a daily
// row's day is in it, a week's or month's label is the first day of a
// period that overlaps it.
func (d rowDay) holds(day Date) bool {
	first := d.asked.Begin
	switch d.period {
	case Weekly:
		first = first.WeekStart()
	case Monthly:
		first = first.MonthStart()
	}
	return day >= first && day <= d.asked.End
}

// dateRow gives a row the day the answer does not give it.
func dateRow(row any, d rowDay) {
	r, ok := row.(interface{ setDate(Date) })
	switch {
	case !ok:
	case d.day != 0:
		r.setDate(d.day)
	default:
		t, ok := row.(interface{ dateText() string })
		if !ok {
			return
		}
		if day, err := ParseDate(t.dateText()); err == nil {
			r.setDate(day)
		} else if d.asked.Days() == 1 {
			r.setDate(d.asked.Begin)
		}
	}
}

// The plan of a row type: where its keys, figures and lists of details
// are, found once by reflection.

type fieldKind uint8

const (
	kindCount fieldKind = iota
	kindDecimal
	kindCode
	kindDate
	kindText
)

var (
	countType   = reflect.TypeOf(Count{})
	decimalType = reflect.TypeOf(Decimal{})
	codeType    = reflect.TypeOf(Code{})
	dateType    = reflect.TypeOf(Date(0))
	flexType    = reflect.TypeOf(FlexString(""))
	stringType  = reflect.TypeOf("")
)

type planField struct {
	offset   uintptr
	path     string
	kind     fieldKind
	key      bool   // the row (or detail) cannot be told apart without it
	optional bool   // a key whose absence means something (getuserread's all-sources row)
	alt      int    // the index of the same figure under another name, or -1
	altFor   string // for another name of a figure, that figure's path
}

type planList struct {
	offset uintptr
	path   string
	typ    reflect.Type // the slice type
	size   uintptr      // of an element
	elem   *plan
}

type plan struct {
	fields []planField
	lists  []planList
	keys   []int // indexes of the key fields in fields
}

// planOf builds the plan of a struct type from its fields' JSON names and
// wx tags: wx:"key" marks a key, wx:"key,optional" one that may be
// absent, wx:"alt=NAME" another name of the figure NAME. Paths start with
// prefix (the list a detail type is in).
func planOf(t reflect.Type, prefix string) *plan {
	p := &plan{}
	p.add(t, 0, prefix)
	for i := range p.fields {
		p.fields[i].alt = -1
	}
	for j, g := range p.fields {
		for i, f := range p.fields {
			if g.altFor != "" && f.path == g.altFor {
				p.fields[i].alt = j
			}
		}
		if g.key {
			p.keys = append(p.keys, j)
		}
	}
	if n := p.countKeys(kindCode); n > len(rowKey{}.codes) {
		panic(fmt.Sprintf("wechat: %s has %d code keys", t, n))
	}
	return p
}

func (p *plan) countKeys(k fieldKind) int {
	n := 0
	for _, i := range p.keys {
		if p.fields[i].kind == k {
			n++
		}
	}
	return n
}

func (p *plan) add(t reflect.Type, base uintptr, prefix string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		off := base + f.Offset
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			p.add(f.Type, off, prefix)
			continue
		}
		if name == "" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		wx := f.Tag.Get("wx")
		pf := planField{offset: off, path: path, key: strings.HasPrefix(wx, "key"), optional: wx == "key,optional"}
		if alt, ok := strings.CutPrefix(wx, "alt="); ok {
			pf.altFor = alt
			if prefix != "" {
				pf.altFor = prefix + "." + alt
			}
		}
		switch ft := f.Type; {
		case ft == countType:
			pf.kind = kindCount
		case ft == decimalType:
			pf.kind = kindDecimal
		case ft == codeType:
			pf.kind = kindCode
		case ft == dateType:
			pf.kind = kindDate
		case ft == flexType || ft == stringType:
			pf.kind = kindText
		case ft.Kind() == reflect.Struct:
			p.add(ft, off, path)
			continue
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			p.lists = append(p.lists, planList{offset: off, path: path, typ: ft, size: ft.Elem().Size(), elem: planOf(ft.Elem(), path)})
			continue
		default:
			continue
		}
		p.fields = append(p.fields, pf)
	}
}

// screen returns the path of a key the row (or detail) at base lacks, or
// ""; for a row with its keys, it reports the unknown figures and leaves
// out its details without their keys. A row left out costs no figure.
func (p *plan) screen(base unsafe.Pointer, rep *Report) (missingKey string) {
	for _, i := range p.keys {
		f := &p.fields[i]
		if !f.optional && f.absence(unsafe.Add(base, f.offset)) != Present {
			return f.path
		}
	}
	for i := range p.fields {
		f := &p.fields[i]
		if f.key || f.altFor != "" {
			continue // an alternative name is reported with the figure it names
		}
		why := f.absence(unsafe.Add(base, f.offset))
		if why == Present || f.alt >= 0 && p.fields[f.alt].absence(unsafe.Add(base, p.fields[f.alt].offset)) == Present {
			continue
		}
		rep.gap(f.path, why)
	}
	for _, l := range p.lists {
		list := (*sliceHeader)(unsafe.Add(base, l.offset))
		if list.data == nil {
			rep.gap(l.path, Missing)
			continue
		}
		var keep []bool // nil while every element has its keys
		for j := 0; j < list.len; j++ {
			if missing := l.elem.screen(unsafe.Add(list.data, uintptr(j)*l.size), rep); missing != "" {
				// The element costs only itself, as a figure would: the
				// row, and the day, are served and final. The stored row
				// keeps it, and reads back without it the same way.
				rep.gap(missing, Missing)
				if keep == nil {
					keep = make([]bool, list.len)
					for k := range j {
						keep[k] = true
					}
				}
			} else if keep != nil {
				keep[j] = true
			}
		}
		if keep != nil {
			l.compact(unsafe.Add(base, l.offset), keep)
		}
	}
	return ""
}

// sliceHeader is how Go lays out a slice: the plan reads a row's lists of
// details without reflection on each row.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// compact leaves out of the list at ptr the elements keep does not keep.
func (l *planList) compact(ptr unsafe.Pointer, keep []bool) {
	v := reflect.NewAt(l.typ, ptr).Elem()
	n := 0
	for j, k := range keep {
		if k {
			if n != j {
				v.Index(n).Set(v.Index(j))
			}
			n++
		}
	}
	v.SetLen(n)
}

func (f *planField) absence(ptr unsafe.Pointer) Absence {
	switch f.kind {
	case kindCount:
		return (*Count)(ptr).Absence()
	case kindDecimal:
		return (*Decimal)(ptr).Absence()
	case kindCode:
		return (*Code)(ptr).Absence()
	case kindDate:
		if *(*Date)(ptr) == 0 {
			return Missing
		}
	case kindText:
		if f.key && *(*string)(ptr) == "" {
			return Missing
		}
	}
	return Present
}

// rowKey identifies a row among an answer's: its day, its codes (hour,
// enumeration) and its text keys (msgid, API path, ad slot).
type rowKey struct {
	date  Date
	codes [2]int64
	text  string
}

func (p *plan) key(base unsafe.Pointer) rowKey {
	var k rowKey
	c := 0
	for _, i := range p.keys {
		f := &p.fields[i]
		ptr := unsafe.Add(base, f.offset)
		switch f.kind {
		case kindDate:
			k.date = *(*Date)(ptr)
		case kindCode:
			k.codes[c] = (*Code)(ptr).x
			c++
		case kindText:
			if k.text != "" {
				k.text += "\x00"
			}
			k.text += *(*string)(ptr)
		}
	}
	return k
}

// describeKey names a row by its keys, for a log line.
func (p *plan) describeKey(base unsafe.Pointer) string {
	var parts []string
	for _, i := range p.keys {
		f := &p.fields[i]
		ptr := unsafe.Add(base, f.offset)
		var v string
		switch f.kind {
		case kindDate:
			v = (*(*Date)(ptr)).String()
		case kindCode:
			n, ok := (*Code)(ptr).Value()
			v = "absent"
			if ok {
				v = fmt.Sprint(n)
			}
		case kindText:
			v = truncate(*(*string)(ptr), 32)
		}
		parts = append(parts, f.path+"="+v)
	}
	return strings.Join(parts, " ")
}

// Figures returns the figures of an endpoint's rows, as paths of JSON
// names below the row (details.target_user), in the order of the row
// type: what an answer may lack, each costing only its own series.
func (e Endpoint) Figures() []string {
	if e.rows == nil {
		return nil
	}
	return e.rows.plan.figures()
}

// Keys returns the keys of an endpoint's rows: a row without one of them
// is left out (optional ones excepted).
func (e Endpoint) Keys() []string {
	if e.rows == nil {
		return nil
	}
	var out []string
	for _, i := range e.rows.plan.keys {
		if f := e.rows.plan.fields[i]; !f.optional {
			out = append(out, f.path)
		}
	}
	return out
}

// ElementKeys returns the keys of the elements of the lists inside an
// endpoint's rows (details.stat_date, ...): an element without one is
// left out of its row, which is kept.
func (e Endpoint) ElementKeys() []string {
	if e.rows == nil {
		return nil
	}
	return e.rows.plan.elementKeys()
}

func (p *plan) elementKeys() []string {
	var out []string
	for _, l := range p.lists {
		for _, i := range l.elem.keys {
			if f := l.elem.fields[i]; !f.optional {
				out = append(out, f.path)
			}
		}
		out = append(out, l.elem.elementKeys()...)
	}
	return out
}

func (p *plan) figures() []string {
	var out []string
	for _, f := range p.fields {
		if !f.key && f.altFor == "" && f.kind <= kindCode {
			out = append(out, f.path)
		}
	}
	for _, l := range p.lists {
		out = append(out, l.elem.figures()...)
	}
	return out
}
