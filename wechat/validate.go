package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// WeChat sends counts, never negative ones, and every documented figure of
// a row. An answer with a negative count, or without a figure the row must
// have (which would decode as 0 and be stored as a real zero for good), is
// not WeChat's answer for the day: it is a decode error, retried like a
// broken body. The checks read the answer's raw JSON against the row type:
//
//   - every number or date field is required, unless tagged wx:"optional"
//     or a pointer; a missing or null one is an error;
//   - no number may be negative;
//   - objects and arrays of objects are checked the same way, when present.
//
// Fields of a type with its own decoding (JumpPositions) are not looked
// into.

var (
	dateType      = reflect.TypeOf(Date(0))
	unmarshalerTo = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// checkList checks every element of a JSON array against the row type t,
// and returns the elements. skip names fields the element does not carry
// (the ad rows' ref_date, which the client sets from their "date").
func checkList(path string, list json.RawMessage, t reflect.Type, skip ...string) ([]json.RawMessage, error) {
	if len(list) == 0 || string(list) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(list, &items); err != nil {
		return nil, fmt.Errorf("%s: %v", path, describeJSONError(err))
	}
	for i, item := range items {
		if err := checkObject(fmt.Sprintf("%s[%d]", path, i), item, t, skip); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// checkObject checks a JSON object against the struct type t.
func checkObject(path string, raw json.RawMessage, t reflect.Type, skip []string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return fmt.Errorf("%s: not an object", path)
	}
	return checkFields(path, obj, t, skip)
}

func checkFields(path string, obj map[string]json.RawMessage, t reflect.Type, skip []string) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			if err := checkFields(path, obj, f.Type, skip); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() || contains(skip, name) {
			continue
		}
		at := path + "." + name
		if path == "" {
			at = name
		}
		ft := f.Type
		optional := f.Tag.Get("wx") == "optional" || ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		v, present := obj[name]
		if !present || string(bytes.TrimSpace(v)) == "null" {
			if !optional && (isNumber(ft) || ft == dateType) {
				return fmt.Errorf("%s: missing", at)
			}
			continue
		}
		switch {
		case ft == dateType || reflect.PointerTo(ft).Implements(unmarshalerTo):
			// decoded (and checked) by its own UnmarshalJSON
		case isNumber(ft):
			if b := bytes.TrimSpace(v); len(b) > 0 && b[0] == '-' {
				return fmt.Errorf("%s: negative (%s): WeChat sends no negative figure", at, truncate(string(b), 24))
			}
		case ft.Kind() == reflect.Struct:
			if err := checkObject(at, v, ft, nil); err != nil {
				return err
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			if _, err := checkList(at, v, ft.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

func isNumber(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		return t != dateType
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
