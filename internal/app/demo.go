package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"

	"github.com/wechat-exporter/wechat-exporter/config"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// demoNames are the first demo accounts; more are numbered.
var demoNames = []string{"news", "shop", "support"}

// spikeAccount has a clear spike in callback failures yesterday, so that
// the alert rules have something to show.
const spikeAccount = "support"

// publisherAccount is the demo account that is a publisher (流量主): the
// only one configured with the ad endpoints, as publisher: true does.
const publisherAccount = "news"

// legacyOffline is a demo account whose legacy article endpoints answer
// 47009 (offline), as WeChat has reported for getarticletotal: its article
// panels show the 2025 content endpoints instead.
const legacyOffline = "shop"

var legacyArticleEndpoints = []wechat.Endpoint{wechat.GetArticleSummary, wechat.GetArticleTotal, wechat.GetUserRead,
	wechat.GetUserReadHour, wechat.GetUserShare, wechat.GetUserShareHour}

// startDemo starts the fake WeChat API in-process with demo accounts and
// returns their configuration, the fake's URL and a cleanup function. The
// store is a temporary directory unless --storage.path was given.
func startDemo(f *flags) (*config.Config, string, func(), error) {
	if f.demoAccounts < 1 {
		return nil, "", nil, fmt.Errorf("--demo.accounts %d: want at least 1", f.demoAccounts)
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
	for i, acc := range demoAccounts(f.demoAccounts, wechat.Today(f.now()).AddDays(-1)) {
		name := demoName(i)
		endpoints := wechat.DatacubeEndpoints()
		if acc.Publisher { // every endpoint (the quota is added by --collector.quota-interval)
			endpoints = slices.DeleteFunc(wechat.Endpoints(), func(ep wechat.Endpoint) bool { return ep.PerPath })
		}
		if name == legacyOffline {
			for _, ep := range legacyArticleEndpoints {
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
	fake.Inject(wechattest.Fault{AppID: demoAppID(0), Endpoint: "getuserread", Status: 502, Times: 1})
	if f.demoAccounts > 1 {
		fake.Inject(wechattest.Fault{AppID: demoAppID(1), Endpoint: "getusersummary", Errcode: wechat.CodeSystemBusy, Times: 1})
	}
	return cfg, fake.URL, cleanup, nil
}

func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func demoAppID(i int) string { return fmt.Sprintf("wxdemo%012d", i) }

// demoName names the i-th demo account.
func demoName(i int) string {
	if i < len(demoNames) {
		return demoNames[i]
	}
	return fmt.Sprintf("account%04d", i)
}

// demoAccounts are the fake's n demo accounts, the spike account's
// callback failures spiking on yesterday: the same data in every process
// that asks for the same days (their secrets aside).
func demoAccounts(n int, yesterday wechat.Date) []wechattest.Account {
	out := make([]wechattest.Account, n)
	for i := range out {
		name := demoName(i)
		out[i] = wechattest.Account{AppID: demoAppID(i), Secret: randomSecret(), Publisher: name == publisherAccount, SilentEvery: 4}
		if name == spikeAccount {
			out[i].FailureSpike = yesterday
		}
	}
	return out
}
