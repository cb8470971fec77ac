package wechat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The cost of reading an answer: the client's one pass (envelope, rows,
// each row's bytes, the screening of keys and figures) against the floor,
// plain json.Unmarshal of the same answer into the row type. Run side by
// side:
//
//	go test ./wechat -run '^$' -bench 'Decode' -benchmem
//
// and read the ratio of each endpoint's pair.

var benchEndpoints = []Endpoint{GetArticleTotalDetail, GetUserReadHour, GetArticleTotal, GetUserSummary}

func recorded(b *testing.B, ep Endpoint) ([]byte, Range) {
	b.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "recorded", ep.Name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	var first struct {
		List []struct {
			RefDate Date `json:"ref_date"`
		} `json:"list"`
	}
	if err := json.Unmarshal(body, &first); err != nil || len(first.List) == 0 {
		b.Fatalf("%s: %v", ep.Name, err)
	}
	d := first.List[0].RefDate
	return body, Range{d, d}
}

// BenchmarkDecode decodes a recorded answer as the client does.
func BenchmarkDecode(b *testing.B) {
	tr := &transport{redact: &redactor{}}
	for _, ep := range benchEndpoints {
		body, r := recorded(b, ep)
		b.Run(ep.Name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				ans := listAnswer{ep: ep, r: r}
				if err := tr.decode(ep.Name, body, &ans); err != nil || len(ans.ans.Rows) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeBaseline is the floor: json.Unmarshal of the same answer
// into the row type, nothing checked, no row kept as sent.
func BenchmarkDecodeBaseline(b *testing.B) {
	for _, ep := range benchEndpoints {
		body, _ := recorded(b, ep)
		b.Run(ep.Name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := json.Unmarshal(body, ep.rows.body()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
