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
	t.Setenv("SHOP_SECRET", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2")
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
      app_id: wx4444444444444444
      app_secret_file: component.secret
      verify_ticket_file: ticket
      refresh_token_file: refresh
`, map[string]string{"news.secret": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1\n", "component.secret": "ccccccccccccccccccccccccccccccc3", "refresh": "refresh-token-value\n"})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 4 || len(cfg.Warnings) != 0 {
		t.Fatalf("accounts %d, warnings %v", len(cfg.Accounts), cfg.Warnings)
	}
	news, shop, ext, comp := cfg.Accounts[0], cfg.Accounts[1], cfg.Accounts[2], cfg.Accounts[3]
	if news.TokenSource != "stable" || news.AppSecret != "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1" || !reflect.DeepEqual(news.Endpoints, wechat.DatacubeEndpoints()) {
		t.Errorf("news: %+v", news)
	}
	if shop.TokenSource != "classic" || shop.AppSecret != "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2" || len(shop.Endpoints) != 5 || shop.Endpoints[1].Name != "getinterfacesummary" || shop.Endpoints[2].Name != "publisher_adpos_general" {
		t.Errorf("shop: %+v", shop)
	}
	if ext.TokenFile != "/run/wechat/ext.token" {
		t.Errorf("ext: %+v", ext)
	}
	if c := comp.Component; c == nil || c.AppSecret != "ccccccccccccccccccccccccccccccc3" || c.VerifyTicketFile != filepath.Join(filepath.Dir(path), "ticket") {
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
		{"unknown key", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secrt: x\n",
			nil, `DIR/wechat-exporter.yml:4: unknown key "app_secrt" in account`},
		{"unknown top-level key", "acounts: []\n",
			nil, `DIR/wechat-exporter.yml:1: unknown key "acounts" in config`},
		{"duplicate name", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n  - name: a\n    app_id: wx1111111111111111\n    app_secret: 2222222222222222222222222222222b\n",
			nil, `DIR/wechat-exporter.yml:5: accounts[1].name: duplicate account name "a" (first used at line 2)`},
		// Two accounts of one AppID would double its calls, and with
		// token_source classic each would reset the other's token.
		{"duplicate AppID", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n  - name: b\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n",
			nil, `DIR/wechat-exporter.yml:6: accounts[1].app_id: wx0123456789abcdef is accounts[0]'s AppID too (line 3): configure each account once`},
		{"missing secret file", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: nope.secret\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].app_secret_file: cannot read secret file: DIR/nope.secret: no such file or directory`},
		{"empty secret file", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: empty.secret\n",
			map[string]string{"empty.secret": "\n"}, `DIR/wechat-exporter.yml:4: accounts[0].app_secret_file: secret file DIR/empty.secret is empty`},
		{"no secret", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].app_secret: missing: set app_secret_file (a file holding the secret) or app_secret ("${ENV_VAR}" is expanded)`},
		{"unset env", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: ${WECHAT_TEST_UNSET_VAR}\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].app_secret: environment variable WECHAT_TEST_UNSET_VAR is not set`},
		{"unknown token source", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    token_source: magic\n",
			nil, `DIR/wechat-exporter.yml:4: accounts[0].token_source: unknown token source "magic": want one of stable, classic, file, component`},
		{"quota listed", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n    extra_endpoints: [quota]\n",
			nil, `DIR/wechat-exporter.yml:5: accounts[0].extra_endpoints[0]: "quota" is asked for every account: --collector.quota-interval sets how often, 0 turns it off`},
		{"unknown endpoint", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n    endpoints:\n      - getusersummary\n      - getfoo\n",
			nil, `DIR/wechat-exporter.yml:7: accounts[0].endpoints[1]: unknown endpoint "getfoo": want one of ENDPOINTS`},
		{"file source without file", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    token_source: file\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].token_file: missing: token_source file reads the token from this file`},
		{"no accounts", "accounts: []\n", nil, `DIR/wechat-exporter.yml: accounts: no accounts configured (and no discovery)`},
		{"empty file", "", nil, `DIR/wechat-exporter.yml: accounts: no accounts configured (and no discovery)`},
		{"discovery without component", "discovery:\n  refresh_token_dir: tokens\n",
			map[string]string{"tokens/x": "t"}, `DIR/wechat-exporter.yml:1: discovery.component: missing: the platform's app_id, app_secret (or app_secret_file) and verify_ticket_file`},
		{"discovery problems", "discovery:\n  component:\n    app_id: wx5555555555555555\n    app_secret: 1111111111111111111111111111111a\n    verify_ticket_file: ticket\n  refresh_interval: 10s\n  name_by: title\n",
			nil, "DIR/wechat-exporter.yml:1: discovery.refresh_token_dir: missing: a directory with a file per account named by its AppID, where rotated refresh tokens are kept\n" +
				"DIR/wechat-exporter.yml:6: discovery.refresh_interval: 10s: want at least 1m\n" +
				`DIR/wechat-exporter.yml:7: discovery.name_by: "title": want app_id or nick_name`},
		{"refresh token file in discovery", "discovery:\n  component:\n    app_id: wx5555555555555555\n    refresh_token_file: x\n",
			nil, `DIR/wechat-exporter.yml:4: unknown key "refresh_token_file" in platform`},
		{"bad yaml", "accounts:\n  - name: [\n", nil, `DIR/wechat-exporter.yml:2: invalid YAML: did not find expected node content`},
		// yaml.v3 names the line where the list or map began: the line that
		// breaks it is named instead.
		{"indented too little", "accounts:\n  - name: a\n   app_id: wx0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:3: invalid YAML: did not find expected '-' indicator (is this line indented as the lines before it?)`},
		{"indented too little, later", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    endpoints:\n      - getusersummary\n  publisher: true\n", nil,
			`DIR/wechat-exporter.yml:6: invalid YAML: did not find expected '-' indicator (is this line indented as the lines before it?)`},
		{"key outdented in a map", "discovery:\n  component:\n    app_id: wx5555555555555555\n   app_secret: 1111111111111111111111111111111a\n", nil,
			`DIR/wechat-exporter.yml:4: invalid YAML: did not find expected key (is this line indented as the lines before it?)`},
		// An AppID or AppSecret WeChat could never have issued: refused at
		// --config.check rather than by WeChat at every fetch. The secret's
		// problem is said without a character of it.
		{"app_id of another form", "accounts:\n  - name: a\n    app_id: wx1\n    app_secret: 0123456789abcdef0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:3: accounts[0].app_id: "wx1" is not an AppID: want "wx" and 16 hexadecimal digits, such as wx0123456789abcdef`},
		{"original ID for app_id", "accounts:\n  - name: a\n    app_id: gh_0123456789ab\n    app_secret: 0123456789abcdef0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:3: accounts[0].app_id: "gh_0123456789ab" is the account's original ID (gh_...), not its AppID: want "wx" and 16 hexadecimal digits, such as wx0123456789abcdef`},
		{"secret for app_id", "accounts:\n  - name: a\n    app_id: 0123456789abcdef0123456789abcdef\n    app_secret: 0123456789abcdef0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:3: accounts[0].app_id: is of the form of an AppSecret, not an AppID (are app_id and app_secret swapped?): want "wx" and 16 hexadecimal digits, such as wx0123456789abcdef`},
		{"short secret", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: 0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:4: accounts[0].app_secret: not an AppSecret: want 32 hexadecimal digits, have 16 characters`},
		{"secret file of another form", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: s\n", map[string]string{"s": "0123456789abcdef0123456789abcdeX\n"},
			`DIR/wechat-exporter.yml:4: accounts[0].app_secret_file: not an AppSecret: want 32 hexadecimal digits, have 32 characters of which some are not`},
		{"AppID for secret", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: wx0123456789abcdef\n", nil,
			`DIR/wechat-exporter.yml:4: accounts[0].app_secret: not an AppSecret but an AppID: want 32 hexadecimal digits`},
		{"component of another form", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    token_source: component\n    component:\n      app_id: wxcomp\n      app_secret: s\n      verify_ticket_file: t\n      refresh_token_file: r\n",
			map[string]string{"t": "ticket", "r": "refresh"},
			"DIR/wechat-exporter.yml:6: accounts[0].component.app_id: \"wxcomp\" is not an AppID: want \"wx\" and 16 hexadecimal digits, such as wx0123456789abcdef\n" +
				"DIR/wechat-exporter.yml:7: accounts[0].component.app_secret: not an AppSecret: want 32 hexadecimal digits, have 1 character"},
		{"platform of another form", "discovery:\n  component:\n    app_id: wxp\n    app_secret: s\n    verify_ticket_file: t\n  refresh_token_dir: tokens\n  exclude: [wx1]\n",
			map[string]string{"t": "ticket", "tokens/.keep": ""},
			"DIR/wechat-exporter.yml:3: discovery.component.app_id: \"wxp\" is not an AppID: want \"wx\" and 16 hexadecimal digits, such as wx0123456789abcdef\n" +
				"DIR/wechat-exporter.yml:4: discovery.component.app_secret: not an AppSecret: want 32 hexadecimal digits, have 1 character\n" +
				"DIR/wechat-exporter.yml:7: discovery.exclude[0]: \"wx1\" is not an AppID: want \"wx\" and 16 hexadecimal digits, such as wx0123456789abcdef"},
		{"wrong type", "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    endpoints: getusersummary\n",
			nil, "DIR/wechat-exporter.yml:4: cannot unmarshal !!str `getuser...` into []string"},
		{"name with space", "accounts:\n  - name: my news\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].name: "my news" is not a valid name: use at most 64 printable characters, no spaces and none of " ' < > & \ ` + "`"},
		// A name is text on the landing page: markup in it is refused.
		{"name with markup", "accounts:\n  - name: '\"><script>alert(1)</script>'\n    app_id: wx0123456789abcdef\n    app_secret: 1111111111111111111111111111111a\n",
			nil, `DIR/wechat-exporter.yml:2: accounts[0].name: "\"><script>alert(1)</script>" is not a valid name: use at most 64 printable characters, no spaces and none of " ' < > & \ ` + "`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.cfg, tt.files)
			_, err := Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(path), "DIR")
			if want := strings.ReplaceAll(tt.want, "ENDPOINTS", listable()); got != want {
				t.Errorf("error:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// listable is what an unknown endpoint's error offers: every endpoint
// name, sorted, but the quota, which is not listed (a test above).
func listable() string {
	names := slices.DeleteFunc(wechat.EndpointNames(), func(n string) bool { return n == wechat.APIQuota.Name })
	return strings.Join(names, ", ")
}

// TestDiscoveryConfig: a discovery section alone is a configuration; its
// defaults are a 10-minute refresh, names by AppID and the datacube
// endpoints.
func TestDiscoveryConfig(t *testing.T) {
	path := write(t, "discovery:\n  component:\n    app_id: wx5555555555555555\n    app_secret_file: platform.secret\n    verify_ticket_file: ticket\n  refresh_token_dir: tokens\n  exclude: [wx6666666666666666]\n  publisher: true\n",
		map[string]string{"platform.secret": "dddddddddddddddddddddddddddddd44", "tokens/.keep": ""})
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Discovery
	if d == nil || len(cfg.Accounts) != 0 || d.Component.AppID != "wx5555555555555555" || d.Component.AppSecret != "dddddddddddddddddddddddddddddd44" ||
		d.RefreshTokenDir != filepath.Join(filepath.Dir(path), "tokens") || d.RefreshInterval != DefaultRefreshInterval ||
		d.NameBy != NameByAppID || !slices.Equal(d.Exclude, []string{"wx6666666666666666"}) ||
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
	path := write(t, "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret_file: open.secret\n", map[string]string{"open.secret": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeee55"})
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
	t.Setenv("S1", "0123456789abcdefffffffffffffffff")
	path := write(t, "accounts:\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: ${S1}\n    app_secret_file: x.secret\n  - name: a\n    app_id: wx0123456789abcdef\n    app_secret: ${S1}\n",
		map[string]string{"x.secret": "fedcba9876543210ffffffffffffffff"})
	_, err := Load(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, s := range []string{"0123456789abcdefffffffffffffffff", "fedcba9876543210ffffffffffffffff"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error contains a secret: %v", err)
		}
	}
}
