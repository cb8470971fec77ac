package fetcher_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wechat-exporter/wechat-exporter/fetcher"
	"github.com/wechat-exporter/wechat-exporter/store"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// releaseStore is a store written by release dbba9f0 (schema 1, rows
// re-encoded from the typed rows): one publisher account "release"
// (wxrelease0000001, secret release-secret) with every endpoint, fetched
// from the fake at 10:00 Beijing on 2026-11-22 with a lookback of 7 days.
const releaseStore = "../store/testdata/release-dbba9f0.db.gz"

func unpackReleaseStore(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Open(releaseStore)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// releaseEndpoints are the endpoints the release fetched, as data: not
// the present table, to which a new endpoint may have been added since.
func releaseEndpoints(t *testing.T) []wechat.Endpoint {
	t.Helper()
	b, err := os.ReadFile(strings.TrimSuffix(releaseStore, ".db.gz") + ".endpoints")
	if err != nil {
		t.Fatal(err)
	}
	var eps []wechat.Endpoint
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ep, ok := wechat.EndpointByName(line)
		if !ok {
			t.Fatalf("the release's endpoint %s is gone", line)
		}
		eps = append(eps, ep)
	}
	if len(eps) == 0 {
		t.Fatal("no endpoints of the release")
	}
	return eps
}

func schemaOf(t *testing.T, dir string) string {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := ""
	_ = db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket([]byte("meta")).Get([]byte("schema_version")))
		return nil
	})
	return v
}

// TestReleaseStoreMigrates opens the store the previous release wrote: it
// is migrated without a single call, serves byte for byte what a store this
// version fills from the same answers serves (apart from the posts the
// release did not keep: it settled getarticletotaldetail for 7 days, this
// version for 30), and its first fetch pass makes exactly the calls a
// restart of this version on its own store makes (the provisional content
// days), plus, once, the 23 publish days the longer window adds and the
// eighth day of the baselines (served day and week before) the release's
// lookback of 7 days did not keep.
func TestReleaseStoreMigrates(t *testing.T) {
	eps := releaseEndpoints(t)
	setup := func(h *harness) {
		h.fake.AddAccount(wechattest.Account{AppID: "wxrelease0000001", Secret: "release-secret", Publisher: true})
	}
	at := beijing("2026-11-22 10:00")
	released := newHarnessWith(t, at, fetcher.Config{Lookback: 7}, []string{"release"}, func(h *harness) {
		setup(h)
		h.appIDs = map[string]string{"release": "wxrelease0000001"}
		h.secrets["release"] = "release-secret"
		unpackReleaseStore(t, h.dir)
	}, eps...)
	if got := released.fake.Calls("", ""); got != 0 {
		t.Errorf("%d calls while opening and loading the release's store", got)
	}
	if v := func() string { released.store.Close(); return schemaOf(t, released.dir) }(); v != "2" {
		t.Errorf("schema %q after the migration, want 2", v)
	}
	released.open()

	// What this version stores of the same answers, once with the
	// release's 7-day getarticletotaldetail window and 7 days kept of the
	// endpoints with a baseline (its lookback), once with its own.
	const releaseWindow, releaseLookback = 7, 7
	releaseEps := append([]wechat.Endpoint(nil), eps...)
	baselines := 0
	for i, ep := range releaseEps {
		switch {
		case ep.Name == wechat.GetArticleTotalDetail.Name:
			releaseEps[i].SettleDays, releaseEps[i].ServedDays = releaseWindow, releaseWindow
		case ep.Served() == 1+wechat.BaselineWeek:
			releaseEps[i].ServedDays = releaseLookback
			baselines++
		}
	}
	if baselines < 4 {
		t.Fatalf("%d endpoints with a baseline", baselines)
	}
	fill := func(eps []wechat.Endpoint) *harness {
		h := newHarnessWith(t, at, fetcher.Config{Lookback: 7}, []string{"release"}, func(h *harness) {
			setup(h)
			h.appIDs = map[string]string{"release": "wxrelease0000001"}
			h.secrets["release"] = "release-secret"
		}, eps...)
		h.fetcher.RunOnce(t.Context())
		return h
	}
	if a, b := decodedText(t, released), decodedText(t, fill(releaseEps)); a != b {
		t.Errorf("the migrated store serves other data than this version's own:\n%s", firstDiff(a, b))
	}

	// A restart of this version on its own store.
	fresh := fill(eps)
	fresh.store.Close()
	fresh.open()
	before := fresh.fake.DatacubeCalls("wxrelease0000001")
	fresh.fetcher.RunOnce(t.Context())
	// The eighth day of getinterfacesummary, getusersummary and
	// publisher_adpos_general, for their baselines: the release kept the
	// lookback's 7. getbizsummary's comes with its provisional days, in
	// the one request (span 30) a restart makes anyway.
	const eighthDays = 3
	want := fresh.fake.DatacubeCalls("wxrelease0000001") - before + wechat.GetArticleTotalDetail.SettleDays - releaseWindow + eighthDays
	released.fetcher.RunOnce(t.Context())
	if got := released.fake.DatacubeCalls("wxrelease0000001"); got != want {
		t.Errorf("the migrated store's first pass made %d calls, want %d", got, want)
	}
	if a, b := decodedText(t, released), decodedText(t, fresh); a != b {
		t.Errorf("after its first pass the migrated store serves other data than this version's own:\n%s", firstDiff(a, b))
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}
