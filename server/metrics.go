package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are one server's Prometheus collectors, in a registry of its own
// so two servers in one process never share a counter.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	viewers  prometheus.Gauge // live log streams open (web UI, destemu tail)
	// stateSaves counts saves that wrote the state file, stateSaveFailures
	// the saves that failed (the file then holds an older state).
	stateSaves        prometheus.Counter
	stateSaveFailures prometheus.Counter

	// The collectors of each label set seen, so that a request does not
	// hash its labels into the vectors (destinations, statuses and
	// outcomes are few).
	counters  sync.Map // requestLabels → prometheus.Counter
	observers sync.Map // destination → prometheus.Observer
}

type requestLabels struct {
	dest    string
	status  int
	outcome string
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "destemu_webhook_requests_total",
			Help: "Webhook requests by destination, HTTP status and outcome.",
		}, []string{"destination", "status", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "destemu_webhook_request_duration_seconds",
			Help:    "Time to handle a webhook request, by destination.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, 1},
		}, []string{"destination"}),
		viewers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "destemu_live_viewers",
			Help: "Request-log streams open now (web UI pages, destemu tail).",
		}),
	}
	m.stateSaves = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "destemu_state_file_saves_total",
		Help: "Saves that wrote the state file (an unchanged state is not written).",
	})
	m.stateSaveFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "destemu_state_file_save_failures_total",
		Help: "Saves of the state file that failed; the file keeps the last state saved.",
	})
	m.registry.MustRegister(m.requests, m.latency, m.viewers, m.stateSaves, m.stateSaveFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(dest string, status int, outcome string, d time.Duration) {
	k := requestLabels{dest, status, outcome}
	c, ok := m.counters.Load(k)
	if !ok {
		c, _ = m.counters.LoadOrStore(k, m.requests.WithLabelValues(dest, strconv.Itoa(status), outcome))
	}
	c.(prometheus.Counter).Inc()
	o, ok := m.observers.Load(dest)
	if !ok {
		o, _ = m.observers.LoadOrStore(dest, m.latency.WithLabelValues(dest))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
