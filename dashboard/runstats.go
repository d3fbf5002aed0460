package dashboard

import (
	"sort"
	"strconv"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
)

// budgetColors colour the budgets of the API calls chart, in the order the
// budgets first appear; they repeat beyond as many budgets.
var budgetColors = []string{"#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e", "#283593", "#f9a825"}

// budgetKey names one budget of one connection, as the chart stacks it.
func budgetKey(c state.APICalls) string { return c.Connection + " " + c.Budget }

// apiCallsChart draws the API calls of each run stacked by connection and
// budget. runs are oldest first.
func apiCallsChart(title string, runs []state.Run, stats map[int64]state.RunStats) chart {
	var keys []string
	seen := map[string]bool{}
	var bars []bar
	for _, r := range runs {
		calls := stats[r.ID].APICalls
		if len(calls) == 0 {
			continue
		}
		b := bar{Label: "#" + strconv.FormatInt(r.ID, 10), Href: "/runs/" + strconv.FormatInt(r.ID, 10), Counts: map[string]int{}}
		for _, c := range calls {
			k := budgetKey(c)
			b.Counts[k] += c.Calls
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		bars = append(bars, b)
	}
	sort.Strings(keys)
	colors := make(map[string]string, len(keys))
	var legend []legendItem
	for i, k := range keys {
		colors[k] = budgetColors[i%len(budgetColors)]
		legend = append(legend, legendItem{k, colors[k]})
	}
	c := drawStacked(title, series{Keys: keys, Color: func(k string) string { return colors[k] }, Format: strconv.Itoa}, bars)
	c.Legend = legend
	return c
}

// lagColor is the colour of pickup lag bars.
const lagColor = "#6a1b9a"

// pickupLagChart draws the pickup lag of flow in each run that picked up
// changes for it. runs are oldest first.
func pickupLagChart(title, flow string, runs []state.Run, stats map[int64]state.RunStats) chart {
	var bars []bar
	for _, r := range runs {
		lag, ok := stats[r.ID].PickupLag[flow]
		if !ok {
			continue
		}
		bars = append(bars, bar{Label: "#" + strconv.FormatInt(r.ID, 10), Href: "/runs/" + strconv.FormatInt(r.ID, 10),
			Counts: map[string]int{"pickup lag": int(lag.Milliseconds())}})
	}
	return drawStacked(title, series{Keys: []string{"pickup lag"}, Color: func(string) string { return lagColor }, Format: formatMillis}, bars)
}

// formatMillis reads a number of milliseconds as a duration: 1.5s, 2m3s.
func formatMillis(ms int) string {
	d := time.Duration(ms) * time.Millisecond
	if d >= time.Minute {
		d = d.Round(time.Second)
	}
	return d.String()
}

// runIDs are the IDs of runs.
func runIDs(runs []state.Run) []int64 {
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

// apiCallsRow is one line of a run's API calls table.
type apiCallsRow struct {
	state.APICalls
	Window string // the budget's limit per period, "190 per 10s"
}

func apiCallsRows(calls []state.APICalls) []apiCallsRow {
	out := make([]apiCallsRow, len(calls))
	for i, c := range calls {
		out[i] = apiCallsRow{APICalls: c}
		if c.Limit > 0 && c.Per > 0 {
			out[i].Window = strconv.Itoa(c.Limit) + " per " + c.Per.String()
		}
	}
	return out
}
