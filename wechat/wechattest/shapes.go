package wechattest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Answers in other shapes than the newest: WeChat's older documentation
// omits fields that later answers carry, and tests take each figure away
// in turn.

// LegacyArticleTotal are the figures of getarticletotal's details that the
// original documentation's sample does not have (its details stop at
// add_to_fav_count): an account with these in Omit answers in that shape.
var LegacyArticleTotal = []string{
	"details.int_page_from_session_read_user", "details.int_page_from_session_read_count",
	"details.int_page_from_hist_msg_read_user", "details.int_page_from_hist_msg_read_count",
	"details.int_page_from_feed_read_user", "details.int_page_from_feed_read_count",
	"details.int_page_from_friends_read_user", "details.int_page_from_friends_read_count",
	"details.int_page_from_other_read_user", "details.int_page_from_other_read_count",
	"details.int_page_from_kanyikan_read_user", "details.int_page_from_kanyikan_read_count",
	"details.int_page_from_souyisou_read_user", "details.int_page_from_souyisou_read_count",
	"details.feed_share_from_session_user", "details.feed_share_from_session_cnt",
	"details.feed_share_from_feed_user", "details.feed_share_from_feed_cnt",
	"details.feed_share_from_other_user", "details.feed_share_from_other_cnt",
}

// WithoutField returns a rewrite of an answer that removes the field at
// path (JSON names below a row, such as details.target_user) from every
// row: the elements of its "list", or, for an answer without one (a
// snapshot, a live answer), the answer itself. A body that is not a JSON
// object is left as it is.
func WithoutField(path string) func([]byte) []byte {
	return rewriteRows(path, func(x map[string]any, key string) { delete(x, key) })
}

// WithField returns a Fault.Rewrite that sets the field at path (as in
// WithoutField) to value in every row that has it: an answer as a hostile
// or broken upstream would send it (a title of a megabyte).
func WithField(path string, value any) func([]byte) []byte {
	return rewriteRows(path, func(x map[string]any, key string) {
		if _, ok := x[key]; ok {
			x[key] = value
		}
	})
}

// rewriteRows returns a rewrite that applies change to the object holding
// the last segment of path, in every row.
func rewriteRows(path string, change func(obj map[string]any, key string)) func([]byte) []byte {
	segs := strings.Split(path, ".")
	return func(body []byte) []byte {
		var answer map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&answer) != nil {
			return body
		}
		if list, ok := answer["list"].([]any); ok {
			for _, row := range list {
				walk(row, segs, change)
			}
		} else {
			walk(answer, segs, change)
		}
		b, err := json.Marshal(answer)
		if err != nil {
			return body
		}
		return b
	}
}

// walk applies change at segs below node, through objects and lists.
func walk(node any, segs []string, change func(map[string]any, string)) {
	switch x := node.(type) {
	case []any:
		for _, e := range x {
			walk(e, segs, change)
		}
	case map[string]any:
		if len(segs) == 1 {
			change(x, segs[0])
			return
		}
		walk(x[segs[0]], segs[1:], change)
	}
}

// omit applies the account's Omit to an answer of endpoint.
func (a *Account) omit(endpoint string, body []byte) []byte {
	for _, o := range a.Omit {
		if ep, path, ok := strings.Cut(o, ":"); ok && ep == endpoint {
			body = WithoutField(path)(body)
		}
	}
	return body
}
