package app

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// watchPools exports the state of the database connection pools.
func (a *App) watchPools() {
	pools := map[string]func() sql.DBStats{
		"read":  func() sql.DBStats { r, _ := a.Store.Stats(); return r },
		"write": func() sql.DBStats { _, w := a.Store.Stats(); return w },
	}
	if a.Store.Dialect() == "postgres" { // one pool serves both
		pools = map[string]func() sql.DBStats{"all": pools["read"]}
	}
	for name, stats := range pools {
		labels := prometheus.Labels{"pool": name}
		gauge := func(metric, help string, value func(sql.DBStats) float64) {
			a.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: metric, Help: help, ConstLabels: labels,
			}, func() float64 { return value(stats()) }))
		}
		gauge("guanxi_db_connections_open", "Open database connections.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) })
		gauge("guanxi_db_connections_in_use", "Database connections in use.", func(s sql.DBStats) float64 { return float64(s.InUse) })
		gauge("guanxi_db_connection_waits_total", "Times a query waited for a free connection.", func(s sql.DBStats) float64 { return float64(s.WaitCount) })
		gauge("guanxi_db_connection_wait_seconds_total", "Time spent waiting for a free connection.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() })
	}
}
