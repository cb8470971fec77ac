package wechattest

import (
	"net/http"
	"slices"
)

// The third-party platform's own APIs: the list of accounts that
// authorised it and the description of each.

// allPermissionSets is func_info when an Authorizer names none: the sets
// of the data endpoints and more.
var allPermissionSets = []int{1, 2, 3, 4, 7, 11}

// Authorize makes the platform's list include an account (added with
// AddAccount too), with its refresh token.
func (s *Server) Authorize(a Authorizer, refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.component
	c.Authorizers = slices.DeleteFunc(c.Authorizers, func(x Authorizer) bool { return x.AppID == a.AppID })
	c.Authorizers = append(c.Authorizers, a)
	c.RefreshTokens[a.AppID] = refreshToken
	s.issued = append(s.issued, refreshToken)
}

// Revoke removes an account from the platform's list: it withdrew its
// authorisation, and its refresh token stops working.
func (s *Server) Revoke(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.component
	c.Authorizers = slices.DeleteFunc(c.Authorizers, func(x Authorizer) bool { return x.AppID == appID })
	delete(c.RefreshTokens, appID)
}

// platformRequest checks a platform API request: its component token and
// component_appid. It returns the component, or writes the error.
func (s *Server) platformRequest(w http.ResponseWriter, r *http.Request, body any, appID func() string) *Component {
	if code := decodeBody(r, body); code != 0 {
		s.writeErr(w, code)
		return nil
	}
	s.mu.Lock()
	ct, ok := s.tokens[r.URL.Query().Get("component_access_token")]
	code := validToken(ct, ok, s.now())
	c := s.component
	s.mu.Unlock()
	switch {
	case code != 0 || ct.kind != kindComponent:
		s.writeErr(w, max(code, 40001))
	case c == nil || appID() != c.AppID:
		s.writeErr(w, 40013)
	default:
		return c
	}
	return nil
}

// authorizerList is POST /cgi-bin/component/api_get_authorizer_list.
func (s *Server) authorizerList(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID  string `json:"component_appid"`
		Offset int    `json:"offset"`
		Count  int    `json:"count"`
	}
	c := s.platformRequest(w, r, &req, func() string { return req.AppID })
	if c == nil {
		return
	}
	if req.Count < 1 || req.Count > 500 || req.Offset < 0 {
		s.writeErr(w, 40097) // invalid args
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var entries []Authorizer
	for _, a := range c.Authorizers {
		for range max(a.Listed, 1) {
			entries = append(entries, a)
		}
	}
	list := []map[string]any{}
	for i := req.Offset; i < len(entries) && i < req.Offset+req.Count; i++ {
		a := entries[i]
		item := map[string]any{"authorizer_appid": a.AppID, "auth_time": a.AuthTime}
		if !c.ListWithoutRefreshToken && !a.WithoutRefreshToken {
			item["refresh_token"] = c.RefreshTokens[a.AppID]
		}
		list = append(list, item)
	}
	writeJSON(w, map[string]any{"total_count": len(entries), "list": list})
}

// authorizerInfo is POST /cgi-bin/component/api_get_authorizer_info.
func (s *Server) authorizerInfo(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID           string `json:"component_appid"`
		AuthorizerAppID string `json:"authorizer_appid"`
	}
	c := s.platformRequest(w, r, &req, func() string { return req.AppID })
	if c == nil {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(c.Authorizers, func(a Authorizer) bool { return a.AppID == req.AuthorizerAppID })
	var a Authorizer
	if i >= 0 {
		a = c.Authorizers[i]
	}
	refreshToken := c.RefreshTokens[a.AppID]
	if c.ListWithoutRefreshToken || a.WithoutRefreshToken { // the platform hands out no refresh tokens at all
		refreshToken = ""
	}
	s.mu.Unlock()
	if i < 0 {
		s.writeErr(w, 61003) // component is not authorized by this account
		return
	}
	status := a.Status
	if status == 0 {
		status = 1
	}
	sets := a.PermissionSets
	if sets == nil {
		sets = allPermissionSets
	}
	funcInfo := []map[string]any{}
	for _, id := range sets {
		funcInfo = append(funcInfo, map[string]any{"funcscope_category": map[string]any{"id": id}})
	}
	writeJSON(w, map[string]any{
		"authorizer_info": map[string]any{"nick_name": a.NickName, "head_img": "", "user_name": "gh_" + a.AppID[2:min(len(a.AppID), 14)],
			"service_type_info": map[string]any{"id": a.ServiceType}, "verify_type_info": map[string]any{"id": a.VerifyType},
			"principal_name": a.NickName + " Ltd", "alias": "", "account_status": status},
		"authorization_info": map[string]any{"authorizer_appid": a.AppID, "authorizer_refresh_token": refreshToken, "func_info": funcInfo},
	})
}
