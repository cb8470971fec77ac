package exposition

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/wechat-exporter/wechat-exporter/collector"
	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

func cacheState() (*served.State, *Exposition) {
	s := served.NewState(map[string]string{"a": "wxa"})
	d := wechat.MustParseDate("2026-11-21")
	s.SetData("a", wechat.GetUserCumulate.Name, d, []wechat.Row{wechat.UserCumulate{Ref: wechat.Ref{RefDate: d}, CumulateUser: wechat.CountOf(7)}})
	s.SetData("a", wechat.GetUserSummary.Name, d, []wechat.Row{wechat.UserSummary{Ref: wechat.Ref{RefDate: d}, UserSource: wechat.CodeOf(30), NewUser: wechat.CountOf(3)}})
	return s, New(s, collector.New(s))
}

// joined is the text of renderText's gzip members.
func joined(members [][]byte) string {
	var out strings.Builder
	if err := writePlain(&out, members); err != nil {
		panic(err)
	}
	return out.String()
}

// TestRenderedRoundTrip: an entry decodes to the pieces it was made from,
// and an account served from it renders the same bytes until it changes.
func TestRenderedRoundTrip(t *testing.T) {
	s, c := cacheState()
	want := joined(c.renderText(s.Load()).members)
	entry := c.RenderCold(s.Load().Account("a"), 99)
	r, err := DecodeRendered(entry, 99)
	if err != nil || r == nil {
		t.Fatalf("decode: %v %v", r, err)
	}
	if stale, err := DecodeRendered(entry, 98); stale != nil || err != nil {
		t.Errorf("another key: %v %v, want no entry and no error", stale, err)
	}
	fresh := served.NewState(map[string]string{"a": "wxa"})
	fresh.SetRendered("a", r)
	if got := joined(c.renderText(fresh.Load()).members); got != want {
		t.Errorf("from the entry:\n%s\nwant:\n%s", got, want)
	}
	// A change to the account drops the entry: its status shows.
	fresh.SetStatus("a", wechat.GetUserCumulate.Name, true, time.Unix(1, 0))
	if got := joined(c.renderText(fresh.Load()).members); got == want {
		t.Error("the entry is still served after the account changed")
	}
}

func TestDecodeRenderedRejectsMalformed(t *testing.T) {
	_, c := cacheState()
	s, _ := cacheState()
	good := c.RenderCold(s.Load().Account("a"), 5)
	// sealed gives a body the key and checksum of an entry, so that the
	// body's own checks are reached.
	sealed := func(body []byte) []byte {
		out := binary.LittleEndian.AppendUint64(nil, 5)
		out = binary.LittleEndian.AppendUint64(out, xxhash.Sum64(body))
		return append(out, body...)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-3] ^= 0x20 // a damaged byte in the series text
	tests := map[string][]byte{
		"damaged":             flipped,
		"short":               {1, 2, 3},
		"truncated":           good[:len(good)-1],
		"longer":              append(append([]byte(nil), good...), 'x'),
		"no count":            sealed(nil),
		"too many families":   sealed(binary.AppendUvarint(nil, 1<<40)),
		"family out of range": sealed(binary.AppendUvarint(binary.AppendUvarint(binary.AppendUvarint(nil, 1), 1<<20), 0)),
		"length past the end": sealed(binary.AppendUvarint(binary.AppendUvarint(binary.AppendUvarint(nil, 1), 0), 1<<50)),
		"series past the end": sealed(append(binary.AppendUvarint(binary.AppendUvarint(binary.AppendUvarint(nil, 1), 0), 5), "ab"...)),
	}
	for name, entry := range tests {
		if r, err := DecodeRendered(entry, 5); err == nil || r != nil {
			t.Errorf("%s: accepted (%v)", name, r)
		}
	}
}

// TestRenderColdReusesScrape: the entry made from the pieces the last
// scrape rendered (fetch status dropped) is the entry a render of the
// account without its status gives.
func TestRenderColdReusesScrape(t *testing.T) {
	s, c := cacheState()
	s.SetStatus("a", wechat.GetUserCumulate.Name, false, time.Unix(1, 0))
	s.SetStatus("a", wechat.GetUserSummary.Name, true, time.Unix(2, 0))
	s.SetUnavailable("a", wechat.GetArticleTotal.Name, wechat.ReasonOffline)
	scraped := joined(c.renderText(s.Load()).members)
	if !strings.Contains(scraped, "wechat_datacube_last_fetch_success{") || !strings.Contains(scraped, "wechat_datacube_endpoint_unavailable{") {
		t.Fatalf("no status rendered:\n%s", scraped)
	}
	acc := s.Load().Account("a")
	fromScrape := c.RenderCold(acc, 1)
	rendered := New(s, collector.New(s)).RenderCold(acc, 1) // an exposition that never rendered it
	if string(fromScrape) != string(rendered) {
		t.Errorf("entry from the scrape's pieces differs from a cold render:\n%q\n%q", fromScrape, rendered)
	}
	if strings.Contains(string(rendered), "last_fetch_success") || strings.Contains(string(rendered), "endpoint_unavailable") {
		t.Error("the cold entry has fetch status")
	}
}

// TestRenderCacheKeyedByOptions: a restart with another per-post cap or
// metric filter does not use entries rendered with the old ones.
func TestRenderCacheKeyedByOptions(t *testing.T) {
	deny, err := collector.NewMetricFilter("", "wechat_article_.*")
	if err != nil {
		t.Fatal(err)
	}
	key := func(appID string, digest uint64, opts ...collector.Option) uint64 {
		k, ok := New(nil, collector.New(nil, opts...)).CacheKey(appID, digest)
		if !ok {
			t.Fatal("no key: the executable cannot be hashed")
		}
		return k
	}
	k := key("wx1", 42)
	for name, other := range map[string]uint64{
		"per-post cap": key("wx1", 42, collector.WithMaxPosts(3)),
		"filter":       key("wx1", 42, collector.WithMetricFilter(deny)),
		"AppID":        key("wx2", 42),
		"records":      key("wx1", 43),
	} {
		if other == k {
			t.Errorf("another %s gives the same key %x", name, k)
		}
	}
	if key("wx1", 42) != k {
		t.Error("the same options, AppID and records give another key")
	}
}
