package wechat_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/testanswers"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// version is an answer and its endpoint.
type version struct {
	testanswers.Answer
	ep wechat.Endpoint
}

// everyVersion returns every sample answer and every other documented
// shape of it (internal/testanswers: samples, versions), with its
// endpoint.
func everyVersion(t *testing.T) []version {
	t.Helper()
	var out []version
	for _, dir := range []string{testanswers.Samples, testanswers.Versions} {
		answers := testanswers.In(dir)
		if len(answers) == 0 {
			t.Fatalf("no answers in %s", dir)
		}
		for _, a := range answers {
			ep, ok := wechat.EndpointByName(a.Endpoint)
			if !ok {
				t.Fatalf("%s/%s is named after no endpoint", dir, a.Name)
			}
			out = append(out, version{a, ep})
		}
	}
	return out
}

// TestEveryDocumentedVersionDecodes fetches every version of every sample
// answer through the client: it is no error, no row is left out, every
// number of a field the exporter reads comes out as sent, and what the
// version lacks is reported, exactly, figure by figure.
func TestEveryDocumentedVersionDecodes(t *testing.T) {
	for _, v := range everyVersion(t) {
		ep := v.ep
		t.Run(v.Dir+"/"+v.Name, func(t *testing.T) {
			body := v.Body
			ans := fetchBody(t, ep, body)
			if len(ans.Rows) == 0 || len(ans.Report.Skipped) > 0 {
				t.Fatalf("%d rows, skipped %v", len(ans.Rows), ans.Report.Skipped)
			}
			// Every number of a field the exporter reads comes out.
			read := map[string]bool{}
			for _, f := range append(ep.Figures(), ep.Keys()...) {
				read[f] = true
			}
			encoded, err := json.Marshal(map[string]any{"list": ans.Rows})
			if err != nil {
				t.Fatal(err)
			}
			got := valuesByField(numericLeaves(t, encoded), nil)
			for field, v := range valuesByField(numericLeaves(t, rowsBody(t, ep, body)), read) {
				if got[field] != v {
					t.Errorf("%s: decoded %s, the answer has %s", field, got[field], v)
				}
			}
			// What it lacks is reported, each figure once per row (or
			// detail) that lacks it.
			want := map[wechat.Gap]int{}
			rows := rowObjects(t, ep, body)
			for _, f := range ep.Figures() {
				if n := countMissing(rows, strings.Split(f, "."), alternatives[f]); n > 0 {
					want[wechat.Gap{Field: f, Why: wechat.Missing}] = n
				}
			}
			if !gapsEqual(ans.Report.Gaps, want) {
				t.Errorf("reported gaps %v, want %v", sortedGaps(ans.Report.Gaps), sortedGaps(want))
			}
		})
	}
}

// alternatives are figures WeChat (or an SDK) sends under two names.
var alternatives = map[string]string{"settlement_list.slot_revenue.slot_settled_revenue": "slot_revenue"}

// fetchBody fetches an answer of ep through a client from a server that
// answers body, for the day its rows speak of.
func fetchBody(t *testing.T, ep wechat.Endpoint, body []byte) wechat.Answer {
	t.Helper()
	d := sampleDay(t, body)
	if d < wechat.EarliestDate {
		body = bytes.ReplaceAll(body, []byte(`"`+d.String()+`"`), []byte(`"`+wechat.EarliestDate.String()+`"`))
		d = wechat.EarliestDate
	}
	c, _ := serveBody(t, string(body))
	ans, err := c.Fetch(ctx(t), ep, wechat.Range{Begin: d, End: d})
	if err != nil {
		t.Fatalf("%s: %v", ep.Name, err)
	}
	return ans
}

// rowsBody is the answer with its rows under "list", as numericLeaves of
// the decoded rows has them (a snapshot's or live answer's row is the
// answer itself).
func rowsBody(t *testing.T, ep wechat.Endpoint, body []byte) []byte {
	t.Helper()
	if !wholeAnswerIsRow(ep) {
		return body
	}
	b, err := json.Marshal(map[string]any{"list": rowObjects(t, ep, body)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wholeAnswerIsRow(ep wechat.Endpoint) bool {
	return ep.Period == wechat.Snapshot || ep.Period == wechat.Live
}

// rowObjects returns an answer's rows as generic JSON objects.
func rowObjects(t *testing.T, ep wechat.Endpoint, body []byte) []any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if wholeAnswerIsRow(ep) {
		delete(v, "base_resp")
		delete(v, "total_num")
		return []any{v}
	}
	list, _ := v["list"].([]any)
	return list
}

// valuesByField gathers leaves by field (of the fields in keep, if not
// nil), sorted: a list sent as one object compares equal to the list.
func valuesByField(leaves map[string]string, keep map[string]bool) map[string]string {
	by := map[string][]string{}
	for path, v := range leaves {
		if f := fieldOf(path); keep == nil || keep[f] {
			by[f] = append(by[f], v)
		}
	}
	out := map[string]string{}
	for f, vs := range by {
		sort.Strings(vs)
		out[f] = strings.Join(vs, " ")
	}
	return out
}

var listIndex = regexp.MustCompile(`\.[0-9]+`)

// fieldOf turns a leaf's path (.list.0.details.1.target_user) into its
// field's (details.target_user).
func fieldOf(path string) string {
	return strings.TrimPrefix(listIndex.ReplaceAllString(path, ""), ".list.")
}

// countMissing counts the objects below nodes (following segs, through
// lists) that lack the last segment (or its alternative name).
func countMissing(nodes []any, segs []string, alt string) int {
	n := 0
	for _, node := range nodes {
		switch x := node.(type) {
		case []any:
			n += countMissing(x, segs, alt)
		case map[string]any:
			v, ok := x[segs[0]]
			if len(segs) == 1 {
				if _, hasAlt := x[alt]; !ok && !(alt != "" && hasAlt) {
					n++
				}
				continue
			}
			if !ok {
				if _, isList := listFields[segs[0]]; !isList {
					n++ // an object that is not there lacks its figures
				}
				continue
			}
			n += countMissing([]any{v}, segs[1:], alt)
		}
	}
	return n
}

// listFields are lists of details: an absent one is reported as the list,
// not as each figure of its elements.
var listFields = map[string]bool{"details": true, "detail_list": true, "read_user_source": true,
	"read_jump_position": true, "settlement_list": true, "slot_revenue": true}

func gapsEqual(a, b map[wechat.Gap]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sortedGaps(m map[wechat.Gap]int) []string {
	var out []string
	for g, n := range m {
		out = append(out, g.Field+" "+g.Why.String()+" x"+string(rune('0'+min(n, 9))))
	}
	sort.Strings(out)
	return out
}
