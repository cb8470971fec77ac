package wechattest

import (
	"net/http"
	"slices"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Live endpoints (wechat.Live) answer with the account as it is now. Each
// has an answer function, registered by name from its file's init.

// liveAnswer gives a live endpoint's answer for the account at now, to a
// request with body (nil for a GET); an errcode other than 0 answers
// instead.
type liveAnswer func(s *Server, a *Account, now time.Time, body map[string]any) (map[string]any, int64)

var liveAnswers = map[string]liveAnswer{}

// liveEndpoint returns the live endpoint served at path.
func liveEndpoint(path string) (wechat.Endpoint, bool) {
	for _, ep := range wechat.Endpoints() {
		if ep.Period == wechat.Live && ep.Path() == path {
			return ep, true
		}
	}
	return wechat.Endpoint{}, false
}

// live answers a live endpoint after WeChat's checks: method, token,
// permission.
func (s *Server) live(w http.ResponseWriter, r *http.Request, ep wechat.Endpoint) {
	method := ep.Method
	if method == "" {
		method = http.MethodGet
	}
	if r.Method != method {
		s.writeErr(w, map[string]int64{http.MethodGet: 43001, http.MethodPost: 43002}[method])
		return
	}
	a, now, code := s.authorize(r)
	if code != 0 {
		s.writeErr(w, code)
		return
	}
	if slices.Contains(a.Unauthorized, ep.Name) {
		s.writeErr(w, wechat.CodeUnauthorized)
		return
	}
	answer := liveAnswers[ep.Name]
	if answer == nil {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	if method == http.MethodPost {
		body, r.Body = peekJSON(r)
	}
	v, errcode := answer(s, a, now, body)
	if errcode != 0 {
		s.writeErr(w, errcode)
		return
	}
	writeJSON(w, v)
}
