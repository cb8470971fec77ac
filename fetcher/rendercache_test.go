package fetcher_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/exposition"
	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/internal/servedtest"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// metricsText is the first /metrics of the text handler over state.
func metricsText(t *testing.T, state *served.State) string {
	t.Helper()
	rec := httptest.NewRecorder()
	exposition.New(state, collector.New(state)).Handler(prometheus.NewRegistry(), promhttp.HandlerOpts{}).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// decodedText is /metrics of a cold start that decodes every stored row
// (no render cache): the truth the cache must reproduce byte for byte.
func decodedText(t *testing.T, h *harness) string {
	t.Helper()
	names := map[string]string{}
	var accounts []fetcher.Account
	for _, a := range h.accounts {
		names[a] = h.appID(a)
		accounts = append(accounts, fetcher.Account{Name: a, Endpoints: h.eps})
	}
	state := served.NewState(names)
	if err := servedtest.LoadAll(fetcher.New(fetcher.Config{}, h.store, state, accounts, prometheus.NewRegistry())); err != nil {
		t.Fatal(err)
	}
	return metricsText(t, state)
}

// TestRenderCacheColdStart: a restart serves the accounts whose stored
// records are unchanged from the render cache, byte for byte what decoding
// them gives, before their rows are decoded; an account whose records
// changed is decoded before the first scrape.
func TestRenderCacheColdStart(t *testing.T) {
	h := newHarnessWith(t, beijing("2026-11-22 13:00"), fetcher.Config{}, []string{"acc", "b"},
		func(h *harness) { h.renderCache = true }, wechat.DatacubeEndpoints()...)
	if err := h.rest(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.runAt(beijing("2026-11-22 13:00")) // fetches
	h.store.Close()
	h.open()
	if !h.state.Load().Complete() {
		t.Fatal("renders saved before the save interval")
	}
	if err := h.rest(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.runAt(beijing("2026-11-22 14:01")) // an hour later: saves the renders

	h.store.Close()
	h.open()
	snap := h.state.Load()
	if snap.Complete() || !snap.Account("acc").CacheOnly() || !snap.Account("b").CacheOnly() {
		t.Fatal("the restart did not serve the accounts from the render cache")
	}
	cold := metricsText(t, h.state)
	if want := decodedText(t, h); cold != want {
		t.Fatalf("cached render differs from decoding: %d bytes, want %d", len(cold), len(want))
	}
	if !strings.Contains(cold, `wechat_user_followers{account="b"}`) {
		t.Fatal("no data served")
	}

	// The registry paths wait for the rows.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := h.state.WaitComplete(ctx); err == nil {
		t.Error("WaitComplete returned before the rows were decoded")
	}
	if err := h.rest(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.state.WaitComplete(context.Background()); err != nil || !h.state.Load().Complete() {
		t.Fatalf("not complete after rest: %v", err)
	}
	if after := metricsText(t, h.state); after != cold {
		t.Error("/metrics changed when the rows were decoded")
	}

	// New records for b: its entry no longer matches.
	latest := wechat.GetUserCumulate.LatestComplete(wechat.Today(h.clock.Now()))
	rows, _ := json.Marshal([]wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: latest}, CumulateUser: wechat.CountOf(4242)}})
	if err := h.store.Put("b", wechat.GetUserCumulate.Name, []store.Day{{Date: latest, FetchedOn: latest.AddDays(1), Rows: rows}}); err != nil {
		t.Fatal(err)
	}
	h.store.Close()
	h.open()
	snap = h.state.Load()
	if !snap.Account("acc").CacheOnly() || snap.Account("b").CacheOnly() {
		t.Fatalf("acc cached %v, b cached %v; want only acc", snap.Account("acc").CacheOnly(), snap.Account("b").CacheOnly())
	}
	cold = metricsText(t, h.state)
	if !strings.Contains(cold, `wechat_user_followers{account="b"} 4242`) {
		t.Error("the changed account is served from its stale render")
	}
	if want := decodedText(t, h); cold != want {
		t.Error("mixed cold start differs from decoding")
	}
}
