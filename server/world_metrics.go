package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/destemu/destemu/emulators"
)

// worldCollector reports what the server holds, read at each scrape, so
// that a long-running sandbox's growth (or its retention at work) shows in
// /metrics (#13 item 9). A scrape takes each account's lock briefly.
type worldCollector struct {
	world                               *emulators.World
	namespaces, accounts, users, events *prometheus.Desc
	logEntries, logBodyBytes, waiters   *prometheus.Desc
}

func newWorldCollector(w *emulators.World) *worldCollector {
	dest := []string{"destination"}
	return &worldCollector{
		world:        w,
		namespaces:   prometheus.NewDesc("destemu_namespaces", "Namespaces that exist, the default one included.", nil, nil),
		accounts:     prometheus.NewDesc("destemu_accounts", "Accounts by destination, over every namespace.", dest, nil),
		users:        prometheus.NewDesc("destemu_users", "Users (contacts, for Promoter) stored by destination, over every namespace.", dest, nil),
		events:       prometheus.NewDesc("destemu_stored_events", "Events stored by destination, over every namespace (bounded per account by --retain-events).", dest, nil),
		logEntries:   prometheus.NewDesc("destemu_request_log_entries", "Entries in the request logs of every namespace.", nil, nil),
		logBodyBytes: prometheus.NewDesc("destemu_request_log_body_bytes", "Bytes of request bodies the request logs keep.", nil, nil),
		waiters:      prometheus.NewDesc("destemu_request_log_waiters", "Long-polls waiting on a request log.", nil, nil),
	}
}

// Describe sends every metric's description.
func (c *worldCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.namespaces, c.accounts, c.users, c.events, c.logEntries, c.logBodyBytes, c.waiters} {
		ch <- d
	}
}

// Collect reads the world now.
func (c *worldCollector) Collect(ch chan<- prometheus.Metric) {
	all := c.world.Namespaces()
	var entries, bodyBytes, waiters int
	type sums struct{ accounts, users, events int }
	byDest := map[string]*sums{}
	for _, e := range c.world.Emulators() {
		byDest[e.Info().Slug] = &sums{}
	}
	for _, ns := range all {
		st := ns.Log.Stats()
		entries, bodyBytes, waiters = entries+st.Entries, bodyBytes+st.BodyBytes, waiters+st.Waiters
		for slug, s := range byDest {
			for _, a := range ns.Accounts(slug) {
				s.accounts++
				if u, e, ok := a.Stored(); ok {
					s.users, s.events = s.users+u, s.events+e
				}
			}
		}
	}
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	gauge(c.namespaces, len(all))
	gauge(c.logEntries, entries)
	gauge(c.logBodyBytes, bodyBytes)
	gauge(c.waiters, waiters)
	for slug, s := range byDest {
		gauge(c.accounts, s.accounts, slug)
		gauge(c.users, s.users, slug)
		gauge(c.events, s.events, slug)
	}
}
