package exposition

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ProbeHandler serves /probe?account=NAME (the parameter may repeat): the
// data metrics of those accounts only, so that several Prometheus servers
// can split a large platform between them (hashmod relabelling on the
// account). Only account names travel in the URL, never credentials.
func (e *Exposition) ProbeHandler(opts promhttp.HandlerOpts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// URL.Query drops a query it cannot parse whole, which would read
		// as no account: more than net/url's limit of parameters, a
		// semicolon. Said as it is.
		query, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			http.Error(w, probeQueryError(err), http.StatusBadRequest)
			return
		}
		names := query["account"]
		if len(names) == 0 {
			http.Error(w, "missing parameter: /probe?account=NAME (repeat account= for several)", http.StatusBadRequest)
			return
		}
		// Right after a cold start, wait for the rows of accounts served
		// from the render cache: this path builds metrics from rows.
		if err := e.state.WaitComplete(r.Context()); err != nil {
			http.Error(w, "stored data still loading: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		snap := e.state.Load()
		want := map[string]bool{}
		var unknown []string
		for _, n := range names {
			if snap.Account(n) == nil {
				unknown = append(unknown, fmt.Sprintf("%q", n))
			}
			want[n] = true
		}
		if len(unknown) > 0 {
			http.Error(w, "unknown account "+strings.Join(unknown, ", ")+": not in the exporter's configuration", http.StatusNotFound)
			return
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(e.c.ForAccounts(snap, want))
		promhttp.HandlerFor(reg, opts).ServeHTTP(w, r)
	})
}

// maxQueryParams is how many parameters net/url parses in a query (its
// default, GODEBUG urlmaxqueryparams).
const maxQueryParams = 10_000

func probeQueryError(err error) string {
	if strings.Contains(err.Error(), "exceeded limit") {
		return fmt.Sprintf("too many query parameters: at most %d (account= %d times); split the accounts between several requests", maxQueryParams, maxQueryParams)
	}
	return "bad query: " + err.Error()
}

// TargetsHandler serves the accounts as a Prometheus HTTP service
// discovery target group (http_sd_configs), one target per account name,
// for scraping /probe with hashmod sharding.
func (e *Exposition) TargetsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		targets := []string{}
		for _, a := range e.state.Load().Accounts() {
			targets = append(targets, a.Name)
		}
		sort.Strings(targets)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode([]map[string]any{{"targets": targets, "labels": map[string]string{}}})
	})
}
