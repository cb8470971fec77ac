package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// write puts files into a temporary directory and returns the config path.
func write(t *testing.T, cfg string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "wechat-exporter.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadValid(t *testing.T) {
	t.Setenv("SHOP_SECRET", "shop-secret-from-env")
	path := write(t, `accounts:
  - name: news
    app_id: wx0123456789abcdef
    app_secret_file: news.secret
  - name: shop
    app_id: wx1111111111111111
    app_secret: "${SHOP_SECRET}"
    token_source: classic
    endpoints: [getusersummary, getinterfacesummary]
    publisher: true
  - name: ext
    app_id: wx2222222222222222
    token_source: file
    token_file: /run/wechat/ext.token
  - name: client-a
    app_id: wx3333333333333333
    token_source: component
    component:
      app_id: wxcomponent
      app_secret_file: component.secret
      verify_ticket_file: ticket
      refresh_token_file: refresh
`, map[string]string{"news.secret": "news-secret\n", "component.secret": "comp-secret", "refresh": "refresh-token-value\n"})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 4 || len(cfg.Warnings) != 0 {
		t.Fatalf("accounts %d, warnings %v", len(cfg.Accounts), cfg.Warnings)
	}
	news, shop, ext, comp := cfg.Accounts[0], cfg.Accounts[1], cfg.Accounts[2], cfg.Accounts[3]
	if news.TokenSource != "stable" || news.AppSecret != "news-secret" || !reflect.DeepEqual(news.Endpoints, wechat.DatacubeEndpoints()) {
		t.Errorf("news: %+v", news)
	}
	if shop.TokenSource != "classic" || shop.AppSecret != "shop-secret-from-env" || len(shop.Endpoints) != 5 || shop.Endpoints[1].Name != "getinterfacesummary" || shop.Endpoints[2].Name != "publisher_adpos_general" {
		t.Errorf("shop: %+v", shop)
	}
	if ext.TokenFile != "/run/wechat/ext.token" {
		t.Errorf("ext: %+v", ext)
	}
	if c := comp.Component; c == nil || c.AppSecret != "comp-secret" || c.VerifyTicketFile != filepath.Join(filepath.Dir(path), "ticket") {
		t.Errorf("component: %+v", c)
	}
}

// TestConfigErrors lists bad configurations with the exact message each
// prints (the directory of the file is replaced by DIR).
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, cfg string
		files     map[string]string
		want      string
	}{
		{"unknown key", "accounts:\n  - name: a\n    app_id: wx1\n    app_secrt: x\n",
			nil, `DIR/wechat-exporter.yml:4: unknown key "app_secrt" in account`},
		{"unknown top-level key", "acounts: []\n",
			nil, `DIR/wechat-exporter.yml:1: unknown key "acounts" in config`},
		{"duplicate name", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: s1\n  - name: a\n    app_id: wx2\n    app_secret: s2\n",
			nil, `DIR/wechat-exporter.yml:5: accounts[1].name: duplicate account name "a" (first used at line 2)`},
		{"missing secret file", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret_file: nope.secret\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].app_secret_file: cannot read secret file: DIR/nope.secret: no such file or directory`},
		{"empty secret file", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret_file: empty.secret\n",
			map[string]string{"empty.secret": "\n"}, `DIR/wechat-exporter.yml:4: accounts[0].app_secret_file: secret file DIR/empty.secret is empty`},
		{"no secret", "accounts:\n  - name: a\n    app_id: wx1\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].app_secret: missing: set app_secret_file (a file holding the secret) or app_secret ("${ENV_VAR}" is expanded)`},
		{"unset env", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: ${WECHAT_TEST_UNSET_VAR}\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].app_secret: environment variable WECHAT_TEST_UNSET_VAR is not set`},
		{"unknown token source", "accounts:\n  - name: a\n    app_id: wx1\n    token_source: magic\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].token_source: unknown token source "magic": want one of stable, classic, file, component`},
		{"quota listed", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: s\n    extra_endpoints: [quota]\n",
			nil, `DIR/wechat-exporter.yml:5: accounts[0].extra_endpoints[0]: "quota" is asked for every account: --collector.quota-interval sets how often, 0 turns it off`},
		{"unknown endpoint", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: s\n    endpoints:\n      - getusersummary\n      - getfoo\n",
			nil, `DIR/wechat-exporter.yml:7: accounts[0].endpoints[1]: unknown endpoint "getfoo": want one of getarticleread, getarticleshare, getarticlesummary, getarticletotal, getarticletotaldetail, getbizsummary, getinterfacesummary, getinterfacesummaryhour, getupstreammsg, getupstreammsgdist, getupstreammsgdistmonth, getupstreammsgdistweek, getupstreammsghour, getupstreammsgmonth, getupstreammsgweek, getusercumulate, getuserread, getuserreadhour, getusershare, getusersharehour, getusersummary, publisher_adpos_general, publisher_cps_general, publisher_settlement, user_get`},
		{"file source without file", "accounts:\n  - name: a\n    app_id: wx1\n    token_source: file\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].token_file: missing: token_source file reads the token from this file`},
		{"no accounts", "accounts: []\n", nil, `DIR/wechat-exporter.yml: accounts: no accounts configured (and no discovery)`},
		{"empty file", "", nil, `DIR/wechat-exporter.yml: accounts: no accounts configured (and no discovery)`},
		{"discovery without component", "discovery:\n  refresh_token_dir: tokens\n",
			map[string]string{"tokens/x": "t"}, `DIR/wechat-exporter.yml:1: discovery.component: missing: the platform's app_id, app_secret (or app_secret_file) and verify_ticket_file`},
		{"discovery problems", "discovery:\n  component:\n    app_id: wxp\n    app_secret: s\n    verify_ticket_file: ticket\n  refresh_interval: 10s\n  name_by: title\n",
			nil, "DIR/wechat-exporter.yml:1: discovery.refresh_token_dir: missing: a directory with a file per account named by its AppID, where rotated refresh tokens are kept\n" +
				"DIR/wechat-exporter.yml:6: discovery.refresh_interval: 10s: want at least 1m\n" +
				`DIR/wechat-exporter.yml:7: discovery.name_by: "title": want app_id or nick_name`},
		{"refresh token file in discovery", "discovery:\n  component:\n    app_id: wxp\n    refresh_token_file: x\n",
			nil, `DIR/wechat-exporter.yml:4: unknown key "refresh_token_file" in platform`},
		{"bad yaml", "accounts:\n  - name: [\n", nil, `DIR/wechat-exporter.yml:2: invalid YAML: did not find expected node content`},
		// yaml.v3 names the line where the list or map began: the line that
		// breaks it is named instead.
		{"indented too little", "accounts:\n  - name: a\n   app_id: wx0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:3: invalid YAML: did not find expected '-' indicator (is this line indented as the lines before it?)`},
		{"indented too little, later", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    endpoints:\n      - getusersummary\n  publisher: true\n", nil,
			`DIR/wechat-exporter.yml:6: invalid YAML: did not find expected '-' indicator (is this line indented as the lines before it?)`},
		{"key outdented in a map", "discovery:\n  component:\n    app_id: wxp\n   app_secret: s\n", nil,
			`DIR/wechat-exporter.yml:4: invalid YAML: did not find expected key (is this line indented as the lines before it?)`},
		{"wrong type", "accounts:\n  - name: a\n    app_id: wx1\n    endpoints: getusersummary\n",
			nil, "DIR/wechat-exporter.yml:4: cannot unmarshal !!str `getuser...` into []string"},
		{"name with space", "accounts:\n  - name: my news\n    app_id: wx1\n    app_secret: s\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].name: "my news" is not a valid name: use at most 64 printable characters, no spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.cfg, tt.files)
			_, err := Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(path), "DIR")
			if got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestDiscoveryConfig: a discovery section alone is a configuration; its
// defaults are a 10-minute refresh, names by AppID and the datacube
// endpoints.
func TestDiscoveryConfig(t *testing.T) {
	path := write(t, "discovery:\n  component:\n    app_id: wxplatform\n    app_secret_file: platform.secret\n    verify_ticket_file: ticket\n  refresh_token_dir: tokens\n  exclude: [wxtest]\n  publisher: true\n",
		map[string]string{"platform.secret": "platform-secret", "tokens/.keep": ""})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Discovery
	if d == nil || len(cfg.Accounts) != 0 || d.Component.AppID != "wxplatform" || d.Component.AppSecret != "platform-secret" ||
		d.RefreshTokenDir != filepath.Join(filepath.Dir(path), "tokens") || d.RefreshInterval != DefaultRefreshInterval ||
		d.NameBy != NameByAppID || !slices.Equal(d.Exclude, []string{"wxtest"}) ||
		len(d.Endpoints) != len(wechat.DatacubeEndpoints())+len(wechat.PublisherEndpoints()) {
		t.Errorf("%+v", d)
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := Load("/nonexistent/wechat-exporter.yml")
	want := "/nonexistent/wechat-exporter.yml: cannot read configuration: /nonexistent/wechat-exporter.yml: no such file or directory"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestWorldReadableSecretWarns(t *testing.T) {
	path := write(t, "accounts:\n  - name: a\n    app_id: wx1\n    app_secret_file: open.secret\n", map[string]string{"open.secret": "s3cr3t-value"})
	secret := filepath.Join(filepath.Dir(path), "open.secret")
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := path + ":4: accounts[0].app_secret_file: secret file " + secret + " is readable by every user (mode 0644); chmod 600 it"
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Fatalf("warnings %q\nwant %q", cfg.Warnings, want)
	}
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	t.Setenv("S1", "very-secret-env-value")
	path := write(t, "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: ${S1}\n    app_secret_file: x.secret\n  - name: a\n    app_id: wx1\n    app_secret: ${S1}\n",
		map[string]string{"x.secret": "very-secret-file-value"})
	_, err := Load(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, s := range []string{"very-secret-env-value", "very-secret-file-value"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error contains a secret: %v", err)
		}
	}
}
