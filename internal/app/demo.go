package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// DemoNames are the first demo accounts; more are numbered. --demo
// serves all of them by default, so each trips what it was made for.
var DemoNames = []string{"news", "shop", "support", "lifestyle"}

// spikeAccount has a clear spike in callback failures yesterday, so that
// the alert rules have something to show.
const DemoSpike = "support"

// DemoUnfollowSpike lost ten times its usual unfollows yesterday, as after
// an article that upset its readers: WeChatUnfollowSpike fires for it.
const DemoUnfollowSpike = "lifestyle"

// publisherAccount is the demo account that is a publisher (流量主): the
// only one configured with the ad endpoints, as publisher: true does.
const DemoPublisher = "news"

// legacyOffline is a demo account whose legacy article endpoints answer
// 47009 (offline), as WeChat has reported for getarticletotal: its article
// panels show the 2025 content endpoints instead.
const DemoLegacyOffline = "shop"

var DemoLegacyEndpoints = []wechat.Endpoint{wechat.GetArticleSummary, wechat.GetArticleTotal, wechat.GetUserRead,
	wechat.GetUserReadHour, wechat.GetUserShare, wechat.GetUserShareHour}

// startDemo starts the fake WeChat API in-process with demo accounts and
// returns their configuration, the fake's URL and a cleanup function. The
// store is a temporary directory unless --storage.path was given.
func startDemo(f *flags) (*config.Config, string, func(), error) {
	if f.DemoAccounts < 1 {
		return nil, "", nil, fmt.Errorf("--demo.accounts %d: want at least 1", f.DemoAccounts)
	}
	fake := wechattest.NewServer()
	fake.SetClock(f.now)
	cleanup := fake.Close
	if !f.storageSet {
		dir, err := os.MkdirTemp("", "wechat-exporter-demo-")
		if err != nil {
			fake.Close()
			return nil, "", nil, err
		}
		f.storagePath = dir
		cleanup = func() {
			fake.Close()
			os.RemoveAll(dir)
		}
	}
	cfg := &config.Config{}
	for i, acc := range DemoAccounts(f.DemoAccounts, wechat.Today(f.now()).AddDays(-1)) {
		name := DemoName(i)
		endpoints := wechat.DatacubeEndpoints()
		if acc.Publisher { // every endpoint (the quota is added by --collector.quota-interval)
			endpoints = slices.DeleteFunc(wechat.Endpoints(), func(ep wechat.Endpoint) bool { return ep.PerPath })
		}
		if name == DemoLegacyOffline {
			for _, ep := range DemoLegacyEndpoints {
				fake.Inject(wechattest.Fault{AppID: acc.AppID, Endpoint: ep.Name, Errcode: wechat.CodeAPIOffline})
			}
		}
		fake.AddAccount(acc)
		cfg.Accounts = append(cfg.Accounts, config.Account{Name: name, AppID: acc.AppID, TokenSource: config.SourceStable,
			AppSecret: acc.Secret, Endpoints: endpoints})
	}
	// A little of the trouble real accounts see, so that the failure
	// panels have something to show: the client retries these at once and
	// the data still arrives.
	fake.Inject(wechattest.Fault{AppID: DemoAppID(0), Endpoint: "getuserread", Status: 502, Times: 1})
	if f.DemoAccounts > 1 {
		fake.Inject(wechattest.Fault{AppID: DemoAppID(1), Endpoint: "getusersummary", Errcode: wechat.CodeSystemBusy, Times: 1})
	}
	return cfg, fake.URL, cleanup, nil
}

func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func DemoAppID(i int) string { return fmt.Sprintf("wxdemo%012d", i) }

// demoName names the i-th demo account.
func DemoName(i int) string {
	if i < len(DemoNames) {
		return DemoNames[i]
	}
	return fmt.Sprintf("account%04d", i)
}

// demoAccounts are the fake's n demo accounts, the spike account's
// callback failures and the unfollow spike account's unfollows spiking on
// yesterday: the same data in every process
// that asks for the same days (their secrets aside).
func DemoAccounts(n int, yesterday wechat.Date) []wechattest.Account {
	out := make([]wechattest.Account, n)
	for i := range out {
		name := DemoName(i)
		out[i] = wechattest.Account{AppID: DemoAppID(i), Secret: randomSecret(), Publisher: name == DemoPublisher, SteadyAds: true, SilentEvery: 4}
		switch name {
		case DemoSpike:
			out[i].FailureSpike = yesterday
		case DemoUnfollowSpike:
			out[i].UnfollowSpike = yesterday
		}
	}
	return out
}

// DemoStatusSeries is how many endpoint status series n demo accounts
// have (wechat_datacube_last_fetch_success): each has the datacube
// endpoints and the quota; the publisher has them all.
func DemoStatusSeries(n int) int {
	return n*(len(wechat.DatacubeEndpoints())+1) + len(wechat.Endpoints()) - len(wechat.DatacubeEndpoints()) - 1
}

// DemoFetched reports whether a scrape of a demo exporter of n accounts
// shows its first fetch done: every endpoint of every account has its
// status (they all do from the first pass on, 0 until their first
// success), and each is a success or unavailable (the account whose legacy
// article endpoints are offline). For tests that wait for it.
func DemoFetched(body string, n int) bool {
	ok, unavailable := 0, 0
	for _, line := range strings.Split(body, "\n") {
		switch {
		case strings.HasPrefix(line, "wechat_datacube_last_fetch_success{") && strings.HasSuffix(line, "} 1"):
			ok++
		case strings.HasPrefix(line, "wechat_datacube_endpoint_unavailable{"):
			unavailable++
		}
	}
	return strings.Count(body, "wechat_datacube_last_fetch_success{") == DemoStatusSeries(n) && ok+unavailable == DemoStatusSeries(n)
}
