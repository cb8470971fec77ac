package app

import (
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wechat-exporter/wechat-exporter/store"
)

// openStore opens the store at --storage.path. A damaged store file has
// been moved aside by store.Open: say so at error, with where it is now.
func openStore(path string, logger log.Logger) (*store.Store, error) {
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	if st.ReadOnly() {
		level.Error(logger).Log("msg", "the store is read-only (a read-only mount, or a file this user may not write): "+
			"serving what it holds and fetching nothing, since nothing fetched could be kept; make it writable and restart",
			"storage_path", path)
	}
	if r := st.Recovered(); r != nil {
		level.Error(logger).Log("msg", "the store file was damaged: moved it aside and started an empty store; "+
			"the lookback is fetched again, older days are only in the moved file",
			"reason", r.Reason, "moved_to", r.MovedTo, "storage_path", path)
	}
	return st, nil
}

// newStoreMetrics registers the store's own metrics.
func newStoreMetrics(reg prometheus.Registerer, st *store.Store) {
	moved := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wechat_store_files_moved_aside_total",
		Help: "Damaged store files moved aside at start (the exporter then started with an empty store and fetches the lookback again; the log says where the file is).",
	})
	if st.Recovered() != nil {
		moved.Inc()
	}
	readOnly := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wechat_store_read_only",
		Help: "1 when the store could only be opened for reading (a read-only mount, or a file this user may not write): what it holds is served and nothing is fetched.",
	})
	if st.ReadOnly() {
		readOnly.Set(1)
	}
	reg.MustRegister(moved, readOnly)
}
