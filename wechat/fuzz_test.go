package wechat

import (
	"errors"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
)

// FuzzDecode feeds arbitrary bodies to the decoding every answer goes
// through. It must never panic; every failure must be a typed error; a
// success must give rows whose dates are valid.
func FuzzDecode(f *testing.F) {
	for _, a := range testanswers.All() {
		f.Add(a.Body)
	}
	for _, s := range []string{`{"errcode":40001,"errmsg":"x rid: 1"}`, `{"list":null}`, `<html>`, ``, `{"list":[{"ref_date":"2024-13-01"}]}`,
		`{"list":[{"ref_date":"2024-01-01","ref_hour":99999999999,"msg_type":-1}]}`, `{"base_resp":{"ret":2009,"err_msg":"no"}}`} {
		f.Add([]byte(s))
	}
	tr := &transport{redact: &redactor{}}
	d := MustParseDate("2020-04-13")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ep := range Endpoints() {
			ans := listAnswer{ep: ep, r: Range{d, d}}
			err := tr.decode(ep.Name, body, &ans)
			if err != nil {
				var api *APIError
				var te *TransportError
				if !errors.As(err, &api) && !errors.As(err, &te) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			if ep.Publisher {
				fuzzPublisher(t, tr, ep, body)
			}
			got := ans.ans
			checkDates(t, got.Rows)
			if len(got.Rows) != len(got.Raw) {
				t.Fatalf("%s: %d rows, %d kept as sent", ep.Name, len(got.Rows), len(got.Raw))
			}
			if ep.Period == Live || ep.Period == Snapshot {
				continue // dated by the day asked, not by their rows
			}
			// What the store would keep decodes again to as many rows.
			rows, err := DecodeDay(ep, d, JoinRows(got.Raw))
			if err != nil || len(rows) != len(got.Rows) {
				t.Fatalf("%s: the kept rows decode to %d rows (%v), want %d", ep.Name, len(rows), err, len(got.Rows))
			}
			checkDates(t, rows)
		}
	})
}

func checkDates(t *testing.T, rows []Row) {
	for _, r := range rows {
		if s := r.RowDate().String(); len(s) != 10 && r.RowDate() != 0 {
			t.Fatalf("bad date %q", s)
		}
	}
}

// fuzzPublisher runs a body through the publisher answer's paging and row
// decoding, which must fail only with an error and give dated rows.
func fuzzPublisher(t *testing.T, tr *transport, ep Endpoint, body []byte) {
	ans := publisherAnswer{ep: ep, page: 1}
	if tr.decode(ep.Name, body, &ans) != nil {
		return
	}
	items, err := pageItems(ep, ans)
	if err != nil {
		return
	}
	d := MustParseDate("2020-04-13")
	got, err := publisherAnswerRows(ep, Range{d, d}, ans, items)
	if err != nil {
		return
	}
	if len(got.Rows) != len(got.Raw) {
		t.Fatalf("%d rows, %d raw", len(got.Rows), len(got.Raw))
	}
	for _, r := range got.Rows {
		if s := r.RowDate().String(); len(s) != 10 {
			t.Fatalf("bad date %q", s)
		}
	}
}
