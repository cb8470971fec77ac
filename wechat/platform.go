package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// A third-party platform's own APIs: the accounts that authorised it, and
// what each is (api_get_authorizer_list, api_get_authorizer_info). They are
// called with the platform's component_access_token, obtained as for the
// authorizer tokens (ComponentConfig without an authorizer).

// Authorizer is an account that authorised the platform, as listed.
type Authorizer struct {
	AppID string `json:"authorizer_appid"`
	// RefreshToken is the account's authorizer_refresh_token; platform
	// developers report lists without it: then it is "".
	RefreshToken string `json:"refresh_token"`
	AuthTime     int64  `json:"auth_time"`
}

// AuthorizerInfo describes an authorised account.
type AuthorizerInfo struct {
	NickName    string
	ServiceType int64 // 0 subscription, 1 upgraded old subscription, 2 service
	VerifyType  int64 // -1 unverified, 0 WeChat verified, 1 Sina Weibo, 3 and 4 partial
	UserName    string
	// Status is account_status: 1 normal, 14 deregistered, 16 banned, 18
	// warned, 19 frozen.
	Status int64
	// PermissionSets are the funcscope categories the account granted the
	// platform (func_info).
	PermissionSets []int
	RefreshToken   string // authorization_info.authorizer_refresh_token
}

// Account statuses (account_status) the exporter acts on.
const (
	AccountNormal       = 1
	AccountDeregistered = 14
	AccountBanned       = 16
)

// Platform calls a third-party platform's own APIs.
type Platform struct {
	src *componentToken
	t   *transport
}

// NewPlatform returns a client of the platform's APIs; cfg's authorizer
// fields are not used.
func NewPlatform(cfg ComponentConfig, opts ...Option) (*Platform, error) {
	c, err := New(NewComponentToken(cfg), opts...)
	if err != nil {
		return nil, err
	}
	return &Platform{src: c.tokens.src.(*componentToken), t: c.t}, nil
}

// MaxAuthorizersPage is the most authorizers api_get_authorizer_list gives
// a request.
const MaxAuthorizersPage = 500

// Authorizers lists every account that authorised the platform, a page of
// MaxAuthorizersPage at a time.
func (p *Platform) Authorizers(ctx context.Context) ([]Authorizer, error) {
	var out []Authorizer
	for offset := 0; ; offset += MaxAuthorizersPage {
		var page struct {
			TotalCount int          `json:"total_count"`
			List       []Authorizer `json:"list"`
		}
		body := map[string]any{"component_appid": p.src.cfg.ComponentAppID, "offset": offset, "count": MaxAuthorizersPage}
		if err := p.call(ctx, "api_get_authorizer_list", body, &page); err != nil {
			return nil, err
		}
		for _, a := range page.List {
			p.t.redact.addSecret(a.RefreshToken)
		}
		out = append(out, page.List...)
		if len(page.List) == 0 || offset+len(page.List) >= page.TotalCount {
			return out, nil
		}
		if offset > 1_000_000 {
			return nil, fmt.Errorf("wechat api_get_authorizer_list: more than a million authorizers listed; giving up")
		}
	}
}

// AuthorizerInfo describes one authorised account.
func (p *Platform) AuthorizerInfo(ctx context.Context, appID string) (AuthorizerInfo, error) {
	var r struct {
		AuthorizerInfo struct {
			NickName        string `json:"nick_name"`
			ServiceTypeInfo struct {
				ID int64 `json:"id"`
			} `json:"service_type_info"`
			VerifyTypeInfo struct {
				ID int64 `json:"id"`
			} `json:"verify_type_info"`
			UserName      string `json:"user_name"`
			AccountStatus int64  `json:"account_status"`
		} `json:"authorizer_info"`
		AuthorizationInfo struct {
			RefreshToken string `json:"authorizer_refresh_token"`
			FuncInfo     []struct {
				Category struct {
					ID int `json:"id"`
				} `json:"funcscope_category"`
			} `json:"func_info"`
		} `json:"authorization_info"`
	}
	body := map[string]any{"component_appid": p.src.cfg.ComponentAppID, "authorizer_appid": appID}
	if err := p.call(ctx, "api_get_authorizer_info", body, &r); err != nil {
		return AuthorizerInfo{}, err
	}
	p.t.redact.addSecret(r.AuthorizationInfo.RefreshToken)
	info := AuthorizerInfo{NickName: r.AuthorizerInfo.NickName, ServiceType: r.AuthorizerInfo.ServiceTypeInfo.ID,
		VerifyType: r.AuthorizerInfo.VerifyTypeInfo.ID, UserName: r.AuthorizerInfo.UserName,
		Status: r.AuthorizerInfo.AccountStatus, RefreshToken: r.AuthorizationInfo.RefreshToken}
	for _, f := range r.AuthorizationInfo.FuncInfo {
		info.PermissionSets = append(info.PermissionSets, f.Category.ID)
	}
	return info, nil
}

// call makes a platform request with the component token, getting a new
// token once if WeChat rejects it. The platform's token source is its own:
// holding its lock for the call serialises only the platform's requests.
func (p *Platform) call(ctx context.Context, endpoint string, body any, out any) error {
	p.t.redact.addSecret(p.src.cfg.ComponentSecret)
	p.src.mu.Lock()
	defer p.src.mu.Unlock()
	return p.src.withComponentToken(ctx, p.t, func(ctoken string) error {
		rq := request{endpoint: endpoint, method: http.MethodPost, path: "/cgi-bin/component/" + endpoint,
			query: url.Values{"component_access_token": {ctoken}}, body: body}
		return p.t.call(ctx, rq, out)
	})
}
