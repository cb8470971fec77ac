package wechat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

func yesterdayRange() wechat.Range { return wechat.Range{Begin: yesterday(), End: yesterday()} }

func TestRejectedTokenRefreshedOnceAndRetriedOnce(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	// Another system resets the account's tokens.
	e.fake.RevokeTokens(appID)
	e.fake.ResetCalls()
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if got := e.fake.Calls(appID, "getusercumulate"); got != 2 {
		t.Errorf("datacube calls = %d, want 2 (rejected, then retried)", got)
	}
	if got := e.fake.Calls(appID, "stable_token"); got != 1 {
		t.Errorf("token calls = %d, want 1 refresh", got)
	}
}

func TestTwoRejectionsEndInErrorNotLoop(t *testing.T) {
	e := newEnv(t, nil)
	release := e.fake.Inject(wechattest.Fault{Endpoint: "getusercumulate", Errcode: wechat.CodeInvalidToken})
	defer release()
	_, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange())
	if wechat.ErrorClass(err) != wechat.TokenInvalid || !wechat.HasCode(err, 40001) {
		t.Fatalf("err = %v, want the 40001 rejection", err)
	}
	if got := e.fake.Calls(appID, "getusercumulate"); got != 2 {
		t.Errorf("datacube calls = %d, want exactly 2", got)
	}
	// The stable endpoint still hands out the same (valid) token, which was
	// rejected twice: the next call forces a new one.
	before := e.fake.Calls(appID, "stable_token")
	release()
	e.clock.Advance(time.Minute)
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Calls(appID, "stable_token") - before; got != 1 {
		t.Errorf("token calls after two rejections = %d, want 1 (forced)", got)
	}
}

func TestForceRefreshReplacesStableToken(t *testing.T) {
	e := newEnv(t, nil)
	first, err := e.client.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	release := e.fake.Inject(wechattest.Fault{Endpoint: "getusersummary", Errcode: wechat.CodeInvalidToken})
	_, _ = fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange())
	release()
	second, err := e.client.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("a token rejected twice was not replaced by a forced refresh")
	}
	if _, err := fetchRows[wechat.UserSummary](ctx(t), e.client, wechat.GetUserSummary, yesterdayRange()); err != nil {
		t.Fatalf("with forced token: %v", err)
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	e := newEnv(t, nil)
	release := e.fake.Inject(wechattest.Fault{Endpoint: "stable_token", Latency: 50 * time.Millisecond})
	defer release()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.fake.Calls(appID, "stable_token"); got != 1 {
		t.Errorf("20 concurrent callers made %d token calls, want 1", got)
	}
	if e.obs.refreshes != 1 {
		t.Errorf("observer saw %d refreshes, want 1", e.obs.refreshes)
	}
}

func TestTokenCachedUntilNearExpiry(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 3; i++ {
		if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(30 * time.Minute)
	}
	if got := e.fake.Calls(appID, "stable_token"); got != 1 {
		t.Errorf("token calls within 90 min = %d, want 1", got)
	}
	e.clock.Advance(30 * time.Minute) // 2 h: past expiry
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Calls(appID, "stable_token"); got != 2 {
		t.Errorf("token calls after 2 h = %d, want 2", got)
	}
	if got := e.fake.Calls(appID, "getusercumulate"); got != 4 {
		t.Errorf("no request may go out with an expired token: %d datacube calls, want 4", got)
	}
}

// TestClassicTokenInvalidatesOthers shows why classic is not the default:
// a second system's fetch invalidates this client's token after the grace
// period, and the client recovers by refreshing once.
func TestClassicTokenInvalidatesOthers(t *testing.T) {
	e := newEnv(t, wechat.NewClassicToken(appID, secret))
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	other, err := wechat.New(wechat.NewClassicToken(appID, secret), wechat.WithBaseURL(e.fake.URL), wechat.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Token(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatalf("within the grace period: %v", err)
	}
	e.clock.Advance(wechattest.ClassicGrace + time.Second)
	e.fake.ResetCalls()
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatalf("after the grace period: %v", err)
	}
	if got := e.fake.Calls(appID, "getusercumulate"); got != 2 {
		t.Errorf("datacube calls = %d, want 2 (40001, then retry)", got)
	}
	if got := e.fake.Calls(appID, "token"); got != 1 {
		t.Errorf("token calls = %d, want 1", got)
	}
}

func TestStableTokenUnaffectedByClassic(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	other, _ := wechat.New(wechat.NewClassicToken(appID, secret), wechat.WithBaseURL(e.fake.URL), wechat.WithClock(e.clock.Now))
	for i := 0; i < 3; i++ {
		if _, err := other.Token(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(wechattest.ClassicGrace + time.Minute)
	e.fake.ResetCalls()
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Calls(appID, ""); got != 1 {
		t.Errorf("calls = %d, want 1: classic fetches must not touch stable tokens", got)
	}
}

func TestWrongSecretIsPermanent(t *testing.T) {
	for _, src := range []wechat.TokenSource{wechat.NewStableToken(appID, "wrong-secret-value"), wechat.NewClassicToken(appID, "wrong-secret-value")} {
		e := newEnv(t, src)
		_, err := fetchRows[wechat.UserCumulate](ctx(t), e.client, wechat.GetUserCumulate, yesterdayRange())
		if err == nil || wechat.ErrorClass(err) != wechat.Permanent {
			t.Errorf("%s: err = %v (class %v), want a permanent error", src.Kind(), err, wechat.ErrorClass(err))
		}
		if n := e.fake.DatacubeCalls(appID); n != 0 {
			t.Errorf("%s: %d datacube calls without a token", src.Kind(), n)
		}
	}
}

// TestRefusedCredentialsAskedOncePerMinute: a refusal of the credentials
// is the answer of the next minute's token requests without asking again
// (the endpoints of one pass), and asked again after it.
func TestRefusedCredentialsAskedOncePerMinute(t *testing.T) {
	for _, src := range []wechat.TokenSource{wechat.NewStableToken(appID, "wrong-secret-value"), wechat.NewClassicToken(appID, "wrong-secret-value")} {
		e := newEnv(t, src)
		endpoint := map[string]string{"stable": "stable_token", "classic": "token"}[src.Kind()]
		for i := 0; i < 5; i++ {
			if _, err := e.client.Token(ctx(t)); !wechat.CredentialsRejected(err) {
				t.Fatalf("%s: err = %v, want the refusal", src.Kind(), err)
			}
			e.clock.Advance(10 * time.Second)
		}
		if got := e.fake.Calls(appID, endpoint); got != 1 {
			t.Errorf("%s: %d token calls in 50 s, want 1", src.Kind(), got)
		}
		e.clock.Advance(20 * time.Second)
		if _, err := e.client.Token(ctx(t)); !wechat.CredentialsRejected(err) {
			t.Fatalf("%s: err = %v, want the refusal", src.Kind(), err)
		}
		if got := e.fake.Calls(appID, endpoint); got != 2 {
			t.Errorf("%s: %d token calls after a minute, want 2", src.Kind(), got)
		}
	}
}

func TestFileTokenRereadOnChangeAndRejection(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.AddAccount(wechattest.Account{AppID: appID, Secret: secret})
	// The account's central token server fetches tokens; we read its file.
	central, _ := wechat.New(wechat.NewStableToken(appID, secret), wechat.WithBaseURL(fake.URL))
	tok, err := central.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "token")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("stale-token-written-earlier")
	c, _ := wechat.New(wechat.NewFileToken(path), wechat.WithBaseURL(fake.URL), wechat.WithRetry(fastRetry))
	if _, err := fetchRows[wechat.UserCumulate](ctx(t), c, wechat.GetUserCumulate, wechat.Range{Begin: wechat.Today(time.Now()).AddDays(-1), End: wechat.Today(time.Now()).AddDays(-1)}); err == nil {
		t.Fatal("a stale token in the file was accepted")
	}
	write(tok) // the central server updates the file
	got, err := c.Token(ctx(t))
	if err != nil || got != tok {
		t.Fatalf("after the file changed: token %q, %v; want the new one", got, err)
	}
	// A rotation by the central server is picked up with no rejection first.
	other, _ := wechat.New(wechat.NewClassicToken(appID, secret), wechat.WithBaseURL(fake.URL))
	tok2, err := other.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	write(tok2)
	if got, err := c.Token(ctx(t)); err != nil || got != tok2 {
		t.Fatalf("after a rotation: token %q, %v; want the rotated one", got, err)
	}
	if n := fake.Calls("", "stable_token") + fake.Calls("", "token"); n != 2 {
		t.Errorf("the file source called a token endpoint: %d token calls", n)
	}
}

func TestFileTokenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := wechat.New(wechat.NewFileToken(path))
	if _, err := c.Token(ctx(t)); err == nil || !contains(err.Error(), path) || !contains(err.Error(), "empty") {
		t.Fatalf("err = %v, want one naming the empty file", err)
	}
}

func TestComponentTokenRotatesAndPersistsRefreshToken(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.AddAccount(wechattest.Account{AppID: appID, Secret: "unused-by-component"})
	fake.SetComponent(wechattest.Component{AppID: "wxcomponent0001", Secret: "component-secret-123456", Ticket: "ticket@@@first",
		RefreshTokens: map[string]string{appID: "refreshtoken@@@initial"}})
	ticketFile := filepath.Join(t.TempDir(), "ticket")
	if err := os.WriteFile(ticketFile, []byte("ticket@@@first"), 0o600); err != nil {
		t.Fatal(err)
	}
	var saved []string
	clk := wechattest.NewClock(now)
	fake.SetClock(clk.Now)
	c, _ := wechat.New(wechat.NewComponentToken(wechat.ComponentConfig{
		ComponentAppID: "wxcomponent0001", ComponentSecret: "component-secret-123456", VerifyTicketFile: ticketFile,
		AuthorizerAppID: appID, RefreshToken: "refreshtoken@@@initial",
		SaveRefreshToken: func(s string) { saved = append(saved, s) },
	}), wechat.WithBaseURL(fake.URL), wechat.WithClock(clk.Now), wechat.WithRetry(fastRetry))

	if _, err := fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, yesterdayRange()); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0] != fake.RefreshToken(appID) {
		t.Fatalf("saved refresh tokens %v, fake's current %q", saved, fake.RefreshToken(appID))
	}
	// Two hours later: a new authorizer token, using the rotated refresh token.
	clk.Advance(2 * time.Hour)
	if _, err := fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, yesterdayRange()); err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if len(saved) != 2 || saved[1] != fake.RefreshToken(appID) {
		t.Fatalf("second rotation not persisted: %v", saved)
	}
	if got := fake.Calls(appID, "api_authorizer_token"); got != 2 {
		t.Errorf("authorizer token calls = %d, want 2", got)
	}
	if got := fake.Calls("", "api_component_token"); got != 2 {
		t.Errorf("component token calls = %d, want 2 (one per 2 h)", got)
	}
}

func TestComponentStaleTicketIsPermanent(t *testing.T) {
	fake := wechattest.NewServer()
	defer fake.Close()
	fake.AddAccount(wechattest.Account{AppID: appID, Secret: "x"})
	fake.SetComponent(wechattest.Component{AppID: "wxcomponent0001", Secret: "component-secret-123456", Ticket: "ticket@@@new",
		RefreshTokens: map[string]string{appID: "refreshtoken@@@initial"}})
	ticketFile := filepath.Join(t.TempDir(), "ticket")
	_ = os.WriteFile(ticketFile, []byte("ticket@@@old"), 0o600)
	c, _ := wechat.New(wechat.NewComponentToken(wechat.ComponentConfig{ComponentAppID: "wxcomponent0001",
		ComponentSecret: "component-secret-123456", VerifyTicketFile: ticketFile, AuthorizerAppID: appID,
		RefreshToken: "refreshtoken@@@initial"}), wechat.WithBaseURL(fake.URL), wechat.WithRetry(fastRetry))
	_, err := fetchRows[wechat.UserSummary](ctx(t), c, wechat.GetUserSummary, wechat.Range{Begin: wechat.Today(time.Now()).AddDays(-1), End: wechat.Today(time.Now()).AddDays(-1)})
	if !wechat.HasCode(err, 61006) || wechat.ErrorClass(err) != wechat.Permanent {
		t.Fatalf("err = %v, want permanent 61006", err)
	}
}

// TestBusyTokenEndpointAskedOncePerRound: while the token endpoint is
// busy (-1, HTTP 500 or 503), the endpoints of an account waiting for a
// token share one attempt (with the transport's retries) per round: the
// failure is their answer for the backoff the data calls have (a minute,
// doubling), and asked again after it.
func TestBusyTokenEndpointAskedOncePerRound(t *testing.T) {
	for _, f := range []wechattest.Fault{{Errcode: -1}, {Status: 500}, {Status: 503}} {
		name := fmt.Sprintf("errcode %d status %d", f.Errcode, f.Status)
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			f.Endpoint = "stable_token"
			e.fake.Inject(f)
			// A round: every datacube endpoint of the account wants a token.
			round := func() {
				for _, ep := range wechat.DatacubeEndpoints() {
					if _, err := e.client.Fetch(ctx(t), ep, yesterdayRange()); wechat.ErrorClass(err) != wechat.Retryable {
						t.Fatalf("%s: err = %v, want the token endpoint's transient failure", ep.Name, err)
					}
				}
			}
			calls := func() int { return e.fake.Calls(appID, "stable_token") }
			round()
			if got := calls(); got != fastRetry.Attempts {
				t.Errorf("%d token requests for %d endpoints, want %d: one attempt with its retries", got, len(wechat.DatacubeEndpoints()), fastRetry.Attempts)
			}
			e.clock.Advance(50 * time.Second)
			round()
			if got := calls(); got != fastRetry.Attempts {
				t.Errorf("%d token requests after a second round within the minute, want still %d", got, fastRetry.Attempts)
			}
			e.clock.Advance(15 * time.Second) // past the first minute
			round()
			if got := calls(); got != 2*fastRetry.Attempts {
				t.Errorf("%d token requests after a minute, want %d: asked again once", got, 2*fastRetry.Attempts)
			}
			e.clock.Advance(90 * time.Second) // within the second wait, two minutes
			round()
			if got := calls(); got != 2*fastRetry.Attempts {
				t.Errorf("%d token requests 90 s after the second failure, want %d: the wait doubles", got, 2*fastRetry.Attempts)
			}
			e.fake.ClearFaults()
			e.clock.Advance(time.Minute)
			if _, err := e.client.Fetch(ctx(t), wechat.GetUserCumulate, yesterdayRange()); err != nil {
				t.Errorf("once the token endpoint answers: %v", err)
			}
		})
	}
}
