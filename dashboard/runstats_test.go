package dashboard

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
)

// TestAPICallsAndPickupLag: a run's API calls per budget show in its page
// (a table) and in the chart of the Runs page, and its pickup lag in its
// page and in its flow's chart on the Flows page.
func TestAPICallsAndPickupLag(t *testing.T) {
	st, run := testStore(t, 3)
	ctx := t.Context()
	calls := []state.APICalls{
		{Connection: "eaccounting.books", Budget: "POST orders", Calls: 2, Limit: 600, Per: time.Minute},
		{Connection: "hubspot.shop", Budget: "burst", Calls: 7, Limit: 190, Per: 10 * time.Second},
	}
	if err := st.SetRunAPICalls(ctx, run, calls); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRunPickupLag(ctx, run, "orders", 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A run without either: no bar, no row.
	other, err := st.StartRun(ctx, "apply", "digest")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, other, state.StatusSucceeded, nil); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, Options{Store: st, Project: Project{Flows: []Flow{{Name: "orders", Source: "hubspot.shop.orders", Target: "eaccounting.books.orders"}}}})

	for _, tt := range []struct {
		path      string
		want, not []string
	}{
		{fmt.Sprintf("/runs/%d", run), []string{
			`<td>eaccounting.books</td><th scope="row">POST orders</th><td>2</td><td>600 per 1m0s</td>`,
			`<td>hubspot.shop</td><th scope="row">burst</th><td>7</td><td>190 per 10s</td>`,
			`<dt>Pickup lag of orders</dt><dd>1.5s</dd>`,
		}, nil},
		{fmt.Sprintf("/runs/%d", other), []string{"No API calls recorded for this run."}, []string{"Pickup lag of"}},
		{"/runs", []string{
			`aria-label="API calls per run, by connection and budget"`,
			fmt.Sprintf(`<title>#%d hubspot.shop burst: 7</title>`, run),
			fmt.Sprintf(`<title>#%d eaccounting.books POST orders: 2</title>`, run),
			`</svg> hubspot.shop burst</li>`, // the legend
		}, []string{fmt.Sprintf(`<a href="/runs/%d"><rect`, other)}},
		{"/", []string{
			`aria-label="Pickup lag per run of orders"`,
			fmt.Sprintf(`<title>#%d pickup lag: 1.5s</title>`, run),
		}, nil},
	} {
		res, body := c.do(http.MethodGet, tt.path, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", tt.path, res.Status, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %s\n%s", tt.path, w, body)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(body, n) {
				t.Errorf("GET %s has %s", tt.path, n)
			}
		}
	}
}
