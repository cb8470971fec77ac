package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Live endpoints (Period Live) describe the account now: they are asked
// without dates, and the fields of the answer the endpoint keeps (Keep)
// make its one row, dated with the day asked on.

// liveAnswer is a Live endpoint's answer: its kept fields as one row,
// with the fields of also (a PerPath endpoint's cgi_path).
type liveAnswer struct {
	ep     Endpoint
	day    Date
	also   map[string]string
	row    json.RawMessage
	got    []Row
	report Report
}

// keep is given the answer's body by the transport; it keeps only the
// endpoint's fields (the rest, such as a list of OpenIDs, is dropped at
// once).
func (a *liveAnswer) keep(body []byte) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return // check reports it
	}
	kept := map[string]json.RawMessage{}
	for _, k := range strings.Split(a.ep.Keep, ",") {
		if v, ok := fields[k]; ok {
			kept[k] = v
		}
	}
	for k, v := range a.also {
		kept[k], _ = json.Marshal(v)
	}
	a.row, _ = json.Marshal(kept)
}

// check decodes the kept row (see decode.go).
func (a *liveAnswer) check() error {
	if a.row == nil {
		return fmt.Errorf("not a JSON object")
	}
	rows, _, err := a.ep.rows.list(JoinRows([]json.RawMessage{a.row}), rowDay{day: a.day}, false, &a.report)
	if err != nil {
		return fmt.Errorf("decoding %s: %w", a.ep.Name, err)
	}
	a.got = rows
	return nil
}

// fetchLive asks a Live endpoint for the account now; r's last day is the
// day the row is kept under.
func (c *Client) fetchLive(ctx context.Context, ep Endpoint, r Range) (Answer, error) {
	return c.askLive(ctx, ep, r.End, nil)
}

// FetchQuotas asks a PerPath endpoint (APIQuota) about each of paths, one
// request each; the rows are dated day. One failure fails the whole: the
// figures of one moment go together.
func (c *Client) FetchQuotas(ctx context.Context, ep Endpoint, day Date, paths []string) (Answer, error) {
	var all Answer
	for _, p := range paths {
		ans, err := c.askLive(ctx, ep, day, map[string]string{"cgi_path": p})
		if err != nil {
			return Answer{}, err
		}
		all.add(ans)
	}
	return all, nil
}

// askLive makes one request of a Live endpoint, its row dated day; also
// goes in a POST's body and into the row.
func (c *Client) askLive(ctx context.Context, ep Endpoint, day Date, also map[string]string) (Answer, error) {
	method := ep.Method
	if method == "" {
		method = http.MethodGet
	}
	ans := liveAnswer{ep: ep, day: day, also: also}
	rq := request{endpoint: ep.Name, method: method, path: ep.Path(), query: url.Values{}}
	if method == http.MethodPost {
		rq.body = map[string]string{}
		if also != nil {
			rq.body = also
		}
	}
	if err := c.send(ctx, rq, &ans); err != nil {
		return Answer{}, err
	}
	raw := []json.RawMessage{bytes.Clone(ans.row)}
	if len(ans.got) == 0 {
		raw = nil // left out (no key): nothing to keep
	}
	return Answer{Rows: ans.got, Raw: raw, Report: ans.report}, nil
}
