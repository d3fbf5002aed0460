package serve

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// APIMetrics counts the requests the connectors send, per rate budget:
// the host (a HubSpot portal's API, eAccounting's) and the endpoint
// (eAccounting's limits are per endpoint), with the 429s apart.
type APIMetrics struct {
	requests *prometheus.CounterVec
	limited  *prometheus.CounterVec
}

// NewAPIMetrics registers the API metrics in reg.
func NewAPIMetrics(reg prometheus.Registerer) *APIMetrics {
	m := &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_api_requests_total", Help: "Requests sent to the connected APIs, by host, endpoint and status class (2xx, 4xx, 5xx, error).",
		}, []string{"host", "endpoint", "status"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_api_rate_limited_total", Help: "Requests the connected APIs answered with 429 Too Many Requests, by host and endpoint.",
		}, []string{"host", "endpoint"}),
	}
	reg.MustRegister(m.requests, m.limited)
	return m
}

// Client is an HTTP client for the connectors that counts their requests.
// Its timeout is HubSpot's connector default, a bound for any one request.
func (m *APIMetrics) Client() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &countingTransport{base: http.DefaultTransport, m: m}}
}

type countingTransport struct {
	base http.RoundTripper
	m    *APIMetrics
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	ep := endpoint(r.URL.Path)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode/100) + "xx"
		if resp.StatusCode == http.StatusTooManyRequests {
			t.m.limited.WithLabelValues(r.URL.Host, ep).Inc()
		}
	}
	t.m.requests.WithLabelValues(r.URL.Host, ep, status).Inc()
	return resp, err
}

// endpoint is the path up to its first id (or four segments), so that the
// label names the endpoint and not the record: /v2/customers/8f2c... is
// /v2/customers.
func endpoint(path string) string {
	var out []string
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if len(out) == 4 || seg == "" || isID(seg) {
			break
		}
		out = append(out, seg)
	}
	return "/" + strings.Join(out, "/")
}

// isID tells a record id (digits, a UUID) from a path word or a version
// (v2, 2026-03).
func isID(seg string) bool {
	if len(seg) <= 3 && strings.HasPrefix(seg, "v") {
		return false
	}
	digits := 0
	for _, c := range seg {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return digits > 0 && !(len(seg) == 7 && seg[4] == '-' && digits == 6)
}
