// Package testrows decodes the stored test answers (package testanswers)
// into rows as the store hands them back, for the tests of every package
// that serves rows. It is apart from testanswers, which the wechat
// package's own tests read, so that it may import wechat.
package testrows

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Answer returns the answer of an endpoint (endpoint, or endpoint.source
// for a version) in dir of testanswers, failing the test if there is none.
func Answer(t testing.TB, dir, endpoint string) []byte {
	t.Helper()
	b := testanswers.Read(dir, endpoint)
	if b == nil {
		t.Fatalf("no answer %s/%s", dir, endpoint)
	}
	return b
}

// Rows decodes the list of an endpoint's answer in dir into rows, dated
// by its first element's ref_date.
func Rows(t testing.TB, dir, endpoint string) []wechat.Row {
	t.Helper()
	var ans struct{ List json.RawMessage }
	if err := json.Unmarshal(Answer(t, dir, endpoint), &ans); err != nil {
		t.Fatal(err)
	}
	name, _, _ := strings.Cut(endpoint, ".")
	ep, ok := wechat.EndpointByName(name)
	if !ok {
		t.Fatalf("no endpoint %s", name)
	}
	var first struct {
		Date wechat.Date `json:"ref_date"`
	}
	var items []json.RawMessage
	if err := json.Unmarshal(ans.List, &items); err == nil && len(items) > 0 {
		_ = json.Unmarshal(items[0], &first)
	}
	rows, err := wechat.DecodeDay(ep, first.Date, ans.List)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Sample decodes the official sample answer of an endpoint into rows.
func Sample(t testing.TB, endpoint string) []wechat.Row {
	t.Helper()
	return Rows(t, testanswers.Samples, endpoint)
}
