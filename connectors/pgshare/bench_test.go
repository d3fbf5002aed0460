package pgshare_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/pgshare/pgsharetest"
	"github.com/kopla-dev/kopla/connectors/rest"
)

// counting counts the round trips to the shared budget.
type counting struct {
	connectors.SharedBudgets
	takes *atomic.Int64
}

func (c counting) Take(ctx context.Context, key string, limit int, window time.Duration, n int) (connectors.Grant, error) {
	c.takes.Add(1)
	return c.SharedBudgets.Take(ctx, key, limit, window, n)
}

// BenchmarkSharedBudget sends a fixed number of requests from 1, 2 and 4
// workers sharing one budget on Postgres and reports how close they come
// to the budget's bound (bound-ratio = elapsed / the least time the limit
// allows; 1 is the bound itself), the busiest window against the limit
// (never above 1), and the database round trips per request. Run with
// -benchtime=1x: each size takes about 4 windows.
func BenchmarkSharedBudget(b *testing.B) {
	base := pgtest.URL(b)
	const limit, per, total = 40, time.Second, 4*40 + 1
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var ratio, busiest, trips float64
			for range b.N {
				schema := pgtest.Schema(b, base)
				api := &arrivals{}
				srv := httptest.NewServer(api)
				var takes atomic.Int64
				clients := make([]*rest.Client, workers)
				for i := range clients {
					clients[i] = client(counting{pgsharetest.Worker(b, base, schema), &takes}, limit, per)
				}
				var next atomic.Int64
				start := time.Now()
				done := make(chan error, 4*workers)
				for _, c := range clients {
					for range 4 {
						go func() {
							for next.Add(1) <= total {
								req := httptestRequest(srv.URL)
								if _, err := c.Do(req, nil); err != nil {
									done <- err
									return
								}
							}
							done <- nil
						}()
					}
				}
				for range 4 * workers {
					if err := <-done; err != nil {
						b.Fatal(err)
					}
				}
				elapsed := time.Since(start)
				srv.Close()
				// The k-th request (from 0) may go at floor(k/limit) windows.
				bound := time.Duration((total-1)/limit) * per
				ratio = elapsed.Seconds() / bound.Seconds()
				busiest = float64(api.busiest(per)) / limit
				trips = float64(takes.Load()) / total
				if busiest > 1 {
					b.Errorf("%d workers: the busiest window held %.0f requests; the limit is %d", workers, busiest*limit, limit)
				}
			}
			b.ReportMetric(ratio, "bound-ratio")
			b.ReportMetric(busiest, "busiest/limit")
			b.ReportMetric(trips, "db-trips/request")
		})
	}
}
