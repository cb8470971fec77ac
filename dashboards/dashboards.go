// Package dashboards holds the panels of wechat-exporter's Grafana
// dashboards as Go data, from which their sources in mixin/dashboards/ are
// generated:
//
//	go test ./dashboards -update && go test ./mixin -update
//
// The mixin (mixin/dashboards.libsonnet) puts each source in its frame
// (variables, tags, links, the inputs of a grafana.com import) with the
// mixin's _config, and writes the dashboards shipped in this directory.
// Keeping the panels as data lets one test check every query against the
// PromQL parser and the metrics the exporter really serves.
package dashboards

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// Dashboard is one Grafana dashboard.
type Dashboard struct {
	File        string // file name, in dashboards/ and mixin/dashboards/
	UID         string
	Title       string
	Description string
	Panels      []Panel
}

// Panel is one panel. Queries are instant for stat, bar gauge and table
// panels (the latest day), ranges for time series.
type Panel struct {
	Type        string // timeseries, stat, bargauge, table
	Title       string
	Description string
	Unit        string
	Width       int // of 24 columns; default 12
	Height      int // default 8
	Targets     []Target
	// Merge joins a table's queries into one row per series (top posts).
	Merge bool
	// Columns name the values of a merged table's queries, in order; an
	// empty name hides the column (an info metric's 1).
	Columns []string
	// NoFallback says why the panel has no equivalent in the 2025 content
	// endpoints, for accounts whose legacy article endpoints are offline.
	NoFallback string
}

// Target is one query. Expressions use the template variables $job and
// $account through sel.
type Target struct {
	Expr   string
	Legend string
}

// sel selects the dashboard's job and accounts.
const sel = `job=~"$job",account=~"$account"`

// datasource is the dashboards' data source: their variable DS_PROMETHEUS
// (made by the mixin), which a grafana.com import also fills in from the
// input of that name.
var datasource = map[string]string{"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

func (p Panel) instant() bool { return p.Type != "timeseries" }

func (p Panel) json(id, x, y int) map[string]any {
	w, h := p.Width, p.Height
	if w == 0 {
		w = 12
	}
	if h == 0 {
		h = 8
	}
	var targets []map[string]any
	for i, t := range p.Targets {
		tgt := map[string]any{
			"refId": string(rune('A' + i)), "expr": t.Expr, "legendFormat": t.Legend,
			"datasource": datasource, "instant": p.instant(), "range": !p.instant(),
		}
		if p.Type == "table" {
			tgt["format"] = "table"
		}
		targets = append(targets, tgt)
	}
	panel := map[string]any{
		"id": id, "type": p.Type, "title": p.Title, "description": p.Description + p.needs(),
		"datasource": datasource,
		"gridPos":    map[string]int{"x": x, "y": y, "w": w, "h": h},
		"fieldConfig": map[string]any{
			"defaults":  map[string]any{"unit": p.Unit},
			"overrides": []any{},
		},
		"targets": targets,
		"options": p.options(),
	}
	if p.Type == "timeseries" {
		// Values are daily figures that change once a day: draw steps.
		panel["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["custom"] = map[string]any{
			"lineInterpolation": "stepAfter", "fillOpacity": 10, "showPoints": "never"}
	}
	if p.Merge {
		exclude := map[string]bool{"Time": true, "job": true, "instance": true, "__name__": true}
		rename := map[string]string{}
		sortBy := ""
		for i := range p.Targets {
			field := "Value #" + string(rune('A'+i))
			if i >= len(p.Columns) || p.Columns[i] == "" {
				exclude[field] = true
				continue
			}
			rename[field] = p.Columns[i]
			if sortBy == "" {
				sortBy = p.Columns[i] // the first named column: the most read first
			}
		}
		panel["transformations"] = []any{
			map[string]any{"id": "merge", "options": map[string]any{}},
			map[string]any{"id": "organize", "options": map[string]any{"excludeByName": exclude, "renameByName": rename}},
			map[string]any{"id": "sortBy", "options": map[string]any{"sort": []any{map[string]any{"field": sortBy, "desc": true}}}},
		}
	}
	return panel
}

// metricName finds the metric names in an expression.
var metricName = regexp.MustCompile(`\bwechat_[a-z0-9_]*[a-z0-9]\b`)

// needs names the metric families the panel reads, for users of
// --metric-allowlist and --metric-denylist.
func (p Panel) needs() string {
	var names []string
	for _, t := range p.Targets {
		for _, n := range metricName.FindAllString(t.Expr, -1) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return " Needs " + strings.Join(names, ", ") + "."
}

func (p Panel) options() map[string]any {
	switch p.Type {
	case "stat":
		return map[string]any{"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "values": false}, "colorMode": "value", "graphMode": "none"}
	case "bargauge":
		return map[string]any{"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "values": false}, "orientation": "vertical", "displayMode": "basic"}
	case "table":
		return map[string]any{"showHeader": true}
	}
	return map[string]any{"legend": map[string]any{"displayMode": "table", "placement": "bottom", "calcs": []string{"lastNotNull"}}, "tooltip": map[string]any{"mode": "multi"}}
}

// Source renders the dashboard's source for the mixin: its uid, title,
// description and panels, laid out left to right in rows of 24 columns.
func (d Dashboard) Source() ([]byte, error) {
	var panels []any
	x, y, rowH := 0, 0, 0
	for i, p := range d.Panels {
		w, h := p.Width, p.Height
		if w == 0 {
			w = 12
		}
		if h == 0 {
			h = 8
		}
		if x+w > 24 {
			x, y, rowH = 0, y+rowH, 0
		}
		panels = append(panels, p.json(i+1, x, y))
		x += w
		rowH = max(rowH, h)
	}
	doc := map[string]any{"uid": d.UID, "title": d.Title, "description": d.Description, "panels": panels}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// All returns every dashboard.
func All() []Dashboard { return []Dashboard{overview, messages, articles, callbacks, ads} }

// Query is one dashboard query, for tests that run them.
type Query struct {
	Dashboard, Panel, Expr string
	NoFallback             string
}

// Queries returns every query of every dashboard.
func Queries() []Query {
	var out []Query
	for _, d := range All() {
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				out = append(out, Query{d.UID, p.Title, t.Expr, p.NoFallback})
			}
		}
	}
	return out
}

// ForPrometheus replaces Grafana's variables in a query with values
// Prometheus accepts: the job, the accounts (a regular expression; ".+"
// for all), fixed intervals.
func ForPrometheus(expr, job, accounts string) string {
	return strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1d",
		"$job", job, "$account", accounts).Replace(expr)
}
