package wechat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// newPlatform starts the fake with a platform authorised by n accounts,
// and a client of the platform's APIs.
func newPlatform(t *testing.T, n int, without bool) (*wechattest.Server, *wechat.Platform) {
	t.Helper()
	fake := wechattest.NewServer()
	t.Cleanup(fake.Close)
	fake.SetComponent(wechattest.Component{AppID: "wxplatform000001", Secret: "platform-secret-0123456789", Ticket: "ticket@@@1",
		ListWithoutRefreshToken: without})
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("wxauth%010d", i)
		fake.AddAccount(wechattest.Account{AppID: id, Secret: "unused"})
		a := wechattest.Authorizer{AppID: id, NickName: fmt.Sprintf("Account %d", i), ServiceType: 2, AuthTime: int64(1_700_000_000 + i)}
		if i == 1 {
			a.Status, a.VerifyType, a.PermissionSets = wechat.AccountBanned, -1, []int{1, 2}
		}
		fake.Authorize(a, fmt.Sprintf("refreshtoken@@@%d", i))
	}
	ticket := filepath.Join(t.TempDir(), "ticket")
	if err := os.WriteFile(ticket, []byte("ticket@@@1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := wechat.NewPlatform(wechat.ComponentConfig{ComponentAppID: "wxplatform000001", ComponentSecret: "platform-secret-0123456789",
		VerifyTicketFile: ticket}, wechat.WithBaseURL(fake.URL), wechat.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return fake, p
}

// TestPlatformListsEveryAuthorizer: the list is read a page of 500 at a
// time, in order, with one component token.
func TestPlatformListsEveryAuthorizer(t *testing.T) {
	fake, p := newPlatform(t, 1203, false)
	list, err := p.Authorizers(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1203 || list[0].AppID != "wxauth0000000000" || list[1202].AppID != "wxauth0000001202" || list[7].RefreshToken != "refreshtoken@@@7" {
		t.Fatalf("listed %d authorizers (first %+v)", len(list), list[0])
	}
	if n := fake.Calls("", "api_get_authorizer_list"); n != 3 {
		t.Errorf("%d list requests for 1203 authorizers, want 3 pages", n)
	}
	if n := fake.Calls("", "api_component_token"); n != 1 {
		t.Errorf("%d component token requests, want 1", n)
	}
	info, err := p.AuthorizerInfo(ctx(t), "wxauth0000000001")
	if err != nil {
		t.Fatal(err)
	}
	if info.NickName != "Account 1" || info.Status != wechat.AccountBanned || info.VerifyType != -1 || info.ServiceType != 2 ||
		!slices.Equal(info.PermissionSets, []int{1, 2}) || info.RefreshToken != "refreshtoken@@@1" {
		t.Errorf("info %+v", info)
	}
	if _, err := p.AuthorizerInfo(ctx(t), "wxnotauthorized"); err == nil || !strings.Contains(err.Error(), "61003") {
		t.Errorf("an account that did not authorise the platform: %v", err)
	}
}

// TestPlatformListWithoutRefreshTokens: a list without refresh tokens is
// read as such (the tokens then come from elsewhere).
func TestPlatformListWithoutRefreshTokens(t *testing.T) {
	_, p := newPlatform(t, 3, true)
	list, err := p.Authorizers(ctx(t))
	if err != nil || len(list) != 3 {
		t.Fatalf("%v %v", list, err)
	}
	for _, a := range list {
		if a.RefreshToken != "" {
			t.Errorf("%s listed with a refresh token", a.AppID)
		}
	}
}

// TestPlatformNewComponentTokenOnRejection: a component token WeChat
// rejects (revoked before its expiry) is replaced once, and the request
// made again with the new one.
func TestPlatformNewComponentTokenOnRejection(t *testing.T) {
	fake, p := newPlatform(t, 3, false)
	if _, err := p.Authorizers(ctx(t)); err != nil {
		t.Fatal(err)
	}
	fake.RevokeTokens("wxplatform000001")
	list, err := p.Authorizers(ctx(t))
	if err != nil || len(list) != 3 {
		t.Fatalf("after the component token was revoked: %d authorizers, %v", len(list), err)
	}
	if n := fake.Calls("", "api_component_token"); n != 2 {
		t.Errorf("%d component token requests, want 2 (the first, then one after the rejection)", n)
	}
	if n := fake.Calls("", "api_get_authorizer_list"); n != 3 {
		t.Errorf("%d list requests, want 3 (one, then rejected and made again)", n)
	}
}
