package config

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Discovery finds the accounts that authorised a third-party platform
// (api_get_authorizer_list), and collects each as if configured with
// token_source component.
type Discovery struct {
	// Component is the platform: AppID, AppSecret, VerifyTicketFile.
	Component Component
	// RefreshTokenDir holds a file per account, named by its AppID, with
	// its authorizer refresh token: read when the list gives none (the
	// platform's own authorisation handler writes it), and written when
	// WeChat rotates the token.
	RefreshTokenDir string
	// RefreshInterval is how often the list is read again.
	RefreshInterval time.Duration
	// Include, if not empty, keeps only these AppIDs; Exclude leaves
	// these out.
	Include, Exclude []string
	// NameBy names each discovered account: NameByAppID or NameByNickName.
	NameBy string
	// Endpoints are every discovered account's.
	Endpoints []wechat.Endpoint
}

// How discovered accounts are named.
const (
	NameByAppID    = "app_id"
	NameByNickName = "nick_name"
)

// DefaultRefreshInterval is how often discovery reads the list by default.
const DefaultRefreshInterval = 10 * time.Minute

// rawPlatform is the platform's credentials in a discovery section (no
// refresh_token_file: each account's comes from the list or the
// directory).
type rawPlatform struct {
	AppID            string `yaml:"app_id"`
	AppSecret        string `yaml:"app_secret"`
	AppSecretFile    string `yaml:"app_secret_file"`
	VerifyTicketFile string `yaml:"verify_ticket_file"`
}

type rawDiscovery struct {
	Component       *rawPlatform `yaml:"component"`
	RefreshTokenDir string       `yaml:"refresh_token_dir"`
	RefreshInterval string       `yaml:"refresh_interval"`
	Include         []string     `yaml:"include"`
	Exclude         []string     `yaml:"exclude"`
	NameBy          string       `yaml:"name_by"`
	Endpoints       []string     `yaml:"endpoints"`
	Extra           []string     `yaml:"extra_endpoints"`
	Publisher       bool         `yaml:"publisher"`
}

func (v *validator) discovery(rd *rawDiscovery) *Discovery {
	i := v.discoveryIndex
	d := &Discovery{RefreshTokenDir: v.path(rd.RefreshTokenDir), NameBy: rd.NameBy, RefreshInterval: DefaultRefreshInterval,
		Include: rd.Include, Exclude: rd.Exclude}
	if rc := rd.Component; rc == nil {
		v.fail(i, "component", "missing: the platform's app_id, app_secret (or app_secret_file) and verify_ticket_file")
	} else {
		d.Component = Component{AppID: rc.AppID, VerifyTicketFile: v.path(rc.VerifyTicketFile)}
		v.appID(i, "component.app_id", rc.AppID)
		d.Component.AppSecret = v.secret(i, "component.app_secret", rc.AppSecret, rc.AppSecretFile)
		if rc.VerifyTicketFile == "" {
			v.fail(i, "component.verify_ticket_file", "missing")
		} else {
			v.checkFile(i, "component.verify_ticket_file", d.Component.VerifyTicketFile)
		}
	}
	switch fi, err := os.Stat(d.RefreshTokenDir); {
	case rd.RefreshTokenDir == "":
		v.fail(i, "refresh_token_dir", "missing: a directory with a file per account named by its AppID, where rotated refresh tokens are kept")
	case err != nil:
		v.fail(i, "refresh_token_dir", "%s", pathError(err))
	case !fi.IsDir():
		v.fail(i, "refresh_token_dir", "%s is not a directory", d.RefreshTokenDir)
	}
	if rd.RefreshInterval != "" {
		iv, err := time.ParseDuration(rd.RefreshInterval)
		switch {
		case err != nil:
			v.fail(i, "refresh_interval", "%q: want a duration, e.g. 10m", rd.RefreshInterval)
		case iv < time.Minute:
			v.fail(i, "refresh_interval", "%s: want at least 1m", iv)
		default:
			d.RefreshInterval = iv
		}
	}
	switch rd.NameBy {
	case "":
		d.NameBy = NameByAppID
	case NameByAppID, NameByNickName:
	default:
		v.fail(i, "name_by", "%q: want %s or %s", rd.NameBy, NameByAppID, NameByNickName)
	}
	for field, list := range map[string][]string{"include": rd.Include, "exclude": rd.Exclude} {
		for j, id := range list {
			if p := appIDProblem(id); p != "" {
				v.fail(i, fmt.Sprintf("%s[%d]", field, j), "%s", p)
			}
		}
	}
	d.Endpoints = v.endpoints(i, "endpoints", rd.Endpoints, wechat.DatacubeEndpoints())
	for _, ep := range v.endpoints(i, "extra_endpoints", rd.Extra, nil) {
		if !slices.Contains(d.Endpoints, ep) {
			d.Endpoints = append(d.Endpoints, ep)
		}
	}
	if rd.Publisher {
		for _, ep := range wechat.PublisherEndpoints() {
			if !slices.Contains(d.Endpoints, ep) {
				d.Endpoints = append(d.Endpoints, ep)
			}
		}
	}
	return d
}
