package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wechat-exporter/wechat-exporter/internal/app"
	"github.com/wechat-exporter/wechat-exporter/internal/exportertest"
)

// TestShardsCoverEveryAccountOnce runs three shards and one whole process
// over the same demo accounts: the shards serve every account exactly once
// between them, and make together exactly the calls the one process makes.
func TestShardsCoverEveryAccountOnce(t *testing.T) {
	const accounts, shards = 12, 3
	run := func(shard, total int) (served map[string]bool, calls float64) {
		want := 0 // this shard's accounts
		for i := 0; i < accounts; i++ {
			if app.ShardOf(app.DemoAppID(i), total) == shard {
				want++
			}
		}
		_, addr, _ := exportertest.Start(t, "--demo", fmt.Sprintf("--demo.accounts=%d", accounts), "--log.level=warn",
			fmt.Sprintf("--shard=%d", shard), fmt.Sprintf("--total-shards=%d", total))
		exportertest.WaitFor(t, addr, func(b string) bool {
			return strings.Count(b, "wechat_user_followers{") == want && strings.Count(b, "wechat_interface_callback_failures_baseline{") == want
		})
		body := settled(t, addr) // the first cycle's last request counted
		served = map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^wechat_account_info\{account="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			served[m[1]] = true
		}
		if len(served) != want {
			t.Errorf("shard %d of %d serves %d accounts, want %d", shard, total, len(served), want)
		}
		return served, requests(body)
	}
	union := map[string]int{}
	var shardCalls float64
	for s := 0; s < shards; s++ {
		served, calls := run(s, shards)
		if len(served) == 0 || len(served) == accounts {
			t.Errorf("shard %d serves %d of %d accounts: not a share", s, len(served), accounts)
		}
		for a := range served {
			union[a]++
		}
		shardCalls += calls
	}
	for i := 0; i < accounts; i++ {
		if n := union[app.DemoName(i)]; n != 1 {
			t.Errorf("account %s served by %d shards, want 1", app.DemoName(i), n)
		}
	}
	_, wholeCalls := run(0, 1)
	if shardCalls != wholeCalls {
		t.Errorf("the shards made %v requests together, one process %v", shardCalls, wholeCalls)
	}
}

// requests sums wechat_api_requests_total over a scrape.
func requests(body string) float64 {
	var n float64
	for _, m := range regexp.MustCompile(`(?m)^wechat_api_requests_total\{[^}]*\} (\S+)$`).FindAllStringSubmatch(body, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		n += v
	}
	return n
}

func TestShardFlagsChecked(t *testing.T) {
	for _, args := range [][]string{{"--shard=3", "--total-shards=3"}, {"--shard=-1", "--total-shards=2"}, {"--total-shards=0"}} {
		code, out := exportertest.Run(t, append([]string{"--demo", "--storage.path=" + t.TempDir()}, args...)...)
		if code == 0 || !strings.Contains(out, "want 0 <= shard < total-shards") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
}
