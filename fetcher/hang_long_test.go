//go:build long

// Long tests (minutes): `go test -tags long`, as .ci/run does.

package fetcher_test

import (
	"testing"
	"time"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// TestHungEndpointAtScale is TestHungEndpointCostsItsOwnTasks at 1,000
// accounts (21,000 tasks), the figure docs/scale.md gives.
func TestHungEndpointAtScale(t *testing.T) {
	const accounts = 1000
	clean, _ := hangRun(t, accounts, "", 30*time.Second)
	withHang, snap := hangRun(t, accounts, wechat.GetUserSummary.Name, 30*time.Second)
	t.Logf("%d accounts: every other endpoint fetched in %s with getusersummary hung, %s with none (%.2f times)",
		accounts, withHang.Round(time.Second), clean.Round(time.Second), float64(withHang)/float64(clean))
	if withHang > 2*clean {
		t.Errorf("with getusersummary hung the other endpoints took %s, more than twice the %s they take without", withHang, clean)
	}
	for _, a := range snap.Accounts() {
		if e := a.Endpoints[wechat.GetUserSummary.Name]; e == nil || !e.Status.Known {
			t.Errorf("%s: the hung endpoint has no status series", a.Name)
		}
	}
}
