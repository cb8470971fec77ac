package exposition

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
	"github.com/wechat-exporter/wechat-exporter/wechat/wechattest"
)

// richState serves several accounts of the fake, every endpoint, with
// statuses, hostile titles and values WeChat has not documented.
func richState(t testing.TB) *served.State {
	t.Helper()
	fake := wechattest.NewServer()
	defer fake.Close()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	fake.SetClock(func() time.Time { return at })
	names := map[string]string{}
	for i := 0; i < 5; i++ {
		appID := fmt.Sprintf("wxrender%d", i)
		names[fmt.Sprintf("acc-%d", 4-i)] = appID
		fake.AddAccount(wechattest.Account{AppID: appID, Secret: "x", FailureSpike: wechat.DateOf(at).AddDays(-1)})
	}
	state := served.NewState(names)
	for name, appID := range names {
		for _, ep := range wechat.DatacubeEndpoints() {
			latest := ep.LatestComplete(wechat.DateOf(at))
			var rows []wechat.Row
			for d := 0; d < 8; d++ {
				rows = append(rows, fake.Rows(appID, ep.Name, latest.AddDays(-d))...)
			}
			state.SetData(name, ep.Name, latest, rows)
			state.SetStatus(name, ep.Name, name != "acc-2", at)
		}
	}
	d := wechat.DateOf(at).AddDays(-1)
	state.SetData("acc-0", "getarticlesummary", d, []wechat.Row{
		wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: "1_1", Title: "bad \xff utf8 \"quoted\" \\ back\nslash", ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(1.5e7)}},
		wechat.ArticleSummary{Ref: wechat.Ref{RefDate: d}, MsgID: "1_2", Title: "", ReadCounts: wechat.ReadCounts{IntPageReadCount: wechat.CountOf(0)}}, // a known 0, the others absent
	})
	state.SetData("acc-1", "getusersummary", d, []wechat.Row{wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(987654)}})
	return state
}

// TestRenderTextMatchesRegistry holds the fast renderer to the bytes a
// registry and expfmt write for the same collector.
func TestRenderTextMatchesRegistry(t *testing.T) {
	state := richState(t)
	for _, maxPosts := range []int{collector.DefaultMaxPosts, 2} {
		c := collector.New(state, collector.WithMaxPosts(maxPosts))
		e := New(state, c)
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := expfmt.NewEncoder(&want, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
		got := []byte(joined(e.renderText(state.Load()).members))
		if !bytes.Equal(got, want.Bytes()) {
			g, w := bytes.Split(got, []byte("\n")), bytes.Split(want.Bytes(), []byte("\n"))
			for i := 0; i < min(len(g), len(w)); i++ {
				if !bytes.Equal(g[i], w[i]) {
					t.Fatalf("maxPosts %d: line %d differs:\n got %s\nwant %s", maxPosts, i+1, g[i], w[i])
				}
			}
			t.Fatalf("maxPosts %d: %d lines, the registry writes %d", maxPosts, len(g), len(w))
		}
		if len(want.Bytes()) < 100000 {
			t.Fatalf("only %d bytes compared", len(want.Bytes()))
		}
	}
}

// TestRenderKeptCompressed: what the collector keeps of a render between
// scrapes (each account's pieces) is gzip, a fraction of the text, and
// decompresses to the text; only a small exposition (at most
// keepPlainUpTo accounts) keeps its text too, which a plain scrape then
// writes as it is.
func TestRenderKeptCompressed(t *testing.T) {
	state := richState(t)
	e := New(state, collector.New(state))
	small := e.renderText(state.Load())
	if small.plain == nil || string(bytes.Join(small.plain, nil)) != joined(small.members) {
		t.Errorf("%d accounts: the text is not kept, or is not the members'", len(state.Load().Accounts()))
	}
	names := map[string]string{}
	for i := 0; i <= keepPlainUpTo; i++ {
		names[fmt.Sprintf("big-%02d", i)] = fmt.Sprintf("wxbig%02d", i)
	}
	big := served.NewState(names)
	for _, acc := range state.Load().Accounts() {
		for name, ep := range acc.Endpoints {
			for b := range names {
				big.SetData(b, name, ep.Date, ep.Rows)
			}
		}
	}
	e = New(big, collector.New(big))
	section := e.renderText(big.Load())
	members := section.members
	plain := joined(members)
	kept := 0
	for _, r := range *e.rendered.Load() {
		if r.plain != nil {
			t.Fatal("the text of a large exposition is kept")
		}
		for _, p := range r.gz {
			kept += len(p)
		}
	}
	if section.plain != nil || kept == 0 || kept*4 > len(plain) {
		t.Errorf("%d bytes kept for %d bytes of text, want under a quarter", kept, len(plain))
	}
	// The members are one gzip stream, as any gzip reader reads it (the
	// standard library's here: writePlain reads them its own way).
	zr, err := gzip.NewReader(bytes.NewReader(bytes.Join(members, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if text, err := io.ReadAll(zr); err != nil || string(text) != plain {
		t.Errorf("the members as one gzip stream: %d bytes, %v; writePlain wrote %d", len(text), err, len(plain))
	}
	for i, m := range members {
		if len(m) < 2 || m[0] != 0x1f || m[1] != 0x8b {
			t.Fatalf("member %d is not gzip: % x", i, m[:min(len(m), 4)])
		}
	}
}

// TestSmallPiecesStored: a piece below storeBelow is a stored gzip member
// (no Huffman codes to build), which writePlain copies out as it is, and a
// larger one is compressed; both read back as any gzip reader reads them.
func TestSmallPiecesStored(t *testing.T) {
	small := []byte(`wechat_user_followers{account="a"} 1217056` + "\n")
	large := bytes.Repeat([]byte(`wechat_user_follows{account="a",source="qr_code"} 5`+"\n"), 40)
	members := gzipMembers([][]byte{small, large})
	for i, want := range []bool{true, false} {
		m := members[i]
		if _, stored := storedBlock(m[gzipHeaderLen : len(m)-gzipTrailerLen]); stored != want {
			t.Errorf("piece %d: stored %v, want %v", i, stored, want)
		}
	}
	if len(members[1]) >= len(large)/2 {
		t.Errorf("the large piece is %d bytes compressed, of %d", len(members[1]), len(large))
	}
	var out bytes.Buffer
	if err := writePlain(&out, members); err != nil || out.String() != string(small)+string(large) {
		t.Errorf("writePlain: %v, %q", err, out.String())
	}
	zr, err := gzip.NewReader(bytes.NewReader(bytes.Join(members, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if text, err := io.ReadAll(zr); err != nil || string(text) != string(small)+string(large) {
		t.Errorf("as one gzip stream: %v, %q", err, text)
	}
}
