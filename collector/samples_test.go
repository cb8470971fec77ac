package collector

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSeriesKeyCollision forces two different series onto one key: they
// must stay apart, and each must still be found and summed.
func TestSeriesKeyCollision(t *testing.T) {
	d := prometheus.NewDesc("x", "h", []string{"account", "l"}, nil)
	m := newMetrics()
	k := seriesKey{d, 42}
	m.insert(k, Sample{Desc: d, Labels: []string{"a", "1"}, Value: 1})
	m.insert(k, Sample{Desc: d, Labels: []string{"a", "2"}, Value: 10}) // same key, other labels
	if i := m.find(k, []string{"a", "2"}); i != 1 {
		t.Fatalf("colliding series found at %d, want 1", i)
	}
	if i := m.find(k, []string{"a", "1"}); i != 0 {
		t.Fatalf("first series found at %d, want 0", i)
	}
	if i := m.find(k, []string{"a", "3"}); i != -1 {
		t.Fatalf("absent series found at %d", i)
	}
}
