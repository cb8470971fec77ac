package collector

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// MetricFilter keeps or removes metric families by name, as
// --metric-allowlist and --metric-denylist say (kube-state-metrics'
// flags): comma-separated regular expressions, each matching whole
// names. A removed family is neither rendered, nor kept in the render
// cache, nor written by backfill. The zero filter keeps everything.
type MetricFilter struct {
	allow, deny []*regexp.Regexp
	spec        string // for the render cache's key
}

// NewMetricFilter builds a filter from an allowlist and a denylist (at
// most one of them).
func NewMetricFilter(allowlist, denylist string) (*MetricFilter, error) {
	if allowlist != "" && denylist != "" {
		return nil, fmt.Errorf("--metric-allowlist and --metric-denylist: give one or the other")
	}
	f := &MetricFilter{spec: "allow:" + allowlist + "\x00deny:" + denylist}
	var err error
	if f.allow, err = compileList("--metric-allowlist", allowlist); err != nil {
		return nil, err
	}
	if f.deny, err = compileList("--metric-denylist", denylist); err != nil {
		return nil, err
	}
	return f, nil
}

func compileList(flag, list string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", flag, p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// Keeps reports whether the family named name is kept.
func (f *MetricFilter) Keeps(name string) bool {
	if f == nil {
		return true
	}
	if len(f.allow) > 0 {
		return matchesAny(f.allow, name)
	}
	return !matchesAny(f.deny, name)
}

func matchesAny(res []*regexp.Regexp, name string) bool {
	for _, re := range res {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// Removed returns the names, among the collector's metrics, of the
// families the filter removes.
func (f *MetricFilter) Removed() []string {
	var removed []string
	for _, info := range descInfos {
		if !f.Keeps(info.Name) && !slices.Contains(removed, info.Name) {
			removed = append(removed, info.Name)
		}
	}
	return removed
}
