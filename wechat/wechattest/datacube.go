package wechattest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// datacube answers a datacube request after WeChat's checks, in WeChat's
// order: method, token, permission, body, dates, range.
func (s *Server) datacube(w http.ResponseWriter, r *http.Request, name string) {
	ep, ok := wechat.EndpointByName(name)
	if !ok || ep.Publisher {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.writeErr(w, 43002)
		return
	}
	a, now, code := s.authorize(r)
	if code != 0 {
		s.writeErr(w, code)
		return
	}
	if slices.Contains(a.Unauthorized, name) {
		s.writeErr(w, wechat.CodeUnauthorized)
		return
	}
	var req struct {
		Begin string `json:"begin_date"`
		End   string `json:"end_date"`
	}
	if code := decodeBody(r, &req); code != 0 {
		s.writeErr(w, code)
		return
	}
	begin, err1 := wechat.ParseDate(req.Begin)
	end, err2 := wechat.ParseDate(req.End)
	if err1 != nil || err2 != nil {
		s.writeErr(w, wechat.CodeBadDate)
		return
	}
	today := wechat.Today(now)
	if begin > end || int(end-begin) >= ep.MaxSpan || end >= today {
		s.writeErr(w, wechat.CodeDateRange)
		return
	}
	rows := []wechat.Row{}
	delayed := false
	for _, d := range ep.Labels(begin, end) {
		if d >= ep.FirstDate() && periodEnded(ep, d, today) {
			rows = append(rows, generate(a, ep, d, today)...)
			delayed = delayed || isDelay(d, now)
		}
	}
	answer := map[string]any{"list": rows}
	if ep.Since != 0 { // the content endpoints say whether figures are final
		answer["is_delay"] = delayed
	}
	if len(a.Omit) == 0 {
		writeJSON(w, answer)
		return
	}
	b, _ := json.Marshal(answer)
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_, _ = w.Write(a.omit(name, b))
}

// periodEnded reports whether the period labelled d is over on day today:
// WeChat serves weekly and monthly data only after the period.
func periodEnded(ep wechat.Endpoint, d, today wechat.Date) bool {
	switch ep.Period {
	case wechat.Weekly:
		return d.AddDays(7) <= today
	case wechat.Monthly:
		return d.NextMonthStart() <= today
	}
	return d < today
}

// Rows returns the rows the fake serves for the account, endpoint and day
// (or period label): the truth tests compare the client's results with.
func (s *Server) Rows(appID, endpoint string, d wechat.Date) []wechat.Row {
	s.mu.Lock()
	a, today := s.accounts[appID], wechat.Today(s.now())
	s.mu.Unlock()
	ep, ok := wechat.EndpointByName(endpoint)
	if a == nil || !ok || !ep.IsLabel(d) || !periodEnded(ep, d, today) || d < ep.FirstDate() {
		return nil
	}
	if ep.Publisher {
		return publisherRows(a, ep, d, today)
	}
	return generate(a, ep, d, today)
}
