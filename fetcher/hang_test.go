package fetcher_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// hangRun runs a fetcher as the exporter does (Run, the default
// concurrency, timeout and retries) on n accounts of the fake, every
// request of which takes 20 ms, and hung's requests never end; it returns
// how long every other endpoint of every account took to be fetched, and
// the state then.
func hangRun(t *testing.T, n int, hung string, timeout time.Duration) (time.Duration, *served.Snapshot) {
	t.Helper()
	fake := wechattest.NewServer()
	defer fake.Close()
	if hung != "" {
		fake.Inject(wechattest.Fault{Endpoint: hung, Latency: time.Hour}) // ended by the client's timeout
	}
	fake.Inject(wechattest.Fault{Latency: 10 * time.Millisecond})
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names := map[string]string{}
	var accounts []fetcher.Account
	for i := range n {
		name, id := fmt.Sprintf("a%03d", i), fmt.Sprintf("wx%016x", 0x4a000+i)
		secret := fmt.Sprintf("%032x", 0x4a000+i)
		fake.AddAccount(wechattest.Account{AppID: id, Secret: secret})
		c, err := wechat.New(wechat.NewStableToken(id, secret), wechat.WithBaseURL(fake.URL), wechat.WithHTTPClient(&http.Client{Timeout: timeout}))
		if err != nil {
			t.Fatal(err)
		}
		names[name] = id
		accounts = append(accounts, fetcher.Account{Name: name, AppID: id, Client: c, Endpoints: wechat.DatacubeEndpoints()})
	}
	state := served.NewState(names)
	f := fetcher.New(fetcher.Config{ReadyTime: 0, RetryInterval: fetcher.DefaultRetryInterval, Lookback: fetcher.DefaultLookback,
		MaxConcurrency: fetcher.DefaultMaxConcurrency, EmptyGrace: fetcher.DefaultEmptyGrace}, st, state, accounts, prometheus.NewRegistry())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	start := time.Now()
	go func() { f.Run(ctx); close(done) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Error("Run did not return a minute after its context ended")
		}
	}()
	for deadline := start.Add(10 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		snap := state.Load()
		complete := true
		for _, a := range snap.Accounts() {
			for _, ep := range wechat.DatacubeEndpoints() {
				if e := a.Endpoints[ep.Name]; ep.Name != hung && (e == nil || !e.Status.OK) {
					complete = false
				}
			}
		}
		if complete {
			return time.Since(start), snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other endpoints were not all fetched in 10 minutes")
		}
	}
}

// TestHungEndpointCostsItsOwnTasks: with one endpoint hung for every
// account, every other endpoint of every account is fetched within twice
// the time it takes with none hung, with the default concurrency, timeout
// and retries; and the hung endpoint has a status series for every
// account from the first cycle on.
func TestHungEndpointCostsItsOwnTasks(t *testing.T) {
	const accounts = 20
	clean, _ := hangRun(t, accounts, "", 30*time.Second)
	withHang, snap := hangRun(t, accounts, wechat.GetUserSummary.Name, 30*time.Second)
	t.Logf("every other endpoint fetched in %s with getusersummary hung, %s with none (%.2f times)", withHang, clean, float64(withHang)/float64(clean))
	if withHang > 2*clean {
		t.Errorf("with getusersummary hung the other endpoints took %s, more than twice the %s they take without", withHang, clean)
	}
	for _, a := range snap.Accounts() {
		if e := a.Endpoints[wechat.GetUserSummary.Name]; e == nil || !e.Status.Known || e.Status.OK {
			t.Errorf("%s: the hung endpoint's status is %+v, want a series (known, not ok) from the first cycle on", a.Name, e)
		}
	}
}
