package wechattest

import (
	"strings"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// DefaultDailyQuota is the calls a day the fake allows an API path.
const DefaultDailyQuota = 5000

// CodeQuotaPathInvalid is quota/get's answer for a path it does not
// count: the /sns/ paths, per the documentation (76022).
const CodeQuotaPathInvalid = 76022

// quota/get answers with the daily quota of the API path in the body
// ("cgi_path"): its limit, the account's calls to it today (Beijing) as
// the fake counted them, and what is left.
func init() {
	liveAnswers[wechat.APIQuota.Name] = func(s *Server, a *Account, now time.Time, body map[string]any) (map[string]any, int64) {
		path, _ := body["cgi_path"].(string)
		if path == "" || strings.HasPrefix(path, "/sns/") {
			return nil, CodeQuotaPathInvalid
		}
		limit := a.dailyQuota()
		s.mu.Lock()
		used := s.usedToday[usageKey{a.AppID, path}]
		if s.usageDay != wechat.Today(now) {
			used = 0
		}
		s.mu.Unlock()
		return map[string]any{"errcode": 0, "errmsg": "ok",
			"quota": map[string]any{"daily_limit": limit, "used": used, "remain": max(limit-used, 0)}}, 0
	}
}

// UseQuota counts n calls of the account to path today, as other software
// sharing the AppID would make.
func (s *Server) UseQuota(appID, path string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.countUse(appID, path, n)
}

// countUse counts n calls of the account to an API path today, and
// reports whether they were beyond its daily quota (WeChat answers 45009
// then). Only today's counts are kept. s.mu is held.
func (s *Server) countUse(appID, path string, n int64) (spent bool) {
	if today := wechat.Today(s.now()); today != s.usageDay {
		s.usedToday, s.usageDay = map[usageKey]int64{}, today
	}
	k := usageKey{appID, path}
	s.usedToday[k] += n
	a := s.accounts[appID]
	if a == nil || path == wechat.APIQuota.Path() || !strings.HasPrefix(path, "/datacube/") && path != "/publisher/stat" && path != wechat.GetUserCount.Path() {
		return false // the fake enforces the quota of the data APIs only
	}
	return s.usedToday[k] > a.dailyQuota()
}

// dailyQuota is the calls a day the account may make to each data API.
func (a *Account) dailyQuota() int64 {
	if a.DailyQuota == 0 {
		return DefaultDailyQuota
	}
	return a.DailyQuota
}
